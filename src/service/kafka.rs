//! `callpulse run`'s input: the configured topics, read with librdkafka in a consumer group.
//!
//! At-least-once: a batch of messages is applied to the engine, its rejected events are
//! written as dead letters and acknowledged, and only then are its offsets stored; stored
//! offsets are committed every `auto.commit.interval.ms`, on partition revocation and on
//! shutdown. A restarted or rebalanced instance resumes from the committed offsets.

use super::dead_letter::DeadLetters;
use super::shutdown::Shutdown;
use super::state::{Partition, Shared};
use crate::config::KafkaConfig;
use crate::reject::{Origin, Rejection};
use crate::time::Millis;
use anyhow::Context as _;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Messages applied under one lock of the state.
const BATCH: usize = 4_096;

/// The librdkafka settings of both the consumer and the dead-letter producer: the
/// passed-through `kafka.client` table, then what callpulse needs.
pub fn client_config(k: &KafkaConfig) -> ClientConfig {
    let mut c = ClientConfig::new();
    // Faster than librdkafka's defaults for a consumer that keeps up (performance notes).
    c.set("fetch.queue.backoff.ms", "20");
    c.set("statistics.interval.ms", "1000");
    for (key, value) in &k.client {
        c.set(key, value);
    }
    c.set("bootstrap.servers", &k.brokers);
    c
}

/// What librdkafka's callbacks report, kept apart from the shared state so that a callback
/// run inside `poll` never waits for a lock the input loop holds.
#[derive(Default)]
struct Context {
    /// Lag by (topic, partition), from the client statistics.
    lag: Mutex<BTreeMap<(String, i32), i64>>,
    /// Set by a rebalance: the assignment changed.
    rebalanced: Mutex<bool>,
}

impl ClientContext for Context {
    fn stats(&self, stats: Statistics) {
        let mut lag = self.lag.lock().unwrap_or_else(|e| e.into_inner());
        lag.clear();
        for (topic, t) in stats.topics {
            for (p, part) in t.partitions {
                if p < 0 || part.fetch_state == "none" {
                    continue;
                }
                let l = if part.consumer_lag_stored >= 0 {
                    part.consumer_lag_stored
                } else {
                    part.consumer_lag
                };
                if l >= 0 {
                    lag.insert((topic.clone(), p), l);
                }
            }
        }
    }
}

impl ConsumerContext for Context {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            tracing::info!(
                partitions = tpl.count(),
                "partitions revoked; committing offsets"
            );
            if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
                // Nothing stored yet is not an error worth more than a note.
                tracing::info!(error = %e, "commit on revocation");
            }
        }
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Error(e) = rebalance {
            tracing::warn!(error = %e, "rebalance error");
        }
        *self.rebalanced.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }
}

/// Consumes until `shutdown`; returns after committing the stored offsets.
pub fn consume(shared: Shared, k: &KafkaConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    let idle_after = {
        let mut state = shared.lock();
        // Partitions are read side by side: the watermark is the slowest one's.
        state.engine.set_caller_watermark(true);
        state.config.service.idle_after
    };
    let base = client_config(k);
    let mut cc = base.clone();
    cc.set("group.id", &k.group_id)
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("isolation.level", "read_committed");
    if cc.get("auto.offset.reset").is_none() {
        cc.set("auto.offset.reset", "earliest");
    }
    let consumer: BaseConsumer<Context> = cc
        .create_with_context(Context::default())
        .context("cannot create the Kafka consumer (check [kafka] and [kafka.client])")?;
    let topics: Vec<&str> = k.topics.iter().map(String::as_str).collect();
    consumer
        .subscribe(&topics)
        .with_context(|| format!("cannot subscribe to {topics:?}"))?;
    let dead_letters = DeadLetters::new(&base, &k.dead_letter_topic)
        .context("cannot create the dead-letter producer")?;
    tracing::info!(brokers = %k.brokers, group = %k.group_id, ?topics, "consuming");

    let mut last_message = Instant::now();
    let mut retry: Vec<Rejection> = Vec::new();
    while !shutdown.is_triggered() {
        let first = consumer.poll(Duration::from_millis(100));
        let now = wall_clock();
        let mut high: BTreeMap<(usize, i32), i64> = BTreeMap::new();
        let mut rejections = std::mem::take(&mut retry);
        {
            let mut state = shared.lock();
            let mut next = first;
            let mut n = 0;
            while let Some(result) = next {
                match result {
                    Ok(m) => {
                        let source = k.topics.iter().position(|t| t == m.topic()).unwrap_or(0);
                        let origin = Origin {
                            source: source as u32,
                            partition: m.partition(),
                            offset: m.offset(),
                        };
                        let ts = state.feed(m.payload().unwrap_or_default(), origin, now);
                        high.insert((source, m.partition()), m.offset());
                        let p = state
                            .process
                            .partitions
                            .entry((m.topic().to_string(), m.partition()))
                            .or_default();
                        p.position = Some(m.offset() + 1);
                        p.newest = p.newest.max(ts);
                        p.at_end = false;
                        last_message = Instant::now();
                    }
                    Err(KafkaError::PartitionEOF(p)) => {
                        for ((_, partition), part) in state.process.partitions.iter_mut() {
                            if *partition == p {
                                part.reached_end = true;
                                part.at_end = true;
                                part.lag = Some(0);
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "consumer"),
                }
                n += 1;
                if n >= BATCH {
                    break;
                }
                next = consumer.poll(Duration::ZERO);
            }
            update_partitions(&consumer, &mut state.process);
            state.advance_by_partitions();
            let caught_up = state.process.input_ready
                && state
                    .process
                    .partitions
                    .values()
                    .all(|p| p.reached_end && p.lag.unwrap_or(0) == 0);
            if caught_up && last_message.elapsed() >= Duration::from_millis(idle_after as u64) {
                state.idle_advance(now);
            }
            rejections.extend(state.drain());
        }
        if !rejections.is_empty() {
            match write_dead_letters(&shared, &dead_letters, &rejections, &shutdown) {
                Ok(()) => {}
                Err(unwritten) => {
                    // Shutting down with letters unwritten: keep their offsets unstored.
                    retry = unwritten;
                    break;
                }
            }
        }
        for ((source, partition), offset) in high {
            if let Err(e) = consumer.store_offset(&k.topics[source], partition, offset) {
                tracing::debug!(error = %e, partition, "offset not stored (partition revoked?)");
            }
        }
    }
    if !retry.is_empty() {
        tracing::error!(
            letters = retry.len(),
            "stopping with dead letters unwritten; their offsets stay uncommitted"
        );
    } else {
        // Apply what is still buffered (its offsets are stored): every event read ends
        // accepted or rejected, and the rejected ones are written before the last commit.
        let rejections = {
            let mut state = shared.lock();
            state.engine.flush();
            state.drain()
        };
        if let Err(unwritten) = write_dead_letters(&shared, &dead_letters, &rejections, &shutdown) {
            for r in &unwritten {
                tracing::error!(
                    reason = %r.reason,
                    partition = r.origin.partition,
                    offset = r.origin.offset,
                    bytes = %String::from_utf8_lossy(&r.bytes),
                    "dead letter not written at shutdown; kept in this log"
                );
            }
        }
    }
    match consumer.commit_consumer_state(CommitMode::Sync) {
        Ok(()) => tracing::info!("offsets committed"),
        Err(e) => tracing::info!(error = %e, "final commit"),
    }
    Ok(())
}

/// Writes dead letters until every one is acknowledged, retrying with a growing pause; gives
/// the unwritten ones back when shutdown comes first.
fn write_dead_letters(
    shared: &Shared,
    dead_letters: &DeadLetters,
    rejections: &[Rejection],
    shutdown: &Shutdown,
) -> Result<(), Vec<Rejection>> {
    let sources = shared.lock().sources.clone();
    let mut pending: Vec<Rejection> = rejections.to_vec();
    let mut pause = Duration::from_millis(200);
    loop {
        match dead_letters.write(&pending, &sources) {
            Ok(()) => {
                let mut state = shared.lock();
                state.process.dead_letters += pending.len() as u64;
                state.process.dead_letters_blocked = false;
                return Ok(());
            }
            Err((failed, why)) => {
                let failed: Vec<Rejection> = failed.into_iter().cloned().collect();
                {
                    let mut state = shared.lock();
                    state.process.dead_letters += (pending.len() - failed.len()) as u64;
                    state.process.dead_letter_errors += why.failed as u64;
                    state.process.dead_letters_blocked = true;
                }
                tracing::error!(
                    failed = why.failed,
                    error = %why.error,
                    "cannot write dead letters; offsets are held until they are written"
                );
                pending = failed;
                let until = Instant::now() + pause;
                while Instant::now() < until && !shutdown.is_triggered() {
                    std::thread::sleep(Duration::from_millis(50));
                }
                if shutdown.is_triggered() {
                    return Err(pending);
                }
                pause = (pause * 2).min(Duration::from_secs(10));
            }
        }
    }
}

/// Brings the partitions of the state in line with the consumer's assignment and lag.
fn update_partitions(consumer: &BaseConsumer<Context>, process: &mut super::state::Process) {
    let ctx = consumer.context();
    let rebalanced = std::mem::take(&mut *ctx.rebalanced.lock().unwrap_or_else(|e| e.into_inner()));
    if rebalanced {
        let assignment = consumer
            .assignment()
            .unwrap_or_else(|_| TopicPartitionList::new());
        let mut now: BTreeMap<(String, i32), Partition> = BTreeMap::new();
        for e in assignment.elements() {
            let key = (e.topic().to_string(), e.partition());
            let old = process.partitions.remove(&key).unwrap_or_default();
            now.insert(key, old);
        }
        process.partitions = now;
        process.input_ready = assignment.count() > 0;
        if let Ok(positions) = consumer.position() {
            for e in positions.elements() {
                if let (Offset::Offset(o), Some(p)) = (
                    e.offset(),
                    process
                        .partitions
                        .get_mut(&(e.topic().to_string(), e.partition())),
                ) {
                    p.position = Some(o);
                }
            }
        }
    }
    let lag = ctx.lag.lock().unwrap_or_else(|e| e.into_inner());
    for (key, p) in process.partitions.iter_mut() {
        if let Some(l) = lag.get(key) {
            p.lag = Some(*l);
        }
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn wall_clock() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}
