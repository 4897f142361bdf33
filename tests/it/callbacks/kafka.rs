//! The callback list from a Kafka topic: the day of [`super::day`] produced by kafka-python to
//! a tansu broker (keyed by call id over two partitions; the callback attempt has no key),
//! read by `callpulse run`: the same list, masks and gauges as from a file.

use super::{check_day, day, now_ms, zone};
use crate::http_access::tokens_file;
use crate::support::kafka::{produce_by_call_id, Broker};
use crate::support::service::Service;

#[test]
fn events_from_kafka_list_the_callers_to_call_back_in_the_api_and_metrics() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 2);
    broker.create_topic("dead-letters", 1);
    let now = now_ms();
    produce_by_call_id(&broker, "calls", &day(now - 120_000));
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(&tokens, tokens_file()).unwrap();
    let bootstrap = broker.bootstrap();
    let service = Service::start(
        &["run"],
        &[
            ("CALLPULSE_KAFKA_BROKERS", bootstrap.as_str()),
            ("CALLPULSE_KAFKA_TOPICS", "calls"),
            ("CALLPULSE_KAFKA_GROUP_ID", "callbacks"),
            ("CALLPULSE_KAFKA_DEAD_LETTER_TOPIC", "dead-letters"),
            ("CALLPULSE_HTTP_TOKENS_FILE", tokens.to_str().unwrap()),
            ("CALLPULSE_ENGINE_TIMEZONE", zone(now)),
        ],
    );
    check_day(&service);
}
