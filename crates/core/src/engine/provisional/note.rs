//! Noting a buffered event in the overlay: as it arrives, or all of them in order when the
//! overlay is recomputed.

use super::{Provisional, KEPT};
use crate::engine::agents::AgentLive;
use crate::engine::apply::add_delta;
use crate::engine::calls::{self, Contribution, Plan, Queues};
use crate::engine::reorder::{Key, Queued};
use crate::engine::scope::Scope;
use crate::engine::tally::Tally;
use crate::engine::Engine;
use crate::event::{Body, Id};
use crate::time::Millis;
use rustc_hash::{FxHashMap, FxHashSet};

impl Provisional {
    /// The overlay of `e`'s buffered events on its applied state, recomputed: the events
    /// noted one by one in the order the watermark will release them.
    pub fn compute(e: &Engine) -> Provisional {
        let mut p = Provisional {
            live: e.live.empty_like(),
            stale: false,
            ..Provisional::default()
        };
        // Not the clock's tentative events: a wrong clock must not show, even for a moment
        // (and the all-time counters would go down when it is rejected).
        let tentative: FxHashSet<Key> = e.clock.tentative_keys().collect();
        let mut buffered: Vec<&Queued> = e
            .reorder
            .iter()
            .filter(|q| !tentative.contains(&q.key()))
            .collect();
        buffered.sort_unstable_by_key(|q| q.key());
        for q in buffered {
            let in_order = p.note(e, q);
            debug_assert!(in_order, "events noted in order");
        }
        p
    }

    /// Notes one buffered event, as the engine will apply it after those noted before it.
    /// `false` (and nothing noted) when an event of the same subject (call, agent, component)
    /// that sorts after it was noted already: only a recompute puts it in its place.
    pub(in crate::engine) fn note(&mut self, e: &Engine, q: &Queued) -> bool {
        let key = q.key();
        let ts = q.event.ts;
        match &q.event.body {
            body if body.call_id().is_some() => {
                let id = body.call_id().expect("a call event");
                if !newer_than(&mut self.newest.calls, id, key) {
                    return false;
                }
                self.call(e, q);
            }
            Body::AgentState {
                agent,
                state,
                queues,
                reason,
            } => {
                let Some(id) = e.names.agents.get(agent) else {
                    return true; // not interned: the engine was not asked to keep live figures
                };
                if !newer_than(&mut self.newest.agents, &id, key) {
                    return false;
                }
                let queues = queues
                    .iter()
                    .filter_map(|n| e.names.queues.get(n))
                    .collect();
                let before = self.agents.remove(&id).or_else(|| e.agents.live(id));
                let now = AgentLive::changed(before, (key, ts), *state, queues, reason.clone());
                self.agents.insert(id, now);
            }
            Body::SystemStatus { component, up, .. } => {
                return self.report(e, component, key, Some(*up));
            }
            Body::Heartbeat { component } => return self.report(e, component, key, None),
            Body::Survey {
                queue,
                satisfied,
                survey,
                ..
            } => {
                let Some(id) = e.names.queues.get(queue) else {
                    return true;
                };
                if !e.store.writable(ts) {
                    return true;
                }
                for scope in [Scope::Queue(id), Scope::Center] {
                    self.add_to_tallies(e, scope, ts, |t| {
                        t.add_answer(*satisfied, survey.as_ref())
                    });
                }
            }
            _ => {}
        }
        true
    }

    fn report(&mut self, e: &Engine, component: &Id, key: Key, status: Option<bool>) -> bool {
        let Some(id) = e.names.components.get(component) else {
            return true;
        };
        if !newer_than(&mut self.newest.components, &id, key) {
            return false;
        }
        self.components
            .entry(id)
            .or_insert_with(|| e.health.component(id))
            .observe(key.0, status);
        true
    }

    /// Plans a call event against the call's state (the overlay's, else the applied one) as
    /// [`Engine::apply_call`] will, and adds its contributions.
    fn call(&mut self, e: &Engine, q: &Queued) {
        let body = &q.event.body;
        let Some(call_id) = body.call_id() else {
            return;
        };
        let (queue, to_queue) = calls::queue_names(body);
        let queues = Queues {
            queue: queue.and_then(|n| e.names.queues.get(n)),
            to_queue: to_queue.and_then(|n| e.names.queues.get(n)),
        };
        if queue.is_some() != queues.queue.is_some()
            || to_queue.is_some() != queues.to_queue.is_some()
        {
            return; // a name not interned: the engine was not asked to keep live figures
        }
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let existing = self.calls.get(call_id).or_else(|| e.calls.live(call_id));
        let first = existing.is_none();
        let planned = calls::plan(existing, body, q.event.ts, queues, &mut out);
        // Not a duplicate, an event waiting for its offer, one to be rejected or too late.
        let call = match planned {
            Ok(Plan::Apply(call)) if out.iter().all(|c| e.store.writable(c.anchor)) => Some(call),
            _ => None,
        };
        if call.is_some() {
            for c in &out {
                self.contribute(e, c);
            }
        }
        self.scratch = out;
        let Some(call) = call else {
            return;
        };
        self.calls.insert(call_id.clone(), call);
        if first {
            // Events that arrived before this offer and wait for it in the call table.
            let mut waiting: Vec<&Queued> = e.calls.orphans(call_id).iter().collect();
            waiting.sort_unstable_by_key(|q| q.key());
            for w in waiting {
                self.call(e, w);
            }
        }
    }

    fn contribute(&mut self, e: &Engine, c: &Contribution) {
        let threshold = e.store.threshold(c.scope);
        let short = e.cfg.short_abandon;
        let delta = c.delta;
        self.live.add(c.scope, c.anchor, delta, threshold, short);
        self.add_to_tallies(e, c.scope, c.anchor, |t| {
            add_delta(t, delta, threshold, short)
        });
    }

    fn add_to_tallies(&mut self, e: &Engine, scope: Scope, at: Millis, f: impl Fn(&mut Tally)) {
        if !matches!(scope, Scope::Agent(_)) {
            f(self.totals.entry(scope).or_default());
        }
        for g in KEPT {
            let start = e.calendar().period(g, at).start;
            let (t, n) = self.periods.entry((scope, g, start)).or_default();
            f(t);
            *n += 1;
        }
    }
}

/// Records `key` as the newest of subject `id` unless a later one is recorded already.
fn newer_than<K: Clone + Eq + std::hash::Hash>(
    newest: &mut FxHashMap<K, Key>,
    id: &K,
    key: Key,
) -> bool {
    match newest.get_mut(id) {
        Some(k) if *k > key => false,
        Some(k) => {
            *k = key;
            true
        }
        None => {
            newest.insert(id.clone(), key);
            true
        }
    }
}
