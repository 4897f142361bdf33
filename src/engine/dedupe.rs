//! Duplicate detection: an event is a duplicate when its `event_id`, or (without an id) its
//! whole content, was seen within the dedupe window. Keys are 64-bit foldhash digests with a
//! fixed seed (so a restart computes the same ones); entries expire by event time.

use crate::event::Event;
use crate::time::Millis;
use foldhash::quality::FixedState;
use rustc_hash::FxHashMap;
use std::hash::{BuildHasher, Hash, Hasher};

/// A fixed seed: the same event gets the same digest in every run of a build.
const DIGEST: FixedState = FixedState::with_seed(0x6361_6c6c_7075_6c73);

#[derive(Debug, Clone, Default)]
pub struct Dedupe {
    seen: FxHashMap<u64, Millis>,
    window: Millis,
    purged_at: Millis,
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
            seen: FxHashMap::default(),
            window,
            purged_at: Millis::MIN,
        }
    }

    /// Remembers `key` seen at `ts`; false when it was already there.
    pub fn insert(&mut self, key: u64, ts: Millis) -> bool {
        match self.seen.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let t = e.get_mut();
                *t = (*t).max(ts);
                false
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(ts);
                true
            }
        }
    }

    /// Forgets keys last seen before `watermark − window`, at most every half window.
    pub fn expire(&mut self, watermark: Millis) {
        if watermark.saturating_sub(self.purged_at) < self.window / 2 + 1 {
            return;
        }
        self.purged_at = watermark;
        let horizon = watermark.saturating_sub(self.window);
        self.seen.retain(|_, t| *t >= horizon);
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }
}
