//! The mock cluster the faults are injected into (`rdkafka::mocking::MockCluster`): its
//! topics, the service's configuration against it, the tests' own questions to it (end and
//! committed offsets), and the one way every test waits ([`eventually`]).

use callpulse::config::Config;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::{Offset, TopicPartitionList};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub(super) const INPUT: &str = "calls";
pub(super) const DEAD_LETTER: &str = "calls.dead-letter";
pub(super) const BROKERS: i32 = 3;
pub(super) const INPUT_PARTITIONS: i32 = 4;
pub(super) const DEAD_LETTER_PARTITIONS: i32 = 2;
/// Longest wait for anything to happen; only ever reached when a test fails.
pub(super) const DEADLINE: Duration = Duration::from_secs(120);
/// Timeout of one admin-like request (watermarks, committed offsets).
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) type Cluster = MockCluster<'static, DefaultProducerContext>;

/// A mock cluster of [`BROKERS`] brokers with the input and dead-letter topics.
pub(super) fn cluster() -> Cluster {
    let cluster = MockCluster::new(BROKERS).expect("mock cluster");
    cluster
        .create_topic(INPUT, INPUT_PARTITIONS, BROKERS)
        .expect("input topic");
    cluster
        .create_topic(DEAD_LETTER, DEAD_LETTER_PARTITIONS, BROKERS)
        .expect("dead-letter topic");
    cluster
}

/// The service's configuration against `cluster`, consuming in `group`.
///
/// The watermark never follows the wall clock (`idle_after` of a day): the simulated events
/// lie in the past, and an idle advance would make later batches late. Short reconnect and
/// commit intervals make the tests quicker (and an offset stored too early visible within a
/// second); `client` adds settings of one test.
pub(super) fn config(cluster: &Cluster, group: &str, client: &[(&str, &str)]) -> Config {
    let mut cfg = Config::default();
    cfg.kafka.brokers = cluster.bootstrap_servers();
    cfg.kafka.group_id = group.into();
    cfg.kafka.topics = vec![INPUT.into()];
    cfg.kafka.dead_letter_topic = DEAD_LETTER.into();
    cfg.service.idle_after = 24 * 3_600_000;
    for (key, value) in [
        ("reconnect.backoff.max.ms", "1000"),
        ("auto.commit.interval.ms", "200"),
    ]
    .into_iter()
    .chain(client.iter().copied())
    {
        cfg.kafka.client.insert(key.into(), value.into());
    }
    cfg
}

/// A client of the cluster for the tests' own questions.
pub(super) fn client(cluster: &Cluster, group: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap_servers())
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .expect("test consumer")
}

/// The high watermark of each partition of `topic`.
pub(super) fn end_offsets(cluster: &Cluster, topic: &str, partitions: i32) -> Vec<i64> {
    let c = client(cluster, "fault-injection-observer");
    (0..partitions)
        .map(|p| {
            c.fetch_watermarks(topic, p, REQUEST_TIMEOUT)
                .expect("watermarks")
                .1
        })
        .collect()
}

/// The offsets `group` committed for each input partition (`None`: nothing committed).
pub(super) fn committed(cluster: &Cluster, group: &str) -> Vec<Option<i64>> {
    let c = client(cluster, group);
    let mut tpl = TopicPartitionList::new();
    for p in 0..INPUT_PARTITIONS {
        tpl.add_partition(INPUT, p);
    }
    let got = c
        .committed_offsets(tpl, REQUEST_TIMEOUT)
        .expect("committed offsets");
    (0..INPUT_PARTITIONS)
        .map(|p| match got.find_partition(INPUT, p).map(|e| e.offset()) {
            Some(Offset::Offset(o)) => Some(o),
            _ => None,
        })
        .collect()
}

/// Waits until `group` has committed the end of every input partition.
pub(super) fn wait_until_committed_to_the_end(cluster: &Cluster, group: &str) {
    eventually("offsets committed up to the end", || {
        let ends = end_offsets(cluster, INPUT, INPUT_PARTITIONS);
        let got = committed(cluster, group);
        let want: Vec<Option<i64>> = ends.iter().map(|&e| Some(e)).collect();
        if got == want {
            Ok(())
        } else {
            Err(format!("committed {got:?}, ends {ends:?}"))
        }
    });
}

/// Polls `check` until it returns `Ok`; panics with its last error after [`DEADLINE`].
pub(super) fn eventually(what: &str, mut check: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match check() {
            Ok(()) => return,
            Err(why) if Instant::now() >= deadline => {
                panic!("{what}: not within {DEADLINE:?}; last seen: {why}")
            }
            Err(_) => sleep(Duration::from_millis(25)),
        }
    }
}
