//! Asterisk queue_log lines as Kafka messages: read directly or through `callpulse produce`,
//! the same counts; and each partition is its own stream, so one PBX's restart ends only its
//! own calls.

use super::common::{env, produce_raw, WAIT};
use crate::support::kafka::{kafka_python, Broker};
use crate::support::service::{sample, Service};
use callpulse::codec::decode;
use serde_json::Value;
use std::process::{Command, Stdio};

/// Queue_log lines of two queues on 2026-11-02 from 09:00 (epoch 1793610000): sales has one
/// call that rings once unanswered, then is answered after 12 s and completed, and one that
/// times out after 60 s; support has one abandon after 8 s. The last line is not queue_log.
fn queue_log_lines() -> Vec<String> {
    let t = 1_793_610_000u64;
    [
        format!("{t}|c1|sales|NONE|ENTERQUEUE||0123456789|1"),
        format!("{}|c1|sales|PJSIP/alice|RINGNOANSWER|4000", t + 5),
        format!("{}|c1|sales|PJSIP/bob|CONNECT|12|c1.2|3", t + 12),
        format!("{}|c2|sales|NONE|ENTERQUEUE||0123456780|2", t + 20),
        format!("{}|c3|support|NONE|ENTERQUEUE||0123456781|1", t + 30),
        format!("{}|c3|support|NONE|ABANDON|1|1|8", t + 38),
        format!("{}|c2|sales|NONE|EXITWITHTIMEOUT|1|2|60", t + 80),
        format!("{}|c1|sales|PJSIP/bob|COMPLETECALLER|12|90|1", t + 102),
        "line noise from a serial console".to_string(),
    ]
    .to_vec()
}

fn call_counts(service: &Service) -> Vec<Option<f64>> {
    let m = service.get("/metrics").1;
    [
        ("callpulse_calls_offered_total", r#"queue="sales""#),
        ("callpulse_calls_answered_total", r#"queue="sales""#),
        ("callpulse_calls_timed_out_total", r#"queue="sales""#),
        ("callpulse_calls_abandoned_total", r#"queue="support""#),
        ("callpulse_answer_wait_seconds_total", r#"queue="sales""#),
        ("callpulse_talk_seconds_total", r#"queue="sales""#),
    ]
    .iter()
    .map(|(name, labels)| sample(&m, name, labels))
    .collect()
}

#[test]
fn queue_log_lines_as_kafka_messages_and_callpulse_produce_give_the_same_counts() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("qlog", 1);
    broker.create_topic("canonical", 2);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let lines = queue_log_lines();

    // One queue_log line per message, sent by kafka-python, read with --input-format queue_log.
    produce_raw(&bootstrap, "qlog", "0", &lines);
    let mut vars = env(&bootstrap, "qlog", "qlog-readers");
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1s"));
    let direct = Service::start(&["run", "--input-format", "queue_log"], &vars);
    let expected = vec![
        Some(2.0),
        Some(1.0),
        Some(1.0),
        Some(1.0),
        Some(12.0),
        Some(90.0),
    ];
    direct.wait_for("the queue_log calls", WAIT, |_| {
        (call_counts(&direct) == expected).then_some(())
    });
    let m = direct.get("/metrics").1;
    assert_eq!(sample(&m, "callpulse_input_records_total", ""), Some(9.0));
    assert_eq!(
        sample(
            &m,
            "callpulse_events_rejected_total",
            r#"reason="missing_field:event""#
        ),
        Some(1.0),
        "{m}"
    );

    // The same file through `callpulse produce`: canonical events, keyed by call id.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("queue_log");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args([
            "produce",
            "--input-format",
            "queue_log",
            "--brokers",
            &bootstrap,
            "--topic",
            "canonical",
            file.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{summary}");
    assert!(
        summary.starts_with("lines 9 events sent to canonical")
            && summary.contains("rejected missing_field:event: 1"),
        "{summary}"
    );
    let via_produce = Service::start(&["run"], &env(&bootstrap, "canonical", "canonical-readers"));
    via_produce.wait_for("the produced calls", WAIT, |_| {
        (call_counts(&via_produce) == expected).then_some(())
    });
    // Keys: a call's events carry its call id, an agent's its agent id, a component's its name.
    let sent: usize = summary
        .split_whitespace()
        .skip_while(|w| *w != "canonical")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no event count in {summary}"));
    let consumed = kafka_python(&[
        "consume",
        "--brokers",
        &bootstrap,
        "--topic",
        "canonical",
        "--expect",
        &sent.to_string(),
    ]);
    let messages: Vec<Value> = consumed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(messages.len(), sent, "{consumed}");
    for m in &messages {
        let event: Value = serde_json::from_str(m["value"].as_str().unwrap()).unwrap();
        let owner = ["call_id", "agent_id", "component"]
            .iter()
            .find_map(|f| event[*f].as_str())
            .unwrap_or_else(|| panic!("no key field in {event}"));
        assert_eq!(m["key"].as_str(), Some(owner), "{m}");
        decode(m["value"].as_str().unwrap()).expect("canonical JSON");
    }
}

#[test]
fn each_partition_of_queue_log_lines_is_its_own_stream_so_one_pbx_restart_ends_only_its_calls() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("pbxs", 2);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let t = 1_793_610_000u64;
    // PBX A (partition 0): a call waits 30 s and is answered. PBX B (partition 1) restarts
    // while it waits: B's restart must not end A's call.
    let pbx_a = [
        format!("{t}|a.1|sales|NONE|ENTERQUEUE||0123456789|1"),
        format!("{}|a.1|sales|PJSIP/alice|CONNECT|30|a.2|2", t + 30),
        format!("{}|a.1|sales|PJSIP/alice|COMPLETECALLER|30|60|1", t + 90),
    ];
    let pbx_b = [
        format!("{}|b.1|support|NONE|ENTERQUEUE||0123456780|1", t + 5),
        format!("{}|NONE|NONE|NONE|QUEUESTART|", t + 10),
    ];
    let send =
        |partition: &str, lines: &[String]| produce_raw(&bootstrap, "pbxs", partition, lines);
    let mut vars = env(&bootstrap, "pbxs", "pbx-readers");
    // No wall-clock advance: the 2026-11-02 lines come in three steps.
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1h"));
    let service = Service::start(&["run", "--input-format", "queue_log"], &vars);
    let records = |n: f64| {
        service.wait_for(&format!("{n} records"), WAIT, |m| {
            (sample(m, "callpulse_input_records_total", "")? >= n).then_some(())
        })
    };
    // In this order: A's caller enters, B restarts, then A's caller is answered.
    send("0", &pbx_a[..1]);
    records(1.0);
    send("1", &pbx_b);
    records(3.0);
    send("0", &pbx_a[1..]);
    service.wait_for("both PBXs' calls", WAIT, |m| {
        let answered = sample(m, "callpulse_calls_answered_total", r#"queue="sales""#)?;
        let failed = sample(m, "callpulse_calls_timed_out_total", r#"queue="support""#)?;
        (answered == 1.0 && failed == 1.0).then_some(())
    });
    let m = service.get("/metrics").1;
    assert_eq!(
        sample(&m, "callpulse_calls_timed_out_total", r#"queue="sales""#),
        Some(0.0),
        "{m}"
    );
    assert!(!m.contains("callpulse_events_rejected_total{"), "{m}");
}
