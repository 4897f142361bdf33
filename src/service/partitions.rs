//! The input's Kafka partitions as the live service sees them: where each was read, its
//! newest event time (the per-partition watermark: the slowest partition decides), the events
//! read but not yet applied (so stored offsets never pass an event still in the reorder
//! buffer), and the offsets that are safe to store.

use super::state::State;
use crate::reject::Origin;
use crate::time::Millis;
use std::collections::VecDeque;

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
}

impl Partition {
    /// (offset, event time) of the events read that may still wait in the reorder buffer.
    pub fn pending(&self) -> impl Iterator<Item = &(i64, Millis)> {
        self.pending.iter()
    }

    /// The partition as a checkpoint left it.
    pub fn restored(newest: Option<Millis>, next_offset: i64, pending: Vec<(i64, Millis)>) -> Self {
        Partition {
            newest,
            read_through: Some(next_offset - 1),
            pending: pending.into(),
            ..Partition::default()
        }
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
        let buffered = self.engine.buffered();
        let fed = self.feed_from(Some((origin.source, partition)), bytes, origin, now);
        let held = self.engine.buffered() > buffered;
        let p = self
            .process
            .partitions
            .entry((topic.to_string(), partition))
            .or_default();
        p.read_through = Some(offset);
        p.at_end = false;
        if let (true, Some(ts)) = (held, fed.read) {
            // In the reorder buffer: it leaves `pending` once the watermark passes it, or
            // when the clock rejects it.
            p.pending.push_back((offset, ts));
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
            self.engine.advance_to(latest.saturating_sub(lateness));
            return;
        }
        let mut oldest: Option<Millis> = None;
        let mut newest: Option<Millis> = None;
        for p in self.process.partitions.values() {
            match (p.newest, p.at_end) {
                (_, true) => {}
                (Some(t), false) => oldest = Some(oldest.map_or(t, |o| o.min(t))),
                (None, false) => return,
            }
            newest = newest.max(p.newest);
        }
        if let Some(t) = oldest.or(newest) {
            self.engine.advance_to(t.saturating_sub(lateness));
        }
    }
}
