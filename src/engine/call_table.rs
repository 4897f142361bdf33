//! The calls being tracked, by `call_id`: offered calls, and events waiting for their call's
//! offer (orphans). Each entry has a deadline in event time: an active call is evicted after
//! `call_timeout` without events, a finished one forgotten after `wrapup_timeout`, orphans
//! given up after `call_timeout`. Deadlines sit in a min-heap (an entry is pushed again when a
//! call's deadline moves earlier, and stale entries are skipped), so expiry costs O(log n) per
//! call instead of a walk over every call.

use super::calls::{Call, Phase};
use super::reorder::Queued;
use crate::event::Id;
use crate::time::Millis;
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug)]
enum Entry {
    Live(Call),
    Orphan(Vec<Queued>),
}

/// What an expiry step removed.
#[derive(Debug, Default)]
pub struct Expired {
    /// Active calls evicted without an outcome or an end.
    pub evicted: u64,
    /// Events whose call was never offered.
    pub orphans: Vec<Queued>,
}

#[derive(Debug)]
pub struct CallTable {
    map: FxHashMap<Id, Entry>,
    deadlines: BinaryHeap<Reverse<(Millis, Id)>>,
    timeout: Millis,
    linger: Millis,
}

impl CallTable {
    pub fn new(timeout: Millis, linger: Millis) -> Self {
        CallTable {
            map: FxHashMap::default(),
            deadlines: BinaryHeap::new(),
            timeout,
            linger,
        }
    }

    /// The offered call `id`, if any, to plan against and update in place (then
    /// [`CallTable::reschedule`] it if its phase changed).
    pub fn live_mut(&mut self, id: &Id) -> Option<&mut Call> {
        match self.map.get_mut(id) {
            Some(Entry::Live(call)) => Some(call),
            _ => None,
        }
    }

    /// Stores the new state of call `id`; returns the events that were waiting for its offer.
    pub fn set(&mut self, id: &Id, call: Call) -> Option<Vec<Queued>> {
        let deadline = self.deadline_of(&call);
        match self.map.insert(id.clone(), Entry::Live(call)) {
            None => {
                self.deadlines.push(Reverse((deadline, id.clone())));
                None
            }
            Some(Entry::Orphan(pending)) => {
                self.deadlines.push(Reverse((deadline, id.clone())));
                Some(pending)
            }
            Some(Entry::Live(_)) => None,
        }
    }

    /// Queues the current deadline of call `id` again, after its phase changed (a finished
    /// call is kept for `wrapup_timeout`, not `call_timeout`).
    pub fn reschedule(&mut self, id: &Id) {
        if let Some(Entry::Live(call)) = self.map.get(id) {
            let deadline = self.deadline_of(call);
            self.deadlines.push(Reverse((deadline, id.clone())));
        }
    }

    /// Keeps an event of call `id` until the call's offer comes.
    pub fn add_orphan(&mut self, id: &Id, q: Queued) {
        let deadline = q.event.ts.saturating_add(self.timeout);
        match self.map.get_mut(id) {
            Some(Entry::Orphan(events)) => events.push(q),
            _ => {
                self.map.insert(id.clone(), Entry::Orphan(vec![q]));
                self.deadlines.push(Reverse((deadline, id.clone())));
            }
        }
    }

    /// Removes what has passed its deadline at watermark `w`.
    pub fn expire(&mut self, w: Millis) -> Expired {
        let mut out = Expired::default();
        while let Some(Reverse((at, _))) = self.deadlines.peek() {
            if *at >= w {
                break;
            }
            let Reverse((_, id)) = self.deadlines.pop().expect("peeked");
            let Some(entry) = self.map.get(&id) else {
                continue;
            };
            let deadline = match entry {
                Entry::Live(call) => self.deadline_of(call),
                Entry::Orphan(events) => {
                    let newest = events.iter().map(|q| q.event.ts).max();
                    newest.unwrap_or(Millis::MIN).saturating_add(self.timeout)
                }
            };
            if deadline >= w {
                self.deadlines.push(Reverse((deadline, id)));
                continue;
            }
            match self.map.remove(&id) {
                Some(Entry::Live(call)) => {
                    out.evicted +=
                        u64::from(matches!(call.phase, Phase::Waiting | Phase::Answered));
                }
                Some(Entry::Orphan(events)) => out.orphans.extend(events),
                None => {}
            }
        }
        out
    }

    /// Removes every entry; returns the orphan events.
    pub fn drain_orphans(&mut self) -> Vec<Queued> {
        self.deadlines.clear();
        self.map
            .drain()
            .filter_map(|(_, e)| match e {
                Entry::Orphan(events) => Some(events),
                Entry::Live(_) => None,
            })
            .flatten()
            .collect()
    }

    fn deadline_of(&self, call: &Call) -> Millis {
        let keep = match call.phase {
            Phase::Waiting | Phase::Answered => self.timeout,
            _ => self.linger,
        };
        call.last_event.saturating_add(keep)
    }

    /// Calls waiting in `queue`, and the offer instant of the longest-waiting one.
    pub fn waiting(&self, queue: u32) -> (u64, Option<Millis>) {
        let mut n = 0;
        let mut oldest: Option<Millis> = None;
        for entry in self.map.values() {
            if let Entry::Live(c) = entry {
                if c.phase == Phase::Waiting && c.queue == queue {
                    n += 1;
                    oldest = Some(oldest.map_or(c.offered, |o| o.min(c.offered)));
                }
            }
        }
        (n, oldest)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Bytes held, estimated from the table's capacity.
    pub fn bytes(&self) -> usize {
        self.map.capacity() * (std::mem::size_of::<(Id, Entry)>() + 1)
            + self.deadlines.capacity() * std::mem::size_of::<(Millis, Id)>()
    }
}
