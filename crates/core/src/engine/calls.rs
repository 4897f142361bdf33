//! Per-call state: events joined by `call_id` into the facts KPIs need, as contributions to
//! tallies anchored at the instant that decides their period.
//!
//! The machine sees a call's events in event-time order (the reorder buffer guarantees it for
//! events within the allowed lateness). Phases: waiting → answered → ended, or waiting →
//! abandoned; a `call.transferred` with `to_queue` while waiting moves the call to another queue
//! (overflow). An event that repeats a known fact exactly is a duplicate; one that contradicts
//! the call's history is rejected. [`plan`] computes the new state and contributions without
//! changing anything, so the engine can refuse the whole event (`too_late`) atomically.

use super::scope::{Names, Scope};
use crate::codec::decode::INSTANTS;
use crate::event::{Body, CompletedOutcome, Id, Unanswered};
use crate::reject::RejectReason;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Waiting,
    Answered,
    Abandoned,
    Ended,
    WrappedUp,
}

/// The facts of one offered call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Queue and instant of the first offer: the center-wide view of the call.
    pub first_queue: u32,
    pub first_offered: Millis,
    /// Queue and instant of the current segment (differs after an overflow).
    pub queue: u32,
    pub offered: Millis,
    pub phase: Phase,
    /// Instant of the answer or the abandon.
    pub outcome_at: Millis,
    pub ended_at: Millis,
    /// Instant of the last overflow, if the call moved before its outcome.
    pub last_overflow: Option<(Millis, u32)>,
    pub transferred: bool,
    pub last_event: Millis,
}

impl Call {
    /// Whether the call's queues (first, current, the one it overflowed to) have names.
    pub fn check_ids(&self, names: &Names) -> Result<(), String> {
        let overflow = self.last_overflow.map(|(_, q)| q);
        [self.first_queue, self.queue]
            .into_iter()
            .chain(overflow)
            .try_for_each(|q| names.check_queue(q))
    }

    /// Whether every instant of the call lies where the decoder puts events: within
    /// [1970, 2100) (each is an event's, or 0 before the call's outcome or end). One near the
    /// start of the integers overflowed the wait, talk or wrap-up at the call's next event.
    pub fn check_bounds(&self) -> Result<(), String> {
        let instants = [
            ("first offered", self.first_offered),
            ("offered", self.offered),
            ("answered or abandoned", self.outcome_at),
            ("ended", self.ended_at),
            ("last heard", self.last_event),
        ];
        let overflow = self.last_overflow.map(|(t, _)| ("overflowed", t));
        let mut all = instants.into_iter().chain(overflow);
        match all.find(|(_, t)| !INSTANTS.contains(t)) {
            Some((what, t)) => Err(format!("a call {what} at {t} out of range")),
            None => Ok(()),
        }
    }
}

/// What a call event adds to the tallies of one scope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delta {
    Offered,
    FlowedOut,
    FlowedIn,
    Answered {
        wait: Millis,
    },
    Abandoned {
        wait: Millis,
    },
    /// The system ended the wait (a timeout, no agents, a withdrawal, a failure).
    TimedOut {
        wait: Millis,
    },
    /// The caller left the queue with a callback request the ACD will place: neither an
    /// abandon nor a wait the system ended.
    CallbackRequested,
    Transferred,
    Handled {
        talk: Millis,
        resolved: Option<bool>,
    },
    Wrapup {
        wrap: Millis,
    },
}

/// A delta for the tallies of `scope` in the periods containing `anchor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    pub scope: Scope,
    pub anchor: Millis,
    pub delta: Delta,
}

/// The result of planning one event against a call.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// Apply: the call's new state (contributions were pushed to the buffer).
    Apply(Call),
    /// The event repeats what the call already knows.
    Duplicate,
    /// The call has no offer yet: keep the event until it comes.
    Orphan,
}

/// The queue ids an event names, interned by the caller.
#[derive(Debug, Clone, Copy, Default)]
pub struct Queues {
    pub queue: Option<u32>,
    pub to_queue: Option<u32>,
}

/// The queues a call event names: the one it enters (an offer, a completed call's) and the one
/// it moves to (a transfer's).
pub fn queue_names(body: &Body) -> (Option<&Id>, Option<&Id>) {
    match body {
        Body::Offered { queue, .. } => (Some(queue), None),
        Body::Completed(c) => (Some(&c.queue), None),
        Body::Transferred { to_queue, .. } => (None, to_queue.as_ref()),
        _ => (None, None),
    }
}

/// Plans `body` at `ts` for the call in state `call` (`None`: never offered), pushing the
/// contributions to `out`. (Repeat contacts are the engine's to count, at commit.)
pub fn plan(
    call: Option<&Call>,
    body: &Body,
    ts: Millis,
    q: Queues,
    out: &mut Vec<Contribution>,
) -> Result<Plan, RejectReason> {
    use Phase::*;
    let mut push = |scope, anchor, delta| {
        out.push(Contribution {
            scope,
            anchor,
            delta,
        })
    };
    if let Body::Completed(c) = body {
        if let Some(existing) = call {
            return same_completed(existing, c, q)
                .then_some(Plan::Duplicate)
                .ok_or(RejectReason::ContradictsHistory);
        }
        let queue = q.queue.ok_or(RejectReason::MissingField("queue"))?;
        let mut new = offered_call(queue, c.offered_at);
        offer(&mut push, queue, c.offered_at);
        match c.outcome {
            CompletedOutcome::Answered(at) => {
                answer(&mut push, &new, at);
                new.phase = Answered;
                new.outcome_at = at;
                if let Some(end) = c.ended_at {
                    end_call(&mut push, &new, end, c.resolved);
                    new.phase = Ended;
                    new.ended_at = end;
                }
            }
            CompletedOutcome::Abandoned(at) => {
                abandon(&mut push, &new, at, Unanswered::Caller);
                new.phase = Abandoned;
                new.outcome_at = at;
            }
        }
        new.last_event = ts.max(c.ended_at.unwrap_or(c.offered_at));
        return Ok(Plan::Apply(new));
    }
    let Some(call) = call else {
        return match body {
            Body::Offered { .. } => {
                let queue = q.queue.ok_or(RejectReason::MissingField("queue"))?;
                offer(&mut push, queue, ts);
                let mut new = offered_call(queue, ts);
                new.last_event = ts;
                Ok(Plan::Apply(new))
            }
            _ => Ok(Plan::Orphan),
        };
    };
    let mut new = call.clone();
    new.last_event = ts.max(call.last_event);
    match (body, call.phase) {
        (Body::Offered { .. }, _) => {
            let same = q.queue == Some(call.first_queue) && ts == call.first_offered;
            return same
                .then_some(Plan::Duplicate)
                .ok_or(RejectReason::ContradictsHistory);
        }
        (Body::Ringing { .. }, Waiting) => {}
        (Body::Ringing { .. }, _) => return Err(RejectReason::ContradictsHistory),
        (Body::Answered { .. }, Waiting) if ts >= call.offered => {
            answer(&mut push, call, ts);
            new.phase = Answered;
            new.outcome_at = ts;
        }
        (Body::Abandoned { cause, .. }, Waiting) if ts >= call.offered => {
            abandon(&mut push, call, ts, *cause);
            new.phase = Abandoned;
            new.outcome_at = ts;
        }
        (
            Body::Answered { .. } | Body::Abandoned { .. },
            Answered | Abandoned | Ended | WrappedUp,
        ) if ts == call.outcome_at
            && matches!(
                (body, call.phase),
                (Body::Answered { .. }, Answered | Ended | WrappedUp)
                    | (Body::Abandoned { .. }, Abandoned)
            ) =>
        {
            return Ok(Plan::Duplicate)
        }
        (
            Body::Transferred {
                to_queue: Some(_), ..
            },
            Waiting,
        ) if ts >= call.offered => {
            let to = q.to_queue.ok_or(RejectReason::MissingField("to_queue"))?;
            if call.last_overflow == Some((ts, to)) || to == call.queue {
                return Ok(Plan::Duplicate);
            }
            push(Scope::Queue(call.queue), call.offered, Delta::FlowedOut);
            push(Scope::Queue(to), ts, Delta::FlowedIn);
            push(Scope::Queue(to), ts, Delta::Offered);
            new.queue = to;
            new.offered = ts;
            new.last_overflow = Some((ts, to));
        }
        (Body::Transferred { .. }, Answered) if ts >= call.outcome_at => {
            if call.transferred {
                return Ok(Plan::Duplicate);
            }
            push(Scope::Queue(call.queue), call.offered, Delta::Transferred);
            push(Scope::Center, call.first_offered, Delta::Transferred);
            new.transferred = true;
        }
        (Body::Transferred { .. }, Ended | WrappedUp) if call.transferred => {
            return Ok(Plan::Duplicate)
        }
        (Body::Ended { resolved, .. }, Answered) if ts >= call.outcome_at => {
            end_call(&mut push, call, ts, *resolved);
            new.phase = Ended;
            new.ended_at = ts;
        }
        (Body::Ended { .. }, Ended | WrappedUp) if ts == call.ended_at => {
            return Ok(Plan::Duplicate)
        }
        // A system that also ends abandoned calls: nothing to count, nothing contradicted.
        (Body::Ended { .. }, Abandoned) if ts >= call.outcome_at => {}
        (Body::WrapupEnded { .. }, Ended) if ts >= call.ended_at => {
            let wrap = ts.saturating_sub(call.ended_at);
            push(Scope::Queue(call.queue), ts, Delta::Wrapup { wrap });
            push(Scope::Center, ts, Delta::Wrapup { wrap });
            new.phase = WrappedUp;
        }
        (Body::WrapupEnded { .. }, WrappedUp) => return Ok(Plan::Duplicate),
        _ => return Err(RejectReason::ContradictsHistory),
    }
    Ok(Plan::Apply(new))
}

fn offered_call(queue: u32, at: Millis) -> Call {
    Call {
        first_queue: queue,
        first_offered: at,
        queue,
        offered: at,
        phase: Phase::Waiting,
        outcome_at: 0,
        ended_at: 0,
        last_overflow: None,
        transferred: false,
        last_event: at,
    }
}

fn offer(push: &mut impl FnMut(Scope, Millis, Delta), queue: u32, at: Millis) {
    push(Scope::Queue(queue), at, Delta::Offered);
    push(Scope::Center, at, Delta::Offered);
}

/// The outcome of waiting (`Delta::Answered` or `Delta::Abandoned` from a wait). The queue's
/// wait counts from the offer to that queue; the center's from the first offer.
///
/// Waits, talk and wrap-up saturate: restore refuses a call's instant outside the decoder's,
/// but one near the start of the integers must not panic either (the tallies' sums saturate
/// too).
fn outcome(
    push: &mut impl FnMut(Scope, Millis, Delta),
    call: &Call,
    at: Millis,
    delta: fn(Millis) -> Delta,
) {
    push(
        Scope::Queue(call.queue),
        call.offered,
        delta(at.saturating_sub(call.offered)),
    );
    push(
        Scope::Center,
        call.first_offered,
        delta(at.saturating_sub(call.first_offered)),
    );
}

fn answer(push: &mut impl FnMut(Scope, Millis, Delta), call: &Call, at: Millis) {
    outcome(push, call, at, |wait| Delta::Answered { wait });
}

/// An unanswered exit: an abandon when the caller chose it, a callback request, else a wait
/// the system ended.
fn abandon(
    push: &mut impl FnMut(Scope, Millis, Delta),
    call: &Call,
    at: Millis,
    cause: Unanswered,
) {
    if cause.by_caller() {
        outcome(push, call, at, |wait| Delta::Abandoned { wait });
    } else if cause == Unanswered::Callback {
        outcome(push, call, at, |_| Delta::CallbackRequested);
    } else {
        outcome(push, call, at, |wait| Delta::TimedOut { wait });
    }
}

/// Handle time is counted in the period in which the conversation ended.
fn end_call(
    push: &mut impl FnMut(Scope, Millis, Delta),
    call: &Call,
    at: Millis,
    resolved: Option<bool>,
) {
    let talk = at.saturating_sub(call.outcome_at);
    push(
        Scope::Queue(call.queue),
        at,
        Delta::Handled { talk, resolved },
    );
    push(Scope::Center, at, Delta::Handled { talk, resolved });
}

fn same_completed(call: &Call, c: &crate::event::Completed, q: Queues) -> bool {
    let outcome_matches = match c.outcome {
        CompletedOutcome::Answered(t) => {
            matches!(
                call.phase,
                Phase::Answered | Phase::Ended | Phase::WrappedUp
            ) && call.outcome_at == t
        }
        CompletedOutcome::Abandoned(t) => call.phase == Phase::Abandoned && call.outcome_at == t,
    };
    let end_matches = match c.ended_at {
        Some(t) => matches!(call.phase, Phase::Ended | Phase::WrappedUp) && call.ended_at == t,
        None => true,
    };
    q.queue == Some(call.first_queue)
        && call.first_offered == c.offered_at
        && outcome_matches
        && end_matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_talk_and_wrap_up_from_instants_near_the_start_of_the_integers_saturate() {
        // Restore refuses such instants; the differences saturate all the same.
        let call = |phase| Call {
            first_queue: 0,
            first_offered: Millis::MIN + 1,
            queue: 0,
            offered: Millis::MIN + 1,
            phase,
            outcome_at: Millis::MIN + 1,
            ended_at: Millis::MIN + 1,
            last_overflow: None,
            transferred: false,
            last_event: Millis::MIN + 1,
        };
        let (id, agent) = (Id::new("c"), Id::new("a"));
        let events = [
            (
                Phase::Waiting,
                Body::Answered {
                    call: id.clone(),
                    agent: agent.clone(),
                },
            ),
            (
                Phase::Answered,
                Body::Ended {
                    call: id.clone(),
                    resolved: None,
                },
            ),
            (Phase::Ended, Body::WrapupEnded { call: id, agent }),
        ];
        for (phase, body) in events {
            let mut out = Vec::new();
            let plan = plan(
                Some(&call(phase)),
                &body,
                1_000,
                Queues::default(),
                &mut out,
            );
            assert!(matches!(plan, Ok(Plan::Apply(_))), "{body:?}: {plan:?}");
            for c in out {
                match c.delta {
                    Delta::Answered { wait: ms } | Delta::Handled { talk: ms, .. } => {
                        assert_eq!(ms, Millis::MAX, "{body:?}")
                    }
                    Delta::Wrapup { wrap } => assert_eq!(wrap, Millis::MAX, "{body:?}"),
                    other => panic!("{body:?}: {other:?}"),
                }
            }
        }
    }
}
