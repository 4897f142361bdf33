//! The input loop (see the module above): one [`Consumer`] carries what goes from one batch
//! to the next, and each of its methods is one step of a batch, called in order by
//! [`Consumer::run`]. The shutdown's steps are in [`drain`].

mod drain;

use super::consumer_config;
use super::context::{skip_stale, Context};
use crate::config::KafkaConfig;
use crate::kafka_client::client_config;
use crate::reject::Rejection;
use crate::service::checkpoint;
use crate::service::dead_letter::DeadLetters;
use crate::service::partitions::Partition;
use crate::service::shutdown::Shutdown;
use crate::service::state::{Process, Shared, State};
use crate::time::{wall_clock, Millis};
use anyhow::Context as _;
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::TopicPartitionList;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Messages applied under one lock of the state.
const BATCH: usize = 4_096;

/// Pause between two tries of an evidence store that cannot be written, in milliseconds.
const RETRY: u64 = 500;

/// The input loop: the rdkafka consumer and what the loop carries from one batch to the next.
pub(super) struct Consumer {
    // Dropped in this order, as the locals of the loop it replaces were.
    dead_letters: DeadLetters,
    consumer: BaseConsumer<Context>,
    shared: Shared,
    shutdown: Shutdown,
    /// Whose checkpoint this instance writes ([`checkpoint::owner`]).
    owner: String,
    /// Idle this long, and caught up, the watermark follows the wall clock (milliseconds).
    idle_after: Millis,
    /// How often a cut is taken; `None`: no checkpoints, offsets stored after every batch.
    checkpoint_every: Option<Millis>,
    last_message: Instant,
    last_cut: Instant,
    /// The partitions are paused for backpressure.
    paused: bool,
}

/// What one batch left under the lock, to be written and stored after it.
struct Batch {
    /// To be written as dead letters before anything else.
    rejections: Vec<Rejection>,
    /// Without checkpoints, the offsets to store once the dead letters are written.
    offsets: Vec<(String, i32, i64)>,
    /// With checkpoints, the cut that is due, to write once the dead letters are written.
    cut: Option<checkpoint::Prepared>,
}

impl Consumer {
    /// Restores the checkpoint (when there are checkpoints), creates the consumer and the
    /// dead-letter producer and subscribes to the topics.
    pub(super) fn start(
        shared: Shared,
        k: &KafkaConfig,
        shutdown: Shutdown,
    ) -> anyhow::Result<Self> {
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
        Ok(Consumer {
            dead_letters,
            consumer,
            shared,
            shutdown,
            owner,
            idle_after,
            checkpoint_every,
            last_message: Instant::now(),
            last_cut: Instant::now(),
            paused: false,
        })
    }

    /// Batch after batch until shutdown: apply, write the dead letters, then store the
    /// offsets (or write the cut); then the shutdown's drain and the last commit.
    pub(super) fn run(mut self) -> anyhow::Result<()> {
        let mut unwritten: Vec<Rejection> = Vec::new();
        while !self.shutdown.is_triggered() {
            let backed_up = self.backpressure();
            let batch = self.poll_batch(backed_up)?;
            if !batch.rejections.is_empty() {
                if let Err(left) = self.write_dead_letters(&batch.rejections) {
                    // Shutting down with letters unwritten: their offsets stay unstored (and
                    // the cut that covers them unwritten).
                    unwritten = left;
                    break;
                }
            }
            self.commit(batch);
        }
        if unwritten.is_empty() {
            if let Err(left) = self.drain() {
                unwritten = left;
            }
        }
        self.close(&unwritten);
        Ok(())
    }

    /// Backpressure: while the evidence store cannot be written, the partitions are paused
    /// (Kafka keeps the messages) and polling goes on for the group's sake. Returns whether
    /// the store is backed up.
    fn backpressure(&mut self) -> bool {
        let backed_up = self.shared.lock().evidence_backed_up();
        if backed_up || self.paused {
            self.paused = self.hold_partitions(backed_up);
        }
        backed_up
    }

    /// Pauses every assigned partition while `backed_up` (again after each rebalance: a new
    /// assignment starts unpaused), resumes them once it is not; returns whether they are
    /// paused.
    fn hold_partitions(&self, backed_up: bool) -> bool {
        let Ok(assignment) = self.consumer.assignment() else {
            return self.paused;
        };
        let result = if backed_up {
            self.consumer.pause(&assignment)
        } else {
            self.consumer.resume(&assignment)
        };
        match result {
            Ok(()) => {
                if backed_up && !self.paused {
                    tracing::warn!(
                        "the evidence store cannot be written: input paused until it can"
                    );
                } else if !backed_up {
                    tracing::info!("the evidence store is written again: input resumed");
                }
                backed_up
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot pause or resume the partitions");
                self.paused
            }
        }
    }

    /// Polls (outside the lock), then, under one lock of the state: applies the batch, follows
    /// the assignment, moves the watermark, and takes the batch's rejections, offsets and cut.
    fn poll_batch(&mut self, backed_up: bool) -> anyhow::Result<Batch> {
        let first = self.consumer.poll(Duration::from_millis(100));
        let now = wall_clock();
        let shared = self.shared.clone();
        let mut state = shared.lock();
        if let Some(at) = self.apply_batch(&mut state, first, now)? {
            self.last_message = at;
        }
        self.update_partitions(&mut state.process);
        state.advance_by_partitions();
        self.idle_advance(&mut state, backed_up, now);
        let rejections = state.drain();
        state.keep_rejected(&rejections, now);
        let offsets = state.safe_offsets();
        let cut = self.checkpoint(&mut state, backed_up, now, &offsets);
        // Without checkpoints, offsets move only once the batch's evidence is written.
        let offsets = if state.evidence_backed_up() {
            Vec::new()
        } else {
            offsets
        };
        Ok(Batch {
            rejections,
            offsets,
            cut,
        })
    }

    /// Feeds `first` and the messages already fetched after it, up to [`BATCH`], to the
    /// engine; returns when the last message was taken, if one was.
    fn apply_batch(
        &self,
        state: &mut State,
        first: Option<KafkaResult<BorrowedMessage<'_>>>,
        now: Millis,
    ) -> anyhow::Result<Option<Instant>> {
        let mut took = false;
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
                    took = true;
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
            next = self.consumer.poll(Duration::ZERO);
        }
        // One reading of the clock per batch, not per message (it was 3 % of this thread).
        Ok(took.then(Instant::now))
    }

    /// Brings the partitions of the state in line with the consumer's assignment (after a
    /// rebalance) and lag.
    fn update_partitions(&self, process: &mut Process) {
        let ctx = self.consumer.context();
        let rebalanced =
            std::mem::take(&mut *ctx.rebalanced.lock().unwrap_or_else(|e| e.into_inner()));
        if rebalanced {
            let assignment = self
                .consumer
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

    /// Caught up on every partition, not backed up and idle for `idle_after`: the watermark
    /// follows the wall clock.
    fn idle_advance(&self, state: &mut State, backed_up: bool, now: Millis) {
        let caught_up =
            state.process.input_ready && state.process.partitions.values().all(|p| p.at_end);
        if caught_up
            && !backed_up
            && self.last_message.elapsed() >= Duration::from_millis(self.idle_after as u64)
        {
            state.idle_advance(now);
        }
    }

    /// With checkpoints: remembers where each partition was read through, and takes a cut
    /// when one is due (sooner after a store that failed).
    fn checkpoint(
        &mut self,
        state: &mut State,
        backed_up: bool,
        now: Millis,
        offsets: &[(String, i32, i64)],
    ) -> Option<checkpoint::Prepared> {
        let every = self.checkpoint_every?;
        self.remember_positions(&state.process);
        // A store that failed is tried again sooner than the next cut.
        let due = if backed_up { RETRY } else { every as u64 };
        if self.last_cut.elapsed() >= Duration::from_millis(due) {
            self.last_cut = Instant::now();
            state.prepare_checkpoint(&self.owner, now, offsets.to_vec())
        } else {
            None
        }
    }

    /// Keeps where each partition has been read through, for a partition assigned again.
    fn remember_positions(&self, process: &Process) {
        let mut resume = self
            .consumer
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

    /// After the batch's dead letters are written: with checkpoints, writes the cut that is
    /// due and stores the offsets it covers; without, stores the batch's offsets.
    fn commit(&self, batch: Batch) {
        match batch.cut {
            Some(cut) => {
                if let Some(offsets) = self.shared.lock().commit_checkpoint(cut) {
                    self.store(&offsets);
                }
            }
            // With checkpoints, offsets follow them; without, every batch.
            None if self.checkpoint_every.is_none() => self.store(&batch.offsets),
            None => {}
        }
    }

    /// Stores each (topic, partition, last offset applied) for the next commit.
    fn store(&self, offsets: &[(String, i32, i64)]) {
        for (topic, partition, offset) in offsets {
            if let Err(e) = self.consumer.store_offset(topic, *partition, *offset) {
                tracing::debug!(error = %e, partition, "offset not stored (partition revoked?)");
            }
        }
    }

    /// Writes dead letters until every one is acknowledged, retrying with a growing pause;
    /// gives the unwritten ones back when shutdown comes first.
    fn write_dead_letters(&self, rejections: &[Rejection]) -> Result<(), Vec<Rejection>> {
        let sources = self.shared.lock().sources.clone();
        let mut pending: Vec<Rejection> = rejections.to_vec();
        let mut pause = Duration::from_millis(200);
        loop {
            match self.dead_letters.write(&pending, &sources) {
                Ok(()) => {
                    let mut state = self.shared.lock();
                    state.process.dead_letters += pending.len() as u64;
                    state.process.dead_letters_blocked = false;
                    return Ok(());
                }
                Err((failed, why)) => {
                    let failed: Vec<Rejection> = failed.into_iter().cloned().collect();
                    {
                        let mut state = self.shared.lock();
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
                    while Instant::now() < until && !self.shutdown.is_triggered() {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    if self.shutdown.is_triggered() {
                        return Err(pending);
                    }
                    pause = (pause * 2).min(Duration::from_secs(10));
                }
            }
        }
    }
}
