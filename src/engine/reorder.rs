//! The reorder buffer: events wait here until the watermark passes them, then leave in
//! event-time order, so any arrival order within the allowed lateness gives the same results.
//!
//! Ties at the same instant are broken by lifecycle rank (an offer before its answer, an answer
//! before its end) and then by the event's content digest, never by arrival.

use crate::event::{Body, Event};
use crate::reject::Origin;
use crate::time::Millis;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// An event waiting for the watermark.
#[derive(Debug)]
pub struct Queued {
    /// The instant that orders it: `ts`, or `offered_at` for a completed-call record.
    pub at: Millis,
    pub rank: u8,
    pub digest: u64,
    pub event: Event,
    pub origin: Origin,
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
        }
    }

    fn key(&self) -> (Millis, u8, u64) {
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

#[derive(Debug, Default)]
pub struct Reorder {
    heap: BinaryHeap<Reverse<Queued>>,
}

impl Reorder {
    pub fn push(&mut self, q: Queued) {
        self.heap.push(Reverse(q));
    }

    /// The earliest event if it lies before `watermark`.
    pub fn pop_before(&mut self, watermark: Millis) -> Option<Queued> {
        if self.heap.peek()?.0.at < watermark {
            self.heap.pop().map(|Reverse(q)| q)
        } else {
            None
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
}
