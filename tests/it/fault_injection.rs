//! Fault injection against the live Kafka input (`callpulse::service::kafka::consume`): Kafka
//! failing under the service must neither lose an event nor feed one to the engine twice.
//!
//! - All brokers go down while the service is reading and come back: the service rides the
//!   outage out, reads everything produced before, during and after it exactly once, writes a
//!   dead letter for every rejection, and commits offsets up to the end of every partition.
//! - The dead-letter topic refuses writes while a malformed message arrives: the service holds
//!   that message's offset back (nothing past it is committed) and says so, and once the topic
//!   takes writes again the dead letter is written and the offsets reach the end.
//!
//! These tests use librdkafka's mock cluster (`rdkafka::mocking::MockCluster`) only because
//! it can inject faults (brokers down, request errors) on demand; it runs in process and
//! needs nothing installed. The tests against a real broker (tansu, `support::kafka`) prove
//! the protocol-level behaviour; these prove the service's reaction to failures.
//!
//! Every wait polls with a generous deadline and fails with the state it saw instead of
//! hanging; no assertion depends on how fast anything happens.
//!
//! An ignored test shows a fault of the service that these faults bring out: it reads its
//! partitions into one engine whose watermark follows the newest event of any partition, so a
//! backlog read from several partitions (after an outage, at a restart) has its agent states
//! and heartbeats rejected as `too_late`. Dead-lettered, so not lost, but not counted either.

use callpulse::codec::decode;
use callpulse::config::Config;
use callpulse::engine::Stats;
use callpulse::service::dead_letter::{SOURCE_OFFSET, SOURCE_PARTITION, SOURCE_TOPIC};
use callpulse::service::{kafka, Shared, Shutdown, State};
use callpulse::sim::{SimConfig, Simulator};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{
    BaseProducer, BaseRecord, DefaultProducerContext, DeliveryResult, Producer, ProducerContext,
};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread::{sleep, JoinHandle};
use std::time::{Duration, Instant};

const INPUT: &str = "calls";
const DEAD_LETTER: &str = "calls.dead-letter";
const BROKERS: i32 = 3;
const INPUT_PARTITIONS: i32 = 4;
const DEAD_LETTER_PARTITIONS: i32 = 2;
/// Longest wait for anything to happen; only ever reached when a test fails.
const DEADLINE: Duration = Duration::from_secs(120);
/// Timeout of one admin-like request (watermarks, committed offsets).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

type Cluster = MockCluster<'static, DefaultProducerContext>;

/// A mock cluster of [`BROKERS`] brokers with the input and dead-letter topics.
fn cluster() -> Cluster {
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
fn config(cluster: &Cluster, group: &str, client: &[(&str, &str)]) -> Config {
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

/// The Kafka input of `callpulse run`, running on its own thread.
struct Service {
    shared: Shared,
    shutdown: Shutdown,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
    /// How the input ended, once it has.
    ended: Arc<Mutex<Option<String>>>,
}

impl Service {
    fn start(cfg: &Config) -> Service {
        let shared = Shared::new(State::new(cfg.clone(), cfg.kafka.topics.clone()));
        let shutdown = Shutdown::new();
        let ended = Arc::new(Mutex::new(None));
        let thread = std::thread::Builder::new()
            .name("service-input".into())
            .spawn({
                let (shared, shutdown, k) = (shared.clone(), shutdown.clone(), cfg.kafka.clone());
                let ended = ended.clone();
                move || {
                    let result = kafka::consume(shared, &k, shutdown);
                    let how = match &result {
                        Ok(()) => "returned".to_string(),
                        Err(e) => format!("failed: {e:#}"),
                    };
                    *ended.lock().unwrap() = Some(how);
                    result
                }
            })
            .expect("input thread");
        Service {
            shared,
            shutdown,
            thread: Some(thread),
            ended,
        }
    }

    fn stats(&self) -> Stats {
        self.shared.lock().engine.stats()
    }

    /// Panics if the input stopped on its own (it runs until shutdown).
    fn assert_running(&self) {
        let thread = self.thread.as_ref().expect("not stopped yet");
        if thread.is_finished() {
            let ended = self.ended.lock().unwrap().clone();
            panic!("the input stopped by itself: {ended:?}");
        }
    }

    /// Waits until `done` holds for the state; panics with `what` and the state at the
    /// deadline.
    fn wait_for(&self, what: &str, done: impl Fn(&State) -> bool) {
        eventually(what, || {
            self.assert_running();
            let state = self.shared.lock();
            if done(&state) {
                Ok(())
            } else {
                Err(describe(&state))
            }
        });
    }

    /// Waits until the service has read `read` messages in all, nothing is pending on the
    /// dead-letter topic, and every rejection has been written as a dead letter.
    fn wait_until_settled(&self, read: u64) {
        self.wait_for(&format!("{read} messages read and dead-lettered"), |s| {
            let stats = s.engine.stats();
            stats.read == read
                && !s.process.dead_letters_blocked
                && s.process.dead_letters == stats.rejected_total()
        });
    }

    /// Triggers shutdown and waits for the input to commit and return.
    /// Stops the input and returns the engine's final counts and the dead letters written.
    fn stop(mut self) -> (Stats, u64) {
        self.shutdown.trigger();
        let thread = self.thread.take().expect("stopped once");
        eventually("the input stops after shutdown", || {
            if thread.is_finished() {
                Ok(())
            } else {
                Err("still running".into())
            }
        });
        thread
            .join()
            .expect("the input thread panicked")
            .expect("the input returned an error");
        // Shutdown applies what was still buffered: the final figures come after it.
        let s = self.shared.lock();
        (s.engine.stats(), s.process.dead_letters)
    }
}

impl Drop for Service {
    /// A failed test must not leave the input running against a cluster that goes away.
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// What the service did, for failure messages.
fn describe(s: &State) -> String {
    format!(
        "stats {:?}, messages {}, dead letters {} (errors {}, blocked {}), partitions {:?}",
        s.engine.stats(),
        s.process.messages,
        s.process.dead_letters,
        s.process.dead_letter_errors,
        s.process.dead_letters_blocked,
        s.process.partitions,
    )
}

/// Polls `check` until it returns `Ok`; panics with its last error after [`DEADLINE`].
fn eventually(what: &str, mut check: impl FnMut() -> Result<(), String>) {
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

/// `n` simulated JSON lines, `malformed_per_10k` of them malformed on purpose.
fn simulated(n: usize, malformed_per_10k: u32) -> Vec<String> {
    Simulator::new(SimConfig {
        seed: 7,
        malformed_per_10k,
        ..SimConfig::default()
    })
    .take(n)
    .collect()
}

/// Where a message is: (partition, offset).
type Position = (i32, i64);

/// Where each produced line went, by the index it was sent with.
#[derive(Default)]
struct Deliveries {
    done: Mutex<BTreeMap<usize, Result<Position, String>>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = Box<usize>;

    fn delivery(&self, result: &DeliveryResult<'_>, index: Box<usize>) {
        let outcome = match result {
            Ok(m) => Ok((m.partition(), m.offset())),
            Err((e, _)) => Err(e.to_string()),
        };
        let previous = self.done.lock().unwrap().insert(*index, outcome);
        assert!(previous.is_none(), "line {index} reported twice");
    }
}

/// The test's own producer of input lines: idempotent (a retry after a broker outage cannot
/// write a line twice) and patient (it buffers through an outage).
struct LineProducer {
    producer: BaseProducer<Deliveries>,
    lines: Vec<String>,
}

impl LineProducer {
    fn new(cluster: &Cluster) -> LineProducer {
        let producer = ClientConfig::new()
            .set("bootstrap.servers", cluster.bootstrap_servers())
            .set("enable.idempotence", "true")
            .set("message.timeout.ms", "600000")
            .set("reconnect.backoff.max.ms", "1000")
            .set("linger.ms", "5")
            .create_with_context(Deliveries::default())
            .expect("producer");
        LineProducer {
            producer,
            lines: Vec::new(),
        }
    }

    /// Queues `line` to `partition` if given, keyed as the event contract asks: by call id,
    /// by agent id for agent events; other lines go unkeyed.
    fn send(&mut self, line: &str, partition: Option<i32>) {
        let index = self.lines.len();
        self.lines.push(line.to_string());
        let key = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| {
                let id = v.get("call_id").or_else(|| v.get("agent_id"))?;
                id.as_str().map(String::from)
            });
        let mut record = BaseRecord::<str, str, Box<usize>>::with_opaque_to(INPUT, Box::new(index))
            .payload(line);
        if let Some(key) = &key {
            record = record.key(key.as_str());
        }
        if let Some(p) = partition {
            record = record.partition(p);
        }
        loop {
            match self.producer.send(record) {
                Ok(()) => return,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    self.producer.poll(Duration::from_millis(10));
                }
                Err((e, _)) => panic!("cannot queue line {index}: {e}"),
            }
        }
    }

    fn send_all(&mut self, lines: &[String]) {
        for line in lines {
            self.send(line, None);
        }
    }

    /// Waits until every line sent is acknowledged; returns each line by where it went.
    fn flush(&self) -> BTreeMap<Position, String> {
        self.producer
            .flush(DEADLINE)
            .expect("every line acknowledged");
        let done = self.producer.context().done.lock().unwrap();
        assert_eq!(done.len(), self.lines.len(), "a delivery report is missing");
        let mut at = BTreeMap::new();
        for (index, outcome) in done.iter() {
            let position = outcome
                .clone()
                .unwrap_or_else(|e| panic!("line {index}: {e}"));
            let before = at.insert(position, self.lines[*index].clone());
            assert!(before.is_none(), "two lines at {position:?}");
        }
        at
    }
}

/// A client of the cluster for the tests' own questions.
fn client(cluster: &Cluster, group: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap_servers())
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .expect("test consumer")
}

/// The high watermark of each partition of `topic`.
fn end_offsets(cluster: &Cluster, topic: &str, partitions: i32) -> Vec<i64> {
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
fn committed(cluster: &Cluster, group: &str) -> Vec<Option<i64>> {
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
fn wait_until_committed_to_the_end(cluster: &Cluster, group: &str) {
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

/// One message of the dead-letter topic.
#[derive(Debug)]
struct DeadLetter {
    source_topic: String,
    source: Position,
    payload: String,
}

/// Every message of the dead-letter topic (it holds exactly as many as its end offsets say).
fn dead_letters(cluster: &Cluster) -> Vec<DeadLetter> {
    let expect: i64 = end_offsets(cluster, DEAD_LETTER, DEAD_LETTER_PARTITIONS)
        .iter()
        .sum();
    let c = client(cluster, "fault-injection-dead-letter-reader");
    let mut tpl = TopicPartitionList::new();
    for p in 0..DEAD_LETTER_PARTITIONS {
        tpl.add_partition_offset(DEAD_LETTER, p, Offset::Beginning)
            .expect("offset");
    }
    c.assign(&tpl).expect("assign");
    let mut out = Vec::new();
    let deadline = Instant::now() + DEADLINE;
    while (out.len() as i64) < expect {
        assert!(
            Instant::now() < deadline,
            "read {} of {expect} dead letters",
            out.len()
        );
        let Some(m) = c.poll(Duration::from_millis(100)) else {
            continue;
        };
        let m = m.expect("dead-letter message");
        let mut header = BTreeMap::new();
        for h in m.headers().expect("dead letters have headers").iter() {
            let value = String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned();
            header.insert(h.key.to_string(), value);
        }
        out.push(DeadLetter {
            source_topic: header[SOURCE_TOPIC].clone(),
            source: (
                header[SOURCE_PARTITION].parse().expect("partition"),
                header[SOURCE_OFFSET].parse().expect("offset"),
            ),
            payload: String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
        });
    }
    out
}

/// Checks the dead-letter topic against what was produced and what the engine rejected:
/// a letter for each rejection, each naming a produced message, and every line that does not
/// decode among them with its bytes unchanged. Returns how many letters were written twice.
///
/// A write that timed out is retried, and a broker may have stored it anyway: the service
/// promises no lost dead letter, not no duplicate. `allow_duplicates` says whether the fault
/// of a test can cause one.
fn assert_dead_letters_match(
    cluster: &Cluster,
    produced: &BTreeMap<Position, String>,
    rejected: u64,
    allow_duplicates: bool,
) -> usize {
    let letters = dead_letters(cluster);
    let mut by_source: BTreeMap<Position, &DeadLetter> = BTreeMap::new();
    let mut duplicates = 0;
    for letter in &letters {
        assert_eq!(letter.source_topic, INPUT, "{letter:?}");
        let line = produced
            .get(&letter.source)
            .unwrap_or_else(|| panic!("a dead letter for no message: {letter:?}"));
        if let Some(first) = by_source.insert(letter.source, letter) {
            assert!(allow_duplicates, "dead letter twice: {first:?}, {letter:?}");
            assert_eq!(first.payload, letter.payload, "{line}");
            duplicates += 1;
        }
    }
    assert_eq!(
        by_source.len() as u64,
        rejected,
        "one dead letter per rejection ({} letters in all)",
        letters.len()
    );
    let malformed: Vec<_> = produced
        .iter()
        .filter(|(_, line)| decode(line).is_err())
        .collect();
    assert!(!malformed.is_empty(), "the input had no malformed line");
    for (at, line) in malformed {
        let letter = by_source
            .get(at)
            .unwrap_or_else(|| panic!("no dead letter for the malformed line at {at:?}: {line}"));
        assert_eq!(&letter.payload, line, "a dead letter keeps the bytes");
    }
    duplicates
}

/// Every message was read exactly once, and each read event was accepted, rejected or is
/// still pending in the engine.
fn assert_read_once(stats: &Stats, messages: u64, produced: usize) {
    assert_eq!(stats.read, produced as u64, "read == produced: {stats:?}");
    assert_eq!(messages, produced as u64, "messages taken == produced");
    assert_eq!(
        stats.accepted + stats.rejected_total(),
        stats.read,
        "after shutdown every event read is accepted or rejected: {stats:?}"
    );
}

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

#[test]
fn a_dead_letter_topic_refusing_writes_holds_the_offsets_back_until_it_accepts() {
    const BATCH: usize = 600;
    let cluster = cluster();
    let group = "dead-letter-refused";
    // The mock coordinator lets a member join a group that others have left only after
    // (session timeout - 1 s): a short session keeps the restart quick.
    let cfg = config(&cluster, group, &[("session.timeout.ms", "6000")]);
    let lines = simulated(2 * BATCH, 0);
    let mut producer = LineProducer::new(&cluster);
    let started = Instant::now();

    // A first instance reads a first batch, with no fault, and commits it at shutdown.
    producer.send_all(&lines[..BATCH]);
    producer.flush();
    let first = Service::start(&cfg);
    first.wait_until_settled(BATCH as u64);
    let (first_stats, _) = first.stop();
    wait_until_committed_to_the_end(&cluster, group);
    let held = committed(&cluster, group);

    // A malformed message heads partition 0 and the rest of the batch follows it there, so
    // the first batch the next instance takes holds the malformed message.
    let noise = "ACD ERROR 17 line noise";
    producer.send(noise, Some(0));
    for line in &lines[BATCH..] {
        producer.send(line, Some(0));
    }
    let produced = producer.flush();
    let noise_at = *produced
        .iter()
        .find(|(_, line)| line.as_str() == noise)
        .expect("the malformed line was produced")
        .0;
    assert_eq!(
        Some(noise_at.1),
        held[0],
        "the malformed line heads partition 0"
    );

    // The dead-letter topic refuses every write from now on.
    cluster.request_errors(
        RDKafkaApiKey::Produce,
        &vec![RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED; 100_000],
    );
    let second = Service::start(&cfg);
    let key = (INPUT.to_string(), 0);
    second.wait_for("the malformed message read, its dead letter refused", |s| {
        s.process.dead_letters_blocked
            && s.process.dead_letter_errors >= 3
            && s.process.partitions.get(&key).and_then(|p| p.read_through) >= Some(noise_at.1)
    });
    let (blocked, written) = {
        let s = second.shared.lock();
        (s.engine.stats(), s.process.dead_letters)
    };
    assert!(blocked.rejected_total() >= 1, "{blocked:?}");
    assert_eq!(
        written, 0,
        "no dead letter written while the topic refuses them"
    );
    // Offsets are committed every 200 ms: had the service stored the malformed message's
    // offset, it would be committed by now. Nothing past it is.
    sleep(Duration::from_secs(1));
    let during = committed(&cluster, group);
    assert_eq!(
        during[0], held[0],
        "partition 0 is committed up to the malformed message, not past it"
    );
    assert!(
        second.shared.lock().ready().is_err(),
        "not ready while blocked"
    );

    // The topic takes writes again: the dead letters go out and the offsets reach the end.
    cluster.clear_request_errors(RDKafkaApiKey::Produce);
    let total = lines.len() + 1;
    second.wait_until_settled((total - BATCH) as u64);
    // Offsets move past the malformed message; the events still waiting in the reorder
    // buffer are committed at shutdown, once applied.
    eventually("the committed offset passes the malformed message", || {
        let c = committed(&cluster, group);
        if c[0].is_some_and(|o| o > noise_at.1) {
            Ok(())
        } else {
            Err(format!("committed {c:?}"))
        }
    });
    let (messages, errors) = {
        let s = second.shared.lock();
        (s.process.messages, s.process.dead_letter_errors)
    };
    let (stats, _) = second.stop();

    assert!(errors > 0);
    // The second instance resumed from the first one's offsets: it read the second batch only.
    assert_read_once(&stats, messages, total - BATCH);
    // A refused write is not stored: no dead letter can be written twice.
    assert_dead_letters_match(
        &cluster,
        &produced,
        first_stats.rejected_total() + stats.rejected_total(),
        false,
    );
    assert_eq!(
        committed(&cluster, group),
        end_offsets(&cluster, INPUT, INPUT_PARTITIONS)
            .iter()
            .map(|&e| Some(e))
            .collect::<Vec<_>>()
    );
    eprintln!(
        "dead letters refused: {errors} failed writes, {} rejected by the first instance and \
         {} by the second, done after {:.1} s",
        first_stats.rejected_total(),
        stats.rejected_total(),
        started.elapsed().as_secs_f64()
    );
}

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
