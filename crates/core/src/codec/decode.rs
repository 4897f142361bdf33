//! Bytes of one event to an [`Event`], strictly: each defect has its own [`RejectReason`].
//!
//! Order of checks (the first failing one names the reason): size, UTF-8, JSON syntax, object,
//! duplicate keys, `v`, `type`, `ts`, then the fields of that type in schema order.

use super::raw::{Field, Fill, RawEvent, Scalar};
use crate::event::{
    AgentState, Body, CallbackResult, Channel, Completed, CompletedOutcome, Event, Id, Unanswered,
    Volume,
};
use crate::reject::RejectReason;
use crate::time::{rfc3339, Millis};
use serde::de::DeserializeSeed;

/// Instants outside [1970, 2100) are rejected as `bad_timestamp`: they are typos or units
/// mistaken (seconds for milliseconds), never call-center events.
pub const MAX_TS: Millis = 4_102_444_800_000;

/// The instants the decoder takes, [1970, 2100): what a restored instant is checked against.
pub const INSTANTS: std::ops::Range<Millis> = 0..MAX_TS;

/// The largest forecast volume accepted: more calls than any center takes in an interval.
pub const MAX_VOLUME: f64 = 1e9;

/// The longest forecast interval accepted, in minutes: a day.
pub const MAX_INTERVAL_MINUTES: i64 = 1440;

/// Decodes events of at most `max_bytes` bytes.
#[derive(Debug, Clone, Copy)]
pub struct Decoder {
    pub max_bytes: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            max_bytes: 64 * 1024,
        }
    }
}

impl Decoder {
    /// Decodes one event (one line of JSON Lines, without its newline, or one Kafka message).
    pub fn decode(&self, bytes: &[u8]) -> Result<Event, RejectReason> {
        if bytes.len() > self.max_bytes {
            return Err(RejectReason::TooLarge);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| RejectReason::NotUtf8)?;
        decode(text)
    }
}

/// Decodes one event from its JSON text.
pub fn decode(text: &str) -> Result<Event, RejectReason> {
    if !text.trim_start().starts_with('{') {
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => RejectReason::NotAnObject,
            Err(_) => RejectReason::InvalidJson,
        });
    }
    let mut raw = RawEvent::default();
    let mut de = serde_json::Deserializer::from_str(text);
    Fill(&mut raw)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|_| RejectReason::InvalidJson)?;
    if let Some(field) = raw.duplicate {
        return Err(RejectReason::DuplicateField(field.name()));
    }
    let r = Reader(&raw);
    match raw.get(Field::V) {
        None | Some(Scalar::Int(1)) => {}
        Some(Scalar::Int(_)) => return Err(RejectReason::UnsupportedVersion),
        Some(_) => return Err(RejectReason::WrongType("v")),
    }
    let type_name = r.str(Field::Type)?;
    let ts = match raw.get(Field::Ts) {
        None => return Err(RejectReason::MissingField("ts")),
        Some(value) => timestamp(value).ok_or(match value {
            Scalar::Str(_) | Scalar::Int(_) => RejectReason::BadTimestamp,
            _ => RejectReason::WrongType("ts"),
        })?,
    };
    let event_id = r.opt_id(Field::EventId)?;
    let body = match type_name {
        "call.offered" => Body::Offered {
            call: r.id(Field::CallId)?,
            queue: r.id(Field::Queue)?,
            channel: r.channel()?,
            priority: r.opt_int(Field::Priority)?,
            customer: r.opt_id(Field::Customer)?,
        },
        "call.ringing" => Body::Ringing {
            call: r.id(Field::CallId)?,
            agent: r.id(Field::AgentId)?,
        },
        "call.answered" => Body::Answered {
            call: r.id(Field::CallId)?,
            agent: r.id(Field::AgentId)?,
        },
        "call.abandoned" => Body::Abandoned {
            call: r.id(Field::CallId)?,
            cause: match r.opt_str(Field::Cause)? {
                None => Unanswered::Caller,
                Some(name) => Unanswered::parse(name).ok_or(RejectReason::BadValue("cause"))?,
            },
        },
        "call.transferred" => Body::Transferred {
            call: r.id(Field::CallId)?,
            to_queue: r.opt_id(Field::ToQueue)?,
        },
        "call.ended" => Body::Ended {
            call: r.id(Field::CallId)?,
            resolved: r.opt_bool(Field::Resolved)?,
        },
        "call.wrapup_ended" => Body::WrapupEnded {
            call: r.id(Field::CallId)?,
            agent: r.id(Field::AgentId)?,
        },
        "call.completed" => Body::Completed(Box::new(completed(&r)?)),
        "agent.state" => Body::AgentState {
            agent: r.id(Field::AgentId)?,
            state: AgentState::parse(r.str(Field::State)?)
                .ok_or(RejectReason::BadValue("state"))?,
            queues: r.id_list(Field::Queues)?,
            reason: r.opt_id(Field::Reason)?,
        },
        "system.status" => Body::SystemStatus {
            component: r.id(Field::Component)?,
            up: match r.str(Field::Status)? {
                "up" => true,
                "down" => false,
                _ => return Err(RejectReason::BadValue("status")),
            },
            reason: r.opt_str(Field::Reason)?.map(str::to_owned),
        },
        "system.heartbeat" => Body::Heartbeat {
            component: r.id(Field::Component)?,
        },
        "survey.response" => Body::Survey {
            call: r.opt_id(Field::CallId)?,
            queue: r.id(Field::Queue)?,
            satisfied: r.bool(Field::Satisfied)?,
            score: match r.opt_int(Field::Score)? {
                None => None,
                Some(s @ 1..=5) => Some(s as u8),
                Some(_) => return Err(RejectReason::BadValue("score")),
            },
            survey: r.opt_id(Field::Survey)?,
        },
        "complaint.opened" => Body::ComplaintOpened {
            complaint: r.id(Field::ComplaintId)?,
            due: r.time(Field::Due)?,
            queue: r.opt_id(Field::Queue)?,
        },
        "complaint.closed" => Body::ComplaintClosed {
            complaint: r.id(Field::ComplaintId)?,
            satisfied: r.opt_bool(Field::Satisfied)?,
        },
        "call.callback" => Body::Callback {
            queue: r.id(Field::Queue)?,
            customer: r.id(Field::Customer)?,
            result: CallbackResult::parse(r.str(Field::Result)?)
                .ok_or(RejectReason::BadValue("result"))?,
            agent: r.opt_id(Field::AgentId)?,
            call: r.opt_id(Field::CallId)?,
        },
        "forecast.interval" => Body::Forecast {
            queue: r.id(Field::Queue)?,
            interval_start: r.time(Field::Interval)?,
            minutes: match r.int(Field::IntervalMinutes)? {
                m @ 1..=MAX_INTERVAL_MINUTES => m as u32,
                _ => return Err(RejectReason::BadValue("interval_minutes")),
            },
            offered: match raw.get(Field::Offered) {
                None => return Err(RejectReason::MissingField("offered")),
                Some(Scalar::Int(n)) if (0..=MAX_VOLUME as i64).contains(n) => Volume(*n as f64),
                Some(Scalar::Float(x)) if (0.0..=MAX_VOLUME).contains(x) => Volume(*x),
                Some(Scalar::Int(_) | Scalar::Float(_)) => {
                    return Err(RejectReason::BadValue("offered"))
                }
                Some(_) => return Err(RejectReason::WrongType("offered")),
            },
        },
        _ => return Err(RejectReason::UnknownType),
    };
    Ok(Event { ts, event_id, body })
}

fn completed(r: &Reader) -> Result<Completed, RejectReason> {
    let call = r.id(Field::CallId)?;
    let queue = r.id(Field::Queue)?;
    let channel = r.channel()?;
    let customer = r.opt_id(Field::Customer)?;
    let offered_at = r.time(Field::OfferedAt)?;
    let outcome = match (
        r.opt_time(Field::AnsweredAt)?,
        r.opt_time(Field::AbandonedAt)?,
    ) {
        (Some(t), None) => CompletedOutcome::Answered(t),
        (None, Some(t)) => CompletedOutcome::Abandoned(t),
        (None, None) => return Err(RejectReason::MissingField("answered_at")),
        (Some(_), Some(_)) => return Err(RejectReason::BadValue("abandoned_at")),
    };
    let ended_at = r.opt_time(Field::EndedAt)?;
    let outcome_at = match outcome {
        CompletedOutcome::Answered(t) | CompletedOutcome::Abandoned(t) => t,
    };
    let ends_after_answer = match (outcome, ended_at) {
        (CompletedOutcome::Answered(a), Some(e)) => e >= a,
        (CompletedOutcome::Abandoned(_), Some(_)) => false,
        (_, None) => true,
    };
    if outcome_at < offered_at || !ends_after_answer {
        return Err(RejectReason::InconsistentTimes);
    }
    Ok(Completed {
        call,
        queue,
        channel,
        customer,
        offered_at,
        outcome,
        ended_at,
        agent: r.opt_id(Field::AgentId)?,
        resolved: r.opt_bool(Field::Resolved)?,
    })
}

fn timestamp(value: &Scalar) -> Option<Millis> {
    let ms = match value {
        Scalar::Str(text) => rfc3339::parse(text)?,
        Scalar::Int(ms) => *ms,
        _ => return None,
    };
    INSTANTS.contains(&ms).then_some(ms)
}

/// Typed access to the fields of one raw event, each failure naming its field.
struct Reader<'r, 'a>(&'r RawEvent<'a>);

impl<'r, 'a> Reader<'r, 'a> {
    fn str(&self, field: Field) -> Result<&'r str, RejectReason> {
        self.opt_str(field)?
            .ok_or(RejectReason::MissingField(field.name()))
    }

    fn opt_str(&self, field: Field) -> Result<Option<&'r str>, RejectReason> {
        match self.0.get(field) {
            None => Ok(None),
            Some(Scalar::Str(s)) => Ok(Some(s.as_ref())),
            Some(_) => Err(RejectReason::WrongType(field.name())),
        }
    }

    /// A required identifier: a non-empty string.
    fn id(&self, field: Field) -> Result<Id, RejectReason> {
        self.opt_id(field)?
            .ok_or(RejectReason::MissingField(field.name()))
    }

    fn opt_id(&self, field: Field) -> Result<Option<Id>, RejectReason> {
        match self.opt_str(field)? {
            None => Ok(None),
            Some("") => Err(RejectReason::BadValue(field.name())),
            Some(s) => Ok(Some(Id::new(s))),
        }
    }

    fn id_list(&self, field: Field) -> Result<Vec<Id>, RejectReason> {
        match self.0.get(field) {
            None => Ok(Vec::new()),
            Some(Scalar::StrList(items)) => items
                .iter()
                .map(|s| match s.as_ref() {
                    "" => Err(RejectReason::BadValue(field.name())),
                    s => Ok(Id::new(s)),
                })
                .collect(),
            Some(_) => Err(RejectReason::WrongType(field.name())),
        }
    }

    fn bool(&self, field: Field) -> Result<bool, RejectReason> {
        self.opt_bool(field)?
            .ok_or(RejectReason::MissingField(field.name()))
    }

    fn opt_bool(&self, field: Field) -> Result<Option<bool>, RejectReason> {
        match self.0.get(field) {
            None => Ok(None),
            Some(Scalar::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(RejectReason::WrongType(field.name())),
        }
    }

    fn int(&self, field: Field) -> Result<i64, RejectReason> {
        self.opt_int(field)?
            .ok_or(RejectReason::MissingField(field.name()))
    }

    fn opt_int(&self, field: Field) -> Result<Option<i64>, RejectReason> {
        match self.0.get(field) {
            None => Ok(None),
            Some(Scalar::Int(n)) => Ok(Some(*n)),
            Some(_) => Err(RejectReason::WrongType(field.name())),
        }
    }

    fn time(&self, field: Field) -> Result<Millis, RejectReason> {
        self.opt_time(field)?
            .ok_or(RejectReason::MissingField(field.name()))
    }

    fn opt_time(&self, field: Field) -> Result<Option<Millis>, RejectReason> {
        match self.0.get(field) {
            None => Ok(None),
            Some(value @ (Scalar::Str(_) | Scalar::Int(_))) => timestamp(value)
                .map(Some)
                .ok_or(RejectReason::BadValue(field.name())),
            Some(_) => Err(RejectReason::WrongType(field.name())),
        }
    }

    fn channel(&self) -> Result<Channel, RejectReason> {
        match self.opt_str(Field::Channel)? {
            None => Ok(Channel::Voice),
            Some(name) => Channel::parse(name).ok_or(RejectReason::BadValue("channel")),
        }
    }
}
