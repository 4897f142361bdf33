//! Complaints and their due dates (9.2.4). A complaint's fate is counted once: *on time* in
//! the period in which it was closed by its due date, or *overdue* in the period of its due
//! date when that passed while it was open (noticed at the next close step, or at a late
//! close, whichever comes first). A late close is counted as closed, not on time. A second
//! close of the same complaint is a duplicate; a close of a complaint never opened contradicts
//! the history (it is rejected and kept).

use super::scope::{Names, Scope};
use super::store::Store;
use crate::codec::decode::INSTANTS;
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
        // Saturating: restore refuses an instant outside the decoder's, but one near the end of
        // the integers must not panic either (the retention then never passes it).
        self.open
            .retain(|_, c| !c.overdue || c.due.saturating_add(retention) > t);
        self.closed
            .retain(|_, closed| closed.saturating_add(retention) > t);
    }

    /// Whether every due date and close lies where the decoder puts them: within
    /// [1970, 2100). A complaint closed near the end of the integers overflowed the
    /// retention's arithmetic, and an overdue count at a due date near its start the calendar.
    pub fn check_bounds(&self) -> Result<(), String> {
        let dues = self.open.values().map(|c| c.due);
        let dues = dues.chain(self.dues.iter().map(|&(due, _)| due));
        let dues = dues.map(|t| ("due", t));
        let closed = self.closed.values().map(|&t| ("closed", t));
        match dues.chain(closed).find(|(_, t)| !INSTANTS.contains(t)) {
            Some((what, t)) => Err(format!("a complaint {what} at {t} out of range")),
            None => Ok(()),
        }
    }
}

fn scopes(queue: Option<u32>) -> impl Iterator<Item = Scope> {
    std::iter::once(Scope::Center).chain(queue.map(Scope::Queue))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Calendar, Granularity, HOUR};

    #[test]
    fn complaints_closed_or_due_near_the_end_of_the_integers_are_kept_without_overflowing() {
        // Restore refuses such instants; the retention's arithmetic saturates all the same.
        let calendar = Calendar::new(chrono_tz::UTC, 15);
        let mut store = Store::new(calendar, &[Granularity::Interval], 0, 0, 20_000);
        let mut c = Complaints::default();
        let (closed, overdue) = (Id::new("closed"), Id::new("overdue"));
        c.closed.insert(closed.clone(), Millis::MAX - 1);
        let (due, queue) = (Millis::MAX - 1, None);
        c.open.insert(
            overdue.clone(),
            Complaint {
                due,
                queue,
                overdue: true,
            },
        );
        c.check(&mut store, 1_000, 90 * 24 * HOUR);
        assert!(
            c.closed.contains_key(&closed),
            "the retention has not passed it"
        );
        assert!(c.open.contains_key(&overdue), "likewise");
    }
}
