//! Input formats: one input record (a line of a file, one Kafka message) → canonical events.
//!
//! Most call centers do not write callpulse's canonical JSON. An adapter reads what they do
//! write — Asterisk's `queue_log`, one CSV/TSV row per call — and turns each record into zero or
//! more canonical [`Event`]s, or into a [`RejectReason`] that is counted and kept like any bad
//! event. Adapters may keep state across records (a queue_log caller queued twice, the agents'
//! queues), so one adapter reads one stream, in order.

pub mod csv;
pub mod queue_log;

use crate::codec::Decoder;
use crate::config::{InputConfig, InputFormat};
use crate::event::Event;
use crate::problem::{ConfigError, Problem};
use crate::reject::RejectReason;

/// One stream's reader of input records.
#[derive(Debug)]
pub enum Adapter {
    Canonical(Decoder),
    QueueLog(queue_log::QueueLog),
    Csv(Box<csv::Csv>),
}

impl Adapter {
    /// The adapter of `input`: for `csv`, its mapping file is read and validated, and every
    /// problem in it is reported at once (an invalid configuration, exit code 64).
    pub fn new(input: &InputConfig, decoder: Decoder) -> Result<Adapter, ConfigError> {
        Ok(match input.format {
            InputFormat::Canonical => Adapter::Canonical(decoder),
            InputFormat::QueueLog => Adapter::QueueLog(queue_log::QueueLog::new()),
            InputFormat::Csv => {
                let path = input.mapping.as_deref().ok_or_else(|| ConfigError {
                    source_name: "(input.mapping)".into(),
                    problems: vec![Problem {
                        key: "input.mapping".into(),
                        message: "the csv format needs a mapping file (--mapping FILE)".into(),
                    }],
                })?;
                let mapping = csv::Mapping::load(path).map_err(|e| ConfigError {
                    source_name: e.source_name,
                    problems: e.problems,
                })?;
                Adapter::Csv(Box::new(csv::Csv::new(mapping)))
            }
        })
    }

    /// Reads one record (a line without its line end, or one message), appending the events it
    /// gives to `out` (none for a CSV header). A record the adapter cannot use is an `Err`
    /// with the reason, and nothing is appended.
    pub fn read(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<(), RejectReason> {
        match self {
            Adapter::Canonical(decoder) => {
                out.push(decoder.decode(bytes)?);
                Ok(())
            }
            Adapter::QueueLog(q) => q.read(bytes, out),
            Adapter::Csv(c) => c.read(bytes, out),
        }
    }

    /// A new file begins (its first line may be a header).
    pub fn start_file(&mut self) {
        if let Adapter::Csv(c) = self {
            c.start_file();
        }
    }

    /// Whether each file's header line names the columns (a CSV mapping with `header = true`
    /// and no `csv.names`).
    pub fn learns_header(&self) -> bool {
        match self {
            Adapter::Csv(c) => c.learns_header(),
            _ => false,
        }
    }

    /// A new adapter for another stream of the same input (another Kafka partition): the same
    /// format and mapping, none of this one's state.
    pub fn fresh(&self) -> Adapter {
        match self {
            Adapter::Canonical(d) => Adapter::Canonical(*d),
            Adapter::QueueLog(_) => Adapter::QueueLog(queue_log::QueueLog::new()),
            Adapter::Csv(c) => Adapter::Csv(Box::new(c.fresh())),
        }
    }

    /// The records come without header lines (Kafka messages).
    pub fn headerless(&mut self) {
        if let Adapter::Csv(c) = self {
            c.headerless();
        }
    }

    /// The input is not in event-time order (an export sorted by line or agent): a replay
    /// must sort its events before the engine sees them.
    pub fn needs_sorting(&self) -> bool {
        match self {
            Adapter::Csv(c) => c.needs_sorting(),
            _ => false,
        }
    }

    /// For an input that [needs sorting](Adapter::needs_sorting), how far out of event-time
    /// order its events may be (`csv.sort_window`): a replay holds each event until the newest
    /// event time read is this far past it. `None` when the input is in order.
    pub fn sort_window(&self) -> Option<crate::time::Millis> {
        match self {
            Adapter::Csv(c) if c.needs_sorting() => Some(c.sort_window()),
            _ => None,
        }
    }

    /// Whether a live stream can read this input; if not, the problems of the mapping (named
    /// `mapping` in the error): a live stream cannot wait for its end to sort, and, reading
    /// Kafka (`kafka`), cannot learn the columns from a header line.
    pub fn check_live(&self, kafka: bool, mapping: &str) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let mut add = |key: &str, message: &str| {
            problems.push(Problem {
                key: key.into(),
                message: message.into(),
            })
        };
        if self.needs_sorting() {
            add("csv.sort", "a live stream cannot wait for its end to be sorted: set sort = false (rows out of order by more than engine.lateness are applied late, with revisions)");
        }
        if kafka && self.learns_header() {
            add("csv.names", "a Kafka message is one row without a header line: name the columns in csv.names (or set header = false and name columns by position)");
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(ConfigError {
            source_name: mapping.to_string(),
            problems,
        })
    }

    /// The adapter remembers earlier records to read later ones (queue_log pairs a call's
    /// lines): a checkpoint of the engine alone would not be a consistent cut of it.
    pub fn keeps_state(&self) -> bool {
        matches!(self, Adapter::QueueLog(_))
    }
}
