//! The order of the events the reorder buffer holds: sorted *runs*, merged by a small heap.
//!
//! Each partition of a Kafka topic (each file) delivers its events nearly in event-time
//! order, but the partitions are read unevenly: while a backlog is read, one runs hours of
//! event time ahead of another, and the buffer holds a fifth of the backlog for the slowest.
//! One binary heap of every event held costs a sift through 18 levels of a table larger than
//! the caches for every push and pop: 9 % of the live input thread (`perf`, four partitions).
//!
//! Here, as patience sorting keeps its piles (and as the CSV input's sort window does): an
//! entry joins the run whose last entry is the greatest not above it, or starts a run. The
//! events of each partition make a run or a few, appended at one end and taken from the
//! other, and only the runs' first entries are in a heap, a handful of them.
//!
//! Input far out of order (in reverse, every entry is a run) would make a run per entry, each
//! an allocation: past [`MAX_RUNS`] runs, an entry that would start one goes to a binary heap
//! of its own instead, as before, and the two are merged at the top. The order taken out is
//! the order of the entries, whatever the input: a property test checks it against a heap.

use super::Key;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// An event held: its ordering key and its slot (unique among the events held).
pub(super) type Entry = (Key, u32);

/// The most runs kept; further entries out of every run's order go to the overflow heap.
const MAX_RUNS: usize = 64;

/// Entries in order, taken out least first. See the module docs.
#[derive(Debug, Default)]
pub(super) struct Runs {
    runs: Vec<VecDeque<Entry>>,
    /// Runs emptied, to be used again.
    spare: Vec<u32>,
    /// The last entry of every run holding entries, with its number, ascending: the run an
    /// entry joins is found by a binary search, and appending keeps the order (the next
    /// run's last entry is above the one appended). A new run's entry is below every last
    /// entry, so it comes first; the run that empties is the one whose last entry was the
    /// least held, so it leaves from the front.
    tails: VecDeque<(Entry, u32)>,
    /// The first entry of every run holding entries, with its number.
    heads: BinaryHeap<Reverse<(Entry, u32)>>,
    /// Entries that would have started a run past [`MAX_RUNS`].
    overflow: BinaryHeap<Reverse<Entry>>,
    len: usize,
}

impl Runs {
    /// The entries given, in any order, in one run.
    pub(super) fn from_unordered(mut entries: Vec<Entry>) -> Runs {
        entries.sort_unstable();
        let mut runs = Runs::default();
        for entry in entries {
            runs.push(entry);
        }
        runs
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn push(&mut self, entry: Entry) {
        self.len += 1;
        let after = self.tails.partition_point(|&(tail, _)| tail <= entry);
        if after > 0 {
            let (tail, run) = &mut self.tails[after - 1];
            *tail = entry;
            self.runs[*run as usize].push_back(entry);
            return;
        }
        if self.tails.len() >= MAX_RUNS {
            self.overflow.push(Reverse(entry));
            return;
        }
        let run = match self.spare.pop() {
            Some(run) => run,
            None => {
                self.runs.push(VecDeque::new());
                (self.runs.len() - 1) as u32
            }
        };
        self.runs[run as usize].push_back(entry);
        self.tails.push_front((entry, run));
        self.heads.push(Reverse((entry, run)));
    }

    /// The least entry.
    pub(super) fn peek(&self) -> Option<Entry> {
        let head = self.heads.peek().map(|Reverse((entry, _))| *entry);
        let over = self.overflow.peek().map(|Reverse(entry)| *entry);
        match (head, over) {
            (Some(h), Some(o)) => Some(h.min(o)),
            (h, o) => h.or(o),
        }
    }

    /// Takes out the least entry.
    pub(super) fn pop(&mut self) -> Option<Entry> {
        let least = self.peek()?;
        self.len -= 1;
        if self.overflow.peek().is_some_and(|Reverse(o)| *o == least) {
            self.overflow.pop();
            return Some(least);
        }
        let Reverse((_, run)) = self.heads.pop().expect("the least entry heads a run");
        let entries = &mut self.runs[run as usize];
        entries.pop_front();
        match entries.front() {
            Some(&next) => self.heads.push(Reverse((next, run))),
            None => {
                // Its last entry was the least held, so it is the first of the tails: the
                // search ends at once.
                let at = self
                    .tails
                    .iter()
                    .position(|&(_, r)| r == run)
                    .expect("a run holding entries has a tail");
                self.tails.remove(at);
                if self.runs[run as usize].capacity() > 1_024 {
                    self.runs[run as usize] = VecDeque::new();
                }
                self.spare.push(run);
            }
        }
        Some(least)
    }

    /// Every entry, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.runs
            .iter()
            .flatten()
            .chain(self.overflow.iter().map(|Reverse(entry)| entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(at: i64, slot: u32) -> Entry {
        ((at, 0, 0), slot)
    }

    #[test]
    fn a_few_partitions_read_unevenly_make_a_few_runs() {
        let mut runs = Runs::default();
        let mut slot = 0;
        // Four partitions, each in order, delivered in chunks of 100 events hours apart.
        for chunk in 0..10i64 {
            for partition in 0..4i64 {
                for i in 0..100 {
                    let at = (partition * 7 + chunk) * 1_000 + i;
                    runs.push(entry(at, slot));
                    slot += 1;
                }
            }
        }
        assert!(runs.tails.len() <= 8, "{} runs", runs.tails.len());
        assert!(runs.overflow.is_empty());
        let mut out = Vec::new();
        while let Some(e) = runs.pop() {
            out.push(e);
        }
        assert_eq!(out.len(), 4_000);
        assert!(out.windows(2).all(|w| w[0] < w[1]));
        assert!(runs.tails.is_empty() && runs.heads.is_empty() && runs.len() == 0);
    }

    #[test]
    fn input_in_reverse_keeps_at_most_the_bound_of_runs_and_the_rest_in_the_heap() {
        let mut runs = Runs::default();
        for slot in 0..1_000u32 {
            runs.push(entry(10_000 - i64::from(slot), slot));
        }
        assert_eq!(runs.tails.len(), MAX_RUNS);
        assert_eq!(runs.overflow.len(), 1_000 - MAX_RUNS);
        let out: Vec<_> = std::iter::from_fn(|| runs.pop()).collect();
        assert_eq!(out.len(), 1_000);
        assert!(out.windows(2).all(|w| w[0] < w[1]));
    }

    /// One operation on the entries held.
    #[derive(Debug, Clone)]
    enum Op {
        /// Push an entry this far from the last one pushed (negative: out of order).
        Push(i64),
        Pop,
    }

    proptest! {
        /// Whatever is pushed and popped, in whatever order, the entries come out exactly as
        /// from a binary heap of them, and every one held is iterated.
        #[test]
        fn entries_come_out_as_from_one_heap(
            ops in proptest::collection::vec(
                prop_oneof![
                    6 => prop_oneof![8 => 0i64..50, 2 => -500i64..0, 1 => -100_000i64..100_000]
                        .prop_map(Op::Push),
                    3 => Just(Op::Pop),
                ],
                0..600,
            )
        ) {
            let mut runs = Runs::default();
            let mut heap = BinaryHeap::new();
            let (mut at, mut slot) = (0i64, 0u32);
            for op in ops {
                match op {
                    Op::Push(step) => {
                        at += step;
                        // A few equal keys: the slot breaks the tie.
                        let e = ((at / 3, 0, 0), slot);
                        slot += 1;
                        runs.push(e);
                        heap.push(Reverse(e));
                    }
                    Op::Pop => {
                        prop_assert_eq!(runs.pop(), heap.pop().map(|Reverse(e)| e));
                    }
                }
                prop_assert_eq!(runs.len(), heap.len());
                prop_assert_eq!(runs.peek(), heap.peek().map(|Reverse(e)| *e));
            }
            let mut held: Vec<_> = runs.iter().copied().collect();
            held.sort_unstable();
            let mut want: Vec<_> = heap.iter().map(|Reverse(e)| *e).collect();
            want.sort_unstable();
            prop_assert_eq!(held, want);
            let rebuilt = Runs::from_unordered(runs.iter().copied().collect());
            let a: Vec<_> = std::iter::from_fn({ let mut r = rebuilt; move || r.pop() }).collect();
            let b: Vec<_> = std::iter::from_fn(|| runs.pop()).collect();
            prop_assert_eq!(a, b);
        }
    }
}
