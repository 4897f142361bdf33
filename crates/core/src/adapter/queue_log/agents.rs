//! Agents as queue_log tells of them: the queues each is a member of, where it is paused,
//! whether it is logged in and on a call. queue_log writes these facts one at a time (a
//! `PAUSE` names one queue, an `ADDMEMBER` one more queue), while `agent.state` states the
//! whole: so the adapter keeps each agent's facts and every `agent.state` it emits carries
//! the agent's full queue list.
//!
//! An agent has one state in callpulse, over all its queues:
//! `logged_out` unless logged in; else `on_call` while on a call; else `not_ready` while paused
//! in any of its queues; else `available`. So a `PAUSE` during a call keeps the agent
//! `on_call` until the call ends, then `not_ready`. A line that shows the agent at work — a
//! `PAUSE` or `UNPAUSE`, a `CONNECT`, `COMPLETE…` or transfer — shows it logged in, and the
//! queue such a line names is one of its queues (static members of `queues.conf` never log
//! an `ADDMEMBER`).
//!
//! A `PAUSE` line's first data field is its reason (`1700000000|NONE|support|PJSIP/alice|PAUSE|lunch`):
//! the newest pause's reason rides on every `agent.state` `not_ready` as `reason`, cut to
//! [`MAX_REASON_BYTES`] (queue_log reasons are free text; an id longer than the engine's
//! `limits.max_name_bytes` would reject the whole state change).
//!
//! Memory: one entry per agent ever named (a center's staff), never expired.

use crate::event::{AgentState, Body, Event, Id};
use crate::time::Millis;
use rustc_hash::FxHashMap;

#[derive(Debug, Clone, Default)]
struct Agent {
    /// Queues the agent is a member of, in the order they became known.
    queues: Vec<Id>,
    /// Queues in which the member is paused.
    paused_in: Vec<Id>,
    /// Paused in every queue (`PAUSEALL`, or `PAUSE` with queue `NONE`).
    paused_all: bool,
    logged_in: bool,
    /// The canonical id of the call the agent is on.
    on_call: Option<Id>,
    /// The newest `PAUSE`'s reason, while paused.
    pause_reason: Option<Id>,
}

/// The longest pause reason carried, in bytes (cut at a character boundary).
pub const MAX_REASON_BYTES: usize = 64;

/// `text` cut to at most [`MAX_REASON_BYTES`] at a character boundary; `None` when empty.
fn reason_of(text: &str) -> Option<Id> {
    let mut end = text.len().min(MAX_REASON_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(Id::from(&text[..end])).filter(|r| !r.is_empty())
}

impl Agent {
    fn state(&self) -> AgentState {
        if !self.logged_in {
            AgentState::LoggedOut
        } else if self.on_call.is_some() {
            AgentState::OnCall
        } else if self.paused_all || !self.paused_in.is_empty() {
            AgentState::NotReady
        } else {
            AgentState::Available
        }
    }

    /// A queue the agent evidently belongs to (it paused or took a call there).
    fn learn(&mut self, queue: &str) {
        if !queue.is_empty() && !self.queues.iter().any(|q| q == queue) {
            self.queues.push(Id::from(queue));
        }
    }

    fn unpause_everywhere(&mut self) {
        self.paused_all = false;
        self.paused_in.clear();
        self.pause_reason = None;
    }
}

/// Every agent named so far, by its queue_log name (`PJSIP/alice`, `Agent/1001`, …).
#[derive(Debug, Clone, Default)]
pub struct Agents {
    agents: FxHashMap<Id, Agent>,
}

impl Agents {
    fn agent(&mut self, name: &str) -> &mut Agent {
        self.agents.entry(Id::from(name)).or_default()
    }

    /// Appends the agent's current state with its full queue list.
    fn emit(&mut self, ts: Millis, name: &str, out: &mut Vec<Event>) {
        let agent = self.agent(name);
        if !agent.paused_all && agent.paused_in.is_empty() {
            agent.pause_reason = None;
        }
        let state = agent.state();
        out.push(Event {
            ts,
            event_id: None,
            body: Body::AgentState {
                agent: Id::from(name),
                state,
                queues: agent.queues.clone(),
                reason: match state {
                    AgentState::NotReady => agent.pause_reason.clone(),
                    _ => None,
                },
            },
        });
    }

    /// `AGENTLOGIN`: logged in, not paused, in the queues known for it.
    pub fn login(&mut self, ts: Millis, name: &str, out: &mut Vec<Event>) {
        let agent = self.agent(name);
        agent.logged_in = true;
        agent.on_call = None;
        agent.unpause_everywhere();
        self.emit(ts, name, out);
    }

    /// `AGENTLOGOFF`: logged out; its queues are remembered for the next login.
    pub fn logoff(&mut self, ts: Millis, name: &str, out: &mut Vec<Event>) {
        let agent = self.agent(name);
        agent.logged_in = false;
        agent.on_call = None;
        agent.unpause_everywhere();
        self.emit(ts, name, out);
    }

    /// `ADDMEMBER`: one more queue; an agent that was logged out is now available.
    pub fn add_member(&mut self, ts: Millis, name: &str, queue: &str, out: &mut Vec<Event>) {
        let agent = self.agent(name);
        if !agent.logged_in {
            agent.logged_in = true;
            agent.on_call = None;
            agent.unpause_everywhere();
        }
        agent.learn(queue);
        self.emit(ts, name, out);
    }

    /// `REMOVEMEMBER`: one queue less; with none left, the agent is logged out.
    pub fn remove_member(&mut self, ts: Millis, name: &str, queue: &str, out: &mut Vec<Event>) {
        let agent = self.agent(name);
        agent.queues.retain(|q| q != queue);
        agent.paused_in.retain(|q| q != queue);
        if agent.queues.is_empty() {
            agent.logged_in = false;
            agent.on_call = None;
            agent.unpause_everywhere();
        }
        self.emit(ts, name, out);
    }

    /// `PAUSE` in `queue`, or in every queue when `queue` is empty (`NONE`, `PAUSEALL`), for
    /// `reason` (empty: none given).
    pub fn pause(
        &mut self,
        ts: Millis,
        name: &str,
        queue: &str,
        reason: &str,
        out: &mut Vec<Event>,
    ) {
        let agent = self.agent(name);
        agent.logged_in = true;
        agent.pause_reason = reason_of(reason);
        if queue.is_empty() {
            agent.paused_all = true;
        } else {
            agent.learn(queue);
            if !agent.paused_in.iter().any(|q| q == queue) {
                agent.paused_in.push(Id::from(queue));
            }
        }
        self.emit(ts, name, out);
    }

    /// `UNPAUSE` in `queue`, or in every queue when `queue` is empty (`NONE`, `UNPAUSEALL`).
    /// Unpausing one queue after a pause of all leaves the agent paused in the others.
    pub fn unpause(&mut self, ts: Millis, name: &str, queue: &str, out: &mut Vec<Event>) {
        let agent = self.agent(name);
        agent.logged_in = true;
        if queue.is_empty() {
            agent.unpause_everywhere();
        } else {
            agent.learn(queue);
            if agent.paused_all {
                agent.paused_all = false;
                agent.paused_in = agent.queues.clone();
            }
            agent.paused_in.retain(|q| q != queue);
        }
        self.emit(ts, name, out);
    }

    /// `CONNECT`: on the call `call` of `queue` (so a member of `queue`, and logged in).
    pub fn call_started(
        &mut self,
        ts: Millis,
        name: &str,
        queue: &str,
        call: &Id,
        out: &mut Vec<Event>,
    ) {
        let agent = self.agent(name);
        agent.logged_in = true;
        agent.learn(queue);
        agent.on_call = Some(call.clone());
        self.emit(ts, name, out);
    }

    /// The agent's call ended (`COMPLETE…`, a transfer, a missing end): back to `available`,
    /// or `not_ready` when paused meanwhile.
    pub fn call_ended(&mut self, ts: Millis, name: &str, queue: &str, out: &mut Vec<Event>) {
        let agent = self.agent(name);
        agent.logged_in = true;
        agent.learn(queue);
        agent.on_call = None;
        self.emit(ts, name, out);
    }

    /// The call `call` ended without a line of its agent (a new `ENTERQUEUE` of its caller):
    /// the agent, if still on that call, is off it.
    pub fn release(&mut self, ts: Millis, name: &str, call: &Id, out: &mut Vec<Event>) {
        let agent = self.agent(name);
        if agent.on_call.as_ref() == Some(call) {
            agent.on_call = None;
            self.emit(ts, name, out);
        }
    }

    /// A restart (`QUEUESTART`): every agent on a call is off it, in name order.
    pub fn end_all_calls(&mut self, ts: Millis, out: &mut Vec<Event>) {
        let mut on_call: Vec<Id> = self
            .agents
            .iter()
            .filter(|(_, a)| a.on_call.is_some())
            .map(|(name, _)| name.clone())
            .collect();
        on_call.sort_unstable();
        for name in on_call {
            self.agent(&name).on_call = None;
            self.emit(ts, &name, out);
        }
    }

    /// The adapter forgot the call `call` (no line for a long time): an agent still marked on
    /// it is marked off it, silently (its next line states it).
    pub fn forget_call(&mut self, call: &Id) {
        for agent in self.agents.values_mut() {
            if agent.on_call.as_ref() == Some(call) {
                agent.on_call = None;
            }
        }
    }

    /// Agents known.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.agents.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(out: &[Event]) -> Vec<String> {
        out.iter()
            .map(|e| match &e.body {
                Body::AgentState {
                    agent,
                    state,
                    queues,
                    reason,
                } => {
                    let reason = reason.as_ref().map_or(String::new(), |r| format!(" ({r})"));
                    format!("{agent} {} {}{reason}", state.name(), queues.join(","))
                }
                other => panic!("not an agent state: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_pause_during_a_call_shows_once_the_call_ends() {
        let mut a = Agents::default();
        let mut out = Vec::new();
        a.add_member(0, "a", "q", &mut out);
        a.call_started(1, "a", "q", &Id::from("c1"), &mut out);
        a.pause(2, "a", "", "", &mut out);
        a.call_ended(3, "a", "q", &mut out);
        a.unpause(4, "a", "", &mut out);
        assert_eq!(
            states(&out),
            [
                "a available q",
                "a on_call q",
                "a on_call q",
                "a not_ready q",
                "a available q"
            ]
        );
    }

    #[test]
    fn a_pause_reason_rides_on_not_ready_until_the_pause_ends_cut_at_a_character_boundary() {
        let mut a = Agents::default();
        let mut out = Vec::new();
        a.add_member(0, "a", "q", &mut out);
        a.pause(1, "a", "q", "lunch", &mut out);
        a.call_started(2, "a", "q", &Id::from("c1"), &mut out);
        a.call_ended(3, "a", "q", &mut out);
        a.unpause(4, "a", "q", &mut out);
        a.pause(5, "a", "", "", &mut out);
        let long = format!("{}é", "x".repeat(MAX_REASON_BYTES - 1));
        a.pause(6, "a", "", &long, &mut out);
        assert_eq!(
            states(&out),
            [
                "a available q",
                "a not_ready q (lunch)",
                "a on_call q",
                "a not_ready q (lunch)",
                "a available q",
                "a not_ready q",
                &format!("a not_ready q ({})", "x".repeat(MAX_REASON_BYTES - 1)),
            ]
        );
    }

    #[test]
    fn unpausing_one_queue_after_pausing_all_leaves_the_others_paused() {
        let mut a = Agents::default();
        let mut out = Vec::new();
        a.add_member(0, "a", "q1", &mut out);
        a.add_member(0, "a", "q2", &mut out);
        a.pause(1, "a", "", "", &mut out);
        a.unpause(2, "a", "q1", &mut out);
        a.unpause(3, "a", "q2", &mut out);
        assert_eq!(
            states(&out)[2..],
            [
                "a not_ready q1,q2",
                "a not_ready q1,q2",
                "a available q1,q2"
            ]
        );
    }

    #[test]
    fn removing_the_queue_an_agent_is_paused_in_ends_the_pause() {
        let mut a = Agents::default();
        let mut out = Vec::new();
        a.add_member(0, "a", "q1", &mut out);
        a.add_member(0, "a", "q2", &mut out);
        a.pause(1, "a", "q2", "", &mut out);
        a.remove_member(2, "a", "q2", &mut out);
        assert_eq!(states(&out)[2..], ["a not_ready q1,q2", "a available q1"]);
    }

    #[test]
    fn a_call_ended_without_its_agent_line_frees_the_agent_only_if_still_on_it() {
        let mut a = Agents::default();
        let mut out = Vec::new();
        a.call_started(0, "a", "q", &Id::from("c2"), &mut out);
        a.release(1, "a", &Id::from("c1"), &mut out);
        a.release(2, "a", &Id::from("c2"), &mut out);
        assert_eq!(states(&out), ["a on_call q", "a available q"]);
    }

    #[test]
    fn a_forgotten_call_no_longer_holds_its_agent() {
        let mut a = Agents::default();
        let mut out = Vec::new();
        a.call_started(0, "a", "q", &Id::from("c1"), &mut out);
        a.forget_call(&Id::from("c2"));
        a.unpause(1, "a", "", &mut out);
        a.forget_call(&Id::from("c1"));
        a.unpause(2, "a", "", &mut out);
        assert_eq!(
            states(&out),
            ["a on_call q", "a on_call q", "a available q"]
        );
        assert_eq!(a.len(), 1);
    }
}
