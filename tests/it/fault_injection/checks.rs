//! What the tests check once the service has stopped: the dead-letter topic against what was
//! produced and what the engine rejected, and every message read exactly once.

use super::cluster::{
    client, end_offsets, Cluster, DEADLINE, DEAD_LETTER, DEAD_LETTER_PARTITIONS, INPUT,
};
use super::producer::Position;
use callpulse::codec::decode;
use callpulse::engine::Stats;
use callpulse::service::dead_letter::{SOURCE_OFFSET, SOURCE_PARTITION, SOURCE_TOPIC};
use rdkafka::consumer::Consumer;
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One message of the dead-letter topic.
#[derive(Debug)]
pub(super) struct DeadLetter {
    source_topic: String,
    source: Position,
    payload: String,
}

/// Every message of the dead-letter topic (it holds exactly as many as its end offsets say).
pub(super) fn dead_letters(cluster: &Cluster) -> Vec<DeadLetter> {
    let expect: i64 = end_offsets(cluster, DEAD_LETTER, DEAD_LETTER_PARTITIONS)
        .iter()
        .sum();
    let c = client(cluster, "fault-injection-dead-letter-reader");
    let mut tpl = TopicPartitionList::new();
    for p in 0..DEAD_LETTER_PARTITIONS {
        tpl.add_partition_offset(DEAD_LETTER, p, Offset::Beginning)
            .expect("offset");
    }
    c.assign(&tpl).expect("assign");
    let mut out = Vec::new();
    let deadline = Instant::now() + DEADLINE;
    while (out.len() as i64) < expect {
        assert!(
            Instant::now() < deadline,
            "read {} of {expect} dead letters",
            out.len()
        );
        let Some(m) = c.poll(Duration::from_millis(100)) else {
            continue;
        };
        let m = m.expect("dead-letter message");
        let mut header = BTreeMap::new();
        for h in m.headers().expect("dead letters have headers").iter() {
            let value = String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned();
            header.insert(h.key.to_string(), value);
        }
        out.push(DeadLetter {
            source_topic: header[SOURCE_TOPIC].clone(),
            source: (
                header[SOURCE_PARTITION].parse().expect("partition"),
                header[SOURCE_OFFSET].parse().expect("offset"),
            ),
            payload: String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
        });
    }
    out
}

/// Checks the dead-letter topic against what was produced and what the engine rejected:
/// a letter for each rejection, each naming a produced message, and every line that does not
/// decode among them with its bytes unchanged. Returns how many letters were written twice.
///
/// A write that timed out is retried, and a broker may have stored it anyway: the service
/// promises no lost dead letter, not no duplicate. `allow_duplicates` says whether the fault
/// of a test can cause one.
pub(super) fn assert_dead_letters_match(
    cluster: &Cluster,
    produced: &BTreeMap<Position, String>,
    rejected: u64,
    allow_duplicates: bool,
) -> usize {
    let letters = dead_letters(cluster);
    let mut by_source: BTreeMap<Position, &DeadLetter> = BTreeMap::new();
    let mut duplicates = 0;
    for letter in &letters {
        assert_eq!(letter.source_topic, INPUT, "{letter:?}");
        let line = produced
            .get(&letter.source)
            .unwrap_or_else(|| panic!("a dead letter for no message: {letter:?}"));
        if let Some(first) = by_source.insert(letter.source, letter) {
            assert!(allow_duplicates, "dead letter twice: {first:?}, {letter:?}");
            assert_eq!(first.payload, letter.payload, "{line}");
            duplicates += 1;
        }
    }
    assert_eq!(
        by_source.len() as u64,
        rejected,
        "one dead letter per rejection ({} letters in all)",
        letters.len()
    );
    let malformed: Vec<_> = produced
        .iter()
        .filter(|(_, line)| decode(line).is_err())
        .collect();
    assert!(!malformed.is_empty(), "the input had no malformed line");
    for (at, line) in malformed {
        let letter = by_source
            .get(at)
            .unwrap_or_else(|| panic!("no dead letter for the malformed line at {at:?}: {line}"));
        assert_eq!(&letter.payload, line, "a dead letter keeps the bytes");
    }
    duplicates
}

/// Every message was read exactly once, and each read event was accepted, rejected or is
/// still pending in the engine.
pub(super) fn assert_read_once(stats: &Stats, messages: u64, produced: usize) {
    assert_eq!(stats.read, produced as u64, "read == produced: {stats:?}");
    assert_eq!(messages, produced as u64, "messages taken == produced");
    assert_eq!(
        stats.accepted + stats.rejected_total(),
        stats.read,
        "after shutdown every event read is accepted or rejected: {stats:?}"
    );
}
