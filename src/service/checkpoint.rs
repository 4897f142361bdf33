//! Crash-safe checkpoints of `callpulse run` reading Kafka.
//!
//! Every `evidence.checkpoint_interval` the input takes, under the state's lock, one
//! consistent cut: the engine's state without its reorder buffer
//! ([`crate::engine::Engine::snapshot_unread`]), the offset each partition has been read
//! through, the offsets of the events the buffer held (and of those a restart still had to
//! read again), and the evidence rows gathered since the last cut. Once
//! the cut's dead letters are acknowledged, all of it is written to the evidence store in one
//! SQLite transaction, and only then are the group's offsets stored: per partition the last
//! event applied, so that another instance taking the partition over reads again the events
//! this one still held in its reorder buffer.
//!
//! ```text
//! batch ─► engine ─► drain ─(every few s)─► Prepared {engine bytes, positions, rows}
//!                                             └─ dead letters acked ─► one transaction ─► group offsets stored
//! start: load checkpoint ─► Engine::restore ─► each partition starts at the first event its
//!        buffer held (unless the group's offset is past its position: another instance read
//!        it on meanwhile); below its position only those events are taken (again: not counted
//!        twice), the watermark held before them, then it reads on
//!
//! The buffer is not serialised because it is the one part of the state that grows with rate ×
//! lateness (300,000 events at 10,000 events/s): writing it held the lock, and with it every
//! reader of the live figures, for about 0.2 s each cut. Kafka keeps those events anyway.
//! ```
//!
//! A process killed at any moment restarts from the last checkpoint and reads on from its
//! offsets: each event counts once, each evidence row is written once.

use super::partitions::Partition;
use super::state::State;
use crate::alert::lifecycle::Saved;
use crate::engine::{Scope, Stats, Tally};
use crate::evidence::{Checkpoint, Entry};
use crate::time::{Millis, Period};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where one partition was read through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub topic: String,
    pub partition: i32,
    /// The offset of the first message not yet read: where a restart seeks to.
    pub next_offset: i64,
    /// The newest event time read from it (it holds the watermark of several partitions).
    pub newest: Option<Millis>,
    /// (offset, event time) of its events that may still wait in the reorder buffer: where
    /// the offsets to commit for the group stop.
    #[serde(default)]
    pub pending: Vec<(i64, Millis)>,
    /// (offset, event time) of its events the engine held in its reorder buffer, in offset
    /// order: the checkpoint's engine state leaves them out, and a restart reads them again
    /// (and only them, below `next_offset`).
    #[serde(default)]
    pub reread: Vec<(i64, Millis)>,
}

/// What the service keeps beside the engine: counts, the newest final interval of each scope
/// and the alerts' state (what later alert transitions depend on).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Figures {
    messages: u64,
    quality_base: Stats,
    idle_advanced_to: Option<Millis>,
    last_closed: Vec<(Scope, (Period, Tally))>,
    alerts: Option<(Saved, Millis)>,
}

/// A cut taken under the lock, to be written once its dead letters are acknowledged.
pub struct Prepared {
    rows: Vec<Entry>,
    checkpoint: Checkpoint,
    /// The group's offsets at the cut: per partition the last one applied (events still in the
    /// reorder buffer are after it), so another instance that takes a partition over reads
    /// them again, and none is lost.
    commit: Vec<(String, i32, i64)>,
}

/// The checkpoint's owner in a shared store: the consumer group and the instance, named by
/// its `group.instance.id` (static membership) or else by the host's name.
pub fn owner(group: &str, instance: Option<&str>) -> String {
    let host = || {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "-".into())
    };
    let instance = instance.map_or_else(host, str::to_string);
    format!("{group}/{instance}")
}

/// The name this instance signs evidence heads as: the consumer group and instance (as its
/// checkpoints are owned, [`owner`]), or the followed file and the host.
pub fn instance_name(cfg: &crate::config::Config) -> String {
    match &cfg.input.follow {
        Some(file) => owner(&file.display().to_string(), None),
        None => owner(
            &cfg.kafka.group_id,
            cfg.kafka
                .client
                .get("group.instance.id")
                .map(String::as_str),
        ),
    }
}

impl State {
    /// Takes a cut (see the module documentation); `None` without an evidence store, or when
    /// nothing was read and the watermark did not move since the last cut. Call it after
    /// [`State::drain`] and [`State::safe_offsets`] (`commit`), so the engine holds no output
    /// not yet taken.
    pub fn prepare_checkpoint(
        &mut self,
        owner: &str,
        now: Millis,
        commit: Vec<(String, i32, i64)>,
    ) -> Option<Prepared> {
        let mark = (self.process.messages, self.engine.watermark());
        let recorder = self.evidence.as_mut()?;
        if self.process.last_cut == Some(mark) && !recorder.has_rows() {
            return None;
        }
        // The engine's state without its reorder buffer (serialising it would hold the lock
        // for about rate × lateness events): a restart reads those events again from Kafka.
        let (mut engine, unread) = self.engine.snapshot_unread();
        let mut reread: BTreeMap<(&str, i32), Vec<(i64, Millis)>> = BTreeMap::new();
        let mut unplaced = 0;
        for (origin, ts) in &unread {
            match self.sources.get(origin.source as usize) {
                Some(topic) => reread
                    .entry((topic.as_str(), origin.partition))
                    .or_default()
                    .push((origin.offset, *ts)),
                None => unplaced += 1,
            }
        }
        let mut positions: Vec<Position> = self
            .process
            .partitions
            .iter()
            .filter_map(|((topic, partition), p)| {
                Some(Position {
                    topic: topic.clone(),
                    partition: *partition,
                    next_offset: p.read_through? + 1,
                    newest: p.newest,
                    // What the reorder buffer holds is in `reread` (below); the whole-state
                    // fallback writes it.
                    pending: Vec::new(),
                    reread: {
                        let held = reread.remove(&(topic.as_str(), *partition));
                        let mut r: Vec<_> = held.into_iter().flatten().chain(p.owed()).collect();
                        r.sort_unstable();
                        r
                    },
                })
            })
            .collect();
        if unplaced > 0 || !reread.is_empty() {
            // An event whose partition the cut cannot name (none is expected): the whole
            // state, buffer included, so that nothing depends on reading it again.
            engine = self.engine.snapshot();
            for pos in &mut positions {
                let part = &self.process.partitions[&(pos.topic.clone(), pos.partition)];
                pos.reread = part.owed().collect();
                pos.pending = part.pending().copied().collect();
            }
        }
        let figures = Figures {
            messages: self.process.messages,
            quality_base: recorder.quality_base().clone(),
            idle_advanced_to: self.process.idle_advanced_to,
            last_closed: self
                .last_closed
                .iter()
                .map(|(scope, closed)| (*scope, closed.clone()))
                .collect(),
            alerts: self.alerts.as_ref().map(|a| a.save()),
        };
        let rows = recorder.take_rows();
        self.process.last_cut = Some(mark);
        Some(Prepared {
            rows,
            checkpoint: Checkpoint {
                owner: owner.to_string(),
                written: crate::time::rfc3339::format(now, &chrono::Utc),
                head: 0,
                positions: serde_json::to_string(&positions).expect("positions serialise"),
                service: serde_json::to_string(&figures).expect("figures serialise"),
                engine,
            },
            commit,
        })
    }

    /// Writes a prepared cut. Returns the offsets to store for the group's commit, or `None`
    /// when the store could not be written (the rows then wait for the next cut, which a
    /// failed one does not count as).
    pub fn commit_checkpoint(&mut self, mut p: Prepared) -> Option<Vec<(String, i32, i64)>> {
        let recorder = self.evidence.as_mut()?;
        if !recorder.checkpoint(p.rows, &mut p.checkpoint) {
            self.process.last_cut = None;
            return None;
        }
        self.process.checkpoints += 1;
        self.process.checkpoint_bytes = p.checkpoint.engine.len() as u64;
        Some(p.commit)
    }

    /// Restores the checkpoint of `owner`, if there is one: the engine's state, the service's
    /// figures and each partition's read position. Returns, per partition, the offset to seek
    /// to and the one it had been read up to (what the group's offset is compared with). A checkpoint of another build is set aside with a warning (the input then resumes
    /// from the group's committed offsets); one that cannot be read stops the start.
    pub fn restore_checkpoint(
        &mut self,
        owner: &str,
    ) -> anyhow::Result<BTreeMap<(String, i32), (i64, i64)>> {
        let Some(recorder) = self.evidence.as_mut() else {
            return Ok(BTreeMap::new());
        };
        recorder.hold();
        let Some(cp) = recorder
            .load_checkpoint(owner)
            .context("cannot read the checkpoint from the evidence store")?
        else {
            tracing::info!(
                owner,
                "no checkpoint yet: starting from the group's committed offsets"
            );
            return Ok(BTreeMap::new());
        };
        let positions: Vec<Position> =
            serde_json::from_str(&cp.positions).context("the checkpoint's positions")?;
        let figures: Figures =
            serde_json::from_str(&cp.service).context("the checkpoint's service figures")?;
        match self.engine.restore(&cp.engine) {
            Ok(()) => {}
            Err(e @ crate::engine::RestoreError::Version { .. }) => {
                tracing::warn!(error = %e, "checkpoint set aside: starting from the group's committed offsets");
                return Ok(BTreeMap::new());
            }
            Err(e) => return Err(e).context("cannot restore the checkpoint"),
        }
        recorder.set_quality_base(figures.quality_base);
        self.process.messages = figures.messages;
        self.process.idle_advanced_to = figures.idle_advanced_to;
        self.last_closed = figures.last_closed.into_iter().collect();
        if let (Some(live), Some((saved, next))) = (self.alerts.as_mut(), figures.alerts) {
            if !live.restore(saved, next) {
                tracing::warn!(
                    "the checkpoint's alerts are of another profile: alerts start afresh"
                );
            }
        }
        let mut seek = BTreeMap::new();
        for pos in positions {
            let key = (pos.topic, pos.partition);
            let part = Partition::restored(pos.newest, pos.next_offset, pos.pending, pos.reread);
            seek.insert(key.clone(), (part.resume_at(), pos.next_offset));
            self.process.partitions.insert(key, part);
        }
        tracing::info!(
            owner,
            written = %cp.written,
            evidence_row = cp.head,
            partitions = seek.len(),
            "restored the checkpoint"
        );
        Ok(seek)
    }
}
