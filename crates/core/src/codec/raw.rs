//! One pass of serde_json over an event object into borrowed scalars, field by field, so that
//! a field of the wrong type is reported by its name rather than failing the whole parse.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// The fields of every event type of schema version 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Type,
    Ts,
    EventId,
    V,
    CallId,
    Queue,
    Channel,
    Priority,
    Customer,
    AgentId,
    ToQueue,
    Resolved,
    OfferedAt,
    AnsweredAt,
    AbandonedAt,
    EndedAt,
    State,
    Queues,
    Component,
    Status,
    Reason,
    Satisfied,
    Score,
    Survey,
    ComplaintId,
    Due,
    Interval,
    IntervalMinutes,
    Offered,
    Cause,
    Result,
}

pub(crate) const FIELD_COUNT: usize = Field::Result as usize + 1;

impl Field {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Field::Type => "type",
            Field::Ts => "ts",
            Field::EventId => "event_id",
            Field::V => "v",
            Field::CallId => "call_id",
            Field::Queue => "queue",
            Field::Channel => "channel",
            Field::Priority => "priority",
            Field::Customer => "customer",
            Field::AgentId => "agent_id",
            Field::ToQueue => "to_queue",
            Field::Resolved => "resolved",
            Field::OfferedAt => "offered_at",
            Field::AnsweredAt => "answered_at",
            Field::AbandonedAt => "abandoned_at",
            Field::EndedAt => "ended_at",
            Field::State => "state",
            Field::Queues => "queues",
            Field::Component => "component",
            Field::Status => "status",
            Field::Reason => "reason",
            Field::Satisfied => "satisfied",
            Field::Score => "score",
            Field::Survey => "survey",
            Field::ComplaintId => "complaint_id",
            Field::Due => "due",
            Field::Interval => "interval_start",
            Field::IntervalMinutes => "interval_minutes",
            Field::Offered => "offered",
            Field::Cause => "cause",
            Field::Result => "result",
        }
    }

    fn from_key(key: &str) -> Option<Field> {
        Some(match key {
            "type" => Field::Type,
            "ts" => Field::Ts,
            "event_id" => Field::EventId,
            "v" => Field::V,
            "call_id" => Field::CallId,
            "queue" => Field::Queue,
            "channel" => Field::Channel,
            "priority" => Field::Priority,
            "customer" => Field::Customer,
            "agent_id" => Field::AgentId,
            "to_queue" => Field::ToQueue,
            "resolved" => Field::Resolved,
            "offered_at" => Field::OfferedAt,
            "answered_at" => Field::AnsweredAt,
            "abandoned_at" => Field::AbandonedAt,
            "ended_at" => Field::EndedAt,
            "state" => Field::State,
            "queues" => Field::Queues,
            "component" => Field::Component,
            "status" => Field::Status,
            "reason" => Field::Reason,
            "satisfied" => Field::Satisfied,
            "score" => Field::Score,
            "survey" => Field::Survey,
            "complaint_id" => Field::ComplaintId,
            "due" => Field::Due,
            "interval_start" => Field::Interval,
            "interval_minutes" => Field::IntervalMinutes,
            "offered" => Field::Offered,
            "cause" => Field::Cause,
            "result" => Field::Result,
            _ => return None,
        })
    }
}

/// A JSON value as far as the schema cares: its kind and, for scalars, its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    /// An array whose items are all strings.
    StrList(Vec<Cow<'a, str>>),
    /// Any other array or an object.
    Other,
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        let mut all_strings = true;
        while let Some(item) = seq.next_element::<Scalar<'de>>()? {
            match item {
                Scalar::Str(s) if all_strings => items.push(s),
                _ => all_strings = false,
            }
        }
        Ok(if all_strings {
            Scalar::StrList(items)
        } else {
            Scalar::Other
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

/// The known fields of one object, by [`Field`]; unknown keys are skipped.
#[derive(Debug, Default)]
pub(crate) struct RawEvent<'a> {
    pub fields: [Option<Scalar<'a>>; FIELD_COUNT],
    /// The first known key met twice, if any.
    pub duplicate: Option<Field>,
    /// False when the JSON value was not an object.
    pub is_object: bool,
}

impl<'a> RawEvent<'a> {
    pub(crate) fn get(&self, field: Field) -> Option<&Scalar<'a>> {
        match &self.fields[field as usize] {
            None | Some(Scalar::Null) => None,
            Some(value) => Some(value),
        }
    }
}

struct Key(Option<Field>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(Field::from_key(v)))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// Fills a [`RawEvent`] in place from a JSON object (one allocation-free pass; the event is
/// never moved). Callers check that the text is an object first.
pub(crate) struct Fill<'r, 'de>(pub &'r mut RawEvent<'de>);

impl<'r, 'de> DeserializeSeed<'de> for Fill<'r, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'r, 'de> Visitor<'de> for Fill<'r, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let raw = self.0;
        raw.is_object = true;
        while let Some(Key(field)) = map.next_key::<Key>()? {
            match field {
                Some(field) => {
                    let value = map.next_value::<Scalar<'de>>()?;
                    let slot = &mut raw.fields[field as usize];
                    if slot.is_some() && raw.duplicate.is_none() {
                        raw.duplicate = Some(field);
                    }
                    *slot = Some(value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}
