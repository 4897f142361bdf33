//! Reading the callback list: the facts joined per queue and customer (see [`super`]).
//!
//! [`Callbacks::derive`] joins every fact of the day: it is the definition of the list, and
//! the oracle the kept list is tested against. [`Callbacks::entry`] joins the facts of one
//! queue and customer, which is all one entry depends on: the kept list
//! ([`super::cache`]) calls it for the customers whose facts changed.

use super::{Attempt, CallFacts, Callbacks, Outcome};
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

impl Customer {
    /// Takes one of their calls that ended on the day or later.
    fn add(&mut self, offered: Millis, outcome: Outcome) {
        match outcome {
            Outcome::Answered(t) => self.reached = self.reached.max(Some(t)),
            Outcome::Unanswered(t, cause) => {
                self.unanswered.push((t, t.saturating_sub(offered), cause))
            }
        }
    }

    /// Takes their callback attempts in the queue: an answered one of the day is a reach.
    fn attempted(&mut self, all: &[Attempt], day_start: Millis) {
        let answered = all
            .iter()
            .filter(|a| a.result == CallbackResult::Answered && a.at >= day_start);
        self.reached = self.reached.max(answered.map(|a| a.at).max());
    }

    /// Their entry, if they are pending: an unanswered call ended after they last reached
    /// an agent. Of two oldest calls that ended at once and waited as long, the one of the
    /// lesser cause (in the order of [`Unanswered`]) is shown: the choice does not depend on
    /// the order the facts are kept in.
    fn entry(self, customer: &Id, attempts: Option<&Vec<Attempt>>) -> Option<Entry> {
        let reached = self.reached.unwrap_or(Millis::MIN);
        let pending = self.unanswered.iter().filter(|(end, ..)| *end > reached);
        let oldest = pending
            .clone()
            .min_by_key(|(end, wait, cause)| (*end, *wait, *cause as u8));
        let &(end, wait, cause) = oldest?;
        let attempts: Vec<_> = attempts
            .into_iter()
            .flatten()
            .filter(|a| a.at >= end && a.result != CallbackResult::Answered)
            .collect();
        Some(Entry {
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
        })
    }
}

/// Where a call counts, once its offer and outcome are known: in the queue after its last
/// overflow before its end, for its customer, or among the calls without a number when it
/// was unanswered (an answered call without a number counts nowhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot<'a> {
    Customer(u32, &'a Id),
    WithoutNumber(u32, Millis),
}

impl CallFacts {
    /// Where the call counts ([`Slot`]), whatever the day.
    pub(super) fn slot(&self) -> Option<Slot<'_>> {
        let (Some(offer), Some(outcome)) = (&self.offer, self.outcome) else {
            return None;
        };
        let end = outcome.end();
        let queue = match self.overflow {
            Some((t, q)) if t <= end => q,
            _ => offer.queue,
        };
        match &offer.customer {
            Some(customer) => Some(Slot::Customer(queue, customer)),
            None => matches!(outcome, Outcome::Unanswered(..))
                .then_some(Slot::WithoutNumber(queue, end)),
        }
    }
}

/// Entries oldest first (one per customer in a queue).
pub(super) fn order(e: &Entry) -> (Millis, &Id) {
    (e.abandoned_at, &e.customer)
}

impl Callbacks {
    /// The list of the day starting at `day_start`, by queue id (queues with nothing pending
    /// and no unanswered call without a number are left out), joined from every fact. What
    /// the engine reads is kept instead ([`Callbacks::list`]).
    pub fn derive(&self, day_start: Millis) -> BTreeMap<u32, QueueList> {
        let mut customers: FxHashMap<(u32, &Id), Customer> = FxHashMap::default();
        let mut lists: BTreeMap<u32, QueueList> = BTreeMap::new();
        for f in self.calls.values() {
            let (Some(offer), Some(outcome)) = (&f.offer, f.outcome) else {
                continue;
            };
            if outcome.end() < day_start {
                continue;
            }
            match f.slot() {
                Some(Slot::Customer(queue, customer)) => customers
                    .entry((queue, customer))
                    .or_default()
                    .add(offer.at, outcome),
                Some(Slot::WithoutNumber(queue, _)) => {
                    lists.entry(queue).or_default().without_number += 1
                }
                None => {}
            }
        }
        for ((queue, customer), all) in &self.attempts {
            if let Some(c) = customers.get_mut(&(*queue, customer)) {
                c.attempted(all, day_start);
            }
        }
        for ((queue, customer), c) in customers {
            let attempts = self.attempts.get(&(queue, customer.clone()));
            if let Some(entry) = c.entry(customer, attempts) {
                lists.entry(queue).or_default().entries.push(entry);
            }
        }
        for list in lists.values_mut() {
            list.entries.sort_by(|a, b| order(a).cmp(&order(b)));
        }
        lists
    }

    /// The entry of `customer` in `queue` on the day starting at `day_start`, if they are
    /// pending: `calls` are the ids of every call of theirs that counts there ([`Slot`]).
    pub(super) fn entry(
        &self,
        queue: u32,
        customer: &Id,
        calls: &[Id],
        day_start: Millis,
    ) -> Option<Entry> {
        let mut c = Customer::default();
        for f in calls.iter().filter_map(|id| self.calls.get(id)) {
            if let (Some(offer), Some(outcome)) = (&f.offer, f.outcome) {
                if outcome.end() >= day_start {
                    c.add(offer.at, outcome);
                }
            }
        }
        let attempts = self.attempts.get(&(queue, customer.clone()));
        c.attempted(attempts.map_or(&[][..], Vec::as_slice), day_start);
        c.entry(customer, attempts)
    }
}
