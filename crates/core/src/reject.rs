//! Why an input was rejected: a closed set of stable, machine-readable reasons.
//!
//! A reason's text (`missing_field:queue`) is a contract: it labels the rejected-events counter,
//! heads every kept rejected line, and is what operators grep for. Never rename one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The reason an event was rejected. `Display` gives the stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// The bytes are not UTF-8.
    NotUtf8,
    /// Longer than the configured `max_event_bytes`.
    TooLarge,
    /// Not JSON at all, or JSON cut short.
    InvalidJson,
    /// Valid JSON, but not an object.
    NotAnObject,
    /// The same key twice in one object.
    DuplicateField(&'static str),
    /// A required field is absent (or `null`).
    MissingField(&'static str),
    /// A field has the wrong JSON type.
    WrongType(&'static str),
    /// A field has the right type but a value outside its domain.
    BadValue(&'static str),
    /// `ts` does not parse or lies outside 1970–2100.
    BadTimestamp,
    /// `type` names no event of the schema.
    UnknownType,
    /// `v` is not a schema version this build reads.
    UnsupportedVersion,
    /// The times inside one record contradict each other (answered before offered, …).
    InconsistentTimes,
    /// The event contradicts what its call already did (answered after abandoning, …).
    ContradictsHistory,
    /// The event would change a period that was closed longer ago than the revision horizon.
    TooLate,
    /// A call event whose `call.offered` never came before the call was evicted.
    NoOffer,
    /// A record an input adapter recognises but that carries nothing callpulse counts (a
    /// phantom call, a call that never left the IVR, an informational queue_log line); the
    /// text says why.
    Skipped(&'static str),
    /// The event would pass a configured limit (`[limits]`): a name longer than
    /// `max_name_bytes` (`limit:name_length`), or one queue, agent or component more than
    /// allowed (`limit:queues`, `limit:agents`, `limit:components`).
    Limit(&'static str),
}

impl RejectReason {
    /// Every reason without a field, and one example of each reason with a field.
    pub const EXAMPLES: [RejectReason; 17] = [
        RejectReason::NotUtf8,
        RejectReason::TooLarge,
        RejectReason::InvalidJson,
        RejectReason::NotAnObject,
        RejectReason::DuplicateField("ts"),
        RejectReason::MissingField("queue"),
        RejectReason::WrongType("ts"),
        RejectReason::BadValue("state"),
        RejectReason::BadTimestamp,
        RejectReason::UnknownType,
        RejectReason::UnsupportedVersion,
        RejectReason::InconsistentTimes,
        RejectReason::ContradictsHistory,
        RejectReason::TooLate,
        RejectReason::NoOffer,
        RejectReason::Skipped("phantom"),
        RejectReason::Limit("queues"),
    ];

    /// The stable code, for example `missing_field:queue`.
    pub fn code(&self) -> String {
        self.to_string()
    }

    /// The reason of a stable code (the inverse of [`RejectReason::code`]), for a restored
    /// checkpoint. Field names are interned: a process meets only a handful.
    pub fn from_code(code: &str) -> Option<RejectReason> {
        let (head, field) = match code.split_once(':') {
            Some((head, field)) => (head, Some(crate::intern::intern(field))),
            None => (code, None),
        };
        Some(match (head, field) {
            ("not_utf8", None) => RejectReason::NotUtf8,
            ("too_large", None) => RejectReason::TooLarge,
            ("invalid_json", None) => RejectReason::InvalidJson,
            ("not_an_object", None) => RejectReason::NotAnObject,
            ("duplicate_field", Some(f)) => RejectReason::DuplicateField(f),
            ("missing_field", Some(f)) => RejectReason::MissingField(f),
            ("wrong_type", Some(f)) => RejectReason::WrongType(f),
            ("bad_value", Some(f)) => RejectReason::BadValue(f),
            ("bad_timestamp", None) => RejectReason::BadTimestamp,
            ("unknown_type", None) => RejectReason::UnknownType,
            ("unsupported_version", None) => RejectReason::UnsupportedVersion,
            ("inconsistent_times", None) => RejectReason::InconsistentTimes,
            ("contradicts_history", None) => RejectReason::ContradictsHistory,
            ("too_late", None) => RejectReason::TooLate,
            ("no_offer", None) => RejectReason::NoOffer,
            ("skipped", Some(why)) => RejectReason::Skipped(why),
            ("limit", Some(what)) => RejectReason::Limit(what),
            _ => return None,
        })
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::NotUtf8 => f.write_str("not_utf8"),
            RejectReason::TooLarge => f.write_str("too_large"),
            RejectReason::InvalidJson => f.write_str("invalid_json"),
            RejectReason::NotAnObject => f.write_str("not_an_object"),
            RejectReason::DuplicateField(field) => write!(f, "duplicate_field:{field}"),
            RejectReason::MissingField(field) => write!(f, "missing_field:{field}"),
            RejectReason::WrongType(field) => write!(f, "wrong_type:{field}"),
            RejectReason::BadValue(field) => write!(f, "bad_value:{field}"),
            RejectReason::BadTimestamp => f.write_str("bad_timestamp"),
            RejectReason::UnknownType => f.write_str("unknown_type"),
            RejectReason::UnsupportedVersion => f.write_str("unsupported_version"),
            RejectReason::InconsistentTimes => f.write_str("inconsistent_times"),
            RejectReason::ContradictsHistory => f.write_str("contradicts_history"),
            RejectReason::TooLate => f.write_str("too_late"),
            RejectReason::NoOffer => f.write_str("no_offer"),
            RejectReason::Skipped(why) => write!(f, "skipped:{why}"),
            RejectReason::Limit(what) => write!(f, "limit:{what}"),
        }
    }
}

impl Serialize for RejectReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RejectReason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        RejectReason::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown reject reason {code:?}")))
    }
}

/// Where an input came from: a source (file or topic, by index into the run's source names)
/// and a position in it (line number from 1, or partition and offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Origin {
    pub source: u32,
    pub partition: i32,
    pub offset: i64,
}

/// A rejected input, kept with its reason: the original bytes when the rejection happened at
/// decoding, the event re-encoded as canonical JSON when it happened later, in the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub reason: RejectReason,
    pub origin: Origin,
    pub bytes: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_its_reason_and_unknown_codes_are_refused() {
        for reason in RejectReason::EXAMPLES {
            assert_eq!(RejectReason::from_code(&reason.code()), Some(reason));
        }
        for bad in [
            "",
            "too_large:x",
            "missing_field",
            "nonsense",
            "skipped",
            "limit",
        ] {
            assert_eq!(RejectReason::from_code(bad), None, "{bad}");
        }
    }
}
