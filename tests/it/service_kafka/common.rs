//! What the tests against the broker share: the environment of a `callpulse run` reading a
//! topic in a group, raw messages produced as they are, a known day of calls with two bad
//! messages, and reading `/metrics`.

use crate::support::kafka::kafka_python_with_input;
use crate::support::lines::{heartbeat, q1_threshold_calls};
use crate::support::service::{sample, Service};
use std::time::Duration;

pub(super) const WAIT: Duration = Duration::from_secs(90);

/// Environment of a `callpulse run` reading `topic` in `group` from `broker`.
pub(super) fn env<'a>(broker: &'a str, topic: &'a str, group: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CALLPULSE_KAFKA_BROKERS", broker),
        ("CALLPULSE_KAFKA_TOPICS", topic),
        ("CALLPULSE_KAFKA_GROUP_ID", group),
        ("CALLPULSE_KAFKA_DEAD_LETTER_TOPIC", "dead-letters"),
        ("CALLPULSE_ENGINE_LATENESS", "0s"),
        ("CALLPULSE_KAFKA_CLIENT_AUTO_COMMIT_INTERVAL_MS", "500"),
    ]
}

/// Sends `lines` as they are (one message each, no key) to `partition` of `topic`.
pub(super) fn produce_raw(bootstrap: &str, topic: &str, partition: &str, lines: &[String]) {
    let mut input = lines.join("\n");
    input.push('\n');
    kafka_python_with_input(
        &[
            "produce",
            "--brokers",
            bootstrap,
            "--topic",
            topic,
            "--partition",
            partition,
            "-",
        ],
        input.as_bytes(),
    );
}

/// Four calls of q1 (waits 5 s, 20.000 s, 20.001 s answered; one abandoned), one of q2,
/// two bad messages, and a heartbeat that moves the watermark past them.
pub(super) fn known_day() -> (Vec<String>, Vec<&'static str>) {
    let bad = vec![
        "not json",
        r#"{"type":"call.parked","ts":"2026-11-02T10:00:01Z"}"#,
    ];
    let mut lines = q1_threshold_calls();
    lines.extend(bad.iter().map(|s| s.to_string()));
    lines.push(heartbeat("2026-11-02T10:05:00Z"));
    (lines, bad)
}

pub(super) fn metric(service: &Service, name: &str, labels: &str) -> Option<f64> {
    sample(&service.get("/metrics").1, name, labels)
}

pub(super) fn wait_read(service: &Service, n: f64) {
    service.wait_for(&format!("{n} events read"), WAIT, |m| {
        sample(m, "callpulse_events_read_total", "").filter(|r| *r >= n)
    });
}
