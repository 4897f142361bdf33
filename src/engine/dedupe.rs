//! Duplicate detection: an event is a duplicate when its `event_id`, or (without an id) its
//! whole content, was seen within the dedupe window. Keys are 64-bit foldhash digests with a
//! fixed seed (so a restart computes the same ones). Keys live in two generations that rotate
//! as the watermark advances: each key is remembered for at least one window and at most two,
//! and forgetting costs nothing per event.

use crate::event::Event;
use crate::time::Millis;
use foldhash::quality::FixedState;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use std::hash::{BuildHasher, Hash, Hasher};

/// A fixed seed: the same event gets the same digest in every run of a build.
const DIGEST: FixedState = FixedState::with_seed(0x6361_6c6c_7075_6c73);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dedupe {
    current: FxHashSet<u64>,
    previous: FxHashSet<u64>,
    window: Millis,
    generation_start: Option<Millis>,
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
    pub fn new(window: Millis) -> Self {
        Dedupe {
            current: FxHashSet::default(),
            previous: FxHashSet::default(),
            window,
            generation_start: None,
        }
    }

    /// Takes the configuration of `fresh`, keeping this one's state (a restored checkpoint).
    pub fn configure_like(&mut self, fresh: &Self) {
        self.window = fresh.window;
    }

    /// Remembers `key`; false when it was already there.
    pub fn insert(&mut self, key: u64) -> bool {
        !self.previous.contains(&key) && self.current.insert(key)
    }

    /// Starts a new generation once the watermark has moved a window past the current one.
    pub fn expire(&mut self, watermark: Millis) {
        let start = *self.generation_start.get_or_insert(watermark);
        if watermark.saturating_sub(start) >= self.window {
            let capacity = self.current.len();
            self.previous = std::mem::replace(
                &mut self.current,
                FxHashSet::with_capacity_and_hasher(capacity, Default::default()),
            );
            self.generation_start = Some(watermark);
        }
    }

    pub fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_remembered_for_one_window_at_least_and_two_at_most() {
        let mut d = Dedupe::new(100);
        d.expire(0);
        assert!(d.insert(1));
        assert!(!d.insert(1));
        d.expire(99);
        assert!(!d.insert(1), "within the window");
        d.expire(100);
        assert!(!d.insert(1), "kept in the previous generation");
        d.expire(200);
        assert!(d.insert(1), "forgotten after two windows");
    }
}
