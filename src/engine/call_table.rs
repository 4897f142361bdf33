//! The calls being tracked, by `call_id`: offered calls, and events waiting for their call's
//! offer (orphans). Each entry has a deadline in event time: an active call is evicted after
//! `call_timeout` without events, a finished one forgotten after `wrapup_timeout`, orphans
//! given up after `call_timeout`. Deadlines sit in a queue in roughly increasing order, so
//! expiry costs amortised O(1) per call instead of a walk over every call.

use super::calls::{Call, Phase};
use super::reorder::Queued;
use crate::event::Id;
use crate::time::Millis;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

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
    deadlines: VecDeque<(Millis, Id)>,
    timeout: Millis,
    linger: Millis,
}

impl CallTable {
    pub fn new(timeout: Millis, linger: Millis) -> Self {
        CallTable {
            map: FxHashMap::default(),
            deadlines: VecDeque::new(),
            timeout,
            linger,
        }
    }

    /// The offered call `id`, if any, to plan against and update in place (a call that
    /// becomes wrapped up goes through [`CallTable::set`], which forgets it).
    pub fn live_mut(&mut self, id: &Id) -> Option<&mut Call> {
        match self.map.get_mut(id) {
            Some(Entry::Live(call)) => Some(call),
            _ => None,
        }
    }

    /// Stores the new state of call `id`; returns the events that were waiting for its offer.
    /// A call whose wrap-up ended is complete and forgotten at once (a repeat of one of its
    /// events is caught by the dedupe window).
    pub fn set(&mut self, id: &Id, call: Call) -> Option<Vec<Queued>> {
        if call.phase == Phase::WrappedUp {
            return match self.map.remove(id) {
                Some(Entry::Orphan(pending)) => Some(pending),
                _ => None,
            };
        }
        let deadline = self.deadline_of(&call);
        match self.map.insert(id.clone(), Entry::Live(call)) {
            None => {
                self.deadlines.push_back((deadline, id.clone()));
                None
            }
            Some(Entry::Orphan(pending)) => Some(pending),
            Some(Entry::Live(_)) => None,
        }
    }

    /// Keeps an event of call `id` until the call's offer comes.
    pub fn add_orphan(&mut self, id: &Id, q: Queued) {
        let deadline = q.event.ts.saturating_add(self.timeout);
        match self.map.get_mut(id) {
            Some(Entry::Orphan(events)) => events.push(q),
            _ => {
                self.map.insert(id.clone(), Entry::Orphan(vec![q]));
                self.deadlines.push_back((deadline, id.clone()));
            }
        }
    }

    /// Removes what has passed its deadline at watermark `w`.
    pub fn expire(&mut self, w: Millis) -> Expired {
        let mut out = Expired::default();
        while let Some(&(at, _)) = self.deadlines.front() {
            if at >= w {
                break;
            }
            let (_, id) = self.deadlines.pop_front().expect("front exists");
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
                self.deadlines.push_back((deadline, id));
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
