//! The alert families of `/metrics`: which alerts fire, their transitions and deliveries, and
//! the window sums (`callpulse_window_*`, `callpulse_center_window_*`,
//! `callpulse_component_window_*`) the generated Prometheus rules add up across instances.

use super::catalogue::{f, Family};
use super::out::{Label, Out, Texts};
use super::table::table;
use crate::alert::{ScopeKind, Sum, WindowKind};
use crate::engine::{Scope, Window};
use crate::service::alerts::{rolling_sums, window_sums};
use crate::service::state::State;
use crate::time::Millis;
use prometheus::proto::MetricType;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use MetricType::{COUNTER, GAUGE};

/// The alert families with fixed names.
pub const FAMILIES: [Family; 3] = [
    f(
        "callpulse_alert_firing",
        GAUGE,
        &["criterion", "clause", "queue", "component", "severity"],
        "1 while the certification alert fires, 0 otherwise; one series per criterion and scope judged (queue and component empty when center-wide).",
    ),
    f(
        "callpulse_alert_transitions_total",
        COUNTER,
        &["criterion", "transition"],
        "Alert transitions: pending, dropped (the breach ended before its hold time), firing, resolved.",
    ),
    f(
        "callpulse_alert_notifications_total",
        COUNTER,
        &["receiver", "result"],
        "Alert deliveries by receiver (alertmanager, webhook) and result (ok, error, dropped); queue/dropped: not queued, the delivery queue was full.",
    ),
];

const SCOPES: [ScopeKind; 3] = [ScopeKind::Center, ScopeKind::Queue, ScopeKind::Component];

/// Every window family: (name, labels, help).
pub fn window_families() -> Vec<(String, Vec<&'static str>, &'static str)> {
    let mut out = Vec::new();
    for kind in SCOPES {
        for sum in kind.sums() {
            let mut labels: Vec<&'static str> = kind.label().into_iter().collect();
            labels.push("window");
            out.push((
                format!("{}{}", kind.family_prefix(), sum.name()),
                labels,
                sum.help(),
            ));
        }
    }
    out
}

/// The alert families of `state` at live time `at`; `queues` are the labels of the queues by
/// id, `rolling` the sums of the rolling windows (15 and 60 minutes) of scopes already read.
pub(super) fn collect(
    state: &State,
    at: Millis,
    queues: &[Label],
    rolling: &FxHashMap<Scope, [Window; 2]>,
    out: &mut Out,
) {
    let Some(live) = &state.alerts else {
        return;
    };
    let t = table();
    let engine = &state.engine;
    let mut texts = Texts::default();
    // The criterion and clause of each criterion, copied once.
    let mut criteria: FxHashMap<*const crate::alert::Criterion, [Label; 2]> = FxHashMap::default();
    let firing_family = t.id("callpulse_alert_firing");
    for (c, name, firing) in live.alerts.known() {
        let [id, clause] = *criteria
            .entry(c as *const _)
            .or_insert_with(|| [out.text(&c.id), out.text(&c.clause)]);
        let scope_name = texts.get(out, name);
        let (queue, component) = match c.scope {
            ScopeKind::Center => (Label::Static(""), Label::Static("")),
            ScopeKind::Queue => (scope_name, Label::Static("")),
            ScopeKind::Component => (Label::Static(""), scope_name),
        };
        let severity = Label::Static(c.limits_for(name).severity.name());
        out.push(
            firing_family,
            &[id, clause, queue, component, severity],
            f64::from(u8::from(firing)),
        );
    }
    let transitions = t.id("callpulse_alert_transitions_total");
    for ((criterion, transition), n) in &live.transitions {
        let labels = [texts.get(out, criterion), texts.get(out, transition)];
        out.push(transitions, &labels, *n as f64);
    }
    if let Some(n) = &live.notifier {
        let fam = t.id("callpulse_alert_notifications_total");
        let c = &n.counts;
        for (receiver, result, count) in [
            ("alertmanager", "ok", &c.alertmanager_ok),
            ("alertmanager", "error", &c.alertmanager_error),
            ("webhook", "ok", &c.webhook_ok),
            ("webhook", "error", &c.webhook_error),
            ("webhook", "dropped", &c.webhook_dropped),
            ("queue", "dropped", &c.queue_dropped),
        ] {
            let labels = [Label::Static(receiver), Label::Static(result)];
            out.push(fam, &labels, count.load(Ordering::Relaxed) as f64);
        }
    }
    if at == Millis::MIN {
        return;
    }
    // The sums each (scope, window) of the profile needs.
    let mut needed: BTreeMap<(ScopeKind, WindowKind), BTreeSet<Sum>> = BTreeMap::new();
    for c in &live.profile().criteria {
        needed
            .entry((c.scope, c.window))
            .or_default()
            .extend(c.measure.sums().iter().copied());
    }
    let observed = state.observed();
    let names = engine.names();
    // Every scope of a kind, with its label (none for the center).
    let components: Vec<Label> = (0..names.components.len() as u32)
        .map(|c| texts.get(out, names.components.name(c).as_str()))
        .collect();
    let scopes = |kind: ScopeKind| -> Vec<(Scope, Option<Label>)> {
        match kind {
            ScopeKind::Center => vec![(Scope::Center, None)],
            ScopeKind::Queue => (0..queues.len() as u32)
                .map(|q| (Scope::Queue(q), Some(queues[q as usize])))
                .collect(),
            ScopeKind::Component => (0..components.len() as u32)
                .map(|c| (Scope::Component(c), Some(components[c as usize])))
                .collect(),
        }
    };
    for ((kind, window), sums) in needed {
        let families: Vec<(Sum, usize)> = sums
            .iter()
            .map(|&sum| {
                (
                    sum,
                    t.id(&format!("{}{}", kind.family_prefix(), sum.name())),
                )
            })
            .collect();
        let window_label = Label::Static(window.name());
        for (scope, label) in scopes(kind) {
            let s = match (window, rolling.get(&scope)) {
                (WindowKind::Last15m, Some([w, _])) | (WindowKind::Last60m, Some([_, w])) => {
                    rolling_sums(w)
                }
                _ => window_sums(&observed, scope, window, at),
            };
            let labels = match label {
                Some(l) => [l, window_label],
                None => [window_label, window_label],
            };
            let labels = &labels[..if label.is_some() { 2 } else { 1 }];
            for &(sum, fam) in &families {
                if let Some(value) = sum.of(&s) {
                    out.push(fam, labels, value);
                }
            }
        }
    }
}
