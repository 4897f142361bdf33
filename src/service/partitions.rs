//! The input's Kafka partitions as the live service sees them: where each was read, its
//! newest event time (the per-partition watermark: the slowest partition decides), the events
//! read but not yet applied (so stored offsets never pass an event still in the reorder
//! buffer), and the offsets that are safe to store.

use super::state::State;
use crate::reject::Origin;
use crate::time::Millis;
use std::collections::{BTreeMap, VecDeque};

/// One input partition as the service sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partition {
    /// Messages behind the end of the partition, from the client's statistics (`None` until
    /// known).
    pub lag: Option<i64>,
    /// The end of the partition was reached at least once since it was assigned.
    pub reached_end: bool,
    /// Newest event time read from the partition.
    pub newest: Option<Millis>,
    /// Read to its end, and nothing came since.
    pub at_end: bool,
    /// Offset of the last message read.
    pub read_through: Option<i64>,
    /// (offset, event time) of the events read that may still wait in the engine's reorder
    /// buffer, in offset order; an event leaves once the watermark passes its time.
    pending: VecDeque<(i64, Millis)>,
    /// After a restart from a checkpoint: the offsets below `next` to read again (the events
    /// the checkpoint's engine state left out); the other messages below `next` were taken
    /// before the checkpoint and are skipped.
    reread: Option<Reread>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Reread {
    /// Offset → ordering instant of the events still to be read again.
    offsets: BTreeMap<i64, Millis>,
    next: i64,
    /// The earliest of those instants when the restart began: the watermark stays at or
    /// before it until they are all read again, or they would come late.
    floor: Millis,
}

/// What to do with a message of a partition being read again after a restart.
enum Again {
    /// Not being read again: a new message.
    New,
    /// One of the events the checkpoint left out.
    Reread,
    /// Taken before the checkpoint: skip it.
    Taken,
}

impl Partition {
    /// (offset, event time) of the events read that may still wait in the reorder buffer.
    pub fn pending(&self) -> impl Iterator<Item = &(i64, Millis)> {
        self.pending.iter()
    }

    /// The partition as a checkpoint left it: `reread`, the events its engine state left out
    /// (they are what waits in the reorder buffer once they are read again); without them
    /// (an older checkpoint), `pending`.
    pub fn restored(
        newest: Option<Millis>,
        next_offset: i64,
        pending: Vec<(i64, Millis)>,
        reread: Vec<(i64, Millis)>,
    ) -> Self {
        let again = (!reread.is_empty()).then(|| Reread {
            offsets: reread.iter().copied().collect(),
            next: next_offset,
            floor: reread
                .iter()
                .map(|&(_, at)| at)
                .min()
                .unwrap_or(Millis::MAX),
        });
        Partition {
            newest,
            read_through: Some(next_offset - 1),
            pending: if again.is_some() { reread } else { pending }.into(),
            reread: again,
            ..Partition::default()
        }
    }

    /// (offset, event time) of the events still to be read again since a restart: a cut taken
    /// meanwhile owes them as much as those in the reorder buffer.
    pub fn owed(&self) -> impl Iterator<Item = (i64, Millis)> + '_ {
        self.reread
            .iter()
            .flat_map(|r| r.offsets.iter().map(|(&o, &ts)| (o, ts)))
    }

    /// Where to start reading it: the first event to read again, else after the last read.
    pub fn resume_at(&self) -> i64 {
        match &self.reread {
            Some(r) => r.offsets.keys().next().copied().unwrap_or(r.next),
            None => self.read_through.map_or(0, |r| r + 1),
        }
    }

    /// Sorts out a message at `offset` while the partition is read again after a restart.
    fn again(&mut self, offset: i64) -> Again {
        let Some(r) = &mut self.reread else {
            return Again::New;
        };
        let seen = if offset < r.next {
            if r.offsets.remove(&offset).is_some() {
                Again::Reread
            } else {
                Again::Taken
            }
        } else {
            Again::New
        };
        // Kept until the last message taken before the checkpoint went by: those after the
        // last one read again are skipped too.
        if offset >= r.next - 1 {
            if !r.offsets.is_empty() {
                // Gone from the partition (retention, compaction): never coming again.
                tracing::warn!(
                    missing = r.offsets.len(),
                    "events the checkpoint left to be read again are no longer in the partition"
                );
                let missing = std::mem::take(&mut r.offsets);
                self.pending
                    .retain(|(offset, _)| !missing.contains_key(offset));
            }
            self.reread = None;
        }
        seen
    }

    /// The last offset whose event, and every event before it, has been applied (or
    /// rejected): the offset to store.
    fn applied_through(&self) -> Option<i64> {
        match self.pending.front() {
            Some(&(offset, _)) => Some(offset - 1).filter(|o| *o >= 0),
            None => self.read_through,
        }
    }
}

impl State {
    /// Takes one Kafka message: feeds its event and keeps track of its partition.
    pub fn take_message(
        &mut self,
        topic: &str,
        partition: i32,
        offset: i64,
        bytes: &[u8],
        now: Millis,
    ) {
        let source = match self.sources.iter().position(|t| t == topic) {
            Some(i) => i,
            None => {
                // A topic matched by a pattern: name it from now on.
                self.sources.push(topic.to_string());
                self.sources.len() - 1
            }
        };
        let origin = Origin {
            source: source as u32,
            partition,
            offset,
        };
        let again = match self.process.partition_mut(topic, partition) {
            Some(p) => p.again(offset),
            None => Again::New,
        };
        if matches!(again, Again::Taken) {
            return;
        }
        let buffered = self.engine.buffered_total();
        let stream = Some((origin.source, partition));
        let again_read = matches!(again, Again::Reread);
        let fed = self.feed_again_from(stream, bytes, origin, now, again_read);
        let held = self.engine.buffered_total() > buffered;
        let p = match self.process.partition_mut(topic, partition) {
            Some(p) => p,
            None => self
                .process
                .partitions
                .entry((topic.to_string(), partition))
                .or_default(),
        };
        p.read_through = Some(p.read_through.map_or(offset, |r| r.max(offset)));
        p.at_end = false;
        match (again, held, fed.read) {
            // In the reorder buffer: it leaves `pending` once the watermark passes it, or
            // when the clock rejects it.
            (Again::New, true, Some(ts)) => p.pending.push_back((offset, ts)),
            // Read again: `pending` holds it since the restart, unless it is not held now.
            (Again::Reread, false, _) => p.pending.retain(|&(o, _)| o != offset),
            _ => {}
        }
        if let Some(ts) = fed.entered {
            p.newest = p.newest.max(Some(ts));
        }
        self.forget_refused();
    }

    /// Events the clock refused are rejected, not waiting: their offsets may be stored.
    fn forget_refused(&mut self) {
        for origin in self.engine.take_refused() {
            let Some(topic) = self.sources.get(origin.source as usize) else {
                continue;
            };
            let key = (topic.clone(), origin.partition);
            if let Some(p) = self.process.partitions.get_mut(&key) {
                p.pending.retain(|&(offset, _)| offset != origin.offset);
            }
        }
    }

    /// The consumer reached the end of partition number `partition`. librdkafka does not say
    /// of which topic: with several topics, only those whose statistics show no lag count.
    pub fn reached_end(&mut self, partition: i32) {
        let candidates = self
            .process
            .partitions
            .iter()
            .filter(|((_, p), _)| *p == partition)
            .count();
        for ((_, p), part) in self.process.partitions.iter_mut() {
            if *p == partition && (candidates == 1 || part.lag.is_some_and(|l| l <= 0)) {
                part.reached_end = true;
                part.at_end = true;
                part.lag = Some(0);
            }
        }
    }

    /// The offsets to store: per partition, the last one applied (see
    /// [`Partition::applied_through`]).
    pub fn safe_offsets(&mut self) -> Vec<(String, i32, i64)> {
        let watermark = self.engine.watermark();
        let flushed = self.engine.buffered() == 0;
        let mut out = Vec::new();
        for ((topic, partition), p) in self.process.partitions.iter_mut() {
            if flushed {
                p.pending.clear();
            }
            while p.pending.front().is_some_and(|&(_, ts)| ts < watermark) {
                p.pending.pop_front();
            }
            if let Some(offset) = p.applied_through() {
                out.push((topic.clone(), *partition, offset));
            }
        }
        out
    }

    /// The watermark of an input of several partitions (with
    /// [`Engine::set_caller_watermark`]): the oldest of the partitions' newest event times,
    /// minus the lateness, so a partition read from behind never makes another's events late.
    /// A partition read to its end does not hold the others back; one that has neither
    /// delivered an event nor reached its end holds everything. With every partition at its
    /// end, the newest event time of all. Before the first assignment nothing moves: the
    /// partitions a checkpoint restored may not be all there are.
    pub fn advance_by_partitions(&mut self) {
        if !self.process.assigned {
            return;
        }
        let lateness = self.config.engine.lateness;
        if self.process.partitions.is_empty() {
            // No partition assigned (all revoked): nothing can hold the buffer back.
            let latest = self.engine.latest();
            let floor = self.process.reread_floor();
            self.engine
                .advance_to(latest.saturating_sub(lateness).min(floor));
            return;
        }
        let mut oldest: Option<Millis> = None;
        let mut newest: Option<Millis> = None;
        let floor = self.process.reread_floor();
        for p in self.process.partitions.values() {
            match (p.newest, p.at_end) {
                (_, true) => {}
                (Some(t), false) => oldest = Some(oldest.map_or(t, |o| o.min(t))),
                (None, false) => return,
            }
            newest = newest.max(p.newest);
        }
        if let Some(t) = oldest.or(newest) {
            self.engine
                .advance_to(t.saturating_sub(lateness).min(floor));
        }
    }
}

impl super::state::Process {
    /// How far the watermark may go while partitions are read again after a restart (see
    /// [`Reread::floor`]); `Millis::MAX` when none is.
    pub fn reread_floor(&self) -> Millis {
        let floors = self.partitions.values().filter_map(|p| p.reread.as_ref());
        floors.map(|r| r.floor).min().unwrap_or(Millis::MAX)
    }
}
