//! The column mapping file: TOML exactly as written (`raw`, unknown keys refused), validated
//! (`check`) into a [`Mapping`] that the reader trusts. Validation reports every problem at
//! once, each with its key and the bad value, as for the configuration.

use super::check::Checker;
use super::raw::RawFile;
use super::times::Clock;
use crate::event::Channel;
use crate::problem::Problem;
use crate::time::Millis;
use rustc_hash::FxHashMap;
use std::fmt;
use std::path::Path;

/// Index of a column in [`Mapping::columns`].
pub type ColId = usize;

/// A validated mapping: how one CSV/TSV layout becomes `call.completed` events.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub(super) delimiter: u8,
    pub(super) quote: Option<u8>,
    pub(super) header: bool,
    /// Column names of headerless input.
    pub(super) names: Option<Vec<String>>,
    pub(super) trim: bool,
    /// Pairs of adjacent columns that some rows run together.
    pub(super) merged: Vec<(ColId, ColId)>,
    pub(super) clock: Clock,
    pub(super) tolerance: Millis,
    pub(super) sort: bool,
    /// How far out of order a sorting export may be: events wait this long in event time.
    pub(super) sort_window: Millis,
    pub(super) channel: Channel,
    /// Every column the mapping reads.
    pub(super) columns: Vec<Column>,
    pub(super) call_id: Vec<ColId>,
    pub(super) queue: ColId,
    pub(super) customer: Option<ColId>,
    pub(super) agent: Option<ColId>,
    pub(super) outcome: Option<ColId>,
    /// The date of times of day; without it, time columns are date-times.
    pub(super) date: Option<ColId>,
    /// The time of day the date is the day of.
    pub(super) date_of: Option<ColId>,
    pub(super) outcomes: FxHashMap<String, Outcome>,
    /// Sources of each [`TimeField`], tried in order.
    pub(super) times: [Vec<Source>; 4],
    pub(super) skip: Vec<SkipRule>,
}

/// A column the mapping reads: by header name or by position.
#[derive(Debug, Clone)]
pub struct Column {
    /// As written in the mapping (`q_start`, `#3`), for rejection reasons.
    pub name: &'static str,
    pub at: ColumnRef,
    /// Values that mean "absent" besides the empty field.
    pub empty: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    Name(String),
    /// From 0 (written from 1: `#1`).
    Position(usize),
}

/// What a value of the outcome column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    Abandoned,
    /// Rows that are `skipped:<why>`.
    Ignored(&'static str),
}

/// The times of a `call.completed` record, in the order they are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimeField {
    Offered = 0,
    Answered = 1,
    Abandoned = 2,
    Ended = 3,
}

impl TimeField {
    pub const ALL: [TimeField; 4] = [
        TimeField::Offered,
        TimeField::Answered,
        TimeField::Abandoned,
        TimeField::Ended,
    ];

    pub fn name(self) -> &'static str {
        ["offered_at", "answered_at", "abandoned_at", "ended_at"][self as usize]
    }

    /// Whether a source of `self` may start from `other` (resolved before it).
    pub(super) fn may_use(self, other: TimeField) -> bool {
        match self {
            TimeField::Offered => false,
            TimeField::Answered | TimeField::Abandoned => other == TimeField::Offered,
            TimeField::Ended => matches!(other, TimeField::Offered | TimeField::Answered),
        }
    }
}

/// Where a time comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A time-of-day column (with the date) or a date-time column.
    Column(ColId),
    /// A time plus a duration column in whole seconds.
    Plus(Base, ColId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    Time(TimeField),
    Column(ColId),
}

/// Rows skipped with a reason when all of its conditions hold.
#[derive(Debug, Clone)]
pub struct SkipRule {
    pub reason: &'static str,
    pub outcome: Option<Outcome>,
    pub empty: Vec<ColId>,
    pub present: Vec<ColId>,
    pub equals: Vec<(ColId, Vec<String>)>,
}

/// Every problem found in a mapping file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MappingError {
    pub source_name: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid mapping {}:", self.source_name)?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl Mapping {
    /// Reads and validates a mapping file.
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| MappingError {
            source_name: name.clone(),
            problems: vec![problem("(file)", format!("cannot read: {e}"))],
        })?;
        Mapping::parse_named(&text, &name)
    }

    /// Parses and validates mapping text.
    pub fn parse(text: &str) -> Result<Mapping, MappingError> {
        Mapping::parse_named(text, "(text)")
    }

    fn parse_named(text: &str, name: &str) -> Result<Mapping, MappingError> {
        let error = |problems| MappingError {
            source_name: name.into(),
            problems,
        };
        let raw: RawFile = toml::from_str(text)
            .map_err(|e| error(vec![problem("(syntax)", e.message().to_string())]))?;
        Checker::default().mapping(raw.csv).map_err(error)
    }

    /// Whether rows must be sorted by event time before the engine sees them.
    pub fn sort(&self) -> bool {
        self.sort
    }

    /// How far behind the newest event time a sorted event may arrive (`csv.sort_window`).
    pub fn sort_window(&self) -> Millis {
        self.sort_window
    }
}

pub(super) fn problem(key: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        key: key.into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r##"
[csv]
header = true
[csv.columns]
call_id = "id"
queue = "queue"
outcome = "status"
[csv.outcomes]
ANSWERED = "answered"
ABANDONED = "abandoned"
"NO ANSWER" = "ignored"
[csv.times]
offered_at = "start"
answered_at = "start + wait"
abandoned_at = ["start + wait", "#9"]
ended_at = "answered_at + talk"
"##;

    #[test]
    fn parsing_a_mapping_again_reuses_its_names_instead_of_leaking_new_ones() {
        // Column names, outcome and skip reasons are `&'static str`: each parse leaked them
        // anew, so memory grew with every load (LeakSanitizer under the `csv_mapping` fuzz
        // target; fuzz/regressions/csv_mapping/).
        let text = format!("{MINIMAL}[[csv.skip]]\nreason = \"test_call\"\nempty = \"queue\"\n");
        let (a, b) = (
            Mapping::parse(&text).unwrap(),
            Mapping::parse(&text).unwrap(),
        );
        for (x, y) in a.columns.iter().zip(&b.columns) {
            assert!(std::ptr::eq(x.name, y.name), "column {}", x.name);
        }
        let ignored = |m: &Mapping| match m.outcomes["NO ANSWER"] {
            Outcome::Ignored(reason) => reason,
            other => panic!("{other:?}"),
        };
        assert!(std::ptr::eq(ignored(&a), ignored(&b)));
        assert!(std::ptr::eq(a.skip[0].reason, b.skip[0].reason));
    }

    fn problems(text: &str) -> Vec<(String, String)> {
        Mapping::parse(text)
            .unwrap_err()
            .problems
            .into_iter()
            .map(|p| (p.key, p.message))
            .collect()
    }

    #[test]
    fn a_minimal_mapping_takes_the_defaults() {
        let m = Mapping::parse(MINIMAL).unwrap();
        assert_eq!(
            (m.delimiter, m.quote, m.trim, m.sort),
            (b',', Some(b'"'), true, false)
        );
        assert_eq!(m.clock.tz, chrono_tz::Tz::UTC);
        assert_eq!(m.channel, Channel::Voice);
        assert_eq!(
            m.outcomes["NO ANSWER"],
            Outcome::Ignored("outcome_no_answer")
        );
        let names: Vec<_> = m.columns.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            ["id", "queue", "status", "start", "wait", "#9", "talk"]
        );
        assert_eq!(m.columns[5].at, ColumnRef::Position(8));
        assert_eq!(
            m.times[TimeField::Ended as usize],
            [Source::Plus(Base::Time(TimeField::Answered), 6)]
        );
        assert_eq!(m.times[TimeField::Abandoned as usize][1], Source::Column(5));
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_key_and_value() {
        let text = r##"
[csv]
delimiter = "||"
quote = ""
timezone = "Mars/Olympus"
time_format = "%Q"
tolerance = "soon"
channel = "fax"
merged = [["a"]]
[csv.columns]
queue = "#0"
outcome = "#5"
date_of = "#2"
[csv.empty]
nowhere = ["0"]
[csv.outcomes]
X = "maybe"
[csv.times]
offered_at = "answered_at + #3"
ended_at = "abandoned_at + #4"
[[csv.skip]]
reason = "Bad Reason"
outcome = "gone"
"##;
        let got = problems(text);
        let keys: Vec<_> = got.iter().map(|(k, _)| k.as_str()).collect();
        for key in [
            "csv.delimiter",
            "csv.header",
            "csv.timezone",
            "csv.time_format",
            "csv.tolerance",
            "csv.channel",
            "csv.columns.call_id",
            "csv.columns.queue",
            "csv.columns.date_of",
            "csv.outcomes.X",
            "csv.times.offered_at[0]",
            "csv.times.ended_at[0]",
            "csv.times.offered_at",
            "csv.skip[0].reason",
            "csv.skip[0].outcome",
            "csv.merged[0]",
            "csv.empty.nowhere",
        ] {
            assert!(keys.contains(&key), "no problem for {key}: {got:#?}");
        }
        let text_of = |key: &str| got.iter().find(|(k, _)| k == key).unwrap().1.clone();
        assert!(text_of("csv.delimiter").contains("\"||\""));
        assert!(text_of("csv.timezone").contains("Mars/Olympus"));
        assert!(text_of("csv.columns.queue").contains("#0"));
        assert!(text_of("csv.outcomes.X").contains("maybe"));
        assert!(text_of("csv.skip[0].reason").contains("Bad Reason"));
        let shown = Mapping::parse(text).unwrap_err().to_string();
        assert_eq!(shown.lines().count(), got.len() + 1, "{shown}");
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused() {
        let got = problems("[csv]\nheader = true\ndelimeter = \";\"\n");
        assert_eq!(got[0].0, "(syntax)");
        assert!(got[0].1.contains("delimeter"), "{got:?}");
        let got = problems("[csv]\nheader = \"yes\"\n");
        assert_eq!(got[0].0, "(syntax)");
        assert_eq!(problems("")[0].1, "missing field `csv`");
    }

    #[test]
    fn names_without_a_header_must_be_listed_and_positions_need_nothing() {
        let text = MINIMAL.replace("header = true", "header = false");
        let got = problems(&text);
        assert!(got
            .iter()
            .any(|(k, m)| k == "csv.columns.queue" && m.contains("\"queue\"")));
        let listed = MINIMAL.replace(
            "header = true",
            "header = false\nnames = [\"id\", \"queue\", \"status\", \"start\", \"wait\", \"talk\"]",
        );
        Mapping::parse(&listed).unwrap();
        let missing = listed.replace(", \"talk\"]", "]");
        let got = problems(&missing);
        assert_eq!(
            got,
            [(
                "csv.times.ended_at[0]".into(),
                "not one of csv.names, got \"talk\"".into()
            )]
        );
    }

    #[test]
    fn merged_columns_must_be_adjacent_when_their_positions_are_known() {
        let text = format!("{MINIMAL}\n").replace(
            "header = true",
            "header = true\nmerged = [[\"#4\", \"#5\"], [\"#4\", \"#6\"]]",
        );
        let got = problems(&text);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "csv.merged[1]");
    }

    #[test]
    fn an_outcome_that_maps_to_answered_needs_answered_at() {
        let text = MINIMAL.replace("answered_at = \"start + wait\"\n", "");
        assert_eq!(
            problems(&text),
            [(
                "csv.times.answered_at".into(),
                "required: csv.outcomes maps \"ANSWERED\" to answered_at".into()
            )]
        );
    }

    #[test]
    fn a_plus_needs_spaces_around_it_so_that_column_names_may_hold_one() {
        let text = MINIMAL.replace("\"start + wait\"\n", "\"vru+line\"\n");
        let m = Mapping::parse(&text).unwrap();
        assert!(m.columns.iter().any(|c| c.name == "vru+line"));
        let glued = MINIMAL.replace("\"answered_at + talk\"", "\"answered_at+talk\"");
        let got = problems(&glued);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "csv.times.ended_at[0]");
        assert!(got[0].1.contains("answered_at+talk"), "{got:?}");
    }
}
