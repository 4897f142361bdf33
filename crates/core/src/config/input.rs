//! `[input]`: what the input records are (canonical JSON, Asterisk queue_log, CSV with a
//! mapping), and for `callpulse run --follow`, the file followed instead of Kafka.

use super::Checker;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The input formats callpulse reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum InputFormat {
    /// Canonical JSON events, one per line or message (schema version 1).
    #[default]
    Canonical,
    /// Asterisk's `queue_log`: `epoch|callid|queue|agent|EVENT|data...`, one line per record.
    #[value(name = "queue_log")]
    QueueLog,
    /// One CSV/TSV row per call, read with a column mapping (`--mapping FILE`).
    Csv,
}

impl InputFormat {
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Canonical => "canonical",
            InputFormat::QueueLog => "queue_log",
            InputFormat::Csv => "csv",
        }
    }
}

/// `[input]` as written. Empty paths mean "not set".
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawInput {
    pub format: String,
    pub mapping: String,
    pub follow: String,
    pub position_file: String,
    pub rejected_file: String,
    pub poll_interval: String,
}

impl Default for RawInput {
    fn default() -> Self {
        RawInput {
            format: "canonical".into(),
            mapping: String::new(),
            follow: String::new(),
            position_file: "callpulse.position".into(),
            rejected_file: "callpulse.rejected.tsv".into(),
            poll_interval: "200ms".into(),
        }
    }
}

/// The input settings, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputConfig {
    pub format: InputFormat,
    /// The column mapping of the `csv` format.
    pub mapping: Option<PathBuf>,
    /// A file to follow (`callpulse run`) instead of consuming Kafka.
    pub follow: Option<PathBuf>,
    /// Where the follower remembers how far it has read, across restarts.
    pub position_file: PathBuf,
    /// Where the follower appends the lines it rejects, with their reasons.
    pub rejected_file: PathBuf,
    /// How often the follower looks for new lines, a rotation or a truncation.
    pub poll_interval: crate::time::Millis,
}

pub(super) fn input(c: &mut Checker, i: &RawInput) -> InputConfig {
    use clap::ValueEnum as _;
    let format = InputFormat::from_str(i.format.trim(), false).unwrap_or_else(|_| {
        c.problem(
            "input.format",
            format!("must be canonical, queue_log or csv, got {:?}", i.format),
        );
        InputFormat::Canonical
    });
    let path = |text: &str| (!text.trim().is_empty()).then(|| PathBuf::from(text.trim()));
    let mapping = path(&i.mapping);
    if format == InputFormat::Csv && mapping.is_none() {
        c.problem(
            "input.mapping",
            "the csv format needs a mapping file (--mapping FILE), got none",
        );
    }
    for (key, value) in [
        ("input.position_file", &i.position_file),
        ("input.rejected_file", &i.rejected_file),
    ] {
        if value.trim().is_empty() {
            c.problem(key, "must not be empty");
        }
    }
    InputConfig {
        format,
        mapping,
        follow: path(&i.follow),
        position_file: PathBuf::from(i.position_file.trim()),
        rejected_file: PathBuf::from(i.rejected_file.trim()),
        poll_interval: c.duration("input.poll_interval", &i.poll_interval, 10),
    }
}
