//! The callback list kept between reads, so that reading it costs what changed since the last
//! read, not a join of the day's facts.
//!
//! The list is read under the live service's lock on every wallboard build, every `/metrics`
//! scrape and every `/api/v1/callbacks`, several times a second on a busy floor, while the
//! facts behind it number up to [`super::CAPACITY`]. Joining them all per read
//! ([`Callbacks::derive`]) held the lock the event input needs for a pass over 200,000 facts.
//!
//! One entry depends only on the facts of its queue and customer, and a queue's count of
//! calls without a number only on those calls. So the cache keeps:
//!
//! ```text
//!  day              the day the lists are of: another day joins everything again
//!  calls            per (queue, customer), the ids of the calls that count there (Slot)
//!  without_number   per queue, its unanswered calls without a number of the day
//!  dirty            the (queue, customer) whose facts changed since the last read
//!  lists            the lists as read last: one Arc per queue, inside one Arc
//! ```
//!
//! [`Callbacks::observe`] and [`Callbacks::expire`] tell the cache each call whose facts
//! changed (where it counted before, where it counts now) and each customer whose attempts
//! changed; an observation that changes nothing (each event is observed twice: as it is read
//! and as the watermark applies it) tells nothing. A read joins again only the dirty
//! customers ([`Callbacks::entry`]), moves their entries within their queue's sorted list,
//! and hands out the same `Arc` until the next change. A reader that still holds the lists
//! of the last read keeps them: the next change copies the queues it touches.
//!
//! Nothing is kept before the first read (a replay never reads the list) nor after a
//! checkpoint is restored or the facts cloned: the next read joins everything, once.
//! Whatever is kept, a read equals [`Callbacks::derive`] of the same day: a property test
//! drives both through any sequence of facts, expiries, days and restores.

use super::list::{order, Slot};
use super::{CallFacts, Callbacks, Entry, QueueList};
use crate::event::Id;
use crate::time::Millis;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

#[cfg(test)]
mod tests;

/// The callback lists by queue id, shared between reads.
pub type Lists = BTreeMap<u32, Arc<QueueList>>;

/// The kept list and how often it was joined. Not state: a clone, a checkpoint and a
/// comparison leave it out.
#[derive(Default)]
pub(super) struct Cache(RefCell<Inner>);

#[derive(Default)]
struct Inner {
    kept: Option<Kept>,
    joins: Joins,
}

/// How often the list was joined: every fact, or one customer's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Joins {
    pub whole: u64,
    pub customers: u64,
}

pub(super) struct Kept {
    day: Millis,
    calls: FxHashMap<(u32, Id), Vec<Id>>,
    without_number: FxHashMap<u32, u64>,
    /// When each listed customer's entry ended: where it is in its queue's list.
    listed: FxHashMap<(u32, Id), Millis>,
    dirty: FxHashSet<(u32, Id)>,
    dirty_queues: FxHashSet<u32>,
    lists: Arc<Lists>,
}

impl Clone for Cache {
    fn clone(&self) -> Self {
        Cache::default()
    }
}

impl PartialEq for Cache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.0.borrow();
        f.debug_struct("Cache")
            .field("day", &inner.kept.as_ref().map(|k| k.day))
            .field("joins", &inner.joins)
            .finish()
    }
}

impl Cache {
    /// The kept list to tell a change to, if one is kept.
    pub(super) fn kept(&mut self) -> Option<&mut Kept> {
        self.0.get_mut().kept.as_mut()
    }

    /// About the bytes the kept list holds beyond the facts, for `facts` facts: an id per
    /// call (at most), a key and its vector per customer and queue, an entry and its place
    /// per customer listed.
    pub(super) fn bytes(&self, facts: usize) -> usize {
        self.0.borrow().kept.as_ref().map_or(0, |k| {
            facts * 32 + k.calls.len() * 96 + k.listed.len() * (48 + size_of::<Entry>())
        })
    }
}

impl Kept {
    /// The call `id` no longer counts where its facts `f` put it.
    pub(super) fn leave(&mut self, id: &Id, f: &CallFacts) {
        match f.slot() {
            Some(Slot::Customer(queue, customer)) => {
                let key = (queue, customer.clone());
                if let Some(ids) = self.calls.get_mut(&key) {
                    if let Some(i) = ids.iter().position(|x| x == id) {
                        ids.swap_remove(i);
                    }
                    if ids.is_empty() {
                        self.calls.remove(&key);
                    }
                }
                self.dirty.insert(key);
            }
            Some(Slot::WithoutNumber(queue, end)) if end >= self.day => {
                if let Some(n) = self.without_number.get_mut(&queue) {
                    *n -= 1;
                }
                self.dirty_queues.insert(queue);
            }
            _ => {}
        }
    }

    /// The call `id` counts where its facts `f` put it.
    pub(super) fn join(&mut self, id: &Id, f: &CallFacts) {
        match f.slot() {
            Some(Slot::Customer(queue, customer)) => {
                let key = (queue, customer.clone());
                let ids = self.calls.entry(key.clone());
                // Most customers call once: room for one id, not the four a push makes.
                ids.or_insert_with(|| Vec::with_capacity(1))
                    .push(id.clone());
                self.dirty.insert(key);
            }
            Some(Slot::WithoutNumber(queue, end)) if end >= self.day => {
                *self.without_number.entry(queue).or_default() += 1;
                self.dirty_queues.insert(queue);
            }
            _ => {}
        }
    }

    /// The callback attempts of `customer` in `queue` changed.
    pub(super) fn attempted(&mut self, queue: u32, customer: &Id) {
        self.dirty.insert((queue, customer.clone()));
    }

    /// Everything joined for the day starting at `day`.
    fn whole(facts: &Callbacks, day: Millis) -> Kept {
        let mut calls: FxHashMap<(u32, Id), Vec<Id>> = FxHashMap::default();
        let mut without_number: FxHashMap<u32, u64> = FxHashMap::default();
        for (id, f) in &facts.calls {
            match f.slot() {
                Some(Slot::Customer(queue, customer)) => calls
                    .entry((queue, customer.clone()))
                    .or_insert_with(|| Vec::with_capacity(1))
                    .push(id.clone()),
                Some(Slot::WithoutNumber(queue, end)) if end >= day => {
                    *without_number.entry(queue).or_default() += 1
                }
                _ => {}
            }
        }
        let derived = facts.derive(day);
        let listed = derived
            .iter()
            .flat_map(|(q, l)| {
                l.entries
                    .iter()
                    .map(|e| ((*q, e.customer.clone()), e.abandoned_at))
            })
            .collect();
        Kept {
            day,
            calls,
            without_number,
            listed,
            dirty: FxHashSet::default(),
            dirty_queues: FxHashSet::default(),
            lists: Arc::new(derived.into_iter().map(|(q, l)| (q, Arc::new(l))).collect()),
        }
    }

    /// Joins again the customers whose facts changed; returns how many.
    fn refresh(&mut self, facts: &Callbacks) -> u64 {
        if self.dirty.is_empty() && self.dirty_queues.is_empty() {
            return 0;
        }
        let lists = Arc::make_mut(&mut self.lists);
        let mut touched = std::mem::take(&mut self.dirty_queues);
        let dirty = std::mem::take(&mut self.dirty);
        let joined = dirty.len() as u64;
        for key in dirty {
            let (queue, customer) = &key;
            let ids = self.calls.get(&key).map_or(&[][..], Vec::as_slice);
            let entry = facts.entry(*queue, customer, ids, self.day);
            if let Some(at) = self.listed.remove(&key) {
                if let Some(list) = lists.get_mut(queue) {
                    let entries = &mut Arc::make_mut(list).entries;
                    if let Ok(i) = entries.binary_search_by(|e| order(e).cmp(&(at, customer))) {
                        entries.remove(i);
                    }
                }
            }
            if let Some(entry) = entry {
                self.listed.insert(key.clone(), entry.abandoned_at);
                let list = lists.entry(*queue).or_default();
                let entries = &mut Arc::make_mut(list).entries;
                let i = entries
                    .binary_search_by(|e| order(e).cmp(&order(&entry)))
                    .unwrap_or_else(|i| i);
                entries.insert(i, entry);
            }
            touched.insert(*queue);
        }
        for queue in touched {
            let n = self.without_number.get(&queue).copied().unwrap_or(0);
            match lists.get_mut(&queue) {
                Some(list) if list.entries.is_empty() && n == 0 => {
                    lists.remove(&queue);
                }
                Some(list) if list.without_number != n => Arc::make_mut(list).without_number = n,
                Some(_) => {}
                None if n > 0 => {
                    let list = QueueList {
                        entries: Vec::new(),
                        without_number: n,
                    };
                    lists.insert(queue, Arc::new(list));
                }
                None => {}
            }
        }
        joined
    }
}

impl Callbacks {
    /// The list of the day starting at `day_start`, by queue id (queues with nothing pending
    /// and no unanswered call without a number are left out): [`Callbacks::derive`], kept
    /// between reads (see the module docs). Two reads with no change between them give the
    /// same `Arc`.
    pub fn list(&self, day_start: Millis) -> Arc<Lists> {
        let mut inner = self.cache.0.borrow_mut();
        let Inner { kept, joins } = &mut *inner;
        match kept {
            Some(k) if k.day == day_start => joins.customers += k.refresh(self),
            _ => {
                joins.whole += 1;
                *kept = Some(Kept::whole(self, day_start));
            }
        }
        kept.as_ref().map(|k| k.lists.clone()).unwrap_or_default()
    }

    /// How often the list was joined since these facts were made, restored or cloned.
    pub fn joins(&self) -> Joins {
        self.cache.0.borrow().joins
    }
}
