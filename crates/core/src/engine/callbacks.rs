//! The callback list: today's callers who left a queue unanswered (abandoned, timed out, or
//! asked the ACD to call them back) and have not reached an agent of that queue since.
//!
//! The list is live: it follows each event as it is read, before the watermark passes it.
//! It can, because it is kept as *facts* that do not depend on the order they arrive in, and
//! that are the same however often they are taken:
//!
//! ```text
//!  per call id   offer     (queue, customer, instant)      the earliest one
//!                overflow  (instant, queue)                the latest one
//!                outcome   answered | unanswered (cause)   answered wins, then the earliest
//!  per queue and customer
//!                attempts  `call.callback` (instant, result), a set by event digest
//! ```
//!
//! The engine takes an event's facts when it enters the reorder buffer (the live service) and
//! again when the watermark applies it: the second time changes nothing. So any arrival
//! order within the lateness gives the same list, at every instant, as the events read so far
//! in event-time order. (An event the engine rejects when it is applied, for contradicting
//! its call's history, keeps what it said: an answer wins over an unanswered exit, so a
//! caller is never listed by a contradicted abandon after an answer.)
//!
//! [`Callbacks::derive`] joins the facts: a call's customer and queue come from its
//! offer (the queue after its last overflow), its outcome from its answer or unanswered exit.
//! A customer is *pending* in a queue when one of their unanswered calls of today ended after
//! the latest time they reached an agent there: a later call of theirs answered in that queue,
//! or a callback `answered`. The entry shows the oldest such call (its end and its wait from
//! the first offer), how many there are, and the callback attempts since (`no_answer`,
//! `busy`, `failed`). Unanswered calls without a `customer` cannot be called back: they are
//! counted per queue (`without_number`), not listed.
//!
//! "Today" is the center's calendar day at the stream's time. Facts of earlier days are
//! forgotten by the engine's sweep (an offer is kept a call timeout longer, for a call that
//! waits across midnight). At most [`CAPACITY`] facts are kept; one more is not kept and is
//! counted ([`Callbacks::untracked`]), never dropped in silence.
//!
//! A checkpoint carries the facts after the engine's state (see [`super::snapshot`]).
//!
//! The list is read often and changes a little at a time: [`Callbacks::list`] keeps it
//! between reads and joins again only the customers whose facts changed ([`cache`]).

mod cache;
mod list;
#[cfg(test)]
mod tests;

use cache::Cache;
pub use cache::{Joins, Lists};
pub use list::{Cause, Entry, QueueList};

use super::scope::Names;
use crate::codec::decode::INSTANTS;
use crate::event::{Body, CallbackResult, CompletedOutcome, Event, Id, Unanswered};
use crate::time::Millis;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The most facts (calls and callback attempts) kept at once: a day of a large center. One
/// more is counted in [`Callbacks::untracked`] and not kept.
pub const CAPACITY: usize = 200_000;

/// What the list knows of one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct CallFacts {
    offer: Option<Offer>,
    overflow: Option<(Millis, u32)>,
    outcome: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Offer {
    at: Millis,
    queue: u32,
    customer: Option<Id>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Outcome {
    Answered(Millis),
    Unanswered(Millis, Unanswered),
}

impl Outcome {
    /// When the call ended (or reached an agent).
    fn end(self) -> Millis {
        let (Outcome::Answered(t) | Outcome::Unanswered(t, _)) = self;
        t
    }
}

/// One `call.callback`: when, what came of it, and its digest (its identity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Attempt {
    at: Millis,
    result: CallbackResult,
    digest: u64,
}

/// The facts behind the callback list. See the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Callbacks {
    calls: FxHashMap<Id, CallFacts>,
    attempts: FxHashMap<(u32, Id), Vec<Attempt>>,
    /// Facts kept now: calls and attempts.
    facts: usize,
    /// Facts not kept for want of room (counted when the watermark applied their event).
    untracked: u64,
    /// The most facts kept: [`CAPACITY`] (less in tests).
    #[serde(skip, default = "capacity")]
    capacity: usize,
    /// The list kept between reads: not state (see [`cache`]).
    #[serde(skip)]
    cache: Cache,
}

fn capacity() -> usize {
    CAPACITY
}

impl Default for Callbacks {
    fn default() -> Self {
        Callbacks {
            calls: FxHashMap::default(),
            attempts: FxHashMap::default(),
            facts: 0,
            untracked: 0,
            capacity: CAPACITY,
            cache: Cache::default(),
        }
    }
}

impl Callbacks {
    /// Takes the facts of `event` (of digest `digest`): a call event's offer, overflow or
    /// outcome, a callback attempt. `applied`: the watermark applies it (a fact with no room
    /// is counted then, once).
    pub fn observe(&mut self, event: &Event, digest: u64, names: &Names, applied: bool) {
        let queue = |name: &Id| names.queues.get(name);
        let ts = event.ts;
        match &event.body {
            Body::Offered {
                call,
                queue: q,
                customer,
                ..
            } => {
                if let Some(queue) = queue(q) {
                    let offer = Offer {
                        at: ts,
                        queue,
                        customer: customer.clone(),
                    };
                    self.call(call, applied, |f| f.offer = earliest(f.offer.take(), offer));
                }
            }
            Body::Completed(c) => {
                if let Some(queue) = queue(&c.queue) {
                    let offer = Offer {
                        at: c.offered_at,
                        queue,
                        customer: c.customer.clone(),
                    };
                    let outcome = match c.outcome {
                        CompletedOutcome::Answered(t) => Outcome::Answered(t),
                        CompletedOutcome::Abandoned(t) => {
                            Outcome::Unanswered(t, Unanswered::Caller)
                        }
                    };
                    self.call(&c.call, applied, |f| {
                        f.offer = earliest(f.offer.take(), offer);
                        f.outcome = Some(decided(f.outcome, outcome));
                    });
                }
            }
            Body::Answered { call, .. } => {
                let outcome = Outcome::Answered(ts);
                self.call(call, applied, |f| {
                    f.outcome = Some(decided(f.outcome, outcome))
                });
            }
            Body::Abandoned { call, cause } => {
                let outcome = Outcome::Unanswered(ts, *cause);
                self.call(call, applied, |f| {
                    f.outcome = Some(decided(f.outcome, outcome))
                });
            }
            Body::Transferred {
                call,
                to_queue: Some(to),
            } => {
                if let Some(to) = queue(to) {
                    self.call(call, applied, |f| {
                        f.overflow = f.overflow.max(Some((ts, to)))
                    });
                }
            }
            Body::Callback {
                queue: q,
                customer,
                result,
                ..
            } => {
                if let Some(queue) = queue(q) {
                    let attempt = Attempt {
                        at: ts,
                        result: *result,
                        digest,
                    };
                    self.attempt(queue, customer, attempt, applied);
                }
            }
            _ => {}
        }
    }

    fn call(&mut self, id: &Id, applied: bool, f: impl FnOnce(&mut CallFacts)) {
        if let Some(facts) = self.calls.get_mut(id) {
            let Some(kept) = self.cache.kept() else {
                return f(facts);
            };
            let before = facts.clone();
            f(facts);
            if *facts != before {
                kept.leave(id, &before);
                kept.join(id, facts);
            }
            return;
        }
        if !self.room(applied) {
            return;
        }
        let mut facts = CallFacts::default();
        f(&mut facts);
        if let Some(kept) = self.cache.kept() {
            kept.join(id, &facts);
        }
        self.calls.insert(id.clone(), facts);
        self.facts += 1;
    }

    fn attempt(&mut self, queue: u32, customer: &Id, attempt: Attempt, applied: bool) {
        let key = (queue, customer.clone());
        let known = self.attempts.get(&key);
        if known.is_some_and(|all| all.contains(&attempt)) || !self.room(applied) {
            return;
        }
        if let Some(kept) = self.cache.kept() {
            kept.attempted(queue, customer);
        }
        self.attempts.entry(key).or_default().push(attempt);
        self.facts += 1;
    }

    /// Whether one more fact fits; counts the one that does not when it is being applied.
    fn room(&mut self, applied: bool) -> bool {
        let room = self.facts < self.capacity;
        if !room && applied {
            self.untracked += 1;
        }
        room
    }

    /// Facts not kept for want of room since the list began (the checkpoint carries it).
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// Facts kept now.
    pub fn facts(&self) -> usize {
        self.facts
    }

    /// About the bytes held: the facts, and the list kept between reads ([`cache`]).
    pub fn bytes(&self) -> usize {
        self.facts * 128 + self.cache.bytes(self.facts)
    }

    /// Forgets what no list of the day starting at `day_start` (or later) shows: outcomes and
    /// attempts before it, and offers without an outcome more than `call_timeout` before it.
    pub fn expire(&mut self, day_start: Millis, call_timeout: Millis) {
        let offers_from = day_start.saturating_sub(call_timeout);
        let mut kept = self.cache.kept();
        self.calls.retain(|id, f| {
            let keep = match (f.outcome, &f.offer) {
                (Some(outcome), _) => outcome.end() >= day_start,
                (None, Some(offer)) => offer.at >= offers_from,
                (None, None) => f.overflow.is_some_and(|(t, _)| t >= offers_from),
            };
            if let (false, Some(kept)) = (keep, kept.as_mut()) {
                kept.leave(id, f);
            }
            keep
        });
        self.attempts.retain(|(queue, customer), all| {
            let before = all.len();
            all.retain(|a| a.at >= day_start);
            if let (true, Some(kept)) = (all.len() != before, kept.as_mut()) {
                kept.attempted(*queue, customer);
            }
            !all.is_empty()
        });
        self.facts = self.calls.len() + self.attempts.values().map(Vec::len).sum::<usize>();
    }

    /// Whether every queue is one of `names` and every instant one the decoder gives (a
    /// restored checkpoint).
    pub fn check(&self, names: &Names) -> Result<(), String> {
        let instant = |t: Millis| {
            INSTANTS
                .contains(&t)
                .then_some(())
                .ok_or_else(|| format!("a callback fact at {t} out of range"))
        };
        for f in self.calls.values() {
            if let Some(o) = &f.offer {
                names.check_queue(o.queue)?;
                instant(o.at)?;
            }
            if let Some((t, q)) = f.overflow {
                names.check_queue(q)?;
                instant(t)?;
            }
            if let Some(outcome) = f.outcome {
                instant(outcome.end())?;
            }
        }
        for ((q, _), all) in &self.attempts {
            names.check_queue(*q)?;
            all.iter().try_for_each(|a| instant(a.at))?;
        }
        let facts = self.calls.len() + self.attempts.values().map(Vec::len).sum::<usize>();
        if facts != self.facts {
            return Err(format!("{} callback facts counted as {facts}", self.facts));
        }
        Ok(())
    }
}

/// The earlier of two offers of a call (the first offer is the call's; another one is a
/// contradiction the engine rejects).
fn earliest(known: Option<Offer>, new: Offer) -> Option<Offer> {
    let rank = |o: &Offer| (o.at, o.queue, o.customer.clone());
    Some(match known {
        Some(k) if rank(&k) <= rank(&new) => k,
        _ => new,
    })
}

/// A call's outcome from two reports of it: an answer wins over an unanswered exit (a caller
/// who reached an agent is never to be called back), then the earlier.
fn decided(known: Option<Outcome>, new: Outcome) -> Outcome {
    let rank = |o: Outcome| match o {
        Outcome::Answered(t) => (0, t, 0),
        Outcome::Unanswered(t, cause) => (1, t, cause as u8),
    };
    match known {
        Some(k) if rank(k) <= rank(new) => k,
        _ => new,
    }
}
