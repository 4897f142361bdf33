//! The reorder buffer: events wait here until the watermark passes them, then leave in
//! event-time order, so any arrival order within the allowed lateness gives the same results.
//!
//! Ties at the same instant are broken by lifecycle rank (an offer before its answer, an answer
//! before its end) and then by the event's content digest, never by arrival.

use crate::event::{Body, Event};
use crate::reject::Origin;
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

mod runs;
mod slab;
use runs::{Entry, Runs};
use slab::Slab;

/// An event waiting for the watermark.
#[derive(Debug, Serialize, Deserialize)]
pub struct Queued {
    /// The instant that orders it: `ts`, or `offered_at` for a completed-call record.
    pub at: Millis,
    pub rank: u8,
    pub digest: u64,
    pub event: Event,
    pub origin: Origin,
    /// Whether the provisional overlay took it into account (see [`super::provisional`]);
    /// what the overlay added for it is taken back when it is applied.
    #[serde(skip)]
    pub noted: bool,
}

impl Queued {
    pub fn new(event: Event, origin: Origin, digest: u64) -> Self {
        let (at, rank) = order_of(&event);
        Queued {
            at,
            rank,
            digest,
            event,
            origin,
            noted: false,
        }
    }

    pub(super) fn key(&self) -> Key {
        (self.at, self.rank, self.digest)
    }
}

/// Where an event sits in event time: completed-call records take the place of their offer.
pub fn order_of(event: &Event) -> (Millis, u8) {
    match &event.body {
        Body::Offered { .. } => (event.ts, 0),
        Body::Completed(c) => (c.offered_at, 0),
        Body::Transferred { .. } => (event.ts, 1),
        Body::Ringing { .. } => (event.ts, 2),
        Body::Answered { .. } | Body::Abandoned { .. } => (event.ts, 3),
        Body::Ended { .. } => (event.ts, 4),
        Body::WrapupEnded { .. } => (event.ts, 5),
        _ => (event.ts, 6),
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// Slots a slab keeps whatever it holds (see [`Reorder::shrink`]).
const SHRINK_FROM: usize = 4_096;

/// The ordering key of a queued event: instant, rank of its type, digest.
pub(super) type Key = (Millis, u8, u64);

/// Events ordered by their ordering key: sorted runs merged by a small heap
/// (`reorder/runs.rs`), so that the events of each partition, nearly in order, cost little
/// however far apart the partitions are read, and input far out of order costs O(log n) an
/// event as a heap does.
/// Events live in a slab and the order holds only keys and slots, so nothing large moves.
///
/// An event can also be taken out before its time ([`Reorder::remove`]: the clock rejected
/// it); its slot stays empty until its key is the least held, so a slot is never reused
/// while the order still names it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Reorder {
    /// Checkpointed as a sequence of entries, as the binary heap it was (restore rebuilds it
    /// from the slab, [`Reorder::rebuild`]).
    #[serde(with = "entries")]
    order: Runs,
    slab: Slab,
    free: Vec<u32>,
    /// Events held (the heap may also name emptied slots).
    count: usize,
    /// Events ever pushed (by this process): whether an ingest buffered its event.
    #[serde(skip)]
    pushed: u64,
}

impl Reorder {
    pub fn push(&mut self, q: Queued) {
        let key = q.key();
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(q);
                slot
            }
            None => self.slab.push(Some(q)) as u32,
        };
        self.order.push((key, slot));
        self.count += 1;
        self.pushed += 1;
    }

    /// The earliest event if it lies before `watermark`.
    pub fn pop_before(&mut self, watermark: Millis) -> Option<Queued> {
        loop {
            let Some(((at, _, _), slot)) = self.order.peek() else {
                self.shrink();
                return None;
            };
            if self.slab[slot as usize].is_some() && at >= watermark {
                self.shrink();
                return None;
            }
            self.order.pop();
            self.free.push(slot);
            if let Some(q) = self.slab[slot as usize].take() {
                self.count -= 1;
                return Some(q);
            }
        }
    }

    /// Gives back what a backlog grew the slab to: once the events held fill less than an
    /// eighth of its slots (and it has more than [`SHRINK_FROM`]), they move to a slab of their
    /// own size, in slot order (so events of equal keys still leave in the same order), and
    /// the heap and the free slots are built again. A slab must grow eightfold from there to
    /// be shrunk again, so this costs O(1) an event.
    fn shrink(&mut self) {
        if self.slab.len() <= SHRINK_FROM || self.count * 8 >= self.slab.len() {
            return;
        }
        self.slab = self.slab.take_all().filter(Option::is_some).collect();
        self.free = Vec::new();
        self.rebuild();
    }

    /// Takes out the event of ordering key `key`, if it is held (a linear search: the clock
    /// rejects few events).
    pub fn remove(&mut self, key: Key) -> Option<Queued> {
        let slot = self
            .slab
            .iter()
            .position(|q| q.as_ref().is_some_and(|q| q.key() == key))?;
        self.count -= 1;
        self.slab[slot].take()
    }

    pub fn len(&self) -> usize {
        self.count
    }

    /// Events ever pushed by this process.
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Rebuilds the heap, the free slots and the count from the slab (a restored checkpoint:
    /// they are derived from it, never trusted). The same events leave in the same order.
    pub fn rebuild(&mut self) {
        let mut order = Vec::with_capacity(self.slab.len());
        self.free.clear();
        for (slot, q) in self.slab.iter().enumerate() {
            match q {
                Some(q) => order.push((q.key(), slot as u32)),
                None => self.free.push(slot as u32),
            }
        }
        self.count = order.len();
        self.order = Runs::from_unordered(order);
    }

    /// Whether an event of ordering key `key` is held.
    pub fn contains(&self, key: Key) -> bool {
        self.iter().any(|q| q.key() == key)
    }

    /// The events waiting, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.slab.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Queued> {
        self.slab.iter_mut().flatten()
    }
}

/// The order checkpointed as its entries, in the shape of the binary heap it was: a sequence
/// of (key, slot).
mod entries {
    use super::{Entry, Runs};
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(runs: &Runs, ser: S) -> Result<S::Ok, S::Error> {
        let mut seq = ser.serialize_seq(Some(runs.len()))?;
        for entry in runs.iter() {
            seq.serialize_element(entry)?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Runs, D::Error> {
        Vec::<Entry>::deserialize(d).map(Runs::from_unordered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Body, Event, Id};

    fn abandoned(ts: Millis, call: &str) -> Queued {
        let event = Event {
            ts,
            event_id: None,
            body: Body::Abandoned {
                call: Id::new(call),
                cause: Default::default(),
            },
        };
        Queued::new(event, Origin::default(), ts as u64)
    }

    #[test]
    fn events_leave_in_event_time_order_whatever_their_arrival() {
        let mut r = Reorder::default();
        for ts in [30, 10, 20, 50, 40, 10] {
            r.push(abandoned(ts, "c"));
        }
        assert_eq!(r.len(), 6);
        let mut out = Vec::new();
        while let Some(q) = r.pop_before(45) {
            out.push(q.at);
        }
        assert_eq!(out, [10, 10, 20, 30, 40]);
        r.push(abandoned(45, "c"));
        assert_eq!(r.pop_before(Millis::MAX).map(|q| q.at), Some(45));
        assert_eq!(r.pop_before(Millis::MAX).map(|q| q.at), Some(50));
        assert!(r.pop_before(Millis::MAX).is_none());
    }

    #[test]
    fn a_slab_grown_by_a_backlog_is_given_back_and_its_events_still_leave_in_order() {
        let mut r = Reorder::default();
        // 100,000 events in a scrambled order, about three at each instant.
        let n: i64 = 100_000;
        let mut all: Vec<Millis> = (0..n).map(|i| (i * 7_919) % n / 3).collect();
        for &at in &all {
            r.push(abandoned(at, "c"));
        }
        let grown = r.slab.capacity();
        let watermark = n / 3 - 1_000;
        let mut first = Vec::new();
        while let Some(q) = r.pop_before(watermark) {
            first.push(q.at);
        }
        assert!(r.len() * 8 < n as usize, "most have left: {}", r.len());
        assert!(
            r.slab.capacity() < grown / 8,
            "{} slots kept of {grown}",
            r.slab.capacity()
        );
        assert_eq!(r.slab.len(), r.len());
        // After the shrink, what is held and what comes leave in order.
        let late = watermark - 500;
        r.push(abandoned(late, "c"));
        let mut then = Vec::new();
        while let Some(q) = r.pop_before(Millis::MAX) {
            then.push(q.at);
        }
        assert!(first.windows(2).all(|w| w[0] <= w[1]));
        assert!(first.iter().all(|&at| at < watermark));
        assert_eq!(then[0], late);
        assert!(then[1..].windows(2).all(|w| w[0] <= w[1]));
        all.push(late);
        all.sort_unstable();
        let mut out = [first, then].concat();
        out.sort_unstable();
        assert_eq!(out, all, "every event left once");
    }
}
