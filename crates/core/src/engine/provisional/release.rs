//! Keeping the overlay up to date as events arrive and as the watermark applies them: taking
//! back what an applied event had added, forgetting the subjects it no longer changes, and
//! knowing when only a recompute is right (see the module docs of [`super`]).

use super::{Provisional, KEPT};
use crate::engine::apply::retract_delta;
use crate::engine::calls::{Call, Contribution};
use crate::engine::reorder::{Key, Queued};
use crate::engine::scope::{Names, Scope};
use crate::engine::store::Store;
use crate::engine::tally::Tally;
use crate::engine::Engine;
use crate::event::{Body, Id};
use crate::time::{Calendar, Millis};
use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::Hash;

/// What an event's order matters within: its call, agent or component.
pub enum Subject {
    Call(Id),
    Agent(Id),
    Component(Id),
    Other,
}

impl Subject {
    pub fn of(body: &Body) -> Subject {
        match body {
            _ if body.call_id().is_some() => {
                Subject::Call(body.call_id().expect("a call event").clone())
            }
            Body::AgentState { agent, .. } => Subject::Agent(agent.clone()),
            Body::SystemStatus { component, .. } | Body::Heartbeat { component } => {
                Subject::Component(component.clone())
            }
            _ => Subject::Other,
        }
    }
}

impl Provisional {
    /// Takes back a contribution [`Provisional::note`] added for an event now applied.
    pub(in crate::engine) fn retract(
        &mut self,
        c: &Contribution,
        threshold: Millis,
        short_abandon: Option<Millis>,
        calendar: &Calendar,
    ) {
        let delta = c.delta;
        self.live
            .retract(c.scope, c.anchor, delta, threshold, short_abandon);
        self.take_from_tallies(calendar, c.scope, c.anchor, |t| {
            retract_delta(t, delta, threshold, short_abandon)
        });
    }

    /// Takes back what [`Provisional::note`] added for an event being applied, planned into
    /// `contributions` (`writable`: the engine is adding them to the state). If the event is
    /// not being added, whether the overlay added it when it was noted is unknown: only a
    /// recompute is right.
    pub(in crate::engine) fn retract_noted(
        &mut self,
        contributions: &[Contribution],
        writable: bool,
        store: &Store,
        short_abandon: Option<Millis>,
    ) {
        if self.stale {
            return;
        }
        if !writable {
            return self.set_stale();
        }
        for c in contributions {
            let threshold = store.threshold(c.scope);
            self.retract(c, threshold, short_abandon, store.calendar());
        }
    }

    /// Takes back a survey answer [`Provisional::note`] added for a survey now applied.
    pub(in crate::engine) fn retract_survey(
        &mut self,
        calendar: &Calendar,
        queue: u32,
        ts: Millis,
        satisfied: bool,
        survey: Option<&Id>,
    ) {
        for scope in [Scope::Queue(queue), Scope::Center] {
            self.take_from_tallies(calendar, scope, ts, |t| t.remove_answer(satisfied, survey));
        }
    }

    fn take_from_tallies(
        &mut self,
        calendar: &Calendar,
        scope: Scope,
        at: Millis,
        f: impl Fn(&mut Tally),
    ) {
        if !matches!(scope, Scope::Agent(_)) {
            if let Some(t) = self.totals.get_mut(&scope) {
                f(t);
            }
        }
        for g in KEPT {
            let key = (scope, g, calendar.period(g, at).start);
            if let Some((t, n)) = self.periods.get_mut(&key) {
                f(t);
                *n -= 1;
                if *n == 0 {
                    self.periods.remove(&key);
                }
            }
        }
    }

    /// The event of ordering key `key` of `subject` was applied (`noted`: the overlay had
    /// noted it). Once a subject's newest noted event is applied, the applied state holds what
    /// the overlay held for it. A change the overlay did not note, to a subject it holds, is
    /// one only a recompute gets right.
    pub(in crate::engine) fn released(
        &mut self,
        names: &Names,
        subject: &Subject,
        key: Key,
        noted: bool,
    ) {
        let newest = &mut self.newest;
        let held = match subject {
            Subject::Call(id) => release(&mut newest.calls, &mut self.calls, id, key),
            Subject::Agent(name) => names.agents.get(name).and_then(|id| {
                let held = release(&mut newest.agents, &mut self.agents, &id, key);
                // An older buffered event of the agent applied: its change is the applied
                // state's now.
                if let Some(a) = self.agents.get_mut(&id) {
                    a.buffered.retain(|(k, ..)| *k > key);
                }
                held
            }),
            Subject::Component(name) => names
                .components
                .get(name)
                .and_then(|id| release(&mut newest.components, &mut self.components, &id, key)),
            Subject::Other => None,
        };
        let done = held == Some(key);
        if !noted && held.is_some() && !done {
            self.stale = true;
        }
    }

    /// Forgets the overlay's state of call `id` if the applied state holds it already: the
    /// events still buffered for the call change nothing (duplicates, events to be rejected).
    pub(in crate::engine) fn forget_if_applied(&mut self, id: &Id, applied: Option<&Call>) {
        if applied.is_some() && self.calls.get(id) == applied {
            self.calls.remove(id);
        }
    }

    /// The event of ordering key `key` of call `id` now waits for the call's offer in the call
    /// table. If it was the newest the overlay noted of the call, nothing was planned after
    /// it: the offer, when it comes, is noted with it. Otherwise only a recompute is right.
    pub(in crate::engine) fn orphaned(&mut self, id: &Id, key: Key) {
        if self.newest.calls.get(id).is_some_and(|k| *k != key) {
            self.stale = true;
        }
    }

    /// Call `id` changed in a way the overlay did not note (it expired): if the overlay planned
    /// against it, only a recompute is right.
    pub(in crate::engine) fn call_changed(&mut self, id: &Id) {
        if self.newest.calls.contains_key(id) {
            self.stale = true;
        }
    }

    pub(in crate::engine) fn set_stale(&mut self) {
        self.stale = true;
    }
}

/// Forgets subject `id` once the event of ordering key `key`, its newest noted, is applied;
/// gives the newest key noted of it, if any.
fn release<K: Eq + Hash, V>(
    newest: &mut FxHashMap<K, Key>,
    states: &mut FxHashMap<K, V>,
    id: &K,
    key: Key,
) -> Option<Key> {
    let held = newest.get(id).copied();
    if held == Some(key) {
        newest.remove(id);
        states.remove(id);
    }
    held
}

impl Engine {
    /// The overlay's part of a change: a recomputed overlay (read since the last change)
    /// becomes the one kept up to date, in the live service; in replay it is dropped.
    pub(in crate::engine) fn overlay_changing(&mut self) {
        let Some(fresh) = self.rebuilt.take() else {
            return;
        };
        if self.live_names {
            self.overlay = fresh;
            let tentative: FxHashSet<Key> = self.clock.tentative_keys().collect();
            for q in self.reorder.iter_mut() {
                q.noted = !tentative.contains(&q.key());
            }
        }
    }

    /// Notes an event that enters the reorder buffer in the overlay, if it is kept.
    pub(in crate::engine) fn note_arrival(&mut self, q: &mut Queued) {
        if !self.live_names || self.overlay.stale {
            return;
        }
        let mut p = std::mem::take(&mut self.overlay);
        if p.note(self, q) {
            q.noted = true;
        } else {
            p.stale = true;
        }
        self.overlay = p;
    }

    /// Takes back from the overlay the survey answer it added for a survey being applied.
    pub(in crate::engine) fn retract_noted_survey(
        &mut self,
        ts: Millis,
        queue: &Id,
        satisfied: bool,
        survey: Option<&Id>,
    ) {
        if self.overlay.stale {
            return;
        }
        if !self.store.writable(ts) {
            return self.overlay.set_stale(); // see `Provisional::retract_noted`
        }
        if let Some(id) = self.names.queues.get(queue) {
            let calendar = self.store.calendar();
            self.overlay
                .retract_survey(calendar, id, ts, satisfied, survey);
        }
    }
}
