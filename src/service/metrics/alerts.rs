//! The alert families of `/metrics`: which alerts fire, their transitions and deliveries, and
//! the window sums (`callpulse_window_*`, `callpulse_center_window_*`,
//! `callpulse_component_window_*`) the generated Prometheus rules add up across instances.

use super::catalogue::{desc, f, family, Family};
use super::out::Out;
use crate::alert::{ScopeKind, Sum, WindowKind};
use crate::service::alerts::{scopes, window_sums};
use crate::service::state::State;
use crate::time::Millis;
use prometheus::core::Desc;
use prometheus::proto::MetricType;
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
pub fn window_families() -> Vec<(String, Vec<String>, &'static str)> {
    let mut out = Vec::new();
    for kind in SCOPES {
        for sum in kind.sums() {
            let mut labels: Vec<String> = kind.label().into_iter().map(String::from).collect();
            labels.push("window".into());
            out.push((
                format!("{}{}", kind.family_prefix(), sum.name()),
                labels,
                sum.help(),
            ));
        }
    }
    out
}

/// Descriptors of every family here, for the collector.
pub fn descs() -> Vec<Desc> {
    let mut out: Vec<Desc> = FAMILIES
        .iter()
        .map(|f| {
            desc(
                f.name.into(),
                f.help,
                f.labels.iter().map(|l| l.to_string()).collect(),
            )
        })
        .collect();
    for (name, labels, help) in window_families() {
        out.push(desc(name, help, labels));
    }
    out
}

pub(super) fn collect(state: &State, at: Millis, out: &mut Out) {
    let Some(live) = &state.alerts else {
        return;
    };
    for (c, name, firing) in live.alerts.known() {
        let (queue, component) = match c.scope {
            ScopeKind::Center => ("", ""),
            ScopeKind::Queue => (name, ""),
            ScopeKind::Component => ("", name),
        };
        let severity = c.limits_for(name).severity.name();
        out.push(
            family("callpulse_alert_firing"),
            &[&c.id, &c.clause, queue, component, severity],
            f64::from(u8::from(firing)),
        );
    }
    for ((criterion, transition), n) in &live.transitions {
        out.push(
            family("callpulse_alert_transitions_total"),
            &[criterion, transition],
            *n as f64,
        );
    }
    if let Some(n) = &live.notifier {
        let c = &n.counts;
        for (receiver, result, count) in [
            ("alertmanager", "ok", &c.alertmanager_ok),
            ("alertmanager", "error", &c.alertmanager_error),
            ("webhook", "ok", &c.webhook_ok),
            ("webhook", "error", &c.webhook_error),
            ("webhook", "dropped", &c.webhook_dropped),
            ("queue", "dropped", &c.queue_dropped),
        ] {
            out.push(
                family("callpulse_alert_notifications_total"),
                &[receiver, result],
                count.load(Ordering::Relaxed) as f64,
            );
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
    for ((kind, window), sums) in needed {
        for (scope, name) in scopes(&state.engine, kind) {
            let s = window_sums(&observed, scope, window, at);
            for sum in &sums {
                let Some(value) = sum.of(&s) else { continue };
                let mut labels: Vec<(&'static str, String)> = kind
                    .label()
                    .map(|l| (l, name.clone()))
                    .into_iter()
                    .collect();
                labels.push(("window", window.name().to_string()));
                out.gauge(
                    &format!("{}{}", kind.family_prefix(), sum.name()),
                    sum.help(),
                    labels,
                    value,
                );
            }
        }
    }
}
