//! The Kafka test harness itself works: a tansu broker starts, takes a topic, and
//! kafka_tool.py writes messages to it and reads them back with keys, partitions and headers.

use crate::support::kafka::{kafka_python, kafka_python_with_input, Broker};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `n` call events as JSON lines; `n / 10` distinct call ids, each used ten times.
fn call_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"type\":\"call.offered\",\"call_id\":\"call-{:03}\",\"seq\":{i}}}\n",
                i % (n / 10)
            )
        })
        .collect()
}

/// Writes `text` to a temp file and produces it to `topic`, keyed by `call_id`, with
/// `extra` arguments (`--batch`).
fn produce_calls(broker: &Broker, topic: &str, text: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("calls.jsonl");
    std::fs::write(&file, text).unwrap();
    let bootstrap = broker.bootstrap();
    let mut args = vec!["produce", "--brokers", &bootstrap, "--topic", topic];
    args.extend(["--key-field", "call_id"]);
    args.extend(extra);
    args.push(file.to_str().unwrap());
    let out = kafka_python(&args);
    let sent: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(sent, serde_json::json!({"sent": text.lines().count()}));
}

fn consume(broker: &Broker, topic: &str, expect: usize) -> Vec<Value> {
    let out = kafka_python(&[
        "consume",
        "--brokers",
        &broker.bootstrap(),
        "--topic",
        topic,
        "--expect",
        &expect.to_string(),
        "--timeout",
        "30",
    ]);
    out.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn messages_come_back_with_their_keys_and_one_partition_per_key() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 3);
    produce_calls(&broker, "calls", &call_lines(100), &[]);

    let got = consume(&broker, "calls", 100);
    assert_eq!(got.len(), 100, "{}", broker.log_tail());
    let mut seqs = BTreeSet::new();
    let mut partition_of_key: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let mut offsets = BTreeSet::new();
    for m in &got {
        let event: Value = serde_json::from_str(m["value"].as_str().unwrap()).unwrap();
        let key = m["key"].as_str().expect("every message is keyed");
        assert_eq!(key, event["call_id"].as_str().unwrap(), "{m}");
        assert!(seqs.insert(event["seq"].as_u64().unwrap()), "duplicate {m}");
        let partition = m["partition"].as_i64().unwrap();
        assert!((0..3).contains(&partition), "{m}");
        assert!(
            offsets.insert((partition, m["offset"].as_i64().unwrap())),
            "{m}"
        );
        partition_of_key
            .entry(key.to_string())
            .or_default()
            .insert(partition);
        assert_eq!(m["headers"], serde_json::json!({}), "{m}");
    }
    assert_eq!(seqs, (0..100).collect::<BTreeSet<u64>>());
    assert_eq!(partition_of_key.len(), 10);
    for (key, partitions) in &partition_of_key {
        assert_eq!(partitions.len(), 1, "{key} is on partitions {partitions:?}");
    }
    let used: BTreeSet<i64> = partition_of_key.values().flatten().copied().collect();
    assert!(used.len() > 1, "ten keys all hashed to {used:?}");
}

#[test]
fn end_offsets_sum_to_the_messages_produced() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 3);
    // Batches of many records: tansu's ListOffsets answer is wrong for them, the high
    // watermark that end-offsets reports is not.
    produce_calls(&broker, "calls", &call_lines(100), &["--batch"]);

    let out = kafka_python(&[
        "end-offsets",
        "--brokers",
        &broker.bootstrap(),
        "--topic",
        "calls",
    ]);
    let ends: BTreeMap<String, i64> = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(ends.keys().collect::<Vec<_>>(), ["0", "1", "2"]);
    assert_eq!(ends.values().sum::<i64>(), 100, "{ends:?}");

    // Each end offset is one past the last message read back from its partition.
    let mut per_partition: BTreeMap<String, i64> = BTreeMap::new();
    for m in consume(&broker, "calls", 100) {
        let next = m["offset"].as_i64().unwrap() + 1;
        let end = per_partition.entry(m["partition"].to_string()).or_default();
        *end = (*end).max(next);
    }
    per_partition.retain(|_, end| *end > 0);
    let nonempty: BTreeMap<String, i64> = ends.into_iter().filter(|(_, end)| *end > 0).collect();
    assert_eq!(per_partition, nonempty);
}

#[test]
fn headers_unkeyed_lines_and_stdin_round_trip() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("misc", 1);
    let input = "not json\n\n{\"call_id\":7,\"x\":\"é\"}\n{\"other\":1}\n";
    let out = kafka_python_with_input(
        &[
            "produce",
            "--brokers",
            &broker.bootstrap(),
            "--topic",
            "misc",
            "--key-field",
            "call_id",
            "--header",
            "source=harness",
            "--header",
            "empty=",
            "-",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.trim(), r#"{"sent": 3}"#);

    let got = consume(&broker, "misc", 3);
    let summary: Vec<(i64, Value, &str)> = got
        .iter()
        .map(|m| {
            (
                m["offset"].as_i64().unwrap(),
                m["key"].clone(),
                m["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, Value::Null, "not json"),
            (1, Value::from("7"), "{\"call_id\":7,\"x\":\"é\"}"),
            (2, Value::Null, "{\"other\":1}"),
        ]
    );
    for m in &got {
        assert_eq!(
            m["headers"],
            serde_json::json!({"source": "harness", "empty": ""}),
            "{m}"
        );
    }
}
