//! What happens in the simulated center after a caller leaves a queue unanswered: some call
//! again, and a dialer calls others back (`call.callback`), so the demo's callback list moves
//! as a real one does (see `docs/src/supervisor/callbacks.md`).
//!
//! ```text
//!  caller hangs up ──┬─ 1 in 4: calls the same queue again, 1 to 5 minutes later
//!  (call.abandoned)  │          (a new call: answered, it takes them off the list)
//!                    └─ 7 in 10 of those not already waiting for one: a call back 3 to 10
//!                       minutes later, unless they reached an agent of the queue since
//!                         answered 55 %  → off the list
//!                         no_answer 35 %, busy 10 % → an attempt; tried again 10 to 20
//!                         minutes later, at most 3 attempts in all
//! ```
//!
//! The dialer follows the rule of the list: it calls only a caller who is on it at that
//! instant, for the queue they left, on the day they left it (at the center's midnight the list
//! starts empty, and so does the dialer's). A simulated callback takes no agent's time (the
//! dialer's agents are not simulated) and names none (`agent_id` is optional), so it changes
//! no KPI, as `call.callback` changes none in the engine.

use super::{customer_id, Action, Simulator};
use crate::event::{Body, CallbackResult, Id};
use crate::time::{Millis, HOUR, MINUTE, SECOND};

/// The most calls back to one caller for one unanswered call.
pub const MAX_ATTEMPTS: u32 = 3;

/// A caller on the simulated dialer's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Listed {
    /// The center's local day they were put on it.
    day: i64,
    /// When: the calls back planned then carry it, so a caller taken off the list and put
    /// on it again is not called by the plan of the first time.
    since: Millis,
}

impl Simulator {
    /// The center's local day of `t`, as a day number.
    fn local_day(&self, t: Millis) -> i64 {
        (t + self.cfg.utc_offset).div_euclid(24 * HOUR)
    }

    /// `customer` just hung up waiting in `queue`: they may call again, and the dialer may
    /// call them back.
    pub(super) fn left_unanswered(&mut self, queue: usize, customer: u32) {
        let now = self.now;
        if self.rng.below(4) == 0 {
            let again = now + MINUTE + self.rng.below(4 * 60) as Millis * SECOND;
            self.schedule(again, Action::Redial { queue, customer });
        }
        let day = self.local_day(now);
        let key = (queue, customer);
        if self.to_call_back.get(&key).is_some_and(|l| l.day == day) {
            return; // on the list already: its calls back go on as planned
        }
        let listed = Listed { day, since: now };
        self.to_call_back.insert(key, listed);
        if self.rng.below(10) < 7 {
            let at = now + 3 * MINUTE + self.rng.below(7 * 60) as Millis * SECOND;
            let callback = Action::Callback {
                queue,
                customer,
                listed: now,
                attempt: 1,
            };
            self.schedule(at, callback);
        }
    }

    /// `customer` reached an agent of `queue`: off the list.
    pub(super) fn reached(&mut self, queue: usize, customer: u32) {
        self.to_call_back.remove(&(queue, customer));
    }

    /// The dialer's `attempt`-th call back to `customer` for `queue`, planned when they were
    /// put on the list at `listed`, if they are still on today's list since then.
    pub(super) fn call_back(&mut self, queue: usize, customer: u32, listed: Millis, attempt: u32) {
        let now = self.now;
        match self.to_call_back.get(&(queue, customer)) {
            Some(l) if l.since == listed && l.day == self.local_day(now) => {}
            Some(l) if l.since == listed => {
                // Left yesterday: the list started empty at midnight.
                self.to_call_back.remove(&(queue, customer));
                return;
            }
            // Reached an agent since (and perhaps listed again, with calls back of its own).
            _ => return,
        }
        let result = match self.rng.below(100) {
            0..=54 => CallbackResult::Answered,
            55..=89 => CallbackResult::NoAnswer,
            _ => CallbackResult::Busy,
        };
        self.emit(Body::Callback {
            queue: Id::new(self.cfg.queues[queue].name),
            customer: customer_id(customer),
            result,
            agent: None,
            call: None,
        });
        if result == CallbackResult::Answered {
            self.reached(queue, customer);
        } else if attempt < MAX_ATTEMPTS {
            let at = now + 10 * MINUTE + self.rng.below(10 * 60) as Millis * SECOND;
            let again = Action::Callback {
                queue,
                customer,
                listed,
                attempt: attempt + 1,
            };
            self.schedule(at, again);
        }
    }
}
