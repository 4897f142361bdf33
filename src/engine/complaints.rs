//! Complaints and their due dates (9.2.4). A complaint's fate is counted once: *on time* in
//! the period in which it was closed by its due date, or *overdue* in the period of its due
//! date when that passed while it was open. A late close is counted as closed, not on time.

use super::scope::Scope;
use super::store::Store;
use crate::event::Id;
use crate::time::Millis;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
struct Complaint {
    due: Millis,
    queue: Option<u32>,
    overdue: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Complaints {
    open: FxHashMap<Id, Complaint>,
    dues: BTreeSet<(Millis, Id)>,
    checked: Millis,
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

    pub fn close(&mut self, store: &mut Store, id: &Id, ts: Millis, satisfied: Option<bool>) {
        let complaint = self.open.remove(id);
        let queue = complaint.as_ref().and_then(|c| c.queue);
        let on_time = complaint
            .as_ref()
            .is_some_and(|c| !c.overdue && ts <= c.due);
        if let Some(c) = &complaint {
            self.dues.remove(&(c.due, id.clone()));
        }
        for scope in scopes(queue) {
            store.add(scope, ts, |t, _| {
                t.complaints_closed += 1;
                t.complaints_on_time += u64::from(on_time);
                if let Some(s) = satisfied {
                    t.complaint_satisfaction.add(s);
                }
            });
        }
    }

    /// Counts complaints whose due date passed before `t` while open; forgets those overdue
    /// for longer than `retention`.
    pub fn check(&mut self, store: &mut Store, t: Millis, retention: Millis) {
        self.checked = self.checked.max(t);
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
    }
}

fn scopes(queue: Option<u32>) -> impl Iterator<Item = Scope> {
    std::iter::once(Scope::Center).chain(queue.map(Scope::Queue))
}
