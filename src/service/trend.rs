//! `/api/v1/trend`: how the service level went and how today compares, per queue and
//! center-wide. Three answers a supervisor asks for:
//!
//! - the last 24 hours in interval points (final records, and the intervals not final yet as
//!   they stand now);
//! - today's share of intervals that met the target;
//! - today so far against the same weekday last week up to the same time of day, from the
//!   evidence store (`null`: no history there).
//!
//! Every service level is counted by the definition of the criterion that sets the scope's
//! target (the running profile's hardest `service_level` criterion for it; 9.3.1 and 80 %
//! without one), so the trend, the tile and the alert agree. The live part is built under the
//! state's lock; last week is read from the store after it, on its own read-only connection.

use super::state::State;
use crate::alert::{Measure, ScopeKind};
use crate::engine::Scope;
use crate::kpi::{CallCounts, ServiceLevelDefinition};
use crate::report::sums::RecordBody;
use crate::staffing::TARGET_SERVICE_LEVEL;
use crate::time::{Granularity, Millis, HOUR};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The span of the points.
pub const TREND_HOURS: i64 = 24;
const DAY: Millis = 24 * HOUR;
const WEEK: Millis = 7 * DAY;

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// The live clock; `null` before the first event.
    pub as_of: Option<String>,
    pub interval_minutes: i64,
    pub hours: i64,
    pub scopes: Vec<ScopeTrend>,
}

/// One scope's trend. `queue` is `null` for the center.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeTrend {
    pub queue: Option<String>,
    /// The criterion that sets the target, `null` without a profile criterion.
    pub criterion: Option<String>,
    pub target: f64,
    /// The definition every service level here is counted by.
    pub definition: String,
    pub points: Vec<Point>,
    pub today: Today,
    /// Same weekday last week, from its start to the same time of day; `null` when the
    /// evidence store holds no interval of it (or there is no store).
    pub last_week: Option<Span>,
    #[serde(skip)]
    definition_kept: ServiceLevelDefinition,
    #[serde(skip)]
    subject: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub start: String,
    pub offered: u64,
    pub service_level: Option<f64>,
    /// Whether the interval is final (else it can still change).
    #[serde(rename = "final")]
    pub is_final: bool,
    /// Whether it met the target; `null` without a call counted.
    pub met: Option<bool>,
}

/// Today so far.
#[derive(Debug, Clone, Serialize)]
pub struct Today {
    pub offered: u64,
    pub service_level: Option<f64>,
    /// Today's intervals with a call counted, and those at or above the target.
    pub intervals_judged: u64,
    pub intervals_met: u64,
    pub met_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Span {
    pub from: String,
    pub to: String,
    pub offered: u64,
    pub service_level: Option<f64>,
}

/// What to read from the evidence store once the lock is released.
#[derive(Debug)]
pub struct LastWeek {
    pub store: PathBuf,
    from: Millis,
    to: Millis,
    from_text: String,
    to_text: String,
}

/// The trend of every scope `sees` admits (`queue`: only that one), built under the lock;
/// and what to read for last week.
pub fn live(
    state: &State,
    queue: Option<&str>,
    sees: impl Fn(Option<&str>) -> bool,
) -> (Trend, Option<LastWeek>) {
    let at = state.clock();
    let engine = &state.engine;
    let calendar = engine.calendar();
    let iv = engine.config().interval_minutes * crate::time::MINUTE;
    let mut scopes: Vec<(Scope, Option<String>)> = Vec::new();
    if queue.is_none() && sees(None) {
        scopes.push((Scope::Center, None));
    }
    let names = &engine.names().queues;
    for q in names.ids_by_name() {
        let name = names.name(q).to_string();
        if queue.map_or(true, |w| w == name) && sees(Some(&name)) {
            scopes.push((Scope::Queue(q), Some(name)));
        }
    }
    let live = at > Millis::MIN;
    let rows = if live {
        super::intervals::rows(state, at - TREND_HOURS * HOUR + iv, at + iv)
    } else {
        Vec::new()
    };
    let today_start = live.then(|| calendar.period(Granularity::Day, at).start);
    // Each scope's rows, grouped once (not a pass over every row per scope).
    let mut by_scope: HashMap<Option<String>, Vec<&super::intervals::Row>> = HashMap::new();
    for r in &rows {
        let key = match r.record.scope {
            "center" => None,
            "queue" => r.record.queue.clone(),
            _ => continue,
        };
        by_scope.entry(key).or_default().push(r);
    }
    let out = scopes
        .into_iter()
        .map(|(scope, name)| {
            let (criterion, target, definition) = target_of(state, &name);
            let short = engine.config().short_abandon;
            let mine = by_scope.get(&name).into_iter().flatten();
            let mut today = Today {
                offered: 0,
                service_level: None,
                intervals_judged: 0,
                intervals_met: 0,
                met_share: None,
            };
            let points = mine
                .map(|r| {
                    let (met, counted) = definition.met_and_counted(&r.record.counts);
                    let sl = crate::kpi::ratio(met as f64, counted as f64);
                    let hit = sl.map(|v| v >= target);
                    let start = r.record.start.clone();
                    let in_today = today_start.is_some_and(|s| {
                        crate::time::rfc3339::parse(&start).is_some_and(|t| t >= s)
                    });
                    if let (true, Some(hit)) = (in_today, hit) {
                        today.intervals_judged += 1;
                        today.intervals_met += u64::from(hit);
                    }
                    Point {
                        start,
                        offered: r.record.counts.offered,
                        service_level: sl,
                        is_final: r.is_final,
                        met: hit,
                    }
                })
                .collect();
            if live {
                let counts = engine
                    .tally(scope, Granularity::Day, at)
                    .map_or_else(CallCounts::default, |t| t.counts);
                today.offered = counts.offered;
                today.service_level = definition.service_level(&counts);
            }
            today.met_share =
                crate::kpi::ratio(today.intervals_met as f64, today.intervals_judged as f64);
            ScopeTrend {
                subject: name
                    .as_ref()
                    .map_or(String::new(), |n| format!("queue:{n}")),
                queue: name,
                criterion,
                target,
                definition: definition.stamp(short),
                points,
                today,
                last_week: None,
                definition_kept: definition,
            }
        })
        .collect();
    let last_week = match (today_start, &state.config.evidence.path) {
        (Some(start), Some(store)) if state.evidence.is_some() => Some(LastWeek {
            store: store.clone(),
            from: start - WEEK,
            to: at - WEEK,
            from_text: calendar.format(start - WEEK),
            to_text: calendar.format(at - WEEK),
        }),
        _ => None,
    };
    let trend = Trend {
        as_of: live.then(|| calendar.format(at)),
        interval_minutes: engine.config().interval_minutes,
        hours: TREND_HOURS,
        scopes: out,
    };
    (trend, last_week)
}

/// The criterion, target and definition of the service level of the scope named `name`.
fn target_of(
    state: &State,
    name: &Option<String>,
) -> (Option<String>, f64, ServiceLevelDefinition) {
    let (kind, n) = match name {
        None => (ScopeKind::Center, ""),
        Some(n) => (ScopeKind::Queue, n.as_str()),
    };
    let c = state
        .alerts
        .as_ref()
        .and_then(|a| a.profile().hardest(Measure::ServiceLevel, kind, n));
    match c {
        Some(c) => (Some(c.id.clone()), c.limits_for(n).threshold, c.definition),
        None => (None, TARGET_SERVICE_LEVEL, ServiceLevelDefinition::RULE),
    }
}

/// Fills each scope's `last_week` from the store: the latest revision of each interval
/// record that starts within the span, added up. A store that cannot be read leaves them
/// `null` (and says why in the log).
pub fn fill_last_week(trend: &mut Trend, q: &LastWeek) {
    let sums = match read_span(&q.store, q) {
        Ok(sums) => sums,
        Err(e) => {
            tracing::warn!(store = %q.store.display(), error = %e, "last week's intervals cannot be read");
            return;
        }
    };
    for s in &mut trend.scopes {
        if let Some(counts) = sums.get(&s.subject) {
            s.last_week = Some(Span {
                from: q.from_text.clone(),
                to: q.to_text.clone(),
                offered: counts.offered,
                service_level: s.definition_kept.service_level(counts),
            });
        }
    }
}

/// Call counts by subject (`""`: the center; `queue:NAME`) of the intervals starting in
/// `[q.from, q.to)`, each at its latest revision.
fn read_span(store: &Path, q: &LastWeek) -> anyhow::Result<HashMap<String, CallCounts>> {
    let conn = Connection::open_with_flags(store, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // `at` is text in the center's zone: the index narrows to a day either side (offsets
    // differ across a DST change), the instants decide.
    let mut stmt = conn.prepare(
        "SELECT subject, at, body FROM evidence WHERE kind = 'interval' AND at >= ?1 AND at < ?2 \
         ORDER BY seq",
    )?;
    let wide = |t: Millis| crate::time::rfc3339::format(t, &chrono::Utc);
    let mut rows = stmt.query([wide(q.from - DAY), wide(q.to + DAY)])?;
    let mut latest: HashMap<(String, Millis), CallCounts> = HashMap::new();
    while let Some(row) = rows.next()? {
        let subject: String = row.get(0)?;
        let at: String = row.get(1)?;
        let Some(start) = crate::time::rfc3339::parse(&at) else {
            continue;
        };
        if start < q.from || start >= q.to {
            continue;
        }
        let body: String = row.get(2)?;
        let record: RecordBody = serde_json::from_str(&body)?;
        latest.insert((subject, start), record.counts());
    }
    let mut out: HashMap<String, CallCounts> = HashMap::new();
    for ((subject, _), counts) in latest {
        *out.entry(subject).or_default() += counts;
    }
    Ok(out)
}
