//! What the live service answers, byte for byte: `/metrics` and every JSON endpoint of a
//! state fed the scenario of `prometheus_rules` (every kind of event: forecasts, surveys,
//! complaints, an outage, a rejected line; 100 minutes of it, alerts judged every minute),
//! compared with golden files in `tests/fixtures/service/` (`CALLPULSE_BLESS=1` rewrites
//! them; review the diff). A refactoring must leave them as they are.
//!
//! Only what the process itself measures is left out of `/metrics`: the `process_*` families
//! (CPU, memory, file descriptors) and the event-delay histogram, whose delays are measured
//! against the wall clock. In the board, `built_ms` (when it was built, by the wall clock) is
//! written as 0.

use crate::support::service::route_get;
use callpulse::alert::profile::Profile;
use callpulse::config::{Config, BUILT_IN_PROFILE};
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::{Shared, State};
use callpulse::time::MINUTE;
use std::path::PathBuf;

/// The state of a service that has read 100 minutes of the scenario (and one bad line).
pub(crate) fn fed_state() -> Shared {
    let mut cfg = Config::default();
    cfg.engine.lateness = 0;
    cfg.engine.grace = MINUTE;
    cfg.alerts.every = MINUTE;
    let profile = Profile::load(BUILT_IN_PROFILE).unwrap();
    let alerts = LiveAlerts::new(profile, &cfg.alerts, "http://test/api/v1/alerts".into()).unwrap();
    let shared = Shared::new(State::new(cfg, vec!["scenario".into()]).with_alerts(alerts));
    let events = crate::prometheus_rules::scenario();
    let end = crate::prometheus_rules::T0 + 100 * MINUTE;
    let mut lines: Vec<String> = events
        .iter()
        .take_while(|(t, _)| *t < end)
        .map(|(_, line)| line.clone())
        .collect();
    // One line the service rejects, so that /api/v1/rejected has an entry.
    lines.insert(5, r#"{"type":"call.offered","ts":"not a time"}"#.into());
    crate::support::service::feed_all(&shared, &lines, end);
    {
        let mut state = shared.lock();
        state.idle_advance(end);
        state.drain();
    }
    shared
}

/// `/metrics` without what the process measures of itself.
fn comparable_metrics(text: &str) -> String {
    let own = |l: &str| {
        let name = l
            .trim_start_matches("# HELP ")
            .trim_start_matches("# TYPE ");
        name.starts_with("process_") || name.starts_with("callpulse_event_delay_seconds")
    };
    let mut out: String = text
        .lines()
        .filter(|l| !own(l))
        .flat_map(|l| [l, "\n"])
        .collect();
    if out.is_empty() {
        out.push('\n');
    }
    out
}

/// `body` with the board's `"built_ms":N` written as `"built_ms":0`.
fn without_build_time(body: &str) -> String {
    const KEY: &str = "\"built_ms\":";
    let Some(at) = body.find(KEY) else {
        return body.to_string();
    };
    let digits = body[at + KEY.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .count();
    format!("{}{KEY}0{}", &body[..at], &body[at + KEY.len() + digits..])
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/service")
        .join(name)
}

#[tokio::test]
async fn metrics_and_every_json_answer_of_a_fed_service_are_byte_identical_to_the_golden_files() {
    let shared = fed_state();
    let (status, metrics) = route_get(&shared, "/metrics").await;
    assert_eq!(status, 200);
    let metrics = comparable_metrics(&metrics);
    assert!(
        metrics.contains("callpulse_calls_offered_total{queue=")
            && metrics.contains("callpulse_window_forecast_calls"),
        "the exposition lacks the scenario's series:\n{metrics}"
    );
    crate::support::golden::check(&golden("metrics.txt"), &metrics);
    for (path, file) in [
        ("/api/v1/kpis", "kpis.json"),
        ("/api/v1/kpis?window=60m", "kpis-60m.json"),
        ("/api/v1/intervals", "intervals.json"),
        ("/api/v1/outages", "outages.json"),
        ("/api/v1/alerts", "alerts.json"),
        ("/api/v1/rejected", "rejected.json"),
        ("/api/v1/board", "board.json"),
        ("/api/v1/callbacks", "callbacks.json"),
    ] {
        let (status, body) = route_get(&shared, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.len() > 20, "{path} is nearly empty: {body}");
        crate::support::golden::check(&golden(file), &without_build_time(&body));
    }
}
