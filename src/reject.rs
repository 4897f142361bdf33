//! Why an input was rejected: a closed set of stable, machine-readable reasons.
//!
//! A reason's text (`missing_field:queue`) is a contract: it labels the rejected-events counter,
//! heads every kept rejected line, and is what operators grep for. Never rename one.

use serde::Serialize;
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
}

impl RejectReason {
    /// Every reason without a field, and one example of each reason with a field.
    pub const EXAMPLES: [RejectReason; 16] = [
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
    ];

    /// The stable code, for example `missing_field:queue`.
    pub fn code(&self) -> String {
        self.to_string()
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
        }
    }
}

impl Serialize for RejectReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where an input came from: a source (file or topic, by index into the run's source names)
/// and a position in it (line number from 1, or partition and offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
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
