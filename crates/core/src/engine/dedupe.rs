//! Duplicate detection: an event is a duplicate when its `event_id`, or (without an id) its
//! whole content, was seen within the dedupe window. Keys are 64-bit foldhash digests with a
//! fixed seed (so a restart computes the same ones).
//!
//! The window is counted in event time from each key's *anchor*: the original's own time, or
//! the watermark when it came if that is later (a late event), but never past the stream's
//! frontier (a tentative event far ahead). A key is remembered until the watermark is more
//! than one window past its anchor, and at most two windows. Anchoring on the watermark at
//! arrival instead once let a copy count twice: an event that came a full lateness late,
//! then a jump of the stream, and its key was a window old before the event's own interval
//! had closed.
//!
//! Keys live in generations of one window of anchors each (generation `k` holds the anchors
//! in `[k·window, (k+1)·window)`); a generation goes at once when the watermark has left all
//! its anchors a window behind, so forgetting costs nothing per event. Anchors lie between
//! the watermark and the frontier, so a handful of generations are alive at once (two or
//! three with the default settings).

use crate::event::Event;
use crate::time::Millis;
use foldhash::quality::FixedState;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, Hasher};
use std::ops::Range;

/// A fixed seed: the same event gets the same digest in every run of a build.
const DIGEST: FixedState = FixedState::with_seed(0x6361_6c6c_7075_6c73);

/// The most generations kept: a bound on the sets a lookup probes, whatever the anchors (a
/// restored state, or first events stamped years apart before the stream has a frontier).
/// Past it a key joins the nearest generation before its own, to be forgotten sooner.
const MAX_GENERATIONS: usize = 16;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dedupe {
    /// `(k, keys)` by ascending `k`.
    generations: VecDeque<(i64, FxHashSet<u64>)>,
    window: Millis,
}

/// The dedupe key of an event: its id when it has one, else its content.
pub fn key(event: &Event) -> u64 {
    let mut h = DIGEST.build_hasher();
    match &event.event_id {
        Some(id) => (1u8, id.as_str()).hash(&mut h),
        None => (2u8, event.ts, &event.body).hash(&mut h),
    }
    h.finish()
}

impl Dedupe {
    /// A window of 0 remembers nothing: every copy counts.
    pub fn new(window: Millis) -> Self {
        Dedupe {
            generations: VecDeque::new(),
            window,
        }
    }

    /// Takes the configuration of `fresh`, keeping this one's state (a restored checkpoint).
    /// Keys restored under another window stay in their generations until those go.
    pub fn configure_like(&mut self, fresh: &Self) {
        self.window = fresh.window;
        self.generations.truncate(MAX_GENERATIONS);
    }

    /// Whether `key` is remembered.
    pub fn contains(&self, key: u64) -> bool {
        self.generations
            .iter()
            .rev()
            .any(|(_, keys)| keys.contains(&key))
    }

    /// Remembers `key` from `anchor` on (see the module's text for the anchor).
    pub fn insert(&mut self, key: u64, anchor: Millis) {
        if self.window <= 0 {
            return;
        }
        let k = anchor.div_euclid(self.window);
        let at = self.generations.partition_point(|(g, _)| *g <= k);
        if at > 0 && self.generations[at - 1].0 == k {
            self.generations[at - 1].1.insert(key);
        } else if self.generations.len() >= MAX_GENERATIONS {
            let nearest = at.saturating_sub(1);
            self.generations[nearest].1.insert(key);
        } else {
            // As large as the newest generation: one window of traffic without rehashing.
            let capacity = self.generations.back().map_or(0, |(_, keys)| keys.len());
            let mut keys = FxHashSet::with_capacity_and_hasher(capacity, Default::default());
            keys.insert(key);
            self.generations.insert(at, (k, keys));
        }
    }

    /// Forgets the generations whose every anchor the watermark has left a window behind.
    pub fn expire(&mut self, watermark: Millis) {
        while let Some((k, _)) = self.generations.front() {
            // Saturating: restore refuses a generation outside the years events can have, but
            // one at the end of the integers must not panic either.
            let end = k.saturating_add(1).saturating_mul(self.window.max(1));
            if end.saturating_add(self.window) > watermark {
                break;
            }
            self.generations.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.generations.iter().map(|(_, keys)| keys.len()).sum()
    }

    /// Whether every generation can hold anchors where events can be (`instants`): generation
    /// `k` holds `[k·w, (k+1)·w)` under the window `w` its keys were anchored by, at least
    /// 1 ms, so `k` lies within `instants` whatever that window was (not necessarily the one
    /// saved: keys restored under another window keep their generations). One near the ends of
    /// the integers overflowed the expiry's arithmetic.
    pub fn check_bounds(&self, instants: Range<Millis>) -> Result<(), String> {
        match self.generations.iter().find(|(k, _)| !instants.contains(k)) {
            Some((k, _)) => Err(format!("dedupe keys of generation {k} out of range")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_remembered_for_one_window_past_their_anchor_at_least_and_two_at_most() {
        let mut d = Dedupe::new(100);
        d.insert(1, 50);
        assert!(d.contains(1));
        d.expire(150);
        assert!(d.contains(1), "a window past the anchor, not more");
        d.expire(199);
        assert!(d.contains(1), "still in its generation [0, 100)");
        d.expire(200);
        assert!(!d.contains(1), "its generation is a window behind");
    }

    #[test]
    fn a_late_key_is_anchored_at_its_own_time_so_a_jump_after_it_does_not_forget_it() {
        // The case a property test found: an event a full lateness late, then the stream
        // jumps a window on. The key is anchored at the event's time, not the old watermark.
        let mut d = Dedupe::new(100);
        d.insert(7, 0);
        d.expire(10);
        d.insert(8, 460); // came late: watermark 104 when it came, its own time 460
        d.expire(488);
        assert!(d.contains(8));
        d.expire(599);
        assert!(d.contains(8), "within a window of its own time");
        assert!(!d.contains(7));
    }

    #[test]
    fn a_zero_window_remembers_nothing() {
        let mut d = Dedupe::new(0);
        d.insert(1, 0);
        assert!(!d.contains(1));
        d.expire(i64::MAX);
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn a_generation_at_the_end_of_the_integers_expires_without_overflowing() {
        // Restore refuses such a generation; the expiry's arithmetic saturates all the same.
        let mut d = Dedupe::new(100);
        let keys = [1].into_iter().collect();
        d.generations.push_back((i64::MAX, keys));
        d.expire(1_000);
        assert!(d.contains(1), "its end saturates: not yet a window behind");
        d.expire(i64::MAX);
        assert!(!d.contains(1));
    }

    #[test]
    fn generations_are_bounded_whatever_the_anchors() {
        let mut d = Dedupe::new(10);
        for k in 0..100 {
            d.insert(k as u64, k * 1_000_000_007);
        }
        assert_eq!(d.generations.len(), MAX_GENERATIONS);
        assert!(
            (0..100).all(|k| d.contains(k)),
            "no key is dropped, only grouped"
        );
        d.insert(1_000, i64::MIN);
        d.insert(1_001, i64::MAX);
        assert!(d.contains(1_000) && d.contains(1_001));
    }
}
