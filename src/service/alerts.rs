//! The live service's alerts: the profile's criteria judged over the engine's live state.
//!
//! [`window_sums`] reads the [`Sums`] of a scope over a window at the live clock; the same
//! sums are exported as `callpulse_*window_*` gauges for the generated Prometheus rules.
//! [`LiveAlerts::evaluate`] runs after a batch once the live clock has passed the next
//! evaluation instant (a multiple of `alerts.evaluation_interval`): it judges every
//! criterion for every scope, logs each transition, and hands firing and resolved alerts to
//! the notifier.

use crate::alert::{
    rules, text, Alert, Alerts, Comparison, Observation, Phase, Profile, ScopeKind, Severity, Sums,
    Transition, WindowKind,
};
use crate::config::AlertsConfig;
use crate::engine::{Engine, Scope, Tally, Window};
use crate::notify::{Notifier, Outgoing, Targets};
use crate::time::{Calendar, Granularity, Millis, Period};
use crate::untrusted::Untrusted;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The alerts of a running service.
pub struct LiveAlerts {
    pub alerts: Alerts,
    pub notifier: Option<Notifier>,
    every: Millis,
    next: Millis,
    labels: BTreeMap<String, String>,
    /// Transitions so far, by (criterion, transition name).
    pub transitions: BTreeMap<(String, &'static str), u64>,
    /// Whether alerts are delivered: not while the input's backlog is read at start (the
    /// breaches of the past would be sent as news), from the first evaluation once ready.
    delivering: bool,
}

impl LiveAlerts {
    /// Alerts of `profile`; starts the notifier when `config` names a receiver.
    pub fn new(
        profile: Profile,
        config: &AlertsConfig,
        generator_url: String,
    ) -> std::io::Result<Self> {
        let targets = Targets {
            alertmanagers: config.alertmanagers.clone(),
            webhook: config.webhook.clone(),
            resend: config.resend,
            timeout: config.timeout,
            labels: config.labels.clone(),
            generator_url,
        };
        let notifier = if targets.any() {
            Some(Notifier::start(targets)?)
        } else {
            None
        };
        Ok(LiveAlerts {
            alerts: Alerts::new(Arc::new(profile), config.keep_resolved),
            notifier,
            every: config.every,
            next: Millis::MIN,
            labels: config.labels.clone(),
            transitions: BTreeMap::new(),
            delivering: false,
        })
    }

    pub fn profile(&self) -> &Profile {
        self.alerts.profile()
    }

    /// Whether an evaluation is due at live time `at`.
    /// The alerts' state and the next evaluation's instant, for a checkpoint.
    pub fn save(&self) -> (crate::alert::lifecycle::Saved, Millis) {
        (self.alerts.save(), self.next)
    }

    /// Takes the state of a checkpoint; false (and nothing changes) when it is another
    /// profile's.
    pub fn restore(&mut self, saved: crate::alert::lifecycle::Saved, next: Millis) -> bool {
        let fits = self.alerts.restore(saved);
        if fits {
            self.next = next;
        }
        fits
    }

    pub fn due(&self, at: Millis) -> bool {
        at > Millis::MIN && at >= self.next
    }

    /// Judges every criterion at live time `at` and delivers the transitions. `caught_up`
    /// (whether the service is ready: its input has caught up and nothing holds it back) is
    /// asked only while the backlog's transitions are still held back from delivery.
    pub fn evaluate(
        &mut self,
        state: &Observed,
        caught_up: impl FnOnce() -> bool,
        at: Millis,
    ) -> Vec<Transition> {
        self.next = (at.div_euclid(self.every) + 1) * self.every;
        let observations = observe(state, self.alerts.profile(), at);
        let transitions = self.alerts.evaluate(at, observations);
        let calendar = state.engine.calendar();
        for t in &transitions {
            let a = t.alert();
            *self
                .transitions
                .entry((a.criterion.clone(), t.name()))
                .or_default() += 1;
            log(t, calendar);
        }
        let Some(n) = &self.notifier else {
            return transitions;
        };
        let firing = self.alerts.active().filter(|a| a.state == Phase::Firing);
        if self.delivering {
            for t in transitions.iter().filter(|t| Notifier::delivers(t)) {
                let firing = matches!(t, Transition::Firing(_));
                n.send(self.outgoing(t.alert(), firing, false, calendar));
            }
            // The words re-sent to Alertmanager carry the value of the latest evaluation.
            for a in firing {
                n.send(self.outgoing(a, true, true, calendar));
            }
        } else if caught_up() {
            // Caught up: what fires now is news; what fired and resolved in the backlog is
            // in the log and the API only.
            self.delivering = true;
            for a in firing {
                n.send(self.outgoing(a, true, false, calendar));
            }
        }
        transitions
    }

    /// An alert as sent: labels, annotations and the API's view.
    fn outgoing(&self, a: &Alert, firing: bool, update: bool, calendar: &Calendar) -> Outgoing {
        let (labels, annotations) = self.labels_of(a);
        Outgoing {
            firing,
            update,
            alert: a.clone(),
            view: serde_json::to_value(view(a, calendar)).expect("an alert view serialises"),
            labels,
            annotations,
        }
    }

    /// The labels (as the generated rules set them, plus `alerts.labels`) and annotations.
    pub fn labels_of(&self, a: &Alert) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let profile = self.alerts.profile();
        let c = profile
            .criterion(&a.criterion)
            .expect("an alert's criterion is in its profile");
        let limits = c.limits_for(&a.name);
        let mut labels: BTreeMap<String, String> = self.labels.clone();
        labels.insert("alertname".into(), c.id.clone());
        for (k, v) in rules::labels(profile, c, limits) {
            labels.insert(k.into(), v);
        }
        if let Some(l) = c.scope.label() {
            labels.insert(l.into(), a.name.clone());
        }
        let value = a.value.map_or_else(|| "unknown".into(), text::value);
        let annotations = text::annotations(c, limits, &a.name, &value)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        (labels, annotations)
    }
}

fn log(t: &Transition, calendar: &Calendar) {
    let a = t.alert();
    let since = calendar.format(a.active_since);
    match t {
        Transition::Firing(_) | Transition::Pending(_) => tracing::warn!(
            transition = t.name(), criterion = %a.criterion, clause = %a.clause,
            scope = a.scope.name(), name = %Untrusted::name(&a.name), window = a.window.name(),
            value = ?a.value, threshold = a.threshold, volume = a.volume,
            severity = a.severity.name(),
            since = %since, "alert"
        ),
        Transition::Resolved(_) | Transition::Dropped(_) => tracing::info!(
            transition = t.name(), criterion = %a.criterion, clause = %a.clause,
            scope = a.scope.name(), name = %Untrusted::name(&a.name), window = a.window.name(),
            value = ?a.value, threshold = a.threshold, volume = a.volume,
            severity = a.severity.name(),
            since = %since, seconds = a.duration().map(crate::time::seconds),
            "alert"
        ),
    }
}

/// What the alerts read of the live service.
pub struct Observed<'a> {
    pub engine: &'a Engine,
    /// The newest final interval of each scope, and its tally.
    pub last_closed: &'a FxHashMap<Scope, (Period, Tally)>,
}

/// Every scope of `kind` known to the engine, with its name (empty for the center).
pub fn scopes(engine: &Engine, kind: ScopeKind) -> Vec<(Scope, String)> {
    let names = engine.names();
    match kind {
        ScopeKind::Center => vec![(Scope::Center, String::new())],
        ScopeKind::Queue => (0..names.queues.len() as u32)
            .map(|q| (Scope::Queue(q), names.queues.name(q).to_string()))
            .collect(),
        ScopeKind::Component => (0..names.components.len() as u32)
            .map(|c| (Scope::Component(c), names.components.name(c).to_string()))
            .collect(),
    }
}

/// One observation per criterion and scope at live time `at`.
fn observe(state: &Observed, profile: &Profile, at: Millis) -> Vec<Observation> {
    let mut cache: FxHashMap<(Scope, WindowKind), Sums> = FxHashMap::default();
    let mut out = Vec::new();
    for (i, c) in profile.criteria.iter().enumerate() {
        for (scope, name) in scopes(state.engine, c.scope) {
            let sums = *cache
                .entry((scope, c.window))
                .or_insert_with(|| window_sums(state, scope, c.window, at));
            out.push((i, name, sums));
        }
    }
    out
}

/// The sums of `scope` over `window` at live time `at`.
pub fn window_sums(state: &Observed, scope: Scope, window: WindowKind, at: Millis) -> Sums {
    let engine = state.engine;
    let calendar_window = |g: Granularity| {
        let period = engine.calendar().period(g, at);
        let credited = engine.credited_within(period.start, period.end);
        engine
            .tally(scope, g, at)
            .map_or_else(Sums::default, |t| of_tally(&t, credited))
    };
    match window {
        WindowKind::Last15m | WindowKind::Last60m => {
            let minutes = if window == WindowKind::Last15m {
                15
            } else {
                60
            };
            rolling_sums(&engine.window(scope, at, minutes))
        }
        WindowKind::Interval => calendar_window(Granularity::Interval),
        WindowKind::Day => calendar_window(Granularity::Day),
        WindowKind::Month => calendar_window(Granularity::Month),
        WindowKind::LastInterval => {
            let calendar = engine.calendar();
            let current = calendar.period(Granularity::Interval, at);
            let previous = calendar.period(Granularity::Interval, current.start - 1);
            state
                .last_closed
                .get(&scope)
                .filter(|(period, _)| {
                    period.start >= previous.start - (previous.end - previous.start)
                })
                .map_or_else(Sums::default, |(period, t)| {
                    of_tally(t, period.end - period.start)
                })
        }
        WindowKind::Now => {
            let Scope::Component(id) = scope else {
                return Sums::default();
            };
            let down = engine.components_down();
            let since = down.iter().find(|(c, _, _)| *c == id).map(|(_, s, _)| *s);
            Sums {
                outage_ms: since.map_or(0, |s| at.saturating_sub(s).max(0)),
                ..Sums::default()
            }
        }
    }
}

/// The sums of a rolling window (`Last15m`, `Last60m`) from the engine's sums of its minutes.
pub fn rolling_sums(w: &Window) -> Sums {
    Sums {
        counts: w.counts,
        ..Sums::default()
    }
}

/// The sums of a period tally; `monitored` is the part of the period credited so far.
fn of_tally(t: &Tally, monitored: Millis) -> Sums {
    Sums {
        counts: t.counts,
        survey_responses: t.satisfaction.responses,
        survey_satisfied: t.satisfaction.satisfied,
        complaints_on_time: t.complaints_on_time,
        complaints_overdue: t.complaints_overdue,
        forecast: t.forecast,
        down_ms: if t.monitored { t.down_ms } else { 0 },
        monitored_ms: if t.monitored { monitored } else { 0 },
        outage_ms: 0,
    }
}

/// An alert as `/api/v1/alerts`, the webhook, the wallboard and the evidence rows show it:
/// the one JSON view of an [`Alert`]. It is not the alert's own serialised form (its
/// checkpoint form): times here are in the configured zone and named for readers
/// (`started_at`, `duration_seconds`), the state comes before the scope, and the center's
/// `name` is `null`. The enums serialise as their names (`critical`, `queue`, `15m`, `<`).
#[derive(Debug, Clone, Serialize)]
pub struct AlertView<'a> {
    pub criterion: &'a str,
    pub clause: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub severity: Severity,
    pub state: Phase,
    pub scope: ScopeKind,
    /// The queue or component; `null` for the center.
    pub name: Option<&'a str>,
    pub window: WindowKind,
    pub comparison: Comparison,
    pub threshold: f64,
    pub clear_level: f64,
    pub for_seconds: f64,
    pub value: Option<f64>,
    pub volume: u64,
    pub coefficient: Option<f64>,
    /// When the breach began.
    pub started_at: String,
    pub firing_since: Option<String>,
    pub resolved_at: Option<String>,
    /// From the breach to the resolution.
    pub duration_seconds: Option<f64>,
}

pub fn view<'a>(a: &'a Alert, calendar: &Calendar) -> AlertView<'a> {
    AlertView {
        criterion: &a.criterion,
        clause: &a.clause,
        name_zh: &a.name_zh,
        name_en: &a.name_en,
        severity: a.severity,
        state: a.state,
        scope: a.scope,
        name: (!a.name.is_empty() || a.scope != ScopeKind::Center).then_some(a.name.as_str()),
        window: a.window,
        comparison: a.comparison,
        threshold: a.threshold,
        clear_level: a.clear_level,
        for_seconds: a.for_seconds,
        value: a.value,
        volume: a.volume,
        coefficient: a.coefficient,
        started_at: calendar.format(a.active_since),
        firing_since: a.firing_since.map(|t| calendar.format(t)),
        resolved_at: a.resolved_at.map(|t| calendar.format(t)),
        duration_seconds: a.duration().map(crate::time::seconds),
    }
}
