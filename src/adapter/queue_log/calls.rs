//! Callers' attempts: each Asterisk callid's stays in queues, mapped to canonical calls.
//!
//! A caller keeps its callid (the channel's uniqueid) for as long as it is connected, and may
//! be queued several times under it (a timeout that sends it to another queue, a transfer back
//! into a queue). Each *attempt* is one canonical call: the first is `<callid>`, the next ones
//! `<callid>#2`, `<callid>#3`, … An `ENTERQUEUE` while the current attempt is still waiting
//! (its exit line missing) is not a new attempt but an overflow of that one.
//!
//! Memory: one entry per callid, forgotten [`FORGET_AFTER`] (12 h) of event time after its
//! last line, whatever became of it; the engine evicts a call silent for 12 h too. Lines
//! older than the newest one do not move that clock.

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
    now: Millis,
    last_sweep: Millis,
}

impl Callers {
    /// Moves the clock to `ts` (if later) and, every [`SWEEP_EVERY`], forgets the callids
    /// silent for [`FORGET_AFTER`]. Returns the ids of forgotten attempts that were answered
    /// (their agents are no longer on them).
    pub fn tick(&mut self, ts: Millis) -> Vec<Id> {
        self.now = self.now.max(ts);
        if self.now - self.last_sweep < SWEEP_EVERY {
            return Vec::new();
        }
        self.last_sweep = self.now;
        let horizon = self.now - FORGET_AFTER;
        let mut freed = Vec::new();
        self.callers.retain(|_, c| {
            let keep = c.last_line > horizon;
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
                    phase: Phase::Waiting,
                    agent: None,
                },
                last_line: ts,
            });
        caller.last_line = caller.last_line.max(ts);
        &mut caller.attempt
    }

    /// A restart: every attempt still waiting or answered is over. Returns them (before the
    /// change), in id order.
    pub fn close_open(&mut self) -> Vec<Attempt> {
        let mut open: Vec<Attempt> = self
            .callers
            .values_mut()
            .filter(|c| c.attempt.phase != Phase::Done)
            .map(|c| {
                let before = c.attempt.clone();
                c.attempt.phase = Phase::Done;
                before
            })
            .collect();
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
}
