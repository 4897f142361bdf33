//! Applying one event, in event-time order, to the engine's state: calls, agents, health,
//! surveys, complaints and forecasts. Every event ends here accepted or rejected with a reason.

use super::call_table;
use super::calls::{self, Delta, Plan, Queues};
use super::complaints::Close;
use super::live::{bump, bump_ms};
use super::provisional::Subject;
use super::reorder::{self, Queued};
use super::{Engine, Scope, Tally};
use crate::codec::encode;
use crate::event::{Body, Id};
use crate::reject::{RejectReason, Rejection};
use crate::time::{Millis, MINUTE};

impl Engine {
    /// Applies one event, and tells the provisional overlay (when it is kept up to date).
    pub(super) fn apply(&mut self, q: Queued) {
        if self.overlay.stale() {
            return self.apply_event(q);
        }
        let subject = Subject::of(&q.event.body);
        let (key, noted) = (q.key(), q.noted);
        self.apply_event(q);
        self.overlay.released(&self.names, &subject, key, noted);
        if let Subject::Call(id) = &subject {
            self.overlay.forget_if_applied(id, self.calls.live(id));
        }
    }

    fn apply_event(&mut self, q: Queued) {
        if q.event.body.call_id().is_some() {
            return self.apply_call(q);
        }
        if let Err(reason) = self.names_within_limits(&q.event.body) {
            return self.reject_applied(reason, &q);
        }
        let ts = q.event.ts;
        let outcome = match &q.event.body {
            Body::AgentState {
                agent,
                state,
                queues,
                reason,
            } => {
                let id = self.names.agents.intern(agent);
                if self.agents.in_time(&self.store, id, ts) {
                    let queues = queues.iter().map(|q| self.intern_queue(q)).collect();
                    let change = (*state, reason.clone());
                    self.agents.change(&mut self.store, id, ts, change, queues);
                    Ok(())
                } else {
                    Err(RejectReason::TooLate)
                }
            }
            Body::SystemStatus { component, up, .. } => {
                self.health_report(component, ts, Some(*up))
            }
            Body::Heartbeat { component } => self.health_report(component, ts, None),
            Body::Survey {
                queue,
                satisfied,
                survey,
                ..
            } => {
                if q.noted {
                    self.retract_noted_survey(ts, queue, *satisfied, survey.as_ref());
                }
                self.writable(ts).map(|()| {
                    let q = self.intern_queue(queue);
                    for scope in [Scope::Queue(q), Scope::Center] {
                        self.store
                            .add(scope, ts, |t, _| t.add_answer(*satisfied, survey.as_ref()));
                    }
                })
            }
            Body::ComplaintOpened {
                complaint,
                due,
                queue,
            } => {
                let ok = self.writable(ts).and_then(|()| self.writable(*due));
                ok.and_then(|()| {
                    let queue = queue.as_ref().map(|q| self.intern_queue(q));
                    self.complaints
                        .open(&mut self.store, complaint, ts, *due, queue)
                        .then_some(())
                        .ok_or(RejectReason::ContradictsHistory)
                })
            }
            Body::ComplaintClosed {
                complaint,
                satisfied,
            } => self.writable(ts).and_then(|()| {
                match self
                    .complaints
                    .close(&mut self.store, complaint, ts, *satisfied)
                {
                    Close::Counted => Ok(()),
                    Close::Duplicate => {
                        self.stats.duplicates += 1;
                        Ok(())
                    }
                    Close::Unknown => Err(RejectReason::ContradictsHistory),
                }
            }),
            Body::Forecast {
                queue,
                interval_start,
                minutes,
                offered,
            } => self.writable(*interval_start).map(|()| {
                let q = self.intern_queue(queue);
                let previous = self
                    .forecasts
                    .insert((q, *interval_start, *minutes), offered.0)
                    .unwrap_or(0.0);
                let len = Millis::from(*minutes) * MINUTE;
                let change = offered.0 - previous;
                if change == 0.0 {
                    return; // the same forecast again: nothing changes, nothing is revised
                }
                let end = interval_start + len;
                self.store
                    .add_span(Scope::Queue(q), *interval_start, end, |t, ms| {
                        t.forecast =
                            Some(t.forecast.unwrap_or(0.0) + change * ms as f64 / len as f64);
                    });
            }),
            Body::Callback { queue, .. } => {
                self.intern_queue(queue);
                self.observe_callbacks(&q);
                Ok(())
            }
            _ => unreachable!("every event type is handled"),
        };
        match outcome {
            Ok(()) => self.stats.accepted += 1,
            Err(reason) => self.reject_applied(reason, &q),
        }
    }

    fn health_report(
        &mut self,
        component: &Id,
        ts: Millis,
        status: Option<bool>,
    ) -> Result<(), RejectReason> {
        if !self.health.in_time(ts) {
            return Err(RejectReason::TooLate);
        }
        let id = self.names.components.intern(component);
        self.health.report(
            &mut self.store,
            id,
            ts,
            status,
            component,
            &mut self.outages,
        );
        Ok(())
    }

    fn writable(&self, anchor: Millis) -> Result<(), RejectReason> {
        if self.store.writable(anchor) {
            Ok(())
        } else {
            Err(RejectReason::TooLate)
        }
    }

    pub(super) fn intern_queue(&mut self, name: &Id) -> u32 {
        let known = self.names.queues.len();
        let id = self.names.queues.intern(name);
        if id as usize == known {
            self.store
                .set_queue_threshold(id, self.cfg.threshold_for(name));
        }
        id
    }

    pub(super) fn apply_call(&mut self, q: Queued) {
        if let Err(reason) = self.names_within_limits(&q.event.body) {
            return self.reject_applied(reason, &q);
        }
        let body = &q.event.body;
        let call_id = body.call_id().expect("a call event").clone();
        let (queue, to_queue) = calls::queue_names(body);
        let customer = match body {
            Body::Offered { customer, .. } => customer.as_ref(),
            Body::Completed(c) => c.customer.as_ref(),
            _ => None,
        };
        let queues = Queues {
            queue: queue.map(|n| self.intern_queue(n)),
            to_queue: to_queue.map(|n| self.intern_queue(n)),
        };
        let offered_at = reorder::order_of(&q.event).0;
        // One lookup of the call: planned against, then updated in place.
        let mut existing = self.calls.live_mut(&call_id);
        let first_offer = existing.is_none();
        self.scratch.clear();
        let planned = calls::plan(
            existing.as_deref(),
            body,
            q.event.ts,
            queues,
            &mut self.scratch,
        );
        let call = match planned {
            Ok(Plan::Apply(call)) => call,
            Ok(Plan::Duplicate) => {
                self.stats.accepted += 1;
                self.stats.duplicates += 1;
                return;
            }
            Ok(Plan::Orphan) => {
                self.overlay.orphaned(&call_id, q.key());
                return self.calls.add_orphan(&call_id, q, self.watermark);
            }
            Err(reason) => return self.reject_applied(reason, &q),
        };
        let writable = self.scratch.iter().all(|c| self.store.writable(c.anchor));
        if q.noted {
            let short = self.cfg.short_abandon;
            self.overlay
                .retract_noted(&self.scratch, writable, &self.store, short);
        }
        if !writable {
            return self.reject_applied(RejectReason::TooLate, &q);
        }
        let short = self.cfg.short_abandon;
        for c in &self.scratch {
            let delta = c.delta;
            self.store
                .add(c.scope, c.anchor, |t, thr| add_delta(t, delta, thr, short));
            if !self.no_live_windows {
                let threshold = self.store.threshold(c.scope);
                self.live.add(c.scope, c.anchor, delta, threshold, short);
            }
        }
        if let (Some(customer), Some(queue), true) = (customer, queues.queue, first_offer) {
            let mut now_repeats = Vec::new();
            if self
                .customers
                .record(customer, offered_at, queue, &mut now_repeats)
            {
                now_repeats.push((queue, offered_at));
            }
            for (queue, at) in now_repeats {
                if self.store.writable(at) {
                    for scope in [Scope::Queue(queue), Scope::Center] {
                        self.store.add(scope, at, |t, _| t.repeat_contacts += 1);
                    }
                }
            }
        }
        self.stats.accepted += 1;
        if !self.no_live_windows {
            // Fields, not a method: the call's slot is borrowed.
            self.callbacks
                .observe(&q.event, q.digest, &self.names, true);
        }
        match existing.take() {
            Some(slot) => {
                let (before, now) = (call_table::waits(slot), call_table::waits(&call));
                *slot = call;
                self.calls.note_waiting(&call_id, before, now);
            }
            None => {
                if let Some(mut pending) = self.calls.set(&call_id, call, self.watermark) {
                    pending.sort();
                    for mut p in pending {
                        // Noting the offer noted these too (they wait in the call table).
                        p.noted = q.noted;
                        self.apply_call(p);
                    }
                }
            }
        }
    }

    /// Gives the callback list the facts of an event being applied (unless live figures are
    /// not kept: a replay reads no list).
    fn observe_callbacks(&mut self, q: &Queued) {
        if !self.no_live_windows {
            self.callbacks
                .observe(&q.event, q.digest, &self.names, true);
        }
    }

    pub(super) fn reject_applied(&mut self, reason: RejectReason, q: &Queued) {
        self.stats.reject(reason);
        self.rejections.push(Rejection {
            reason,
            origin: q.origin,
            bytes: encode(&q.event).into_bytes(),
        });
    }
}

/// Adds one call delta to a tally under the scope's threshold.
pub(super) fn add_delta(
    t: &mut Tally,
    delta: Delta,
    threshold: Millis,
    short_abandon: Option<Millis>,
) {
    change_delta::<true>(t, delta, threshold, short_abandon);
}

/// Takes back a delta [`add_delta`] added (the provisional overlay, when the event behind it
/// is applied).
pub(super) fn retract_delta(
    t: &mut Tally,
    delta: Delta,
    threshold: Millis,
    short_abandon: Option<Millis>,
) {
    change_delta::<false>(t, delta, threshold, short_abandon);
}

fn change_delta<const ADD: bool>(
    t: &mut Tally,
    delta: Delta,
    threshold: Millis,
    short_abandon: Option<Millis>,
) {
    let n = |x: &mut u64, by: bool| bump::<ADD>(x, u64::from(by));
    let waits = |w: &mut super::tally::Waits, wait: Millis| {
        if ADD {
            w.record(wait)
        } else {
            w.remove(wait)
        }
    };
    match delta {
        Delta::Offered => n(&mut t.counts.offered, true),
        Delta::FlowedOut => n(&mut t.counts.flowed_out, true),
        Delta::FlowedIn => n(&mut t.flowed_in, true),
        Delta::Answered { wait } => {
            n(&mut t.counts.answered, true);
            n(&mut t.counts.answered_within, wait <= threshold);
            bump_ms::<ADD>(&mut t.counts.wait_ms, wait);
            waits(&mut t.answered_waits, wait);
        }
        Delta::Abandoned { wait } => {
            n(&mut t.counts.abandoned, true);
            n(&mut t.counts.abandoned_within, wait <= threshold);
            n(
                &mut t.counts.short_abandoned,
                short_abandon.is_some_and(|s| wait < s),
            );
            bump_ms::<ADD>(&mut t.abandon_wait_sum, wait);
            waits(&mut t.abandoned_waits, wait);
        }
        Delta::TimedOut { wait } => {
            n(&mut t.timed_out, true);
            bump_ms::<ADD>(&mut t.timed_out_wait_sum, wait);
        }
        Delta::CallbackRequested => n(&mut t.counts.callbacks_requested, true),
        Delta::Transferred => n(&mut t.transferred, true),
        Delta::Handled { talk, resolved } => {
            n(&mut t.handled, true);
            bump_ms::<ADD>(&mut t.talk_sum, talk);
            if let Some(r) = resolved {
                n(&mut t.resolution_marked, true);
                n(&mut t.resolved, r);
            }
        }
        Delta::Wrapup { wrap } => {
            n(&mut t.wrapups, true);
            bump_ms::<ADD>(&mut t.wrap_sum, wrap);
        }
    }
}
