//! All brokers go down while the service is reading and come back: the service rides the
//! outage out, reads everything produced before, during and after it exactly once, writes a
//! dead letter for every rejection, and commits offsets up to the end of every partition.

use super::checks::{assert_dead_letters_match, assert_read_once};
use super::cluster::{cluster, committed, config, end_offsets, BROKERS, INPUT, INPUT_PARTITIONS};
use super::producer::{simulated, LineProducer};
use super::service::Service;
use std::thread::sleep;
use std::time::{Duration, Instant};

#[test]
fn a_broker_outage_loses_no_event_and_reads_none_twice() {
    const BATCH: usize = 1_500;
    let cluster = cluster();
    let group = "outage";
    // Small fetches and a slow network keep the service reading while the brokers go down.
    let cfg = config(&cluster, group, &[("max.partition.fetch.bytes", "1024")]);
    let lines = simulated(3 * BATCH, 100);
    let mut producer = LineProducer::new(&cluster);
    let service = Service::start(&cfg);
    let started = Instant::now();

    // Before: the first batch is read and settled.
    producer.send_all(&lines[..BATCH]);
    producer.flush();
    service.wait_until_settled(BATCH as u64);

    // The second batch is in the topic and being read when every broker goes down.
    for b in 1..=BROKERS {
        cluster
            .broker_round_trip_time(b, Duration::from_millis(50))
            .expect("rtt");
    }
    producer.send_all(&lines[BATCH..2 * BATCH]);
    producer.flush();
    service.wait_for("reading the second batch", |s| {
        s.engine.stats().read > BATCH as u64
    });
    for b in 1..=BROKERS {
        cluster.broker_down(b).expect("broker down");
    }
    let read_at_outage = service.stats().read;

    // During: the third batch waits in the producer; the service keeps running.
    producer.send_all(&lines[2 * BATCH..]);
    sleep(Duration::from_secs(5));
    service.assert_running();
    let read_during = service.stats().read;

    // After: the brokers come back and everything arrives, once.
    for b in 1..=BROKERS {
        cluster.broker_up(b).expect("broker up");
        cluster
            .broker_round_trip_time(b, Duration::ZERO)
            .expect("rtt");
    }
    let produced = producer.flush();
    assert_eq!(produced.len(), lines.len());
    let ends = end_offsets(&cluster, INPUT, INPUT_PARTITIONS);
    assert_eq!(
        ends.iter().sum::<i64>(),
        lines.len() as i64,
        "the input topic holds each line once: {ends:?}"
    );
    service.wait_until_settled(lines.len() as u64);
    let recovered = started.elapsed();

    let (messages, errors) = {
        let s = service.shared.lock();
        (s.process.messages, s.process.dead_letter_errors)
    };
    let (stats, written) = service.stop();

    assert_read_once(&stats, messages, lines.len());
    assert!(stats.rejected_total() > 0, "{stats:?}");
    assert_eq!(
        written,
        stats.rejected_total(),
        "a dead letter per rejection"
    );
    // A dead letter in flight when the brokers went down may be stored and written again.
    let duplicates = assert_dead_letters_match(&cluster, &produced, stats.rejected_total(), true);
    assert_eq!(
        committed(&cluster, group),
        ends.iter().map(|&e| Some(e)).collect::<Vec<_>>(),
        "after shutdown the committed offsets are the ends of the partitions"
    );
    eprintln!(
        "broker outage: {read_at_outage} of {} messages read when the brokers went down, \
         {read_during} after 5 s down; all {} read after {:.1} s; rejected {:?}, {} pending, \
         {errors} failed dead-letter writes, {duplicates} dead letters written twice",
        2 * BATCH,
        lines.len(),
        recovered.as_secs_f64(),
        stats.rejected,
        stats.pending(),
    );
}
