//! Complaints and their due dates (9.2.4). A complaint's fate is counted once: *on time* in
//! the period in which it was closed by its due date, or *overdue* in the period of its due
//! date when that passed while it was open (noticed at the next close step, or at a late
//! close, whichever comes first). A late close is counted as closed, not on time. A second
//! close of the same complaint is a duplicate; a close of a complaint never opened contradicts
//! the history (it is rejected and kept).

use super::scope::{Names, Scope};
use super::store::Store;
use crate::event::Id;
use crate::time::Millis;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Complaint {
    due: Millis,
    queue: Option<u32>,
    overdue: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Complaints {
    open: FxHashMap<Id, Complaint>,
    dues: BTreeSet<(Millis, Id)>,
    /// Closed complaints by the instant they were closed, to recognise a repeated close.
    closed: FxHashMap<Id, Millis>,
}

/// What a `complaint.closed` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    Counted,
    Duplicate,
    Unknown,
}

impl Complaints {
    pub fn open(
        &mut self,
        store: &mut Store,
        id: &Id,
        ts: Millis,
        due: Millis,
        queue: Option<u32>,
    ) -> bool {
        if self.open.contains_key(id) {
            return false;
        }
        for scope in scopes(queue) {
            store.add(scope, ts, |t, _| t.complaints_opened += 1);
        }
        self.open.insert(
            id.clone(),
            Complaint {
                due,
                queue,
                overdue: false,
            },
        );
        self.dues.insert((due, id.clone()));
        true
    }

    pub fn close(
        &mut self,
        store: &mut Store,
        id: &Id,
        ts: Millis,
        satisfied: Option<bool>,
    ) -> Close {
        let Some(mut c) = self.open.remove(id) else {
            return if self.closed.contains_key(id) {
                Close::Duplicate
            } else {
                Close::Unknown
            };
        };
        self.dues.remove(&(c.due, id.clone()));
        if !c.overdue && ts > c.due {
            c.overdue = true;
            for scope in scopes(c.queue) {
                store.add(scope, c.due, |t, _| t.complaints_overdue += 1);
            }
        }
        let on_time = !c.overdue;
        for scope in scopes(c.queue) {
            store.add(scope, ts, |t, _| {
                t.complaints_closed += 1;
                t.complaints_on_time += u64::from(on_time);
                if let Some(s) = satisfied {
                    t.complaint_satisfaction.add(s);
                }
            });
        }
        self.closed.insert(id.clone(), ts);
        Close::Counted
    }

    /// Whether the queue of every open complaint has a name.
    pub fn check_ids(&self, names: &Names) -> Result<(), String> {
        let queues = self.open.values().filter_map(|c| c.queue);
        queues.into_iter().try_for_each(|q| names.check_queue(q))
    }

    /// Counts complaints whose due date passed before `t` while open; forgets those overdue
    /// for longer than `retention`.
    pub fn check(&mut self, store: &mut Store, t: Millis, retention: Millis) {
        while let Some((due, id)) = self.dues.first().cloned() {
            if due >= t {
                break;
            }
            self.dues.remove(&(due, id.clone()));
            if let Some(c) = self.open.get_mut(&id) {
                c.overdue = true;
                for scope in scopes(c.queue) {
                    store.add(scope, due, |t, _| t.complaints_overdue += 1);
                }
            }
        }
        self.open.retain(|_, c| !c.overdue || c.due + retention > t);
        self.closed.retain(|_, closed| *closed + retention > t);
    }
}

fn scopes(queue: Option<u32>) -> impl Iterator<Item = Scope> {
    std::iter::once(Scope::Center).chain(queue.map(Scope::Queue))
}
