//! Every Kafka client callpulse makes is built from the same `[kafka.client]` settings as
//! `run`'s consumer: `produce` and `simulate --brokers` too, so a TLS/SASL setting reaches
//! librdkafka. Proved with a setting librdkafka refuses when it builds the client (a CA file
//! that does not exist): its own error, naming the setting, comes back. A client built from
//! the brokers alone would not see the setting, and would try to send instead.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MISSING_CA: &str = "/nonexistent/callpulse-test-ca.pem";

/// Runs callpulse with `args` and `envs`; its exit success and stderr. Killed after `within`.
fn callpulse(args: &[&str], envs: &[(&str, &str)], within: Duration) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callpulse starts");
    let deadline = Instant::now() + within;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status.is_some_and(|s| s.success()), stderr)
}

#[test]
fn produce_builds_its_client_from_the_kafka_client_settings() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("callpulse.toml");
    std::fs::write(
        &cfg,
        format!(
            "[kafka.client]\n\"security.protocol\" = \"SASL_SSL\"\n\"sasl.mechanism\" = \"PLAIN\"\n\
             \"sasl.username\" = \"u\"\n\"sasl.password\" = \"p\"\n\"ssl.ca.location\" = \"{MISSING_CA}\"\n"
        ),
    )
    .unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(
        &events,
        "{\"type\":\"call.offered\",\"ts\":\"2026-11-02T09:00:00Z\",\"call_id\":\"c\",\"queue\":\"q\"}\n",
    )
    .unwrap();
    let (ok, stderr) = callpulse(
        &[
            "produce",
            "--config",
            cfg.to_str().unwrap(),
            "--brokers",
            "127.0.0.1:9",
            "--topic",
            "t",
            "--no-progress",
            events.to_str().unwrap(),
        ],
        &[],
        Duration::from_secs(120),
    );
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("ssl.ca.location"),
        "librdkafka's own error names the setting: {stderr}"
    );
}

#[test]
fn simulate_to_kafka_builds_its_client_from_the_environments_kafka_client_settings() {
    let (ok, stderr) = callpulse(
        &[
            "simulate",
            "--brokers",
            "127.0.0.1:9",
            "--topic",
            "t",
            "--hours",
            "0.01",
        ],
        &[
            ("CALLPULSE_KAFKA_CLIENT_SECURITY_PROTOCOL", "SSL"),
            ("CALLPULSE_KAFKA_CLIENT_SSL_CA_LOCATION", MISSING_CA),
        ],
        Duration::from_secs(120),
    );
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("ssl.ca.location"),
        "librdkafka's own error names the setting: {stderr}"
    );
}
