//! The dead-letter topic refuses writes while a malformed message arrives: the service holds
//! that message's offset back (nothing past it is committed), says so (not ready), and once the
//! topic takes writes again the dead letter is written and the offsets reach the end.

use super::checks::{assert_dead_letters_match, assert_read_once};
use super::cluster::{
    cluster, committed, config, end_offsets, eventually, wait_until_committed_to_the_end, INPUT,
    INPUT_PARTITIONS,
};
use super::producer::{simulated, LineProducer};
use super::service::Service;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use std::thread::sleep;
use std::time::{Duration, Instant};

#[test]
fn a_dead_letter_topic_refusing_writes_holds_the_offsets_back_until_it_accepts() {
    const BATCH: usize = 600;
    let cluster = cluster();
    let group = "dead-letter-refused";
    // The mock coordinator lets a member join a group that others have left only after
    // (session timeout - 1 s): a short session keeps the restart quick.
    let cfg = config(&cluster, group, &[("session.timeout.ms", "6000")]);
    let lines = simulated(2 * BATCH, 0);
    let mut producer = LineProducer::new(&cluster);
    let started = Instant::now();

    // A first instance reads a first batch, with no fault, and commits it at shutdown.
    producer.send_all(&lines[..BATCH]);
    producer.flush();
    let first = Service::start(&cfg);
    first.wait_until_settled(BATCH as u64);
    let (first_stats, _) = first.stop();
    wait_until_committed_to_the_end(&cluster, group);
    let held = committed(&cluster, group);

    // A malformed message heads partition 0 and the rest of the batch follows it there, so
    // the first batch the next instance takes holds the malformed message.
    let noise = "ACD ERROR 17 line noise";
    producer.send(noise, Some(0));
    for line in &lines[BATCH..] {
        producer.send(line, Some(0));
    }
    let produced = producer.flush();
    let noise_at = *produced
        .iter()
        .find(|(_, line)| line.as_str() == noise)
        .expect("the malformed line was produced")
        .0;
    assert_eq!(
        Some(noise_at.1),
        held[0],
        "the malformed line heads partition 0"
    );

    // The dead-letter topic refuses every write from now on.
    cluster.request_errors(
        RDKafkaApiKey::Produce,
        &vec![RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED; 100_000],
    );
    let second = Service::start(&cfg);
    let key = (INPUT.to_string(), 0);
    second.wait_for("the malformed message read, its dead letter refused", |s| {
        s.process.dead_letters_blocked
            && s.process.dead_letter_errors >= 3
            && s.process.partitions.get(&key).and_then(|p| p.read_through) >= Some(noise_at.1)
    });
    let (blocked, written) = {
        let s = second.shared.lock();
        (s.engine.stats(), s.process.dead_letters)
    };
    assert!(blocked.rejected_total() >= 1, "{blocked:?}");
    assert_eq!(
        written, 0,
        "no dead letter written while the topic refuses them"
    );
    // Offsets are committed every 200 ms: had the service stored the malformed message's
    // offset, it would be committed by now. Nothing past it is.
    sleep(Duration::from_secs(1));
    let during = committed(&cluster, group);
    assert_eq!(
        during[0], held[0],
        "partition 0 is committed up to the malformed message, not past it"
    );
    assert!(
        second.shared.lock().ready().is_err(),
        "not ready while blocked"
    );

    // The topic takes writes again: the dead letters go out and the offsets reach the end.
    cluster.clear_request_errors(RDKafkaApiKey::Produce);
    let total = lines.len() + 1;
    second.wait_until_settled((total - BATCH) as u64);
    // Offsets move past the malformed message; the events still waiting in the reorder
    // buffer are committed at shutdown, once applied.
    eventually("the committed offset passes the malformed message", || {
        let c = committed(&cluster, group);
        if c[0].is_some_and(|o| o > noise_at.1) {
            Ok(())
        } else {
            Err(format!("committed {c:?}"))
        }
    });
    let (messages, errors) = {
        let s = second.shared.lock();
        (s.process.messages, s.process.dead_letter_errors)
    };
    let (stats, _) = second.stop();

    assert!(errors > 0);
    // The second instance resumed from the first one's offsets: it read the second batch only.
    assert_read_once(&stats, messages, total - BATCH);
    // A refused write is not stored: no dead letter can be written twice.
    assert_dead_letters_match(
        &cluster,
        &produced,
        first_stats.rejected_total() + stats.rejected_total(),
        false,
    );
    assert_eq!(
        committed(&cluster, group),
        end_offsets(&cluster, INPUT, INPUT_PARTITIONS)
            .iter()
            .map(|&e| Some(e))
            .collect::<Vec<_>>()
    );
    eprintln!(
        "dead letters refused: {errors} failed writes, {} rejected by the first instance and \
         {} by the second, done after {:.1} s",
        first_stats.rejected_total(),
        stats.rejected_total(),
        started.elapsed().as_secs_f64()
    );
}
