//! The calls being tracked, by `call_id`: offered calls, and events waiting for their call's
//! offer (orphans). Each entry has a deadline in event time: an active call is evicted after
//! `call_timeout` without events, a finished one forgotten after `wrapup_timeout`, orphans
//! given up after `call_timeout`. Each entry is looked at `min(wrapup_timeout, call_timeout)`
//! of watermark time after it was created, and again as often while it is kept. Checks are
//! queued at watermark + that period, so the queue is sorted by construction: expiry costs O(1)
//! per check, no entry can hold up the ones behind it (whatever its timestamps say), and the
//! queue holds about one `wrapup_timeout` of calls.

use super::calls::{Call, Phase};
use super::reorder::Queued;
use super::scope::Names;
use crate::event::Id;
use crate::time::Millis;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Debug, Serialize, Deserialize)]
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

#[derive(Debug, Serialize, Deserialize)]
pub struct CallTable {
    map: FxHashMap<Id, Entry>,
    /// When to look at an entry again, in increasing order.
    checks: VecDeque<(Millis, Id)>,
    timeout: Millis,
    linger: Millis,
    /// The calls waiting now: (queue, offered) by call id, kept as calls change, so the
    /// live count of calls waiting (read on every `/metrics` scrape) does not pass over every
    /// call tracked (an hour of finished calls with the default `wrapup_timeout`). Derived from
    /// `map`: rebuilt from it on restore ([`CallTable::rebuild_waiting`]), never saved.
    #[serde(skip)]
    waiting: FxHashMap<Id, (u32, Millis)>,
    /// Whether `waiting` is left empty: nothing reads it (a replay, see
    /// [`CallTable::index_waiting`]), so its upkeep on every offer and answer is saved.
    #[serde(skip)]
    unindexed: bool,
}

/// Where a call waits, if it waits: its queue and the instant it was offered there.
pub fn waits(call: &Call) -> Option<(u32, Millis)> {
    (call.phase == Phase::Waiting).then_some((call.queue, call.offered))
}

impl CallTable {
    pub fn new(timeout: Millis, linger: Millis) -> Self {
        CallTable {
            map: FxHashMap::default(),
            checks: VecDeque::new(),
            timeout,
            linger,
            waiting: FxHashMap::default(),
            unindexed: false,
        }
    }

    /// Whether to keep the index of the calls waiting ([`CallTable::waiting`]). On by default;
    /// turned off it is emptied, and turned on again it is rebuilt from the calls.
    pub fn index_waiting(&mut self, on: bool) {
        self.unindexed = !on;
        self.rebuild_waiting();
    }

    /// Rebuilds the index of the calls waiting from the calls (a restored checkpoint).
    pub fn rebuild_waiting(&mut self) {
        if self.unindexed {
            self.waiting = FxHashMap::default();
            return;
        }
        self.waiting = self
            .map
            .iter()
            .filter_map(|(id, entry)| match entry {
                Entry::Live(call) => waits(call).map(|w| (id.clone(), w)),
                Entry::Orphan(_) => None,
            })
            .collect();
    }

    /// Keeps the index of the calls waiting in step with call `id`, which waited as `before`
    /// and now waits as `now` (see [`waits`]).
    pub fn note_waiting(
        &mut self,
        id: &Id,
        before: Option<(u32, Millis)>,
        now: Option<(u32, Millis)>,
    ) {
        if before == now || self.unindexed {
            return;
        }
        match now {
            Some(w) => {
                self.waiting.insert(id.clone(), w);
            }
            None => {
                self.waiting.remove(id);
            }
        }
    }

    /// Removes call `id` from the index of the calls waiting.
    fn unindex(&mut self, id: &Id) {
        if !self.unindexed {
            self.waiting.remove(id);
        }
    }

    /// Takes the configuration of `fresh`, keeping this one's state (a restored checkpoint).
    pub fn configure_like(&mut self, fresh: &Self) {
        self.timeout = fresh.timeout;
        self.linger = fresh.linger;
        self.unindexed = fresh.unindexed;
        if self.unindexed {
            self.waiting = FxHashMap::default();
        }
    }

    /// The offered call `id`, if any, to plan against and update in place.
    pub fn live_mut(&mut self, id: &Id) -> Option<&mut Call> {
        match self.map.get_mut(id) {
            Some(Entry::Live(call)) => Some(call),
            _ => None,
        }
    }

    /// The offered call `id`, if any.
    pub fn live(&self, id: &Id) -> Option<&Call> {
        match self.map.get(id) {
            Some(Entry::Live(call)) => Some(call),
            _ => None,
        }
    }

    /// The events of call `id` waiting for its offer (none if it was offered or is unknown).
    pub fn orphans(&self, id: &Id) -> &[Queued] {
        match self.map.get(id) {
            Some(Entry::Orphan(events)) => events,
            _ => &[],
        }
    }

    /// Stores the new state of call `id` at watermark `now`; returns the events that were
    /// waiting for its offer.
    pub fn set(&mut self, id: &Id, call: Call, now: Millis) -> Option<Vec<Queued>> {
        let now_waits = waits(&call);
        let replaced = self.map.insert(id.clone(), Entry::Live(call));
        let before = match &replaced {
            Some(Entry::Live(old)) => waits(old),
            _ => None,
        };
        self.note_waiting(id, before, now_waits);
        match replaced {
            None => {
                self.check_later(id.clone(), now);
                None
            }
            Some(Entry::Orphan(pending)) => Some(pending),
            Some(Entry::Live(_)) => None,
        }
    }

    fn check_later(&mut self, id: Id, now: Millis) {
        let every = self.linger.min(self.timeout).max(1);
        self.checks.push_back((now.saturating_add(every), id));
    }

    /// Keeps an event of call `id` until the call's offer comes.
    pub fn add_orphan(&mut self, id: &Id, q: Queued, now: Millis) {
        match self.map.get_mut(id) {
            Some(Entry::Orphan(events)) => events.push(q),
            _ => {
                if let Some(Entry::Live(_)) = self.map.insert(id.clone(), Entry::Orphan(vec![q])) {
                    self.unindex(id);
                }
                self.check_later(id.clone(), now);
            }
        }
    }

    /// Removes what has passed its deadline at watermark `w`, telling `gone` each call id.
    pub fn expire(&mut self, w: Millis, mut gone: impl FnMut(&Id)) -> Expired {
        let mut out = Expired::default();
        while let Some((at, _)) = self.checks.front() {
            if *at >= w {
                break;
            }
            let (_, id) = self.checks.pop_front().expect("front exists");
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
                self.check_later(id, w);
                continue;
            }
            gone(&id);
            match self.map.remove(&id) {
                Some(Entry::Live(call)) => {
                    self.unindex(&id);
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
        self.checks.clear();
        self.waiting.clear();
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

    /// Calls waiting now by queue id: how many, and when the longest-waiting one entered;
    /// `newer` holds the state some calls will have once the events still buffered are
    /// applied (the provisional overlay), and wins over the table's.
    pub fn waiting(&self, newer: &FxHashMap<Id, Call>) -> Vec<(u64, Option<Millis>)> {
        let mut by_queue: Vec<(u64, Option<Millis>)> = Vec::new();
        let mut count = |(queue, offered): (u32, Millis)| {
            let q = queue as usize;
            if by_queue.len() <= q {
                by_queue.resize(q + 1, (0, None));
            }
            let (n, oldest) = &mut by_queue[q];
            *n += 1;
            *oldest = Some(oldest.map_or(offered, |o| o.min(offered)));
        };
        for (id, &w) in &self.waiting {
            if !newer.contains_key(id) {
                count(w);
            }
        }
        newer.values().filter_map(waits).for_each(count);
        by_queue
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Every event waiting for its call's offer.
    pub fn orphaned(&self) -> impl Iterator<Item = &Queued> {
        self.map.values().flat_map(|entry| match entry {
            Entry::Orphan(events) => events.as_slice(),
            Entry::Live(_) => &[],
        })
    }

    /// Whether the queues of every offered call have names, and every orphan is an event of
    /// its call.
    pub fn check_ids(&self, names: &Names) -> Result<(), String> {
        self.map.iter().try_for_each(|(id, entry)| match entry {
            Entry::Live(call) => call.check_ids(names),
            // An orphan is applied as an event of its call when the call's offer comes.
            Entry::Orphan(events) => {
                match events.iter().find(|q| q.event.body.call_id() != Some(id)) {
                    Some(q) => Err(format!(
                        "an orphan of call {id:?} is not one of its events (at {})",
                        q.at
                    )),
                    None => Ok(()),
                }
            }
        })
    }

    /// Whether every instant of every offered call lies where the decoder puts events
    /// ([`Call::check_bounds`]).
    pub fn check_bounds(&self) -> Result<(), String> {
        self.map.values().try_for_each(|entry| match entry {
            Entry::Live(call) => call.check_bounds(),
            Entry::Orphan(_) => Ok(()), // events the decoder takes (`Engine::check_instants`)
        })
    }

    /// Bytes held, estimated from the table's capacity.
    pub fn bytes(&self) -> usize {
        self.map.capacity() * (std::mem::size_of::<(Id, Entry)>() + 1)
            + self.checks.capacity() * std::mem::size_of::<(Millis, Id)>()
            + self.waiting.capacity() * (std::mem::size_of::<(Id, (u32, Millis))>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::calls::Phase;

    fn call(queue: u32, offered: Millis, phase: Phase) -> Call {
        Call {
            first_queue: queue,
            first_offered: offered,
            queue,
            offered,
            phase,
            outcome_at: 0,
            ended_at: 0,
            last_overflow: None,
            transferred: false,
            last_event: offered,
        }
    }

    /// The calls waiting, by queue, found by looking at every call: what the index must give.
    fn by_scan(t: &CallTable, newer: &FxHashMap<Id, Call>) -> Vec<(u64, Option<Millis>)> {
        let mut by_queue: Vec<(u64, Option<Millis>)> = Vec::new();
        let live = t.map.iter().filter_map(|(id, e)| match e {
            Entry::Live(c) if !newer.contains_key(id) => Some(c),
            _ => None,
        });
        for c in live
            .chain(newer.values())
            .filter(|c| c.phase == Phase::Waiting)
        {
            let q = c.queue as usize;
            if by_queue.len() <= q {
                by_queue.resize(q + 1, (0, None));
            }
            by_queue[q].0 += 1;
            by_queue[q].1 = Some(by_queue[q].1.map_or(c.offered, |o| o.min(c.offered)));
        }
        by_queue
    }

    #[test]
    fn the_index_of_calls_waiting_agrees_with_a_look_at_every_call_through_any_changes() {
        let phases = [
            Phase::Waiting,
            Phase::Answered,
            Phase::Abandoned,
            Phase::Ended,
            Phase::WrappedUp,
        ];
        let mut t = CallTable::new(50, 20);
        let mut newer = FxHashMap::default();
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        };
        let mut now = 0;
        for step in 0..20_000 {
            now += next(3) as Millis;
            let id = Id::from(format!("c{}", next(300)));
            let c = call(
                next(5) as u32,
                now - next(10) as Millis,
                phases[next(5) as usize],
            );
            match next(6) {
                // As `apply_call` changes a call in place.
                0 | 1 => match t.live_mut(&id) {
                    Some(slot) => {
                        let (before, after) = (waits(slot), waits(&c));
                        *slot = c;
                        t.note_waiting(&id, before, after);
                    }
                    None => drop(t.set(&id, c, now)),
                },
                2 => drop(t.set(&id, c, now)),
                3 => {
                    let event = crate::event::Event {
                        ts: now,
                        event_id: None,
                        body: crate::event::Body::Abandoned {
                            call: id.clone(),
                            cause: Default::default(),
                        },
                    };
                    let q = Queued::new(event, Default::default(), step);
                    if t.live(&id).is_none() {
                        t.add_orphan(&id, q, now);
                    }
                }
                4 => drop(t.expire(now, |_| {})),
                _ => {
                    // The provisional overlay's newer state of some calls.
                    if next(2) == 0 {
                        newer.insert(id, c);
                    } else {
                        newer.remove(&id);
                    }
                }
            }
            assert_eq!(t.waiting(&newer), by_scan(&t, &newer), "step {step}");
        }
        let kept = t.waiting.clone();
        t.rebuild_waiting();
        assert_eq!(t.waiting, kept, "a restored table indexes the same calls");
        assert!(!kept.is_empty(), "the changes left calls waiting");
        drop(t.drain_orphans());
        assert!(t.waiting(&FxHashMap::default()).is_empty());
    }
}
