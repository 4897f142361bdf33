//! The eight calls of [`super::eight_calls`] produced by kafka-python to a tansu broker,
//! keyed by call id over two partitions, then read by `callpulse run` configured by the same
//! file as the followed one (the input from the environment): the same figures, definition
//! stamps, window gauges and alerts as from a file ([`super::check_levels`]). The calls are
//! in the topic before the service starts, so each partition is read from its start and
//! none waits on the idle rule; the figures are live ones (applied state ⊕ overlay), so they
//! show whether or not the watermark has passed the calls.

use super::{check_levels, configure, eight_calls, PROFILE};
use crate::support::kafka::{calls_on_two_partitions, Broker};
use crate::support::live::kafka_env;
use crate::support::service::{sample, Service};

#[test]
fn from_kafka_each_criterion_shows_and_judges_the_service_level_of_its_own_definition() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let lines = eight_calls();
    calls_on_two_partitions(&broker, &lines);
    let dir = tempfile::tempdir().unwrap();
    let config = configure(PROFILE, dir.path(), "");
    let bootstrap = broker.bootstrap();
    let config_arg = config.to_str().unwrap();
    let service = Service::start(
        &["run", "--config", config_arg],
        &kafka_env(&bootstrap, "calls", "service-levels", "0s"),
    );
    check_levels(&service);
    let (_, m) = service.get("/metrics");
    assert_eq!(
        sample(&m, "callpulse_events_read_total", ""),
        Some(lines.len() as f64),
        "every call's events from both partitions"
    );
}
