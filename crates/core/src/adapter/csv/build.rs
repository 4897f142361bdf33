//! One split row → one `call.completed` event, or the reason it gives none.
//!
//! Order of checks (the first failing one names the reason): outcome (`missing_field:outcome`,
//! `bad_value:outcome`, `skipped:outcome_<value>`), skip rules (`skipped:<reason>`), call id
//! and queue (`missing_field:…`), then the times: `offered_at`, the outcome's time, `ended_at`
//! (`missing_field:<time>`, `missing_field:date`, `bad_timestamp`, `bad_value:<duration
//! column>` for a duration that is not whole seconds or is longer than a day,
//! `inconsistent_times`).

use super::mapping::{Base, ColId, Column, Mapping, Outcome, SkipRule, Source, TimeField};
use super::row::Splitter;
use super::times::{place, seconds, MAX_TS};
use crate::event::{Body, Completed, CompletedOutcome, Event, Id};
use crate::reject::RejectReason;
use crate::time::Millis;
use chrono::{NaiveDate, NaiveDateTime};

/// The fields of one row, looked up by mapped column.
pub struct Row<'a> {
    pub fields: &'a Splitter,
    /// Field position of each mapped column in this file (`None`: not in it).
    pub positions: &'a [Option<usize>],
    pub columns: &'a [Column],
}

impl<'a> Row<'a> {
    /// The value of column `c`, `None` when the row has no such field, it is empty, or it is
    /// one of the column's values that mean "absent".
    pub fn get(&self, c: ColId) -> Option<&'a str> {
        let value = self.fields.field(self.positions[c]?)?;
        let column = &self.columns[c];
        (!value.is_empty() && !column.empty.iter().any(|e| e == value)).then_some(value)
    }
}

/// The last date parsed: rows of one export mostly share it.
#[derive(Debug, Default)]
pub struct DateCache {
    text: String,
    date: Option<NaiveDate>,
}

/// Builds the event of `row`.
pub fn event(m: &Mapping, row: &Row, cache: &mut DateCache) -> Result<Event, RejectReason> {
    let outcome = match m.outcome {
        None => None,
        Some(c) => {
            let value = row.get(c).ok_or(RejectReason::MissingField("outcome"))?;
            match m.outcomes.get(value) {
                Some(Outcome::Ignored(why)) => return Err(RejectReason::Skipped(why)),
                Some(o) => Some(*o),
                None => return Err(RejectReason::BadValue("outcome")),
            }
        }
    };
    if let Some(rule) = m.skip.iter().find(|r| skips(r, row, outcome)) {
        return Err(RejectReason::Skipped(rule.reason));
    }
    let call = call_id(m, row)?;
    let queue = row
        .get(m.queue)
        .ok_or(RejectReason::MissingField("queue"))?;
    let mut t = Times {
        m,
        row,
        cache,
        resolved: [None; 4],
    };
    let offered_at = t
        .resolve(TimeField::Offered)?
        .ok_or(RejectReason::MissingField("offered_at"))?;
    let outcome = match outcome {
        Some(Outcome::Answered) => CompletedOutcome::Answered(t.required(TimeField::Answered)?),
        Some(Outcome::Abandoned) => CompletedOutcome::Abandoned(t.required(TimeField::Abandoned)?),
        _ => match t.resolve(TimeField::Answered)? {
            Some(at) => CompletedOutcome::Answered(at),
            None => CompletedOutcome::Abandoned(t.required(TimeField::Abandoned)?),
        },
    };
    let (outcome, ended_at) = match outcome {
        CompletedOutcome::Answered(at) => {
            let at = in_order(offered_at, at, m.tolerance)?;
            t.resolved[TimeField::Answered as usize] = Some(at);
            let end = match t.resolve(TimeField::Ended)? {
                Some(end) => Some(in_order(at, end, m.tolerance)?),
                None => None,
            };
            (CompletedOutcome::Answered(at), end)
        }
        // An abandoned call has no conversation: its end, if the row has one, is not used.
        CompletedOutcome::Abandoned(at) => (
            CompletedOutcome::Abandoned(in_order(offered_at, at, m.tolerance)?),
            None,
        ),
    };
    let last = match outcome {
        CompletedOutcome::Answered(at) | CompletedOutcome::Abandoned(at) => ended_at.unwrap_or(at),
    };
    let agent = match outcome {
        CompletedOutcome::Answered(_) => m.agent.and_then(|c| row.get(c)).map(Id::from),
        CompletedOutcome::Abandoned(_) => None,
    };
    Ok(Event {
        ts: last,
        event_id: None,
        body: Body::Completed(Box::new(Completed {
            call,
            queue: Id::from(queue),
            channel: m.channel,
            customer: m.customer.and_then(|c| row.get(c)).map(Id::from),
            offered_at,
            outcome,
            ended_at,
            agent,
            resolved: None,
        })),
    })
}

/// `later` if it is not before `earlier` by more than `tolerance` (then it is moved up to
/// `earlier`).
fn in_order(earlier: Millis, later: Millis, tolerance: Millis) -> Result<Millis, RejectReason> {
    if later >= earlier {
        Ok(later)
    } else if earlier - later <= tolerance {
        Ok(earlier)
    } else {
        Err(RejectReason::InconsistentTimes)
    }
}

fn skips(rule: &SkipRule, row: &Row, outcome: Option<Outcome>) -> bool {
    (rule.outcome.is_none() || rule.outcome == outcome)
        && rule.empty.iter().all(|&c| row.get(c).is_none())
        && rule.present.iter().all(|&c| row.get(c).is_some())
        && rule
            .equals
            .iter()
            .all(|(c, values)| row.get(*c).is_some_and(|v| values.iter().any(|x| x == v)))
}

/// The call id: its columns joined with `-`.
fn call_id(m: &Mapping, row: &Row) -> Result<Id, RejectReason> {
    let mut id = Id::default();
    for (i, &c) in m.call_id.iter().enumerate() {
        let part = row.get(c).ok_or(RejectReason::MissingField("call_id"))?;
        if i > 0 {
            id.push('-');
        }
        id.push_str(part);
    }
    Ok(id)
}

/// Resolves the times of one row, each from the first of its sources that is present.
struct Times<'m, 'r, 'a, 'c> {
    m: &'m Mapping,
    row: &'r Row<'a>,
    cache: &'c mut DateCache,
    resolved: [Option<Millis>; 4],
}

impl Times<'_, '_, '_, '_> {
    fn required(&mut self, field: TimeField) -> Result<Millis, RejectReason> {
        self.resolve(field)?
            .ok_or(RejectReason::MissingField(field.name()))
    }

    fn resolve(&mut self, field: TimeField) -> Result<Option<Millis>, RejectReason> {
        let m = self.m;
        let mut found = None;
        for source in &m.times[field as usize] {
            found = match source {
                Source::Column(c) => self.column(*c, field)?,
                Source::Plus(base, d) => {
                    let base = match base {
                        Base::Time(f) => self.resolved[*f as usize],
                        Base::Column(c) => self.column(*c, field)?,
                    };
                    match (base, self.row.get(*d)) {
                        (Some(base), Some(text)) => Some(
                            base + seconds(text)
                                .ok_or(RejectReason::BadValue(m.columns[*d].name))?,
                        ),
                        _ => None,
                    }
                }
            };
            if found.is_some() {
                break;
            }
        }
        if let Some(t) = found {
            if !(0..MAX_TS).contains(&t) {
                return Err(RejectReason::BadTimestamp);
            }
        }
        self.resolved[field as usize] = found;
        Ok(found)
    }

    /// A time column of `field`: a date-time, or a time of day on the row's date placed
    /// within 12 hours of the time `field` follows (and, in an hour a DST change repeats, not
    /// before that time less the tolerance when one of its two instants allows it).
    fn column(&mut self, c: ColId, field: TimeField) -> Result<Option<Millis>, RejectReason> {
        let Some(text) = self.row.get(c) else {
            return Ok(None);
        };
        let clock = &self.m.clock;
        let Some(date_column) = self.m.date else {
            return clock
                .datetime(text)
                .map(Some)
                .ok_or(RejectReason::BadTimestamp);
        };
        let time = clock.time(text).ok_or(RejectReason::BadTimestamp)?;
        let date = self.date(date_column)?;
        let reference = self.reference(field, date)?;
        let not_before = follows(field)
            .and_then(|before| self.resolved[before as usize])
            .map(|t| t - self.m.tolerance);
        Ok(Some(
            clock.utc_not_before(place(date, time, reference), not_before),
        ))
    }

    fn date(&mut self, c: ColId) -> Result<NaiveDate, RejectReason> {
        let text = self.row.get(c).ok_or(RejectReason::MissingField("date"))?;
        if self.cache.date.is_none() || self.cache.text != text {
            self.cache.date = self.m.clock.date(text);
            self.cache.text.clear();
            self.cache.text.push_str(text);
        }
        self.cache.date.ok_or(RejectReason::BadTimestamp)
    }

    /// The local time a time of day of `field` is placed near: `date_of` for `offered_at`,
    /// `offered_at` for the answer or abandon, the answer for `ended_at`.
    fn reference(
        &mut self,
        field: TimeField,
        date: NaiveDate,
    ) -> Result<Option<NaiveDateTime>, RejectReason> {
        let Some(before) = follows(field) else {
            let Some(text) = self.m.date_of.and_then(|c| self.row.get(c)) else {
                return Ok(None);
            };
            let time = self.m.clock.time(text).ok_or(RejectReason::BadTimestamp)?;
            return Ok(Some(date.and_time(time)));
        };
        Ok(self.resolved[before as usize].map(|t| self.m.clock.local(t)))
    }
}

/// The time `field` follows: the offer for the answer or abandon, the answer for the end.
fn follows(field: TimeField) -> Option<TimeField> {
    match field {
        TimeField::Offered => None,
        TimeField::Answered | TimeField::Abandoned => Some(TimeField::Offered),
        TimeField::Ended => Some(TimeField::Answered),
    }
}
