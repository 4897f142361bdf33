//! Every series the Grafana dashboard and the generated rules ask for is exported by callpulse
//! (or recorded by the rules, or Prometheus's own).

use super::files::*;
use super::promql::*;
use crate::support::service::Service;
use callpulse::service::metrics;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The sample names of a text exposition.
pub(crate) fn exported(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
        .collect()
}

/// Every PromQL expression of the dashboard (panel targets, variable queries, annotations),
/// with where it is.
pub(crate) fn dashboard_exprs(dashboard: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                let here = map
                    .get("title")
                    .or_else(|| map.get("name"))
                    .and_then(Value::as_str)
                    .map(|t| format!("{at} / {t}"))
                    .unwrap_or_else(|| at.to_string());
                for (k, child) in map {
                    match (k.as_str(), child) {
                        ("expr", Value::String(e)) => out.push((here.clone(), e.clone())),
                        ("definition", Value::String(e)) => out.push((here.clone(), e.clone())),
                        _ => walk(child, &here, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|c| walk(c, at, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for part in ["panels", "templating", "annotations"] {
        walk(&dashboard[part], "dashboard", &mut out);
    }
    out
}

pub(crate) fn dashboard() -> Value {
    let path = deploy("grafana/dashboards/callpulse.json");
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The generated rules: recorded names, and every expression with the rule's name.
pub(crate) fn rules() -> (BTreeSet<String>, Vec<(String, String)>) {
    let doc = one_yaml(&deploy("prometheus/callpulse.rules.yml"));
    let mut recorded = BTreeSet::new();
    let mut exprs = Vec::new();
    for group in doc["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            let name = rule
                .get("record")
                .or_else(|| rule.get("alert"))
                .and_then(Value::as_str)
                .unwrap()
                .to_string();
            if rule.get("record").is_some() {
                recorded.insert(name.clone());
            }
            exprs.push((
                format!("rule {name}"),
                str_of(&rule["expr"], &name).to_string(),
            ));
        }
    }
    (recorded, exprs)
}

/// Series Prometheus makes itself: alert states of the rules, and the scrape health.
pub(crate) const PROMETHEUS_OWN: &[&str] = &["ALERTS", "ALERTS_FOR_STATE", "up"];

/// The exposition of a service state fed the scenario of `prometheus_rules` (every kind of
/// event: forecasts, surveys, complaints, an outage), 100 minutes of it: series the demo's
/// simulator never makes (it sends no forecasts) are exported there.
pub(crate) fn fed_state_exposition() -> String {
    let shared = crate::service_golden::fed_state();
    metrics::render(&metrics::Metrics::new(&shared))
}

#[test]
fn every_series_of_the_dashboard_and_the_rules_is_exported_by_callpulse() {
    if !pyyaml() {
        return;
    }
    // A live `callpulse demo`, once its window sums are there.
    let demo = Service::start(&["demo", "--backfill", "2h"], &[]);
    let live = demo.wait_for("the demo's window sums", Duration::from_secs(60), |text| {
        (text.contains("callpulse_window_calls_offered{")
            && text.contains("callpulse_center_window_monitored_seconds{"))
        .then(|| text.to_string())
    });
    let mut have = exported(&live);
    let demo_names = have.len();
    have.extend(exported(&fed_state_exposition()));
    assert!(
        demo_names > 80 && have.contains("callpulse_window_forecast_calls"),
        "the expositions look too small: {have:?}"
    );
    let (recorded, rule_exprs) = rules();
    have.extend(recorded.iter().cloned());
    have.extend(PROMETHEUS_OWN.iter().map(|s| s.to_string()));

    let dash = dashboard();
    let mut exprs = dashboard_exprs(&dash);
    let dashboard_count = exprs.len();
    exprs.extend(rule_exprs);
    // Labels named in label_values(metric, label) are not metric names.
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut used = BTreeSet::new();
    for (at, expr) in &exprs {
        let mut names = metric_names(expr);
        if let Some(args) = expr.trim().strip_prefix("label_values(") {
            if let Some((_, label)) = args.trim_end_matches(')').rsplit_once(',') {
                names.remove(label.trim());
            }
        }
        assert!(!names.is_empty(), "{at}: no metric in {expr:?}");
        for name in names {
            if !have.contains(&name) {
                missing.entry(name.clone()).or_default().push(at.clone());
            }
            used.insert(name);
        }
    }
    // The dashboard is built on the recording rules.
    for rule in [
        "queue:callpulse_service_level:15m",
        "queue:callpulse_answer_rate:60m",
        "queue:callpulse_asa_seconds:15m",
        "center:callpulse_availability:month",
        "center:callpulse_service_level:day",
    ] {
        assert!(
            dashboard_exprs(&dash).iter().any(|(_, e)| e.contains(rule)),
            "the dashboard does not show {rule}"
        );
    }
    assert!(dashboard_count >= 20, "{dashboard_count} expressions");
    assert!(
        missing.is_empty(),
        "{} series used in deploy/ are not exported by callpulse (nor recorded by the rules):\n{}",
        missing.len(),
        missing
            .iter()
            .map(|(name, at)| format!("  {name}  (in {})", at.join("; ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "{} series checked in {} expressions",
        used.len(),
        exprs.len()
    );
}
