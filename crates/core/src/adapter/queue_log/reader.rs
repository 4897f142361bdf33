//! The queue_log reader: one checked line → the canonical events it means, with the state
//! that needs (callers' attempts, agents).

use super::agents::Agents;
use super::calls::{Callers, Entry, Phase};
use super::line::{Line, Verb};
use crate::event::{Body, Channel, Event, Id, Unanswered};
use crate::reject::RejectReason;
use crate::time::{Millis, SECOND};

/// Reads queue_log lines of one stream, in order (a rotated log: the older file first).
#[derive(Debug, Default)]
pub struct QueueLog {
    callers: Callers,
    agents: Agents,
}

impl QueueLog {
    pub fn new() -> Self {
        QueueLog::default()
    }

    /// Reads one line (without its line end), appending the events it means to `out`. A line
    /// that cannot be used is an `Err` with the reason, and appends nothing.
    pub fn read(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<(), RejectReason> {
        let line = Line::parse(bytes)?;
        for call in self.callers.tick(line.ts) {
            self.agents.forget_call(&call);
        }
        if line.verb.is_call() {
            self.call_line(&line, out);
        } else {
            self.other_line(&line, out);
        }
        Ok(())
    }

    /// Callids whose attempts the adapter holds now (bounded: each is forgotten
    /// [`super::FORGET_AFTER`] of the lines' clock after its last line; see `calls`).
    pub fn callids_held(&self) -> usize {
        self.callers.len()
    }

    fn call_line(&mut self, line: &Line, out: &mut Vec<Event>) {
        let ts = line.ts;
        let push = |out: &mut Vec<Event>, at: Millis, body: Body| {
            out.push(Event {
                ts: at,
                event_id: None,
                body,
            })
        };
        if line.verb == Verb::EnterQueue {
            let queue = Id::from(line.queue);
            match self.callers.enter(ts, line.call, line.queue) {
                Entry::New(call) => push(out, ts, offered(call, queue)),
                Entry::Overflow(call) => push(
                    out,
                    ts,
                    Body::Transferred {
                        call,
                        to_queue: Some(queue),
                    },
                ),
                Entry::AfterAnswer {
                    previous,
                    agent,
                    new,
                } => {
                    let previous_id = previous.clone();
                    push(
                        out,
                        ts,
                        Body::Ended {
                            call: previous,
                            resolved: None,
                        },
                    );
                    if let Some(agent) = agent {
                        self.agents.release(ts, &agent, &previous_id, out);
                    }
                    push(out, ts, offered(new, queue));
                }
            }
            return;
        }
        let attempt = self.callers.current(ts, line.call);
        let call = attempt.id.clone();
        let agent = Id::from(line.agent);
        // A ring cannot begin before the caller entered the queue it rings from.
        let entered = attempt.entered;
        let ring_start = |back: Millis| {
            let at = ts.saturating_sub(back);
            entered.map_or(at, |entered| at.max(entered.min(ts)))
        };
        let unanswered = match line.verb {
            Verb::Connect => {
                let ring = line.number(2).unwrap_or(0) as Millis;
                if ring > 0 {
                    let at = ring_start(ring.saturating_mul(SECOND));
                    let call = call.clone();
                    let agent = agent.clone();
                    push(out, at, Body::Ringing { call, agent });
                }
                push(
                    out,
                    ts,
                    Body::Answered {
                        call: call.clone(),
                        agent: agent.clone(),
                    },
                );
                attempt.phase = Phase::Answered;
                attempt.agent = Some(agent.clone());
                self.agents
                    .call_started(ts, line.agent, line.queue, &call, out);
                return;
            }
            Verb::RingNoAnswer | Verb::RingCanceled => {
                let at = ring_start(line.number(0).unwrap_or(0) as Millis);
                push(out, at, Body::Ringing { call, agent });
                return;
            }
            Verb::CompleteCaller
            | Verb::CompleteAgent
            | Verb::Transfer
            | Verb::BlindTransfer
            | Verb::AttendedTransfer => {
                if !matches!(line.verb, Verb::CompleteCaller | Verb::CompleteAgent) {
                    let call = call.clone();
                    push(
                        out,
                        ts,
                        Body::Transferred {
                            call,
                            to_queue: None,
                        },
                    );
                }
                push(
                    out,
                    ts,
                    Body::Ended {
                        call,
                        resolved: None,
                    },
                );
                attempt.phase = Phase::Done;
                self.agents.call_ended(ts, line.agent, line.queue, out);
                return;
            }
            Verb::Abandon => Unanswered::Caller,
            Verb::ExitWithKey => Unanswered::Key,
            Verb::ExitWithTimeout => Unanswered::Timeout,
            Verb::ExitEmpty => Unanswered::NoAgents,
            Verb::Withdraw => Unanswered::Withdrawn,
            Verb::SysCompat => Unanswered::Failed,
            other => unreachable!("{other:?} is not a call verb"),
        };
        attempt.phase = Phase::Done;
        push(
            out,
            ts,
            Body::Abandoned {
                call,
                cause: unanswered,
            },
        );
    }

    fn other_line(&mut self, line: &Line, out: &mut Vec<Event>) {
        let (ts, agent, queue) = (line.ts, line.agent, line.queue);
        let agents = &mut self.agents;
        match line.verb {
            Verb::AgentLogin => agents.login(ts, agent, out),
            Verb::AgentLogoff => agents.logoff(ts, agent, out),
            Verb::AddMember => agents.add_member(ts, agent, queue, out),
            Verb::RemoveMember => agents.remove_member(ts, agent, queue, out),
            Verb::Pause => agents.pause(ts, agent, queue, line.data(0).unwrap_or(""), out),
            Verb::Unpause => agents.unpause(ts, agent, queue, out),
            Verb::PauseAll => agents.pause(ts, agent, "", line.data(0).unwrap_or(""), out),
            Verb::UnpauseAll => agents.unpause(ts, agent, "", out),
            Verb::QueueStart => {
                // Asterisk restarted: the lines of calls still open will never come. Only the
                // attempts that were offered end; the others (a ring or an answer of a callid
                // never seen entering a queue) are forgotten without an event, which the
                // engine would reject as `no_offer`.
                for attempt in self.callers.close_open() {
                    let body = match attempt.phase {
                        Phase::Waiting => Body::Abandoned {
                            call: attempt.id,
                            cause: Unanswered::Failed,
                        },
                        _ => Body::Ended {
                            call: attempt.id,
                            resolved: None,
                        },
                    };
                    out.push(Event {
                        ts,
                        event_id: None,
                        body,
                    });
                }
                self.agents.end_all_calls(ts, out);
                out.push(status(ts, "QUEUESTART"));
            }
            Verb::ConfigReload => out.push(status(ts, "CONFIGRELOAD")),
            other => unreachable!("{other:?} is a call verb"),
        }
    }
}

fn offered(call: Id, queue: Id) -> Body {
    Body::Offered {
        call,
        queue,
        channel: Channel::Voice,
        priority: None,
        customer: None,
    }
}

fn status(ts: Millis, reason: &str) -> Event {
    Event {
        ts,
        event_id: None,
        body: Body::SystemStatus {
            component: Id::from("asterisk"),
            up: true,
            reason: Some(reason.to_string()),
        },
    }
}
