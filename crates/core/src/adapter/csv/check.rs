//! Validation of a mapping file: raw values into typed ones, every problem collected with its
//! key and the bad value.

use super::mapping::{
    problem, Base, ColId, Column, ColumnRef, Mapping, Outcome, SkipRule, Source, TimeField,
};
use super::raw::{OneOrMany, RawCsv, RawSkip, RawTimes};
use super::times::{Clock, Format};
use crate::event::Channel;
use crate::intern::intern;
use crate::problem::Problem;
use crate::time;
use chrono_tz::Tz;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Turns raw values into typed ones, collecting every problem.
#[derive(Default)]
pub struct Checker {
    problems: Vec<Problem>,
    columns: Vec<Column>,
    /// Names given by `names`, when the input has no header.
    names: Option<Vec<String>>,
    header: bool,
}

impl Checker {
    fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(problem(key, message));
    }

    pub fn mapping(mut self, raw: RawCsv) -> Result<Mapping, Vec<Problem>> {
        let delimiter = self.byte("csv.delimiter", &raw.delimiter, false);
        let quote = self.byte("csv.quote", &raw.quote, true);
        if quote.is_some() && quote == delimiter {
            self.problem(
                "csv.quote",
                format!("same as the delimiter, got {:?}", raw.quote),
            );
        }
        self.header = raw.header.unwrap_or_else(|| {
            self.problem(
                "csv.header",
                "required: true when the first line of each file names the columns",
            );
            false
        });
        if let Some(names) = &raw.names {
            let mut seen = std::collections::HashSet::new();
            for (i, n) in names.iter().enumerate() {
                if n.trim().is_empty() || !seen.insert(n.as_str()) {
                    self.problem(
                        format!("csv.names[{i}]"),
                        format!("empty or repeated, got {n:?}"),
                    );
                }
            }
            if names.is_empty() {
                self.problem("csv.names", "empty list");
            }
            self.names = Some(names.clone());
        }
        let tz: Tz = raw.timezone.parse().unwrap_or_else(|_| {
            self.problem(
                "csv.timezone",
                format!("not an IANA time zone, got {:?}", raw.timezone),
            );
            Tz::UTC
        });
        let clock = Clock {
            tz,
            date: self.format("csv.date_format", &raw.date_format),
            time: self.format("csv.time_format", &raw.time_format),
            datetime: self.format("csv.datetime_format", &raw.datetime_format),
        };
        let tolerance = time::parse_duration(&raw.tolerance).unwrap_or_else(|e| {
            self.problem("csv.tolerance", e);
            0
        });
        let sort_window = time::parse_duration(&raw.sort_window).unwrap_or_else(|e| {
            self.problem("csv.sort_window", e);
            0
        });
        let channel = Channel::parse(&raw.channel).unwrap_or_else(|| {
            self.problem(
                "csv.channel",
                format!(
                    "must be voice, chat, email, sms, video or social, got {:?}",
                    raw.channel
                ),
            );
            Channel::Voice
        });

        let c = raw.columns;
        let call_id = match c.call_id.map(OneOrMany::list) {
            Some(list) if !list.is_empty() => list
                .iter()
                .enumerate()
                .filter_map(|(i, n)| self.column(&format!("csv.columns.call_id[{i}]"), n))
                .collect(),
            _ => {
                self.problem(
                    "csv.columns.call_id",
                    "required: a column or a list of columns",
                );
                Vec::new()
            }
        };
        let queue = match &c.queue {
            Some(q) => self.column("csv.columns.queue", q),
            None => {
                self.problem("csv.columns.queue", "required");
                None
            }
        };
        let mut optional = |key: &str, name: &Option<String>| {
            name.as_ref()
                .and_then(|n| self.column(&format!("csv.columns.{key}"), n))
        };
        let customer = optional("customer", &c.customer);
        let agent = optional("agent", &c.agent);
        let outcome = optional("outcome", &c.outcome);
        let date = optional("date", &c.date);
        let date_of = optional("date_of", &c.date_of);
        if let (Some(of), None) = (&c.date_of, &c.date) {
            self.problem(
                "csv.columns.date_of",
                format!("needs csv.columns.date, got {of:?}"),
            );
        }

        let outcomes = self.outcomes(&raw.outcomes, c.outcome.is_some());
        let times = self.times(raw.times, &outcomes, c.outcome.is_some());
        let skip = raw
            .skip
            .into_iter()
            .enumerate()
            .map(|(i, rule)| self.skip_rule(i, rule, c.outcome.is_some()))
            .collect();
        let merged = raw
            .merged
            .iter()
            .enumerate()
            .filter_map(|(i, pair)| self.merged_pair(i, pair))
            .collect();
        for (name, values) in raw.empty {
            match self.columns.iter_mut().find(|col| col.name == name) {
                Some(col) => col.empty = values.list(),
                None => self.problem(
                    format!("csv.empty.{name}"),
                    format!("not a column the mapping reads, got {name:?}"),
                ),
            }
        }
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        Ok(Mapping {
            delimiter: delimiter.unwrap_or(b','),
            quote,
            header: self.header,
            names: self.names,
            trim: raw.trim,
            merged,
            clock,
            tolerance,
            sort: raw.sort,
            sort_window,
            channel,
            columns: self.columns,
            call_id,
            queue: queue.unwrap_or_default(),
            customer,
            agent,
            outcome,
            date,
            date_of,
            outcomes,
            times,
            skip,
        })
    }

    /// One ASCII character (or, if `may_be_empty`, none).
    fn byte(&mut self, key: &str, text: &str, may_be_empty: bool) -> Option<u8> {
        match text.as_bytes() {
            [] if may_be_empty => None,
            [b] if b.is_ascii() && !matches!(b, b'\n' | b'\r') => Some(*b),
            _ => {
                self.problem(key, format!("must be one ASCII character, got {text:?}"));
                None
            }
        }
    }

    fn format(&mut self, key: &str, text: &str) -> Format {
        Format::new(text).unwrap_or_else(|e| {
            self.problem(key, e);
            Format::new("%s").expect("a valid format")
        })
    }

    /// The column named `text` (`#N` for position N from 1), registered once.
    fn column(&mut self, key: &str, text: &str) -> Option<ColId> {
        if let Some(i) = self.columns.iter().position(|c| c.name == text) {
            return Some(i);
        }
        let at = match text.strip_prefix('#') {
            Some(n) => match n.parse::<usize>() {
                Ok(n) if n >= 1 => ColumnRef::Position(n - 1),
                _ => {
                    self.problem(key, format!("a position is #1, #2, …, got {text:?}"));
                    return None;
                }
            },
            None if text.trim().is_empty() => {
                self.problem(key, format!("empty column name, got {text:?}"));
                return None;
            }
            None => {
                match &self.names {
                    Some(names) if !names.iter().any(|n| n == text) => {
                        self.problem(key, format!("not one of csv.names, got {text:?}"));
                        return None;
                    }
                    None if !self.header => {
                        self.problem(
                            key,
                            format!("a column name needs csv.header or csv.names, got {text:?}"),
                        );
                        return None;
                    }
                    _ => {}
                }
                ColumnRef::Name(text.to_string())
            }
        };
        self.columns.push(Column {
            name: intern(text),
            at,
            empty: Vec::new(),
        });
        Some(self.columns.len() - 1)
    }

    fn outcomes(
        &mut self,
        raw: &BTreeMap<String, String>,
        have_column: bool,
    ) -> FxHashMap<String, Outcome> {
        if have_column && raw.is_empty() {
            self.problem(
                "csv.outcomes",
                "csv.columns.outcome needs its values mapped here",
            );
        }
        if !have_column && !raw.is_empty() {
            self.problem("csv.outcomes", "needs csv.columns.outcome");
        }
        let mut out = FxHashMap::default();
        for (value, meaning) in raw {
            let outcome = match meaning.as_str() {
                "answered" => Outcome::Answered,
                "abandoned" => Outcome::Abandoned,
                "ignored" => Outcome::Ignored(intern(&format!("outcome_{}", code(value)))),
                _ => {
                    self.problem(
                        format!("csv.outcomes.{value}"),
                        format!("must be answered, abandoned or ignored, got {meaning:?}"),
                    );
                    continue;
                }
            };
            out.insert(value.clone(), outcome);
        }
        out
    }

    fn times(
        &mut self,
        raw: RawTimes,
        outcomes: &FxHashMap<String, Outcome>,
        have_outcome: bool,
    ) -> [Vec<Source>; 4] {
        let lists = [
            raw.offered_at,
            raw.answered_at,
            raw.abandoned_at,
            raw.ended_at,
        ];
        let mut times: [Vec<Source>; 4] = Default::default();
        for (field, list) in TimeField::ALL.into_iter().zip(lists) {
            let list = list.map(OneOrMany::list).unwrap_or_default();
            for (i, text) in list.iter().enumerate() {
                let key = format!("csv.times.{}[{i}]", field.name());
                if let Some(source) = self.source(&key, field, text) {
                    times[field as usize].push(source);
                }
            }
        }
        if times[0].is_empty() {
            self.problem("csv.times.offered_at", "required: at least one source");
        }
        if !have_outcome && times[1].is_empty() && times[2].is_empty() {
            self.problem(
                "csv.times.answered_at",
                "without csv.columns.outcome, answered_at or abandoned_at is required",
            );
        } else {
            for (field, outcome) in [
                (TimeField::Answered, Outcome::Answered),
                (TimeField::Abandoned, Outcome::Abandoned),
            ] {
                let value = outcomes.iter().find(|(_, &o)| o == outcome).map(|(v, _)| v);
                if let (Some(value), true) = (value, times[field as usize].is_empty()) {
                    self.problem(
                        format!("csv.times.{}", field.name()),
                        format!("required: csv.outcomes maps {value:?} to {}", field.name()),
                    );
                }
            }
        }
        times
    }

    /// `column`, or `base + duration_column` where base is an earlier time or a column.
    /// The `+` needs a space on each side: column names may hold one (`vru+line`).
    fn source(&mut self, key: &str, field: TimeField, text: &str) -> Option<Source> {
        let Some((base, duration)) = text.split_once(" + ") else {
            let glued = text.split_once('+').map(|(base, _)| base.trim());
            if TimeField::ALL.iter().any(|f| Some(f.name()) == glued) {
                self.problem(
                    key,
                    format!("write the sum as \"time + column\", got {text:?}"),
                );
                return None;
            }
            return Some(Source::Column(self.column(key, text.trim())?));
        };
        let (base, duration) = (base.trim(), duration.trim());
        let base = match TimeField::ALL.into_iter().find(|f| f.name() == base) {
            Some(other) if field.may_use(other) => Base::Time(other),
            Some(_) => {
                self.problem(
                    key,
                    format!(
                        "{} cannot start from {base} (offered_at, then answered_at or \
                         abandoned_at, then ended_at), got {text:?}",
                        field.name()
                    ),
                );
                return None;
            }
            None => Base::Column(self.column(key, base)?),
        };
        Some(Source::Plus(base, self.column(key, duration)?))
    }

    fn skip_rule(&mut self, i: usize, raw: RawSkip, have_outcome: bool) -> SkipRule {
        let key = format!("csv.skip[{i}]");
        if raw.reason.is_empty()
            || !raw
                .reason
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            self.problem(
                format!("{key}.reason"),
                format!("lowercase letters, digits and _, got {:?}", raw.reason),
            );
        }
        let outcome = raw.outcome.as_deref().and_then(|o| match o {
            "answered" if have_outcome => Some(Outcome::Answered),
            "abandoned" if have_outcome => Some(Outcome::Abandoned),
            _ => {
                self.problem(
                    format!("{key}.outcome"),
                    format!("answered or abandoned, with csv.columns.outcome, got {o:?}"),
                );
                None
            }
        });
        let mut columns = |what: &str, list: Option<OneOrMany>| -> Vec<ColId> {
            let list = list.map(OneOrMany::list).unwrap_or_default();
            list.iter()
                .filter_map(|n| self.column(&format!("{key}.{what}"), n))
                .collect()
        };
        let empty = columns("empty", raw.empty);
        let present = columns("present", raw.present);
        let equals: Vec<_> = raw
            .equals
            .into_iter()
            .filter_map(|(n, v)| Some((self.column(&format!("{key}.equals.{n}"), &n)?, v.list())))
            .collect();
        if raw.outcome.is_none() && empty.is_empty() && present.is_empty() && equals.is_empty() {
            self.problem(&key, "needs a condition: outcome, empty, present or equals");
        }
        SkipRule {
            reason: intern(&raw.reason),
            outcome,
            empty,
            present,
            equals,
        }
    }

    fn merged_pair(&mut self, i: usize, pair: &[String]) -> Option<(ColId, ColId)> {
        let key = format!("csv.merged[{i}]");
        let [a, b] = pair else {
            self.problem(key, format!("a pair of adjacent columns, got {pair:?}"));
            return None;
        };
        let (a, b) = (self.column(&key, a)?, self.column(&key, b)?);
        let position = |c: &Column, names: &Option<Vec<String>>| match (&c.at, names) {
            (ColumnRef::Position(p), _) => Some(*p),
            (ColumnRef::Name(n), Some(names)) => names.iter().position(|x| x == n),
            (ColumnRef::Name(_), None) => None, // checked against each header
        };
        let (pa, pb) = (
            position(&self.columns[a], &self.names),
            position(&self.columns[b], &self.names),
        );
        if let (Some(pa), Some(pb)) = (pa, pb) {
            if pb != pa + 1 {
                self.problem(key, format!("not adjacent columns, got {pair:?}"));
                return None;
            }
        }
        Some((a, b))
    }
}

/// `text` as part of a reason code: lowercase, anything but letters and digits as `_`.
fn code(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}
