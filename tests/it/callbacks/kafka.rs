//! The callback list from a Kafka topic: the day of [`super::day`] produced by kafka-python to
//! a tansu broker (keyed by call id over two partitions; the callback attempt has no key),
//! read by `callpulse run`: the same list, masks and gauges as from a file; and after a
//! restart, the same list again from the checkpoint, with nothing read twice.

use super::{check_day, day, now_ms, zone};
use crate::http_access::tokens_file;
use crate::support::kafka::{produce_by_call_id, Broker};
use crate::support::service::{sample, Service};
use std::path::Path;
use std::time::Duration;

fn start(bootstrap: &str, tokens: &Path, store: &Path, zone: &str) -> Service {
    Service::start(
        &["run"],
        &[
            ("CALLPULSE_KAFKA_BROKERS", bootstrap),
            ("CALLPULSE_KAFKA_TOPICS", "calls"),
            ("CALLPULSE_KAFKA_GROUP_ID", "callbacks"),
            ("CALLPULSE_KAFKA_DEAD_LETTER_TOPIC", "dead-letters"),
            ("CALLPULSE_HTTP_TOKENS_FILE", tokens.to_str().unwrap()),
            ("CALLPULSE_ENGINE_TIMEZONE", zone),
            ("CALLPULSE_EVIDENCE_PATH", store.to_str().unwrap()),
            ("CALLPULSE_EVIDENCE_CHECKPOINT_INTERVAL", "200ms"),
        ],
    )
}

#[test]
fn events_from_kafka_list_the_callers_to_call_back_and_a_restart_keeps_the_list() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 2);
    broker.create_topic("dead-letters", 1);
    let now = now_ms();
    let lines = day(now - 120_000);
    produce_by_call_id(&broker, "calls", &lines);
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(&tokens, tokens_file()).unwrap();
    let store = dir.path().join("evidence.db");
    let bootstrap = broker.bootstrap();

    let service = start(&bootstrap, &tokens, &store, zone(now));
    check_day(&service);
    assert!(service.terminate(Duration::from_secs(30)).success());

    let service = start(&bootstrap, &tokens, &store, zone(now));
    check_day(&service);
    let (_, m) = super::get_as(&service, "/metrics", "reader");
    assert_eq!(
        sample(&m, "callpulse_events_read_total", ""),
        Some(lines.len() as f64),
        "the list comes from the checkpoint: nothing was read twice"
    );
}
