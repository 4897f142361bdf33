//! Crash-safe checkpoints of `callpulse run` reading Kafka.
//!
//! Every `evidence.checkpoint_interval` the input takes, under the state's lock, one
//! consistent cut: the engine's state ([`crate::engine::Engine::snapshot`]), the offset each
//! partition has been read through, and the evidence rows gathered since the last cut. Once
//! the cut's dead letters are acknowledged, all of it is written to the evidence store in one
//! SQLite transaction, and only then are the offsets stored for the consumer group's commit.
//!
//! ```text
//! batch ─► engine ─► drain ─(every few s)─► Prepared {engine bytes, positions, rows}
//!                                             └─ dead letters acked ─► one transaction ─► offsets stored
//! start: load checkpoint ─► Engine::restore ─► seek each partition to its position
//! ```
//!
//! A process killed at any moment restarts from the last checkpoint and reads on from its
//! offsets: each event counts once, each evidence row is written once.

use super::state::State;
use crate::engine::Stats;
use crate::evidence::{Checkpoint, Entry};
use crate::time::Millis;
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
}

/// What the service keeps beside the engine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Figures {
    messages: u64,
    quality_base: Stats,
    idle_advanced_to: Option<Millis>,
}

/// A cut taken under the lock, to be written once its dead letters are acknowledged.
pub struct Prepared {
    rows: Vec<Entry>,
    checkpoint: Checkpoint,
    positions: Vec<Position>,
}

/// The checkpoint's owner in a shared store: the consumer group and, with static membership,
/// the instance.
pub fn owner(group: &str, instance: Option<&str>) -> String {
    format!("{group}/{}", instance.unwrap_or("-"))
}

impl State {
    /// Takes a cut (see the module documentation); `None` without an evidence store. Call it
    /// after [`State::drain`], so the engine holds no output not yet taken.
    pub fn prepare_checkpoint(&mut self, owner: &str, now: Millis) -> Option<Prepared> {
        let positions: Vec<Position> = self
            .process
            .partitions
            .iter()
            .filter_map(|((topic, partition), p)| {
                Some(Position {
                    topic: topic.clone(),
                    partition: *partition,
                    next_offset: p.read_through? + 1,
                    newest: p.newest,
                })
            })
            .collect();
        let engine = self.engine.snapshot();
        let recorder = self.evidence.as_mut()?;
        let figures = Figures {
            messages: self.process.messages,
            quality_base: recorder.quality_base().clone(),
            idle_advanced_to: self.process.idle_advanced_to,
        };
        Some(Prepared {
            rows: recorder.take_rows(),
            checkpoint: Checkpoint {
                owner: owner.to_string(),
                written: crate::time::rfc3339::format(now, &chrono::Utc),
                head: 0,
                positions: serde_json::to_string(&positions).expect("positions serialise"),
                service: serde_json::to_string(&figures).expect("figures serialise"),
                engine,
            },
            positions,
        })
    }

    /// Writes a prepared cut. Returns the offsets to store for the group's commit (each
    /// partition's last offset read), or `None` when the store could not be written (the rows
    /// then wait for the next cut).
    pub fn commit_checkpoint(&mut self, mut p: Prepared) -> Option<Vec<(String, i32, i64)>> {
        let recorder = self.evidence.as_mut()?;
        if !recorder.checkpoint(p.rows, &mut p.checkpoint) {
            return None;
        }
        self.process.checkpoints += 1;
        self.process.checkpoint_bytes = p.checkpoint.engine.len() as u64;
        Some(
            p.positions
                .into_iter()
                .map(|pos| (pos.topic, pos.partition, pos.next_offset - 1))
                .collect(),
        )
    }

    /// Restores the checkpoint of `owner`, if there is one: the engine's state, the service's
    /// figures and each partition's read position. Returns the offset to seek each partition
    /// to. A checkpoint of another build is set aside with a warning (the input then resumes
    /// from the group's committed offsets); one that cannot be read stops the start.
    pub fn restore_checkpoint(
        &mut self,
        owner: &str,
    ) -> anyhow::Result<BTreeMap<(String, i32), i64>> {
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
        let mut seek = BTreeMap::new();
        for pos in positions {
            let key = (pos.topic, pos.partition);
            let part = self.process.partitions.entry(key.clone()).or_default();
            part.newest = pos.newest;
            part.read_through = Some(pos.next_offset - 1);
            seek.insert(key, pos.next_offset);
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
