//! A backlog read from several partitions at once is applied, none of it rejected as too
//! late: the watermark of several partitions is the slowest one's.

use super::cluster::{cluster, config, INPUT_PARTITIONS};
use super::producer::{simulated, LineProducer};
use super::service::Service;

#[test]
fn a_backlog_read_from_several_partitions_is_applied_not_rejected_as_too_late() {
    const LINES: usize = 1_000;
    let cluster = cluster();
    let lines = simulated(LINES, 0);
    let mut producer = LineProducer::new(&cluster);
    producer.send_all(&lines);
    producer.flush();

    // Each partition holds its events in event-time order, keyed as the contract asks.
    let service = Service::start(&config(&cluster, "backlog", &[]));
    service.wait_until_settled(LINES as u64);
    let (stats, _) = service.stop();

    assert_eq!(
        stats.rejected_total(),
        0,
        "a valid backlog read from {INPUT_PARTITIONS} partitions: {stats:?}"
    );
}
