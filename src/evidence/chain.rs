//! One row of evidence and the hash that chains it to the previous row.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The hash "before" the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A final interval record of a queue or the center (`body`: the record, revision
    /// included).
    Interval,
    /// An alert transition (pending, firing, resolved, dropped).
    Alert,
    /// An outage of a component, ended: start, end, duration, cause.
    Outage,
    /// The data-quality figures of an interval: events read, rejected by reason, duplicates,
    /// late events, revisions, and whether no call was offered.
    Quality,
    /// Rows that were lost: the store could not be written and the service gave up on them
    /// (at shutdown). `body`: how many, of which kinds, the span of their `at`, and why.
    Gap,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Interval,
        Kind::Alert,
        Kind::Outage,
        Kind::Quality,
        Kind::Gap,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Interval => "interval",
            Kind::Alert => "alert",
            Kind::Outage => "outage",
            Kind::Quality => "quality",
            Kind::Gap => "gap",
        }
    }
}

/// A row to append: what, about whom, when (RFC 3339), and the canonical JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// The queue, component or alert scope; empty for the center.
    pub subject: String,
    /// The instant the row is about: the interval's start, the transition, the outage's start.
    pub at: String,
    pub body: String,
}

/// The hash of row `seq` with `prev` the previous row's hash: SHA-256 over the fields, each
/// followed by a newline (a field cannot contain the separator's meaning: lengths go first).
pub fn hash(prev: &str, seq: i64, kind: &str, subject: &str, at: &str, body: &str) -> String {
    let mut h = Sha256::new();
    for field in [prev, &seq.to_string(), kind, subject, at, body] {
        h.update(field.len().to_string().as_bytes());
        h.update(b":");
        h.update(field.as_bytes());
        h.update(b"\n");
    }
    let mut out = String::with_capacity(64);
    for byte in h.finalize() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field_and_its_boundaries() {
        let base = hash(
            GENESIS,
            1,
            "interval",
            "sales",
            "2026-11-02T10:00:00Z",
            "{}",
        );
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            hash(
                GENESIS,
                1,
                "interval",
                "sales",
                "2026-11-02T10:00:00Z",
                "{}"
            )
        );
        for other in [
            hash(&base, 1, "interval", "sales", "2026-11-02T10:00:00Z", "{}"),
            hash(
                GENESIS,
                2,
                "interval",
                "sales",
                "2026-11-02T10:00:00Z",
                "{}",
            ),
            hash(GENESIS, 1, "alert", "sales", "2026-11-02T10:00:00Z", "{}"),
            hash(
                GENESIS,
                1,
                "interval",
                "sale",
                "s2026-11-02T10:00:00Z",
                "{}",
            ),
            hash(
                GENESIS,
                1,
                "interval",
                "sales",
                "2026-11-02T10:00:00Z",
                "{ }",
            ),
        ] {
            assert_ne!(base, other);
        }
    }
}
