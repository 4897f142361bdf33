//! Sorting an input that is out of event-time order by a bounded amount (`csv.sort_window`):
//! each event is held until the newest event time read is more than the window past it, then
//! handed on in order. Memory is bounded by the events of one window, not by the input.
//!
//! The order handed on is the order of a sort of the whole input — event time (a completed
//! call at its offer, [`order_of`]), then file, then line, then place in its record — as long
//! as no event arrives more than the window behind the newest one. One that does is not
//! dropped: it is handed on at once, after events later than it, and counted
//! ([`Window::past_window`]); the engine takes it like any event out of order (in its reorder
//! buffer within `engine.lateness`, otherwise applied late, with revisions).
//!
//! The events held are kept in *runs*, each in order, as patience sorting keeps its piles: an
//! event joins the run whose last key is the greatest not above its own, or starts a run. An
//! export ordered by phone line, then time, makes a few runs per line (offers, answers, ends),
//! so the events of a run sit side by side in memory, appended at one end and handed on from
//! the other; a heap of every event held (tens of thousands for a month) spent a fifth of the
//! reading thread on cache misses (`perf`). The runs' first keys are merged by a small heap.

use super::files::Sink;
use crate::engine::order_of;
use crate::event::Event;
use crate::reject::Origin;
use crate::time::Millis;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Where an event sorts: event time, rank of its type, file, line, place among the events of
/// its record (unique: events pushed are numbered).
type Key = (Millis, u8, u32, i64, u64);

/// Events in key order, each with its number (the rest of its key is the event's).
type Run = VecDeque<(u64, Event, Origin)>;

/// The key of an event held.
fn key_of((seq, event, origin): &(u64, Event, Origin)) -> Key {
    let (at, rank) = order_of(event);
    (at, rank, origin.source, origin.offset, *seq)
}

/// The reorder buffer of a sorting input.
pub struct Window {
    bound: Millis,
    /// The newest event time read so far.
    newest: Millis,
    /// The runs, by number; an empty one waits in `spare` to be used again.
    runs: Vec<Run>,
    spare: Vec<u32>,
    /// The last key of every run that holds events, with its number, in key order: the run an
    /// event joins is found by a binary search, and appending keeps the order (the next run's
    /// last key is above the event's). A new run's key is below every last key, so it comes
    /// first; the run that empties is the one with the least last key, so it leaves first:
    /// both at the front, whatever the input's order (in reverse, every event is a run).
    tails: VecDeque<(Key, u32)>,
    /// The first key of every run that holds events, with its number: the next event to hand
    /// on is the least of them.
    heads: BinaryHeap<Reverse<(Key, u32)>>,
    held: usize,
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
            runs: Vec::new(),
            spare: Vec::new(),
            tails: VecDeque::new(),
            heads: BinaryHeap::new(),
            held: 0,
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
        let seq = self.seq;
        let key = (at, rank, origin.source, origin.offset, seq);
        self.seq += 1;
        if self.released.is_some_and(|released| key < released) {
            // Later than the window: events after it were handed on already.
            self.past_window += 1;
            return sink.event(event, origin);
        }
        self.newest = self.newest.max(at);
        self.hold(key, (seq, event, origin));
        let horizon = self.newest.saturating_sub(self.bound);
        while self
            .heads
            .peek()
            .is_some_and(|Reverse((k, _))| k.0 < horizon)
        {
            self.release(sink)?;
        }
        // Every event held now is within the window behind the newest: at most the events
        // of one window's span of event time.
        self.held_max = self.held_max.max(self.held);
        Ok(())
    }

    /// Adds an event to the run whose last key is the greatest not above `key`, or to a run
    /// of its own.
    fn hold(&mut self, key: Key, entry: (u64, Event, Origin)) {
        self.held += 1;
        let below = self.tails.partition_point(|(tail, _)| *tail <= key);
        let run = if below > 0 {
            let (tail, run) = &mut self.tails[below - 1];
            *tail = key;
            *run
        } else {
            let run = match self.spare.pop() {
                Some(run) => run,
                None => {
                    self.runs.push(VecDeque::new());
                    (self.runs.len() - 1) as u32
                }
            };
            self.tails.push_front((key, run));
            self.heads.push(Reverse((key, run)));
            run
        };
        let events = &mut self.runs[run as usize];
        if events.len() == events.capacity() {
            // One slot first: an input in reverse order makes a run of one event per event.
            // Then twice, and past 256 a quarter more, not twice: a run is handed on from its
            // front as it grows at its back, so every slot of its ring is written, and doubling
            // would hold up to twice the events of the window.
            let more = match events.len() {
                0 => 1,
                n if n < 256 => n.max(3),
                n => n / 4,
            };
            events.reserve_exact(more);
        }
        events.push_back(entry);
    }

    /// The input ended: hands on every event still held, in order.
    pub fn finish(&mut self, sink: &mut impl Sink) -> anyhow::Result<()> {
        while !self.heads.is_empty() {
            self.release(sink)?;
        }
        Ok(())
    }

    /// Hands on the least event held.
    fn release(&mut self, sink: &mut impl Sink) -> anyhow::Result<()> {
        let Some(Reverse((_, run))) = self.heads.pop() else {
            return Ok(());
        };
        let events = &mut self.runs[run as usize];
        let Some(entry) = events.pop_front() else {
            return Ok(());
        };
        let key = key_of(&entry);
        match events.front() {
            Some(next) => self.heads.push(Reverse((key_of(next), run))),
            None => {
                // Its last event: the run leaves the tails (where `key` was its last key, the
                // least of them: at the front).
                if let Ok(i) = self.tails.binary_search(&(key, run)) {
                    self.tails.remove(i);
                }
                // Its memory goes back: a month's run is long, the next one may be short.
                *events = VecDeque::new();
                self.spare.push(run);
            }
        }
        self.held -= 1;
        self.released = Some(key);
        let (_, event, origin) = entry;
        sink.event(event, origin)
    }

    /// Events held now.
    pub fn held(&self) -> usize {
        self.held
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

    /// What the window's contract says it hands on for `times` pushed in order (line numbers
    /// 1, 2, …), kept in one sorted set: the events in order, those later than the window as
    /// they come; and how many those are.
    fn contract(bound: Millis, times: &[Millis]) -> (Vec<(Millis, i64)>, u64) {
        let (mut held, mut out) = (std::collections::BTreeSet::new(), Vec::new());
        let (mut newest, mut released, mut past) = (Millis::MIN, None, 0);
        for (line, &t) in (1..).zip(times) {
            if released.is_some_and(|r| (t, line) < r) {
                past += 1;
                out.push((t, line));
                continue;
            }
            newest = newest.max(t);
            held.insert((t, line));
            while let Some(&first) = held.first() {
                if first.0 >= newest.saturating_sub(bound) {
                    break;
                }
                held.remove(&first);
                released = Some(first);
                out.push(first);
            }
        }
        out.extend(held);
        (out, past)
    }

    proptest::proptest! {
        #[test]
        fn the_runs_hand_on_what_one_sorted_set_would(
            bound in 0..120i64,
            times in proptest::collection::vec(0..400i64, 0..400),
        ) {
            let (taken, window) = run(bound, &times);
            let (want, past) = contract(bound, &times);
            proptest::prop_assert_eq!(taken.0, want);
            proptest::prop_assert_eq!(window.past_window(), past);
            proptest::prop_assert_eq!(window.held(), 0);
        }
    }

    #[test]
    fn an_input_in_reverse_order_makes_a_run_per_event_and_still_comes_out_sorted() {
        // Every event starts a run of its own at the front of the runs and is handed on from
        // there: with runs kept where an insert or a removal moves the others, this input
        // took quadratic time (300,000 events: hours).
        let times: Vec<Millis> = (0..300_000).rev().collect();
        let (taken, window) = run(1_000_000, &times);
        assert_eq!(window.held_max(), times.len());
        assert_eq!(window.past_window(), 0);
        let mut sorted: Vec<_> = times.iter().copied().zip(1..).collect();
        sorted.sort();
        assert_eq!(taken.0, sorted);
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
