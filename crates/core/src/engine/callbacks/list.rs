//! Reading the callback list: the facts joined per queue and customer (see [`super`]).

use super::{Callbacks, Outcome};
use crate::event::{CallbackResult, Id, Unanswered};
use crate::time::Millis;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// How a listed caller left the queue (of the oldest unanswered call of the entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The caller gave up (`call.abandoned` of cause `caller` or `key`, an abandoned
    /// `call.completed`).
    Abandoned,
    /// The system ended the wait (`timeout`, `no_agents`, `withdrawn`, `failed`).
    TimedOut,
    /// The caller asked the ACD to call back (cause `callback`).
    CallbackRequested,
}

impl Cause {
    fn of(cause: Unanswered) -> Cause {
        match cause {
            Unanswered::Callback => Cause::CallbackRequested,
            c if c.by_caller() => Cause::Abandoned,
            _ => Cause::TimedOut,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cause::Abandoned => "abandoned",
            Cause::TimedOut => "timed_out",
            Cause::CallbackRequested => "callback_requested",
        }
    }
}

/// One caller to call back in one queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub customer: Id,
    /// When the oldest unanswered call not followed by a reach ended.
    pub abandoned_at: Millis,
    /// How long that call waited, from its first offer to its end.
    pub wait: Millis,
    pub cause: Cause,
    /// Unanswered calls of the customer in the queue since they last reached an agent.
    pub calls: u32,
    /// Callback attempts since the oldest of those calls (none answered, or the caller would
    /// not be listed).
    pub attempts: u32,
    /// The latest of those attempts: when, and what came of it.
    pub last_attempt: Option<(Millis, CallbackResult)>,
}

/// The callback list of one queue: its entries oldest first, and its unanswered calls
/// without a customer (which cannot be called back).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueList {
    pub entries: Vec<Entry>,
    pub without_number: u64,
}

/// What one customer's facts in one queue come to.
#[derive(Default)]
struct Customer {
    /// The latest time they reached an agent of the queue.
    reached: Option<Millis>,
    /// Their unanswered calls: end, wait, cause.
    unanswered: Vec<(Millis, Millis, Unanswered)>,
}

impl Callbacks {
    /// The list of the day starting at `day_start`, by queue id (queues with nothing pending
    /// and no unanswered call without a number are left out).
    pub fn list(&self, day_start: Millis) -> BTreeMap<u32, QueueList> {
        let mut customers: FxHashMap<(u32, &Id), Customer> = FxHashMap::default();
        let mut lists: BTreeMap<u32, QueueList> = BTreeMap::new();
        for f in self.calls.values() {
            let (Some(offer), Some(outcome)) = (&f.offer, f.outcome) else {
                continue;
            };
            let (Outcome::Answered(end) | Outcome::Unanswered(end, _)) = outcome;
            if end < day_start {
                continue;
            }
            let queue = match f.overflow {
                Some((t, q)) if t <= end => q,
                _ => offer.queue,
            };
            let Some(customer) = &offer.customer else {
                if matches!(outcome, Outcome::Unanswered(..)) {
                    lists.entry(queue).or_default().without_number += 1;
                }
                continue;
            };
            let c = customers.entry((queue, customer)).or_default();
            match outcome {
                Outcome::Answered(t) => c.reached = c.reached.max(Some(t)),
                Outcome::Unanswered(t, cause) => {
                    c.unanswered.push((t, t.saturating_sub(offer.at), cause))
                }
            }
        }
        for ((queue, customer), all) in &self.attempts {
            if let Some(c) = customers.get_mut(&(*queue, customer)) {
                let answered = all
                    .iter()
                    .filter(|a| a.result == CallbackResult::Answered && a.at >= day_start);
                c.reached = c.reached.max(answered.map(|a| a.at).max());
            }
        }
        for ((queue, customer), c) in customers {
            let reached = c.reached.unwrap_or(Millis::MIN);
            let pending = c.unanswered.iter().filter(|(end, ..)| *end > reached);
            let oldest = pending.clone().min_by_key(|(end, wait, _)| (*end, *wait));
            let Some(&(end, wait, cause)) = oldest else {
                continue;
            };
            let attempts: Vec<_> = self
                .attempts
                .get(&(queue, customer.clone()))
                .into_iter()
                .flatten()
                .filter(|a| a.at >= end && a.result != CallbackResult::Answered)
                .collect();
            lists.entry(queue).or_default().entries.push(Entry {
                customer: customer.clone(),
                abandoned_at: end,
                wait,
                cause: Cause::of(cause),
                calls: pending.count() as u32,
                attempts: attempts.len() as u32,
                last_attempt: attempts
                    .iter()
                    .max_by_key(|a| (a.at, a.digest))
                    .map(|a| (a.at, a.result)),
            });
        }
        for list in lists.values_mut() {
            list.entries
                .sort_by(|a, b| (a.abandoned_at, &a.customer).cmp(&(b.abandoned_at, &b.customer)));
        }
        lists
    }
}
