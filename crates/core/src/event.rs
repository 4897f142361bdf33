//! The domain vocabulary: canonical call events (schema version 1, `shared/spec/events.md`)
//! after decoding. Every event carries its instant in UTC milliseconds; identifiers are short
//! strings stored inline (no allocation up to 24 bytes).

use crate::time::Millis;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

/// An identifier from the input: call, queue, agent, component, customer, complaint.
pub type Id = CompactString;

/// One decoded event: when it happened, its optional producer id, and what it says.
#[derive(Debug, Clone, PartialEq, Hash, Serialize, Deserialize)]
pub struct Event {
    pub ts: Millis,
    pub event_id: Option<Id>,
    pub body: Body,
}

/// What an event says, one variant per `type` of the schema.
#[derive(Debug, Clone, PartialEq, Hash, Serialize, Deserialize)]
pub enum Body {
    /// `call.offered`: the caller entered `queue` asking for a person.
    Offered {
        call: Id,
        queue: Id,
        channel: Channel,
        priority: Option<i64>,
        customer: Option<Id>,
    },
    /// `call.ringing`: presented to an agent.
    Ringing { call: Id, agent: Id },
    /// `call.answered`: an agent took the call.
    Answered { call: Id, agent: Id },
    /// `call.abandoned`: the call left its queue unanswered; `cause` says who ended the wait.
    Abandoned { call: Id, cause: Unanswered },
    /// `call.transferred`: overflow to `to_queue` before answer, a transfer after it.
    Transferred { call: Id, to_queue: Option<Id> },
    /// `call.ended`: the conversation ended.
    Ended { call: Id, resolved: Option<bool> },
    /// `call.wrapup_ended`: after-call work finished.
    WrapupEnded { call: Id, agent: Id },
    /// `call.completed`: a whole call in one record (CDR).
    Completed(Box<Completed>),
    /// `agent.state`: the agent changed state; `reason` says why it is not ready (a pause
    /// reason), when the source tells.
    AgentState {
        agent: Id,
        state: AgentState,
        queues: Vec<Id>,
        /// Out of the event's serde layout (which the buffered events of a snapshot keep): a
        /// snapshot carries the reasons of its buffered events after the state
        /// (`engine/snapshot/additions.rs`).
        #[serde(skip)]
        reason: Option<Id>,
    },
    /// `system.status`: a component went down or came back.
    SystemStatus {
        component: Id,
        up: bool,
        reason: Option<String>,
    },
    /// `system.heartbeat`: the component is alive.
    Heartbeat { component: Id },
    /// `survey.response`: a satisfaction answer.
    Survey {
        call: Option<Id>,
        queue: Id,
        satisfied: bool,
        score: Option<u8>,
        survey: Option<Id>,
    },
    /// `complaint.opened`: a complaint with its due date.
    ComplaintOpened {
        complaint: Id,
        due: Millis,
        queue: Option<Id>,
    },
    /// `complaint.closed`.
    ComplaintClosed {
        complaint: Id,
        satisfied: Option<bool>,
    },
    /// `call.callback`: an outbound attempt to reach `customer` for `queue` (a call back to
    /// a caller who left it unanswered). `call` is the outbound call's id, if the source has
    /// one; it is no call of the inbound lifecycle.
    Callback {
        queue: Id,
        customer: Id,
        result: CallbackResult,
        agent: Option<Id>,
        call: Option<Id>,
    },
    /// `forecast.interval`: the volume the workforce plan expected.
    Forecast {
        queue: Id,
        interval_start: Millis,
        minutes: u32,
        offered: Volume,
    },
}

/// A completed-call record: the facts of one call, written when it is over.
#[derive(Debug, Clone, PartialEq, Hash, Serialize, Deserialize)]
pub struct Completed {
    pub call: Id,
    pub queue: Id,
    pub channel: Channel,
    pub customer: Option<Id>,
    pub offered_at: Millis,
    pub outcome: CompletedOutcome,
    pub ended_at: Option<Millis>,
    pub agent: Option<Id>,
    pub resolved: Option<bool>,
}

/// Exactly one of `answered_at` and `abandoned_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CompletedOutcome {
    Answered(Millis),
    Abandoned(Millis),
}

/// Media of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Channel {
    #[default]
    Voice,
    Chat,
    Email,
    Sms,
    Video,
    Social,
}

impl Channel {
    pub fn parse(text: &str) -> Option<Channel> {
        Some(match text {
            "voice" => Channel::Voice,
            "chat" => Channel::Chat,
            "email" => Channel::Email,
            "sms" => Channel::Sms,
            "video" => Channel::Video,
            "social" => Channel::Social,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Video => "video",
            Channel::Social => "social",
        }
    }
}

/// The states of `agent.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AgentState {
    LoggedOut,
    Available,
    OnCall,
    WrapUp,
    NotReady,
}

impl AgentState {
    pub const ALL: [AgentState; 5] = [
        AgentState::LoggedOut,
        AgentState::Available,
        AgentState::OnCall,
        AgentState::WrapUp,
        AgentState::NotReady,
    ];

    pub fn parse(text: &str) -> Option<AgentState> {
        Some(match text {
            "logged_out" => AgentState::LoggedOut,
            "available" => AgentState::Available,
            "on_call" => AgentState::OnCall,
            "wrap_up" => AgentState::WrapUp,
            "not_ready" => AgentState::NotReady,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            AgentState::LoggedOut => "logged_out",
            AgentState::Available => "available",
            AgentState::OnCall => "on_call",
            AgentState::WrapUp => "wrap_up",
            AgentState::NotReady => "not_ready",
        }
    }
}

/// Why a call left its queue unanswered (`cause` of `call.abandoned`). The caller's own
/// choices are abandons; a callback request is counted apart (`callbacks_requested`); the
/// others are waits the system ended (`timed_out` in the tallies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Unanswered {
    /// The caller hung up (the default).
    #[default]
    Caller,
    /// The caller left the queue by pressing a key (for a callback or voicemail).
    Key,
    /// The queue's longest wait passed.
    Timeout,
    /// The queue had no agent who could take the call.
    NoAgents,
    /// The system withdrew the call from the queue.
    Withdrawn,
    /// The call failed on the way to an agent (incompatible channels, a restart).
    Failed,
    /// The caller left the queue with a callback request the ACD will place: no abandon (as
    /// Amazon Connect counts it), a caller to call back.
    Callback,
}

impl Unanswered {
    pub const ALL: [Unanswered; 7] = [
        Unanswered::Caller,
        Unanswered::Key,
        Unanswered::Timeout,
        Unanswered::NoAgents,
        Unanswered::Withdrawn,
        Unanswered::Failed,
        Unanswered::Callback,
    ];

    pub fn parse(text: &str) -> Option<Unanswered> {
        Unanswered::ALL.into_iter().find(|c| c.name() == text)
    }

    pub fn name(self) -> &'static str {
        match self {
            Unanswered::Caller => "caller",
            Unanswered::Key => "key",
            Unanswered::Timeout => "timeout",
            Unanswered::NoAgents => "no_agents",
            Unanswered::Withdrawn => "withdrawn",
            Unanswered::Failed => "failed",
            Unanswered::Callback => "callback",
        }
    }

    /// The caller gave up (an abandon), rather than the system ending the wait.
    pub fn by_caller(self) -> bool {
        matches!(self, Unanswered::Caller | Unanswered::Key)
    }
}

/// What an outbound callback attempt (`result` of `call.callback`) came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CallbackResult {
    /// The customer was reached, by an agent: the caller leaves the callback list.
    Answered,
    NoAnswer,
    Busy,
    Failed,
}

impl CallbackResult {
    pub const ALL: [CallbackResult; 4] = [
        CallbackResult::Answered,
        CallbackResult::NoAnswer,
        CallbackResult::Busy,
        CallbackResult::Failed,
    ];

    pub fn parse(text: &str) -> Option<CallbackResult> {
        CallbackResult::ALL.into_iter().find(|r| r.name() == text)
    }

    pub fn name(self) -> &'static str {
        match self {
            CallbackResult::Answered => "answered",
            CallbackResult::NoAnswer => "no_answer",
            CallbackResult::Busy => "busy",
            CallbackResult::Failed => "failed",
        }
    }
}

/// A forecast volume: a non-negative finite number, hashed by its bits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Volume(pub f64);

impl Hash for Volume {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

impl Body {
    /// The schema's `type` name of this event.
    pub fn type_name(&self) -> &'static str {
        match self {
            Body::Offered { .. } => "call.offered",
            Body::Ringing { .. } => "call.ringing",
            Body::Answered { .. } => "call.answered",
            Body::Abandoned { .. } => "call.abandoned",
            Body::Transferred { .. } => "call.transferred",
            Body::Ended { .. } => "call.ended",
            Body::WrapupEnded { .. } => "call.wrapup_ended",
            Body::Completed(_) => "call.completed",
            Body::AgentState { .. } => "agent.state",
            Body::SystemStatus { .. } => "system.status",
            Body::Heartbeat { .. } => "system.heartbeat",
            Body::Survey { .. } => "survey.response",
            Body::ComplaintOpened { .. } => "complaint.opened",
            Body::ComplaintClosed { .. } => "complaint.closed",
            Body::Forecast { .. } => "forecast.interval",
            Body::Callback { .. } => "call.callback",
        }
    }

    /// The call this event belongs to, for call lifecycle events (not `call.callback`, whose
    /// outbound call has a lifecycle of its own that no KPI follows).
    pub fn call_id(&self) -> Option<&Id> {
        match self {
            Body::Offered { call, .. }
            | Body::Ringing { call, .. }
            | Body::Answered { call, .. }
            | Body::Abandoned { call, .. }
            | Body::Transferred { call, .. }
            | Body::Ended { call, .. }
            | Body::WrapupEnded { call, .. } => Some(call),
            Body::Completed(c) => Some(&c.call),
            _ => None,
        }
    }
}
