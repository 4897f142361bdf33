//! Sorting an input that is out of event-time order by a bounded amount (`csv.sort_window`):
//! a min-heap by event time holds each event until the newest event time read is more than
//! the window past it, then hands it on. Memory is bounded by the events of one window, not
//! by the input.
//!
//! The order handed on is the order of a sort of the whole input — event time (a completed
//! call at its offer, [`order_of`]), then file, then line, then place in its record — as long
//! as no event arrives more than the window behind the newest one. One that does is not
//! dropped: it is handed on at once, after events later than it, and counted
//! ([`Window::past_window`]); the engine takes it like any event out of order (in its reorder
//! buffer within `engine.lateness`, otherwise applied late, with revisions).

use super::files::Sink;
use crate::engine::order_of;
use crate::event::Event;
use crate::reject::Origin;
use crate::time::Millis;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Where an event sorts: event time, rank of its type, file, line, place among the events of
/// its record.
type Key = (Millis, u8, u32, i64, u64);

/// The reorder buffer of a sorting input.
pub struct Window {
    bound: Millis,
    /// The newest event time read so far.
    newest: Millis,
    /// Keys of the events held, with their slots: small, cheap to move as the heap sifts.
    heap: BinaryHeap<Reverse<(Key, u32)>>,
    /// The events held, where the heap points; free slots are reused.
    slots: Vec<Option<(Event, Origin)>>,
    free: Vec<u32>,
    /// Events pushed so far: breaks ties between the events of one record.
    seq: u64,
    /// The key of the last event handed on.
    released: Option<Key>,
    held_max: usize,
    past_window: u64,
}

impl Window {
    /// A window of `bound` milliseconds of event time.
    pub fn new(bound: Millis) -> Window {
        Window {
            bound: bound.max(0),
            newest: Millis::MIN,
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
            released: None,
            held_max: 0,
            past_window: 0,
        }
    }

    /// Takes one event; hands on to `sink` every event the window has passed.
    pub fn push(
        &mut self,
        event: Event,
        origin: Origin,
        sink: &mut impl Sink,
    ) -> anyhow::Result<()> {
        let (at, rank) = order_of(&event);
        let key = (at, rank, origin.source, origin.offset, self.seq);
        self.seq += 1;
        if self.released.is_some_and(|released| key < released) {
            // Later than the window: events after it were handed on already.
            self.past_window += 1;
            return sink.event(event, origin);
        }
        self.newest = self.newest.max(at);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some((event, origin));
                slot
            }
            None => {
                self.slots.push(Some((event, origin)));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Reverse((key, slot)));
        let horizon = self.newest.saturating_sub(self.bound);
        while self
            .heap
            .peek()
            .is_some_and(|Reverse((k, _))| k.0 < horizon)
        {
            self.release(sink)?;
        }
        // Every event held now is within the window behind the newest: at most the events
        // of one window's span of event time.
        self.held_max = self.held_max.max(self.heap.len());
        Ok(())
    }

    /// The input ended: hands on every event still held, in order.
    pub fn finish(&mut self, sink: &mut impl Sink) -> anyhow::Result<()> {
        while !self.heap.is_empty() {
            self.release(sink)?;
        }
        Ok(())
    }

    fn release(&mut self, sink: &mut impl Sink) -> anyhow::Result<()> {
        let Some(Reverse((key, slot))) = self.heap.pop() else {
            return Ok(());
        };
        self.released = Some(key);
        self.free.push(slot);
        match self.slots[slot as usize].take() {
            Some((event, origin)) => sink.event(event, origin),
            None => Ok(()),
        }
    }

    /// Events held now.
    pub fn held(&self) -> usize {
        self.heap.len()
    }

    /// The most events held at once, once the window has handed on those it passed.
    pub fn held_max(&self) -> usize {
        self.held_max
    }

    /// Events that arrived more than the window behind the newest event time (after events
    /// later than them were handed on): handed on as they came.
    pub fn past_window(&self) -> u64 {
        self.past_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Body, Id};
    use crate::reject::RejectReason;

    #[derive(Default)]
    struct Taken(Vec<(Millis, i64)>);

    impl Sink for Taken {
        fn event(&mut self, event: Event, origin: Origin) -> anyhow::Result<()> {
            self.0.push((event.ts, origin.offset));
            Ok(())
        }
        fn reject(&mut self, _: RejectReason, _: Origin, _: &[u8]) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn offered(ts: Millis) -> Event {
        Event {
            ts,
            event_id: None,
            body: Body::Offered {
                call: Id::new(format!("c{ts}")),
                queue: Id::new("q"),
                channel: Default::default(),
                priority: None,
                customer: None,
            },
        }
    }

    fn origin(line: i64) -> Origin {
        Origin {
            source: 0,
            partition: 0,
            offset: line,
        }
    }

    /// Pushes `times` in order (line numbers 1, 2, …) through a window of `bound`.
    fn run(bound: Millis, times: &[Millis]) -> (Taken, Window) {
        let (mut window, mut taken) = (Window::new(bound), Taken::default());
        for (i, &t) in times.iter().enumerate() {
            window
                .push(offered(t), origin(i as i64 + 1), &mut taken)
                .unwrap();
        }
        window.finish(&mut taken).unwrap();
        (taken, window)
    }

    #[test]
    fn events_out_of_order_by_less_than_the_window_come_out_sorted() {
        let times = [50, 10, 40, 30, 20, 90, 60, 80, 70, 100, 100];
        let (taken, window) = run(40, &times);
        let mut sorted: Vec<_> = times.iter().copied().zip(1..).collect();
        sorted.sort();
        assert_eq!(taken.0, sorted);
        assert_eq!(window.past_window(), 0);
    }

    #[test]
    fn an_event_later_than_the_window_is_handed_on_and_counted_not_dropped() {
        // 5 arrives after 100 pushed 10 and 20 out of a window of 30.
        let (taken, window) = run(30, &[10, 20, 100, 5, 110]);
        assert_eq!(taken.0, [(10, 1), (20, 2), (5, 4), (100, 3), (110, 5)]);
        assert_eq!(window.past_window(), 1);
    }

    #[test]
    fn the_window_holds_no_more_events_than_its_span_of_event_time() {
        // One event a second, each up to 20 s out of place; a window of 60 s.
        let times: Vec<Millis> = (0..10_000)
            .map(|i: Millis| i * 1000 + (i * 7919 % 21) * 1000 - 20_000)
            .collect();
        let bound = 60_000;
        let (taken, window) = run(bound, &times);
        assert_eq!(window.past_window(), 0);
        assert!(taken.0.windows(2).all(|w| w[0] <= w[1]), "sorted");
        // At most the events within the window behind the newest, plus the newest one's
        // neighbours that arrived early: (60 s + 20 s of disorder) at one a second, and one.
        let span = (bound + 20_000) / 1000 + 1;
        assert!(
            window.held_max() as Millis <= span,
            "held {} > {span}",
            window.held_max()
        );
        assert_eq!(window.held(), 0, "all handed on at the end");
    }
}
