//! Callers' attempts: each Asterisk callid's stays in queues, mapped to canonical calls.
//!
//! A caller keeps its callid (the channel's uniqueid) for as long as it is connected, and may
//! be queued several times under it (a timeout that sends it to another queue, a transfer back
//! into a queue). Each *attempt* is one canonical call: the first is `<callid>`, the next ones
//! `<callid>#2`, `<callid>#3`, … An `ENTERQUEUE` while the current attempt is still waiting
//! (its exit line missing) is not a new attempt but an overflow of that one.
//!
//! Memory: one entry per callid, forgotten [`FORGET_AFTER`] (12 h) of event time after its
//! last line, whatever became of it; the engine evicts a call silent for 12 h too. The sweep
//! runs on the clock of the line being read, not on the latest time ever read, so one line
//! with a wild epoch cannot stop it. A line more than 12 h ahead (a clock jump, a corrupt
//! epoch that is still before 2100) sweeps at its own time and so forgets every callid the
//! adapter holds (a line beyond the engine's `max_time_jump` is rejected there as
//! `bad_timestamp` anyway); when the next lines come back to the real time, sweeping goes on
//! from there. A callid whose last line lies more than [`FORGET_AFTER`] ahead of the line
//! being read (touched only by such an outlier) is forgotten too.

use crate::event::Id;
use crate::time::{Millis, HOUR, MINUTE};
use rustc_hash::FxHashMap;

/// How long after its last line a callid is forgotten.
pub const FORGET_AFTER: Millis = 12 * HOUR;

/// How often (in event time) forgotten callids are swept out.
const SWEEP_EVERY: Millis = 10 * MINUTE;

/// Where the current attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// In a queue, unanswered.
    Waiting,
    /// An agent answered; the conversation goes on.
    Answered,
    /// Exited, ended or transferred: a new `ENTERQUEUE` is a new attempt.
    Done,
}

/// One attempt of a caller: a canonical call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The canonical call id: `<callid>` or `<callid>#<n>`.
    pub id: Id,
    pub number: u32,
    /// The queue it is in, and since when (`None`: its `ENTERQUEUE` was never read).
    pub queue: Option<Id>,
    pub entered: Option<Millis>,
    /// Its `call.offered` was emitted: it began with an `ENTERQUEUE` read. (An attempt first
    /// seen by another line stays unoffered even if an `ENTERQUEUE` follows: that one is an
    /// overflow.)
    pub offered: bool,
    pub phase: Phase,
    /// The agent who answered it.
    pub agent: Option<Id>,
}

/// What an `ENTERQUEUE` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A new attempt (the first, or one after the previous ended): `call.offered`.
    New(Id),
    /// The current attempt moved to another queue while still waiting: `call.transferred`
    /// with `to_queue`. (Entering the queue it waits in again says nothing new; the engine
    /// takes that overflow for a duplicate.)
    Overflow(Id),
    /// A new attempt while the previous one was answered and its end line is missing: that
    /// conversation ended now (`call.ended`, its agent freed), then the new attempt.
    AfterAnswer {
        previous: Id,
        agent: Option<Id>,
        new: Id,
    },
}

#[derive(Debug, Clone)]
struct Caller {
    attempt: Attempt,
    last_line: Millis,
}

/// Every callid seen in the last [`FORGET_AFTER`].
#[derive(Debug, Clone, Default)]
pub struct Callers {
    callers: FxHashMap<Id, Caller>,
    /// The time of the line that last swept (or that went back before it).
    last_sweep: Millis,
}

impl Callers {
    /// The line at `ts` is read: every [`SWEEP_EVERY`] of the lines' clock, forgets the
    /// callids whose last line is more than [`FORGET_AFTER`] away from `ts`. The clock is the
    /// current line's, not the latest ever read: a line before the last sweep (the clock went
    /// back, say after an outlier far ahead) restarts the count from `ts`. Returns the ids of
    /// forgotten attempts that were answered (their agents are no longer on them).
    pub fn tick(&mut self, ts: Millis) -> Vec<Id> {
        if ts < self.last_sweep {
            self.last_sweep = ts;
            return Vec::new();
        }
        if ts - self.last_sweep < SWEEP_EVERY {
            return Vec::new();
        }
        self.last_sweep = ts;
        let (horizon, ahead) = (ts - FORGET_AFTER, ts + FORGET_AFTER);
        let mut freed = Vec::new();
        self.callers.retain(|_, c| {
            let keep = c.last_line > horizon && c.last_line < ahead;
            if !keep && c.attempt.phase == Phase::Answered {
                freed.push(c.attempt.id.clone());
            }
            keep
        });
        freed
    }

    /// An `ENTERQUEUE` of `call` into `queue` at `ts`.
    pub fn enter(&mut self, ts: Millis, call: &str, queue: &str) -> Entry {
        let Some(caller) = self.callers.get_mut(call) else {
            let id = Id::from(call);
            self.callers.insert(
                id.clone(),
                Caller {
                    attempt: Attempt {
                        id: id.clone(),
                        number: 1,
                        queue: Some(Id::from(queue)),
                        entered: Some(ts),
                        offered: true,
                        phase: Phase::Waiting,
                        agent: None,
                    },
                    last_line: ts,
                },
            );
            return Entry::New(id);
        };
        caller.last_line = caller.last_line.max(ts);
        let a = &mut caller.attempt;
        if a.phase == Phase::Waiting {
            if a.queue.as_deref() != Some(queue) {
                a.queue = Some(Id::from(queue));
                a.entered = Some(ts);
            }
            return Entry::Overflow(a.id.clone());
        }
        let previous = std::mem::replace(
            a,
            Attempt {
                id: compact_str::format_compact!("{call}#{}", a.number + 1),
                number: a.number + 1,
                queue: Some(Id::from(queue)),
                entered: Some(ts),
                offered: true,
                phase: Phase::Waiting,
                agent: None,
            },
        );
        let new = a.id.clone();
        match previous.phase {
            Phase::Answered => Entry::AfterAnswer {
                previous: previous.id,
                agent: previous.agent,
                new,
            },
            _ => Entry::New(new),
        }
    }

    /// The current attempt of `call`, for any line but `ENTERQUEUE`. A callid never seen
    /// (its `ENTERQUEUE` lies before the input, or was lost) gets attempt `<callid>`, waiting,
    /// with no known entry: its events go to the engine as they are, which rejects them as
    /// `no_offer`.
    pub fn current(&mut self, ts: Millis, call: &str) -> &mut Attempt {
        let caller = self
            .callers
            .entry(Id::from(call))
            .or_insert_with(|| Caller {
                attempt: Attempt {
                    id: Id::from(call),
                    number: 1,
                    queue: None,
                    entered: None,
                    offered: false,
                    phase: Phase::Waiting,
                    agent: None,
                },
                last_line: ts,
            });
        caller.last_line = caller.last_line.max(ts);
        &mut caller.attempt
    }

    /// A restart: every attempt still waiting or answered is over. Returns those that entered
    /// a queue (their `call.offered` was emitted), before the change, in id order. An open
    /// attempt whose `ENTERQUEUE` was never read (a ring or an answer of a callid that
    /// entered before the input) is forgotten silently: the engine never had its offer, so
    /// ending it would only be rejected as `no_offer`.
    pub fn close_open(&mut self) -> Vec<Attempt> {
        let mut open = Vec::new();
        self.callers.retain(|_, c| {
            if c.attempt.phase == Phase::Done {
                return true;
            }
            if !c.attempt.offered {
                return false;
            }
            open.push(c.attempt.clone());
            c.attempt.phase = Phase::Done;
            true
        });
        open.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        open
    }

    /// Callids held.
    pub fn len(&self) -> usize {
        self.callers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_numbered_after_the_first() {
        let mut c = Callers::default();
        assert_eq!(c.enter(0, "u1", "q"), Entry::New(Id::from("u1")));
        c.current(5, "u1").phase = Phase::Done;
        assert_eq!(c.enter(6, "u1", "q"), Entry::New(Id::from("u1#2")));
        c.current(9, "u1").phase = Phase::Done;
        assert_eq!(c.enter(10, "u1", "q"), Entry::New(Id::from("u1#3")));
        assert_eq!(c.current(10, "u1").entered, Some(10));
    }

    #[test]
    fn an_entry_while_waiting_is_an_overflow_and_while_answered_ends_the_conversation() {
        let mut c = Callers::default();
        c.enter(0, "u1", "q");
        assert_eq!(c.enter(30, "u1", "q2"), Entry::Overflow(Id::from("u1")));
        assert_eq!(c.current(30, "u1").entered, Some(30));
        let a = c.current(40, "u1");
        a.phase = Phase::Answered;
        a.agent = Some(Id::from("bob"));
        assert_eq!(
            c.enter(100, "u1", "q"),
            Entry::AfterAnswer {
                previous: Id::from("u1"),
                agent: Some(Id::from("bob")),
                new: Id::from("u1#2"),
            }
        );
    }

    #[test]
    fn entering_the_queue_it_waits_in_again_keeps_the_time_it_entered() {
        let mut c = Callers::default();
        c.enter(0, "u1", "q");
        assert_eq!(c.enter(30, "u1", "q"), Entry::Overflow(Id::from("u1")));
        assert_eq!(c.current(30, "u1").entered, Some(0));
        c.enter(40, "u1", "q2");
        let a = c.current(40, "u1");
        assert_eq!((a.queue.as_deref(), a.entered), (Some("q2"), Some(40)));
    }

    #[test]
    fn callids_are_forgotten_12_hours_after_their_last_line() {
        let mut c = Callers::default();
        c.enter(0, "done", "q");
        c.current(60_000, "done").phase = Phase::Done;
        c.enter(0, "talking", "q");
        c.current(1_000, "talking").phase = Phase::Answered;
        assert!(c.tick(FORGET_AFTER).is_empty(), "not yet 12 h after 60 s");
        assert_eq!(c.len(), 2);
        assert_eq!(
            c.tick(FORGET_AFTER + SWEEP_EVERY),
            vec![Id::from("talking")]
        );
        assert_eq!(c.len(), 0);
        // Forgotten, a callid starts over at its first attempt.
        assert_eq!(
            c.enter(FORGET_AFTER + SWEEP_EVERY, "done", "q"),
            Entry::New(Id::from("done"))
        );
    }

    #[test]
    fn after_a_line_far_ahead_sweeping_goes_on_at_the_clock_of_the_lines_that_follow() {
        let mut c = Callers::default();
        c.enter(0, "before", "q");
        // A line far ahead sweeps at its own time: what was held is forgotten.
        let far = 1_000 * FORGET_AFTER;
        assert!(c.tick(far).is_empty());
        assert_eq!(c.len(), 0);
        c.enter(far, "far", "q");
        // The clock goes back: the sweep count restarts there, not at the outlier.
        assert!(c.tick(0).is_empty());
        c.enter(0, "u1", "q");
        let a = c.current(0, "u1");
        a.phase = Phase::Answered;
        assert!(c.tick(SWEEP_EVERY - 1).is_empty(), "not yet a sweep");
        assert_eq!(c.len(), 2);
        // u1 is 12 h silent; "far", seen only 1,000 × 12 h ahead, is forgotten as well.
        assert_eq!(c.tick(FORGET_AFTER + SWEEP_EVERY), vec![Id::from("u1")]);
        assert_eq!(c.len(), 0);
    }
}
