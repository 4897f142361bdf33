//! `callpulse run`'s input: the configured topics, read with librdkafka in a consumer group.
//!
//! With an evidence store and `evidence.checkpoint_interval` (the default), exactly-once: every
//! few seconds the engine state, the offsets it read through and the evidence rows since the
//! last cut are written in one transaction ([`super::checkpoint`]), after the cut's dead
//! letters are acknowledged. A restart restores the checkpoint and starts each of its
//! partitions where the checkpoint read it through (as does a partition assigned again). The
//! group's offsets are stored at each cut and stop before the events still in the reorder
//! buffer: an instance that takes a partition over reads those again, so none is lost.
//!
//! While the evidence store cannot be written, the partitions are paused and nothing is read
//! ([`super::backpressure`]); no evidence row is dropped.
//!
//! Without checkpoints, at-least-once: a batch of messages is applied to the engine, its
//! rejected events are written as dead letters and acknowledged, and only then are its
//! offsets stored. Stored offsets are committed every `auto.commit.interval.ms`, on partition
//! revocation and on shutdown; a restarted or rebalanced instance resumes from the committed
//! offsets.

mod context;

use super::backpressure;
use super::checkpoint;
use super::dead_letter::DeadLetters;
use super::partitions::Partition;
use super::shutdown::Shutdown;
use super::state::Shared;
use crate::config::KafkaConfig;
pub use crate::kafka_client::client_config;
use crate::reject::Rejection;
use crate::time::wall_clock;
use crate::untrusted::Untrusted;
use anyhow::Context as _;
use context::{skip_stale, Context};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::TopicPartitionList;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Messages applied under one lock of the state.
const BATCH: usize = 4_096;

/// The consumer's settings: the shared ones, callpulse's own, and defaults that the
/// `kafka.client` table may override.
pub fn consumer_config(k: &KafkaConfig) -> ClientConfig {
    let mut c = client_config(k);
    for (key, default) in [
        // Faster than librdkafka's 1 s for a consumer that keeps up (performance notes).
        ("fetch.queue.backoff.ms", "20"),
        // Lag per partition comes from the client statistics.
        ("statistics.interval.ms", "1000"),
        ("auto.offset.reset", "earliest"),
    ] {
        if c.get(key).is_none() {
            c.set(key, default);
        }
    }
    c.set("group.id", &k.group_id)
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("isolation.level", "read_committed");
    c
}

/// Consumes until `shutdown`; returns after applying what was read and committing.
///
/// A batch's offsets are stored only up to the first event it still holds in the engine's
/// reorder buffer, and only once the batch's dead letters are acknowledged: a restart reads
/// again from the first event not yet applied.
pub fn consume(shared: Shared, k: &KafkaConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    let owner = checkpoint::owner(
        &k.group_id,
        k.client.get("group.instance.id").map(String::as_str),
    );
    let (idle_after, checkpoint_every, mut resume) = {
        let mut state = shared.lock();
        // Partitions are read side by side: the watermark is the slowest one's.
        state.engine.set_caller_watermark(true);
        let mut every = state
            .config
            .evidence
            .checkpoint_every
            .filter(|_| state.evidence.is_some());
        if every.is_some() && state.adapter.keeps_state() {
            tracing::warn!("no checkpoints with queue_log input (its reader pairs lines across the cut): a restart resumes from the group's committed offsets");
            every = None;
        }
        let resume = match every {
            Some(_) => state.restore_checkpoint(&owner)?,
            None => BTreeMap::new(),
        };
        (state.config.service.idle_after, every, resume)
    };
    let consumer: BaseConsumer<Context> = consumer_config(k)
        .create_with_context(Context::default())
        .context("cannot create the Kafka consumer (check [kafka] and [kafka.client])")?;
    skip_stale(&consumer, &mut resume);
    let resume = resume.into_iter().map(|(k, (seek, _))| (k, seek)).collect();
    *consumer
        .context()
        .resume
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = resume;
    let topics: Vec<&str> = k.topics.iter().map(String::as_str).collect();
    consumer
        .subscribe(&topics)
        .with_context(|| format!("cannot subscribe to {topics:?}"))?;
    let dead_letters = DeadLetters::new(&client_config(k), &k.dead_letter_topic)
        .context("cannot create the dead-letter producer")?;
    tracing::info!(brokers = %k.brokers, group = %k.group_id, ?topics, "consuming");

    let mut last_message = Instant::now();
    let mut last_cut = Instant::now();
    let mut unwritten: Vec<Rejection> = Vec::new();
    let mut paused = false;
    while !shutdown.is_triggered() {
        // Backpressure: while the evidence store cannot be written, the partitions are
        // paused (Kafka keeps the messages) and polling goes on for the group's sake.
        let backed_up = shared.lock().evidence_backed_up();
        if backed_up || paused {
            paused = hold_partitions(&consumer, backed_up, paused);
        }
        let first = consumer.poll(Duration::from_millis(100));
        let now = wall_clock();
        let (rejections, offsets, cut) = {
            let mut state = shared.lock();
            let mut next = first;
            let mut n = 0;
            while let Some(result) = next {
                match result {
                    Ok(m) => {
                        state.take_message(
                            m.topic(),
                            m.partition(),
                            m.offset(),
                            m.payload().unwrap_or_default(),
                            now,
                        );
                        last_message = Instant::now();
                    }
                    Err(KafkaError::PartitionEOF(p)) => state.reached_end(p),
                    Err(e @ KafkaError::MessageConsumptionFatal(_)) => {
                        return Err(e).context("the consumer cannot go on");
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
            let caught_up =
                state.process.input_ready && state.process.partitions.values().all(|p| p.at_end);
            if caught_up
                && !backed_up
                && last_message.elapsed() >= Duration::from_millis(idle_after as u64)
            {
                state.idle_advance(now);
            }
            let rejections = state.drain();
            state.keep_rejected(&rejections, now);
            let offsets = state.safe_offsets();
            let cut = match checkpoint_every {
                Some(every) => {
                    remember_positions(&consumer, &state.process);
                    // A store that failed is tried again sooner than the next cut.
                    let due = if backed_up { RETRY } else { every as u64 };
                    if last_cut.elapsed() >= Duration::from_millis(due) {
                        last_cut = Instant::now();
                        state.prepare_checkpoint(&owner, now, offsets.clone())
                    } else {
                        None
                    }
                }
                None => None,
            };
            // Without checkpoints, offsets move only once the batch's evidence is written.
            let offsets = if state.evidence_backed_up() {
                Vec::new()
            } else {
                offsets
            };
            (rejections, offsets, cut)
        };
        if !rejections.is_empty() {
            if let Err(left) = write_dead_letters(&shared, &dead_letters, &rejections, &shutdown) {
                // Shutting down with letters unwritten: their offsets stay unstored (and the
                // cut that covers them unwritten).
                unwritten = left;
                break;
            }
        }
        match cut {
            Some(cut) => {
                if let Some(offsets) = shared.lock().commit_checkpoint(cut) {
                    store(&consumer, &offsets);
                }
            }
            // With checkpoints, offsets follow them; without, every batch.
            None if checkpoint_every.is_none() => store(&consumer, &offsets),
            None => {}
        }
    }
    if unwritten.is_empty() && checkpoint_every.is_some() {
        // The last cut: what is buffered stays buffered, in the checkpoint, and a restart
        // goes on from there as if never stopped.
        let (rejections, cut) = {
            let mut state = shared.lock();
            let rejections = state.drain();
            state.keep_rejected(&rejections, wall_clock());
            let offsets = state.safe_offsets();
            (
                rejections,
                state.prepare_checkpoint(&owner, wall_clock(), offsets),
            )
        };
        match write_dead_letters(&shared, &dead_letters, &rejections, &shutdown) {
            Ok(()) => {
                if let Some(offsets) = last_checkpoint(&shared, &owner, cut) {
                    store(&consumer, &offsets);
                }
            }
            Err(left) => unwritten = left,
        }
    } else if unwritten.is_empty() {
        // Apply what is still buffered: every event read ends accepted or rejected, the
        // rejected ones are written, and then every offset read is stored.
        let (rejections, offsets) = {
            let mut state = shared.lock();
            state.engine.flush();
            let rejections = state.drain();
            state.keep_rejected(&rejections, wall_clock());
            let deadline = backpressure::finish_deadline(&state);
            let lost = state.finish_evidence(deadline, wall_clock());
            // Rows given up: the offsets stay, a restart reads their events again.
            let offsets = if lost == 0 {
                state.safe_offsets()
            } else {
                Vec::new()
            };
            (rejections, offsets)
        };
        match write_dead_letters(&shared, &dead_letters, &rejections, &shutdown) {
            Ok(()) => store(&consumer, &offsets),
            Err(left) => unwritten = left,
        }
    }
    for r in &unwritten {
        tracing::error!(
            reason = %r.reason,
            partition = r.origin.partition,
            offset = r.origin.offset,
            bytes = %Untrusted::whole(&String::from_utf8_lossy(&r.bytes)),
            "dead letter not written at shutdown: kept in this log, its offset not stored"
        );
    }
    match consumer.commit_consumer_state(CommitMode::Sync) {
        Ok(()) => tracing::info!("offsets committed"),
        Err(e) => tracing::info!(error = %e, "final commit"),
    }
    Ok(())
}

/// Pause between two tries of an evidence store that cannot be written, in milliseconds.
const RETRY: u64 = 500;

/// Pauses every assigned partition while `backed_up` (again after each rebalance: a new
/// assignment starts unpaused), resumes them once it is not; returns whether they are paused.
fn hold_partitions(consumer: &BaseConsumer<Context>, backed_up: bool, paused: bool) -> bool {
    let Ok(assignment) = consumer.assignment() else {
        return paused;
    };
    let result = if backed_up {
        consumer.pause(&assignment)
    } else {
        consumer.resume(&assignment)
    };
    match result {
        Ok(()) => {
            if backed_up && !paused {
                tracing::warn!("the evidence store cannot be written: input paused until it can");
            } else if !backed_up {
                tracing::info!("the evidence store is written again: input resumed");
            }
            backed_up
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot pause or resume the partitions");
            paused
        }
    }
}

/// The shutdown's checkpoint, tried again until half the shutdown timeout has passed while
/// the store refuses it (the rows then stay unwritten: a restart from the previous
/// checkpoint reads their events again). Returns the offsets to store.
fn last_checkpoint(
    shared: &Shared,
    owner: &str,
    mut cut: Option<checkpoint::Prepared>,
) -> Option<Vec<(String, i32, i64)>> {
    let deadline = backpressure::finish_deadline(&shared.lock());
    loop {
        let offsets = shared.lock().commit_checkpoint(cut.take()?);
        if offsets.is_some() || Instant::now() >= deadline {
            return offsets;
        }
        std::thread::sleep(Duration::from_millis(RETRY));
        let mut state = shared.lock();
        let commit = state.safe_offsets();
        cut = state.prepare_checkpoint(owner, wall_clock(), commit);
    }
}

/// Keeps where each partition has been read through, for a partition assigned again.
fn remember_positions(consumer: &BaseConsumer<Context>, process: &super::state::Process) {
    let mut resume = consumer
        .context()
        .resume
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    for ((topic, partition), p) in &process.partitions {
        if p.read_through.is_some() {
            resume.insert((topic.clone(), *partition), p.resume_at());
        }
    }
}

/// Stores each (topic, partition, last offset applied) for the next commit.
fn store(consumer: &BaseConsumer<Context>, offsets: &[(String, i32, i64)]) {
    for (topic, partition, offset) in offsets {
        if let Err(e) = consumer.store_offset(topic, *partition, *offset) {
            tracing::debug!(error = %e, partition, "offset not stored (partition revoked?)");
        }
    }
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
        process.assigned = true;
    }
    let lag = ctx.lag.lock().unwrap_or_else(|e| e.into_inner());
    for (key, p) in process.partitions.iter_mut() {
        // At its end a partition lags by nothing, whatever the statistics say (under
        // read_committed they count a transaction marker as one message behind).
        if p.at_end {
            p.lag = Some(0);
        } else if let Some(l) = lag.get(key) {
            p.lag = Some(*l);
        }
    }
}
