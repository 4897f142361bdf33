//! What the events still waiting in the reorder buffer will add: the provisional part of every
//! live figure.
//!
//! The engine applies an event to its state (calls, agents, components, tallies, live
//! windows) when the watermark passes it, in event-time order, so that any arrival order
//! within the lateness gives the same *final* records. A supervisor must not wait for that:
//!
//! ```text
//!             ingest ─► clock ─► reorder buffer ──(watermark)──► apply ─► state ─► final records
//!                                     │                                   │
//!                                     └──► Provisional::compute ◄─────────┘ (read only)
//!                                            (the buffered events, sorted,
//!                                             planned against the state)
//!                                                     │
//!                      live figure = applied state ⊕ provisional overlay
//! ```
//!
//! [`Provisional::compute`] takes the buffered events in the order the watermark will release
//! them and plans each against the applied state, overlaid with what the buffered events
//! before it changed, with the very functions that will apply it ([`super::calls::plan`], the
//! same contributions and thresholds). So the live figures are, at every instant, exactly what
//! the final state will be once the watermark passes the events read so far, if nothing else
//! arrives: an answer that arrives before its offer waits for it here too and never counts a
//! call twice; a late offer reorders the call as the engine will. Nothing is retracted, because
//! nothing provisional is ever written into the state: the overlay is recomputed from the
//! buffer when something changed and a live figure is read (at most once per change; the
//! buffer holds about one lateness of events).
//!
//! The clock's tentative events (stamped far ahead of the stream's time, waiting for a later
//! event to bear them out: [`super::clock`]) are left out until they are confirmed.
//!
//! What the overlay covers: call outcomes (rolling windows, wait buckets, all-time totals, the
//! interval and day tallies), calls waiting, agents' states, components' states, survey
//! answers. Agent and component *time* (occupancy, down time) is credited as the watermark
//! passes, in the final state only; so are complaints and forecasts, which no live figure
//! shows before their period is final.

use super::agents::AgentLive;
use super::apply::add_delta;
use super::calls::{self, Call, Contribution, Plan, Queues};
use super::health::Health;
use super::live::{Live, WaitBuckets, Window};
use super::reorder::Queued;
use super::scope::Scope;
use super::tally::Tally;
use super::Engine;
use crate::event::{Body, Id};
use crate::time::{Granularity, Millis};
use rustc_hash::FxHashMap;

/// The overlay of the buffered events on the applied state. See the module docs.
#[derive(Debug, Default)]
pub struct Provisional {
    live: Live,
    /// Interval and day tallies, by (scope, granularity, period start).
    periods: FxHashMap<(Scope, Granularity, Millis), Tally>,
    totals: FxHashMap<Scope, Tally>,
    /// Calls whose state the buffered events change: their state once they are applied.
    calls: FxHashMap<Id, Call>,
    /// Agents whose state the buffered events change: their newest state and queues.
    agents: FxHashMap<u32, AgentLive>,
    /// The components with the buffered reports noted, if any was buffered.
    health: Option<Health>,
}

/// The granularities of the live tallies the overlay keeps (the API's intervals and today).
const KEPT: [Granularity; 2] = [Granularity::Interval, Granularity::Day];

impl Provisional {
    /// The overlay of `e`'s buffered events on its applied state.
    pub fn compute(e: &Engine) -> Provisional {
        let mut p = Provisional {
            live: e.live.empty_like(),
            ..Provisional::default()
        };
        // Not the clock's tentative events: a wrong clock must not show, even for a moment
        // (and the all-time counters would go down when it is rejected).
        let horizon = e.clock.frontier().saturating_add(e.cfg.max_time_jump);
        let mut buffered: Vec<&Queued> = e.reorder.iter().filter(|q| q.at <= horizon).collect();
        buffered.sort_unstable_by_key(|q| q.key());
        for q in buffered {
            p.note(e, q);
        }
        p
    }

    fn note(&mut self, e: &Engine, q: &Queued) {
        let ts = q.event.ts;
        match &q.event.body {
            body if body.call_id().is_some() => self.call(e, q),
            Body::AgentState {
                agent,
                state,
                queues,
            } => {
                if let Some(id) = e.names.agents.get(agent) {
                    let queues = queues
                        .iter()
                        .filter_map(|n| e.names.queues.get(n))
                        .collect();
                    let before = self.agents.remove(&id).or_else(|| e.agents.live(id));
                    self.agents
                        .insert(id, AgentLive::changed(before, *state, queues));
                }
            }
            Body::SystemStatus { component, up, .. } => self.report(e, component, ts, Some(*up)),
            Body::Heartbeat { component } => self.report(e, component, ts, None),
            Body::Survey {
                queue,
                satisfied,
                survey,
                ..
            } => {
                let Some(id) = e.names.queues.get(queue) else {
                    return;
                };
                if !e.store.writable(ts) {
                    return;
                }
                for scope in [Scope::Queue(id), Scope::Center] {
                    self.add_to_tallies(e, scope, ts, |t| {
                        t.satisfaction.add(*satisfied);
                        if let Some(name) = survey {
                            t.surveys.entry(name.clone()).or_default().add(*satisfied);
                        }
                    });
                }
            }
            _ => {}
        }
    }

    fn report(&mut self, e: &Engine, component: &Id, ts: Millis, status: Option<bool>) {
        if let Some(id) = e.names.components.get(component) {
            self.health
                .get_or_insert_with(|| e.health.clone())
                .note(id, ts, status);
        }
    }

    /// Plans a call event against the call's state (the overlay's, else the applied one) as
    /// [`Engine::apply_call`] will, and adds its contributions.
    fn call(&mut self, e: &Engine, q: &Queued) {
        let body = &q.event.body;
        let Some(call_id) = body.call_id() else {
            return;
        };
        let queue = match body {
            Body::Offered { queue, .. } => Some(queue),
            Body::Completed(c) => Some(&c.queue),
            _ => None,
        };
        let to_queue = match body {
            Body::Transferred { to_queue, .. } => to_queue.as_ref(),
            _ => None,
        };
        let queues = Queues {
            queue: queue.and_then(|n| e.names.queues.get(n)),
            to_queue: to_queue.and_then(|n| e.names.queues.get(n)),
        };
        if queue.is_some() != queues.queue.is_some()
            || to_queue.is_some() != queues.to_queue.is_some()
        {
            return; // a name not interned yet: the engine was not asked to keep live figures
        }
        let existing = self.calls.get(call_id).or_else(|| e.calls.live(call_id));
        let first = existing.is_none();
        let mut out: Vec<Contribution> = Vec::with_capacity(8);
        let Ok(Plan::Apply(call)) = calls::plan(existing, body, q.event.ts, queues, &mut out)
        else {
            return; // a duplicate, an event waiting for its offer, or one to be rejected
        };
        if !out.iter().all(|c| e.store.writable(c.anchor)) {
            return;
        }
        for c in &out {
            self.contribute(e, c);
        }
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
            f(self.periods.entry((scope, g, start)).or_default());
        }
    }

    /// The overlay's sums of `scope` over a window (see [`Live::window`]).
    pub fn window(&self, scope: Scope, at: Millis, minutes: i64) -> Window {
        self.live.window(scope, at, minutes)
    }

    pub fn waits(&self, scope: Scope) -> Option<(&WaitBuckets, &WaitBuckets)> {
        self.live.waits(scope)
    }

    /// What the buffered events add to the tally of `scope` for the period of `g` starting at
    /// `start`.
    pub fn tally(&self, scope: Scope, g: Granularity, start: Millis) -> Option<&Tally> {
        self.periods.get(&(scope, g, start))
    }

    /// Every period tally of granularity `g` the overlay touches.
    pub fn tallies(&self, g: Granularity) -> impl Iterator<Item = (Scope, Millis, &Tally)> {
        self.periods
            .iter()
            .filter(move |((_, pg, _), _)| *pg == g)
            .map(|((scope, _, start), t)| (*scope, *start, t))
    }

    pub fn total(&self, scope: Scope) -> Option<&Tally> {
        self.totals.get(&scope)
    }

    pub fn totals(&self) -> impl Iterator<Item = (Scope, &Tally)> {
        self.totals.iter().map(|(s, t)| (*s, t))
    }

    pub fn calls(&self) -> &FxHashMap<Id, Call> {
        &self.calls
    }

    pub fn agents(&self) -> &FxHashMap<u32, AgentLive> {
        &self.agents
    }

    pub fn health(&self) -> Option<&Health> {
        self.health.as_ref()
    }
}
