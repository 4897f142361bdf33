//! The calls of [`super::week_and_today`] produced by kafka-python to a tansu broker, keyed
//! by call id over two partitions, before `callpulse run` starts reading them: the same
//! trend as from a file ([`super::check_trend`]), last week read back from the evidence
//! store this service wrote it to.
//!
//! Why last week's calls are not late although a partition holds calls of today as well
//! (with these call ids and kafka-python's murmur2 partitioner, both partitions hold calls;
//! the test checks it): the lines are produced one by one in time order, so each partition holds its share in
//! time order; and the watermark of several partitions is the
//! oldest of their newest event times, a partition that has delivered nothing yet holding
//! everything back. So no partition's last-week calls are behind the watermark when they
//! are read; once both partitions have delivered today's calls, the watermark passes last
//! week's interval, which is closed and written to the store. The topic is full before the
//! service starts, so the idle rule (the watermark following the wall clock once every
//! partition is at its end) can only come after every call is read.

use super::{check_trend, week_and_today};
use crate::support::kafka::{calls_on_two_partitions, Broker};
use crate::support::live::{kafka_env, now_ms};
use crate::support::service::Service;

#[test]
fn from_kafka_the_trend_shows_today_and_compares_it_with_last_week_from_the_evidence() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let (zone, lines) = week_and_today(now_ms());
    calls_on_two_partitions(&broker, &lines);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("evidence.sqlite");
    let bootstrap = broker.bootstrap();
    let mut vars = kafka_env(&bootstrap, "calls", "trend", "0s");
    vars.push(("CALLPULSE_EVIDENCE_PATH", store.to_str().unwrap()));
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1s"));
    vars.push(("CALLPULSE_ENGINE_TIMEZONE", zone));
    let service = Service::start(&["run"], &vars);
    check_trend(&service, lines.len());
}
