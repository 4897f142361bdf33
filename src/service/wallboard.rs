//! The wallboard at `/`: a page for a wall screen (and a laptop) that shows every queue's
//! live KPIs as a tile, center-wide totals, availability and a banner per firing alert,
//! pushed over Server-Sent Events (`/api/v1/stream`) as soon as the input changed something,
//! at most once a second and at least every 5 s.
//!
//! Every event is one [`Board`]: the `/api/v1/kpis` snapshot (same code), the trend of the
//! last hour per queue (5-minute buckets of the live minute windows), the running profile's
//! targets per queue (threshold, at-risk band, minimum volume: the page colours nothing by
//! itself), the active alerts as `/api/v1/alerts` shows them, the callback list's oldest
//! callers per queue (`/api/v1/callbacks`), the colour rules per measure and whether a new
//! alert flashes or sounds (the profile's `[[colours.*]]` and the `http.wallboard` file).
//! `/api/v1/board` answers the same payload once, which the page reads at load before the
//! stream's first event.
//!
//! The page's HTML, CSS and JS are compiled into the binary and served under a
//! Content-Security-Policy that allows nothing from elsewhere.

use super::alerts;
use super::auth::Grant;
use super::callbacks;
use super::kpis::{self, LiveWindow, ScopeKpis, Snapshot};
use super::state::State;
use crate::alert::{Comparison, Measure, Phase, Profile, ScopeKind, WindowKind};
use crate::colours::ColourRules;
use crate::config::OnNewAlert;
use crate::engine::Scope;
use crate::time::{Millis, MINUTE};
use serde::Serialize;
use std::collections::BTreeMap;

/// The page.
pub const INDEX_HTML: &str = include_str!("wallboard/index.html");

/// A file the page loads, compiled in: where it is served, its content type and its text.
#[derive(Debug)]
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const CSS_TYPE: &str = "text/css; charset=utf-8";
const JS_TYPE: &str = "text/javascript; charset=utf-8";

/// `src/service/wallboard/FILE`, served at `/wallboard/FILE`.
macro_rules! asset {
    ($file:literal, $type:expr) => {
        Asset {
            path: concat!("/wallboard/", $file),
            content_type: $type,
            body: include_str!(concat!("wallboard/", $file)),
        }
    };
}

/// Every file the page loads: the board's style and script; `auth.js`, which asks for an
/// access token when the API wants one; the callbacks panel; the agents view (`?view=agents`);
/// the 24-hour chart and today's comparison on each tile, from `/api/v1/trend`
/// ([`super::trend`]); the colour rules; the new-alert signal.
pub const ASSETS: [Asset; 12] = [
    asset!("wallboard.css", CSS_TYPE),
    asset!("wallboard.js", JS_TYPE),
    asset!("auth.js", JS_TYPE),
    asset!("callbacks.js", JS_TYPE),
    asset!("callbacks.css", CSS_TYPE),
    asset!("agents.js", JS_TYPE),
    asset!("agents.css", CSS_TYPE),
    asset!("trend.js", JS_TYPE),
    asset!("trend.css", CSS_TYPE),
    asset!("colours.js", JS_TYPE),
    asset!("signal.js", JS_TYPE),
    asset!("signal.css", CSS_TYPE),
];

/// The asset served at `path`.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// Nothing from another origin, no inline script or style, no plugin, no frame around it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The stream sends a board as soon as the input changed something, but at most once per
/// this many milliseconds ...
pub const PUSH_AT_MOST_EVERY_MS: u64 = 1_000;
/// ... and at least once per this many while nothing changes (the clocks on the page, the
/// waits that grow, and a sign of life for proxies and for the page's stall detector).
pub const PUSH_AT_LEAST_EVERY_MS: u64 = 5_000;

/// Minutes per trend bucket, and buckets in the trend (the last hour).
pub const TREND_MINUTES: i64 = 5;
pub const TREND_POINTS: i64 = 12;

/// One event of the stream.
#[derive(Debug, Clone, Serialize)]
pub struct Board<'a> {
    /// When the board was built (wall clock, ms since the Unix epoch): each board of the
    /// stream is built anew (shared by the screens open at that moment).
    pub built_ms: Millis,
    /// The profile's id, or `null` when alerts are off.
    pub profile: Option<ProfileHead>,
    /// The page's language when the viewer chose none: `zh` for the built-in YD/T 2823-2015
    /// profile (and without a profile), `en` for another profile.
    pub default_lang: &'static str,
    /// Exactly `/api/v1/kpis?window=W` (15m unless the stream was asked for another).
    pub kpis: Snapshot,
    /// The center's KPIs of today so far.
    pub today: Option<ScopeKpis>,
    /// The center's availability today (clause 9.4.1), like each component's in `kpis`.
    pub availability_today: Option<f64>,
    /// The last hour per queue and center-wide, oldest bucket first. The page no longer
    /// draws it: each tile charts the last 24 hours of `/api/v1/trend` (`wallboard/trend.js`).
    pub trend: Trend,
    /// The profile's targets: `center` and per queue name.
    pub targets: Targets,
    /// Active (pending and firing) alerts, as `/api/v1/alerts` lists them; `null` when off.
    pub alerts: Option<Vec<alerts::AlertView<'a>>>,
    /// The callback list, as `/api/v1/callbacks` shows it, with the oldest
    /// [`callbacks::BOARD_ENTRIES`] callers of each queue.
    pub callbacks: callbacks::Callbacks,
    /// Colour rules per measure: the wallboard file's (`http.wallboard`) over the profile's.
    pub colours: ColourRules,
    /// What the page does when an alert starts firing while it is open.
    pub on_new_alert: OnNewAlert,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProfileHead {
    pub id: String,
    pub standard: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub bucket_minutes: i64,
    /// Start of each bucket (RFC 3339 in the configured zone).
    pub starts: Vec<String>,
    pub center: Vec<TrendPoint>,
    pub queues: BTreeMap<String, Vec<TrendPoint>>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct TrendPoint {
    pub offered: u64,
    pub service_level: Option<f64>,
}

/// What each measure shown is held to, for one scope.
pub type ScopeTargets = BTreeMap<&'static str, Target>;

#[derive(Debug, Clone, Serialize, Default)]
pub struct Targets {
    pub center: ScopeTargets,
    pub queues: BTreeMap<String, ScopeTargets>,
}

/// The strictest enabled criterion of one measure for one scope.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub criterion: String,
    pub clause: String,
    pub name_zh: String,
    pub name_en: String,
    /// `<` (breached below the threshold) or `>`.
    pub comparison: Comparison,
    pub threshold: f64,
    /// A value on the good side of the threshold by less than this is "at risk": the
    /// criterion's hysteresis, or [`default_margin`] when it has none.
    pub at_risk: f64,
    /// Below this volume the rule judges nothing (the page shows the figure uncoloured).
    pub min_volume: u64,
    /// The window the alert judges over (the tile shows the board's window).
    pub window: WindowKind,
}

/// The at-risk band of a criterion without hysteresis: half the distance to 100 % (at most
/// 2 points) for a ratio judged from below, 10 % of the threshold otherwise.
pub fn default_margin(measure: Measure, comparison: Comparison, threshold: f64) -> f64 {
    let ratio = !matches!(measure, Measure::AsaSeconds | Measure::OutageSeconds);
    if ratio && comparison == Comparison::Below {
        ((1.0 - threshold) / 2.0).clamp(0.0, 0.02)
    } else {
        (threshold * 0.1).abs()
    }
}

/// The measures a tile colours.
const SHOWN: [Measure; 4] = [
    Measure::ServiceLevel,
    Measure::AnswerRate,
    Measure::AsaSeconds,
    Measure::Availability,
];

/// The target of `measure` for the scope named `name` (`""` for the center): of the enabled
/// criteria, the one hardest to meet.
fn target(profile: &Profile, measure: Measure, kind: ScopeKind, name: &str) -> Option<Target> {
    let c = profile.hardest(measure, kind, name)?;
    let l = c.limits_for(name);
    Some(Target {
        criterion: c.id.clone(),
        clause: c.clause.clone(),
        name_zh: c.name_zh.clone(),
        name_en: c.name_en.clone(),
        comparison: c.comparison,
        threshold: l.threshold,
        at_risk: if l.hysteresis > 0.0 {
            l.hysteresis
        } else {
            default_margin(measure, c.comparison, l.threshold)
        },
        min_volume: l.min_volume,
        window: c.window,
    })
}

fn targets_of(profile: &Profile, kind: ScopeKind, name: &str) -> ScopeTargets {
    SHOWN
        .iter()
        .filter_map(|&m| target(profile, m, kind, name).map(|t| (m.name(), t)))
        .collect()
}

/// The last hour of `scope` at live time `at`, in [`TREND_POINTS`] buckets.
fn trend_of(state: &State, scope: Scope, at: Millis) -> Vec<TrendPoint> {
    (0..TREND_POINTS)
        .rev()
        .map(|k| {
            let w = state
                .engine
                .window(scope, at - k * TREND_MINUTES * MINUTE, TREND_MINUTES);
            TrendPoint {
                offered: w.counts.offered,
                service_level: w.counts.service_level(),
            }
        })
        .collect()
}

/// The board of `window` now.
pub fn board(state: &State, window: LiveWindow) -> Board<'_> {
    let snapshot = kpis::snapshot(state, window, None).expect("all queues always exist");
    let at = state.clock();
    let live = at > Millis::MIN;
    let calendar = state.engine.calendar();
    let names = &state.engine.names().queues;
    let queue_ids = 0..names.len() as u32;

    let today = live
        .then(|| kpis::snapshot(state, LiveWindow::Today, None))
        .flatten()
        .and_then(|s| s.center);
    let trend = Trend {
        bucket_minutes: TREND_MINUTES,
        starts: if live {
            let last = at.div_euclid(MINUTE) * MINUTE;
            (0..TREND_POINTS)
                .rev()
                .map(|k| calendar.format(last - (k * TREND_MINUTES + TREND_MINUTES - 1) * MINUTE))
                .collect()
        } else {
            Vec::new()
        },
        center: if live {
            trend_of(state, Scope::Center, at)
        } else {
            Vec::new()
        },
        queues: queue_ids
            .clone()
            .map(|q| {
                let points = if live {
                    trend_of(state, Scope::Queue(q), at)
                } else {
                    Vec::new()
                };
                (names.name(q).to_string(), points)
            })
            .collect(),
    };
    let profile = state.alerts.as_ref().map(|a| a.profile());
    let targets = profile.map_or_else(Targets::default, |p| Targets {
        center: targets_of(p, ScopeKind::Center, ""),
        queues: queue_ids
            .map(|q| {
                let name = names.name(q);
                (name.to_string(), targets_of(p, ScopeKind::Queue, name))
            })
            .collect(),
    });
    let alerts = state.alerts.as_ref().map(|live| {
        live.alerts
            .active()
            .filter(|a| matches!(a.state, Phase::Pending | Phase::Firing))
            .map(|a| alerts::view(a, calendar))
            .collect()
    });
    Board {
        built_ms: crate::time::wall_clock(),
        profile: profile.map(|p| ProfileHead {
            id: p.id.clone(),
            standard: p.standard.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
        }),
        default_lang: match profile {
            Some(p) if p.id != crate::config::BUILT_IN_PROFILE => "en",
            _ => "zh",
        },
        kpis: snapshot,
        today,
        availability_today: if live {
            kpis::availability_today(state, Scope::Center, at)
        } else {
            None
        },
        trend,
        targets,
        alerts,
        // Every queue, numbers in full: what a viewer does not see is taken out by
        // `visible::board`.
        callbacks: callbacks::list(state, &Grant::default(), None, callbacks::BOARD_ENTRIES),
        colours: {
            let file = &state.config.service.wallboard;
            profile.map_or_else(|| file.colours.clone(), |p| file.colours.over(&p.colours))
        },
        on_new_alert: state.config.service.wallboard.on_new_alert,
    }
}

/// The board of `window` now, as JSON (built and written under the caller's lock).
pub fn board_json(state: &State, window: LiveWindow) -> String {
    serde_json::to_string(&board(state, window)).expect("a board serialises")
}
