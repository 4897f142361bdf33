//! The report's model: final interval records (the latest revision of each scope and start)
//! added up per month of the center's time zone and per scope, every KPI re-derived from the
//! sums with [`crate::kpi`] (never an average of ratios); the A.4 criteria and scores; the
//! service-level stability; availability and outages; alert history; data completeness.

use super::criteria::{self, CriterionRow, Efficiency, Status};
pub use super::figures::Figures;
use super::range::{month_label, Range};
use super::source::{Gathered, IntervalRow, OutageRow, Provenance, ScopeKey};
use super::sums::Sums;
use crate::config::Config;
use crate::kpi::{self, StabilityBand};
use crate::time::{seconds, Granularity, Millis, MINUTE};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub timezone: String,
    pub from: String,
    pub to: String,
    /// Start and end (exclusive) of the range as instants.
    pub start: String,
    pub end: String,
    /// `--queue`: only this queue.
    pub queue: Option<String>,
    pub interval_minutes: i64,
    pub months: Vec<Month>,
    pub stability: Vec<Stability>,
    pub stability_bands: Vec<StabilityBand>,
    pub outages: Vec<OutageEntry>,
    /// Per criterion; `null` when the source keeps no alerts (file input).
    pub alerts: Option<Vec<AlertSummary>>,
    pub completeness: Completeness,
    pub provenance: Provenance,
}

/// One month (cut to the range).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub start: String,
    pub end: String,
    /// The center (unless `--queue`), then each queue by name.
    pub scopes: Vec<ScopeMonth>,
    pub components: Vec<ComponentMonth>,
    pub completeness: MonthCompleteness,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopeMonth {
    /// `center` or `queue`.
    pub scope: &'static str,
    pub queue: Option<String>,
    pub figures: Figures,
    pub criteria: Vec<CriterionRow>,
    pub efficiency: Efficiency,
}

/// A component's availability in a month (9.4.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentMonth {
    pub component: String,
    pub down_seconds: Option<f64>,
    pub availability: Option<f64>,
    pub outages: u64,
    pub longest_outage_seconds: Option<f64>,
}

/// Intervals expected in a month against those the data covers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthCompleteness {
    pub expected_intervals: u64,
    /// Intervals with a center record.
    pub intervals_with_records: u64,
    pub intervals_with_calls: u64,
    /// Expected intervals in which no call was offered (with or without a record).
    pub intervals_without_calls: u64,
}

/// Service-level stability (9.3.1) of one scope over the report's months.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stability {
    pub scope: &'static str,
    pub queue: Option<String>,
    /// (month, service level) of the months with calls.
    pub monthly_service_levels: Vec<(String, f64)>,
    pub cv: Option<f64>,
    pub score: Option<f64>,
    /// Met when the score is at least 75 (9.3.1); no data below two months with calls.
    pub status: Status,
}

/// The rule's minimum stability score (9.3.1).
pub const STABILITY_MIN_SCORE: f64 = 75.0;

/// One outage against the 30-minute limit (11.2.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutageEntry {
    pub component: String,
    pub start: String,
    pub end: String,
    pub seconds: f64,
    pub cause: String,
    pub within_30_minutes: bool,
    /// Still down where the input ended (file input).
    pub still_down: bool,
}

/// How often one criterion's alert fired in the range, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertSummary {
    pub criterion: String,
    pub clause: String,
    pub name_zh: String,
    pub name_en: String,
    /// Transitions to firing.
    pub fired: u64,
    pub firing_seconds_total: f64,
    pub firing_seconds_longest: f64,
    /// Alerts still firing at the end of the data (their time counted up to it).
    pub still_firing: u64,
    /// The queues, components or center it fired for.
    pub subjects: Vec<String>,
}

/// Data completeness of the whole range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completeness {
    pub expected_intervals: u64,
    pub intervals_with_records: u64,
    pub intervals_with_calls: u64,
    pub intervals_without_calls: u64,
    /// Quality rows of the store that say no call was offered (store only).
    pub quality_rows_without_calls: Option<u64>,
    pub events_read: u64,
    pub events_accepted: u64,
    pub rejected: BTreeMap<String, u64>,
    pub duplicates: u64,
    pub late: u64,
    pub revisions: u64,
    /// `range` (store: the quality rows of the range) or `input` (files: the whole input).
    pub events_cover: &'static str,
    /// Interval records read, every revision, and those kept (the latest of each).
    pub records_read: u64,
    pub records_kept: u64,
}

/// Why a report cannot be built from the data.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("--queue {queue}: no such queue in the data of the range (queues: {known})")]
    UnknownQueue { queue: String, known: String },
}

/// Keeps the latest revision of each scope and interval (a later row wins a tie).
fn latest(rows: Vec<IntervalRow>) -> BTreeMap<(ScopeKey, Millis, usize), IntervalRow> {
    let mut out: BTreeMap<(ScopeKey, Millis, usize), IntervalRow> = BTreeMap::new();
    for r in rows {
        let key = (r.scope.clone(), r.start, r.store);
        match out.get(&key) {
            Some(old) if old.body.revision > r.body.revision => {}
            _ => {
                out.insert(key, r);
            }
        }
    }
    out
}

/// Builds the report of `range` from `g`.
pub fn build(
    cfg: &Config,
    range: &Range,
    g: Gathered,
    queue: Option<&str>,
) -> Result<Report, ModelError> {
    let cal = cfg.engine.calendar();
    let months = range.months(&cal);
    let records_read = g.intervals.len() as u64;
    let kept = latest(g.intervals);
    let month_of = |t: Millis| cal.period(Granularity::Month, t).start;
    let mut sums: BTreeMap<(Millis, ScopeKey), Sums> = BTreeMap::new();
    let mut queues: BTreeSet<String> = BTreeSet::new();
    let mut components: BTreeSet<String> = BTreeSet::new();
    // Per month, the intervals with a center record and those with calls (each interval once,
    // whichever stores recorded it).
    let mut center_intervals: BTreeMap<Millis, (BTreeSet<Millis>, BTreeSet<Millis>)> =
        BTreeMap::new();
    for ((scope, start, _), row) in &kept {
        match scope {
            ScopeKey::Queue(q) => {
                queues.insert(q.clone());
            }
            ScopeKey::Component(c) => {
                components.insert(c.clone());
            }
            ScopeKey::Center => {
                let e = center_intervals.entry(month_of(*start)).or_default();
                e.0.insert(*start);
                if row.body.offered > 0 {
                    e.1.insert(*start);
                }
            }
        }
        sums.entry((month_of(*start), scope.clone()))
            .or_default()
            .add(&row.body);
    }
    if let Some(q) = queue {
        if !queues.contains(q) {
            return Err(ModelError::UnknownQueue {
                queue: q.into(),
                known: queues.iter().cloned().collect::<Vec<_>>().join(", "),
            });
        }
    }
    let mut scopes: Vec<ScopeKey> = Vec::new();
    if queue.is_none() {
        scopes.push(ScopeKey::Center);
    }
    scopes.extend(
        queues
            .iter()
            .filter(|q| queue.map_or(true, |only| only == q.as_str()))
            .map(|q| ScopeKey::Queue(q.clone())),
    );
    let outages: Vec<&OutageRow> = {
        let mut o: Vec<&OutageRow> = g.outages.iter().collect();
        o.sort_by(|a, b| (a.start, &a.component).cmp(&(b.start, &b.component)));
        o
    };
    let empty = Sums::default();
    let mut total = MonthCompleteness::default();
    let mut month_list = Vec::new();
    for m in &months {
        let key = month_of(m.start);
        let period = m.len();
        let in_month: Vec<&&OutageRow> = outages
            .iter()
            .filter(|o| month_of(o.start) == key)
            .collect();
        let center_sums = sums.get(&(key, ScopeKey::Center)).unwrap_or(&empty);
        let longest = in_month
            .iter()
            .map(|o| (o.end - o.start) as f64 / MINUTE as f64)
            .fold(None, |acc: Option<f64>, x| {
                Some(acc.map_or(x, |a| a.max(x)))
            });
        let longest = longest.or(center_sums.monitored.then_some(0.0));
        let scope_months = scopes
            .iter()
            .map(|scope| {
                let s = sums.get(&(key, scope.clone())).unwrap_or(&empty);
                let mut f = Figures::from_sums(s, period);
                if f.threshold_seconds == 0.0 {
                    f.threshold_seconds = seconds(match scope {
                        ScopeKey::Queue(q) => cfg.engine.threshold_for(q),
                        _ => cfg.engine.threshold,
                    });
                }
                let center = *scope == ScopeKey::Center;
                ScopeMonth {
                    scope: if center { "center" } else { "queue" },
                    queue: match scope {
                        ScopeKey::Queue(q) => Some(q.clone()),
                        _ => None,
                    },
                    criteria: criteria::rows(&f, center, longest),
                    efficiency: criteria::efficiency(&f),
                    figures: f,
                }
            })
            .collect();
        let component_months = components
            .iter()
            .map(|c| {
                let s = sums
                    .get(&(key, ScopeKey::Component(c.clone())))
                    .unwrap_or(&empty);
                let f = Figures::from_sums(s, period);
                let mine: Vec<_> = in_month.iter().filter(|o| &o.component == c).collect();
                ComponentMonth {
                    component: c.clone(),
                    down_seconds: f.down_seconds,
                    availability: f.availability,
                    outages: mine.len() as u64,
                    longest_outage_seconds: mine
                        .iter()
                        .map(|o| seconds(o.end - o.start))
                        .fold(None, |acc: Option<f64>, x| {
                            Some(acc.map_or(x, |a| a.max(x)))
                        }),
                }
            })
            .collect();
        let (with_records, with_calls) = center_intervals
            .get(&key)
            .map_or((0, 0), |(r, c)| (r.len() as u64, c.len() as u64));
        let expected = Range::intervals_in(m.start, m.end, &cal);
        let c = MonthCompleteness {
            expected_intervals: expected,
            intervals_with_records: with_records,
            intervals_with_calls: with_calls,
            intervals_without_calls: expected.saturating_sub(with_calls),
        };
        total.expected_intervals += c.expected_intervals;
        total.intervals_with_records += c.intervals_with_records;
        total.intervals_with_calls += c.intervals_with_calls;
        total.intervals_without_calls += c.intervals_without_calls;
        month_list.push(Month {
            month: month_label(m.start, &cal),
            start: cal.format(m.start),
            end: cal.format(m.end),
            scopes: scope_months,
            components: component_months,
            completeness: c,
        });
    }
    let stability = stability(&month_list, &cfg.stability);
    let data_end = kept
        .keys()
        .map(|(_, start, _)| *start + cal.interval_ms())
        .chain(g.alerts.iter().flatten().map(|a| a.at))
        .max()
        .unwrap_or(range.start)
        .min(range.end);
    let alerts = g.alerts.as_ref().map(|a| alert_history(a, data_end));
    let e = g.events;
    Ok(Report {
        timezone: cal.tz().name().to_string(),
        from: range.from.to_string(),
        to: range.to.to_string(),
        start: cal.format(range.start),
        end: cal.format(range.end),
        queue: queue.map(str::to_string),
        interval_minutes: cfg.engine.interval_minutes,
        months: month_list,
        stability,
        stability_bands: cfg.stability.clone(),
        outages: outages
            .iter()
            .map(|o| OutageEntry {
                component: o.component.clone(),
                start: cal.format(o.start),
                end: cal.format(o.end),
                seconds: seconds(o.end - o.start),
                cause: o.cause.clone(),
                within_30_minutes: o.end - o.start <= 30 * MINUTE,
                still_down: o.still_down,
            })
            .collect(),
        alerts,
        completeness: Completeness {
            expected_intervals: total.expected_intervals,
            intervals_with_records: total.intervals_with_records,
            intervals_with_calls: total.intervals_with_calls,
            intervals_without_calls: total.intervals_without_calls,
            quality_rows_without_calls: g.no_call_intervals.map(|v| v.len() as u64),
            events_read: e.events_read,
            events_accepted: e.events_accepted,
            rejected: e.rejected,
            duplicates: e.duplicates,
            late: e.late,
            revisions: e.revisions,
            events_cover: match g.provenance {
                Provenance::Stores { .. } => "range",
                Provenance::Files { .. } => "input",
            },
            records_read,
            records_kept: kept.len() as u64,
        },
        provenance: g.provenance,
    })
}

/// The stability of each scope over the months with calls.
fn stability(months: &[Month], bands: &[StabilityBand]) -> Vec<Stability> {
    let Some(first) = months.first() else {
        return Vec::new();
    };
    (0..first.scopes.len())
        .map(|i| {
            let levels: Vec<(String, f64)> = months
                .iter()
                .filter_map(|m| {
                    let s = &m.scopes[i];
                    s.figures.service_level.map(|sl| (m.month.clone(), sl))
                })
                .collect();
            let values: Vec<f64> = levels.iter().map(|(_, v)| *v).collect();
            let cv = kpi::stability_cv(&values);
            let score = cv.map(|cv| kpi::stability_score(cv, bands));
            Stability {
                scope: first.scopes[i].scope,
                queue: first.scopes[i].queue.clone(),
                monthly_service_levels: levels,
                cv,
                score,
                status: match score {
                    None => Status::NoData,
                    Some(s) if s >= STABILITY_MIN_SCORE => Status::Met,
                    Some(_) => Status::NotMet,
                },
            }
        })
        .collect()
}

/// Per criterion: how often it fired, and its total and longest firing time. An alert still
/// firing at `data_end` counts up to it.
fn alert_history(rows: &[super::source::AlertRow], data_end: Millis) -> Vec<AlertSummary> {
    let mut out: BTreeMap<String, AlertSummary> = BTreeMap::new();
    let mut open: BTreeMap<(String, String), Millis> = BTreeMap::new();
    let add_span = |out: &mut BTreeMap<String, AlertSummary>, criterion: &str, ms: Millis| {
        if let Some(s) = out.get_mut(criterion) {
            let secs = seconds(ms.max(0));
            s.firing_seconds_total += secs;
            s.firing_seconds_longest = s.firing_seconds_longest.max(secs);
        }
    };
    for a in rows {
        let key = (a.criterion.clone(), a.subject.clone());
        match a.transition.as_str() {
            "firing" => {
                let s = out
                    .entry(a.criterion.clone())
                    .or_insert_with(|| AlertSummary {
                        criterion: a.criterion.clone(),
                        clause: a.clause.clone(),
                        name_zh: a.name_zh.clone(),
                        name_en: a.name_en.clone(),
                        fired: 0,
                        firing_seconds_total: 0.0,
                        firing_seconds_longest: 0.0,
                        still_firing: 0,
                        subjects: Vec::new(),
                    });
                s.fired += 1;
                if !s.subjects.contains(&a.subject) {
                    s.subjects.push(a.subject.clone());
                }
                open.insert(key, a.firing_since.unwrap_or(a.at));
            }
            "resolved" => {
                if let Some(since) = open.remove(&key) {
                    let end = a.resolved_at.unwrap_or(a.at);
                    add_span(&mut out, &a.criterion, end - since);
                }
            }
            _ => {}
        }
    }
    for ((criterion, _), since) in open {
        add_span(&mut out, &criterion, data_end - since);
        if let Some(s) = out.get_mut(&criterion) {
            s.still_firing += 1;
        }
    }
    out.into_values()
        .map(|mut s| {
            s.subjects.sort();
            s
        })
        .collect()
}

#[cfg(test)]
mod tests;
