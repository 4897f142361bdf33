//! `/api/v1/alerts` and the alert gauges through the router, without a process, on a state
//! fed by hand and judged by the shipped YD/T 2823-2015 profile.

use super::center::*;
use crate::support::service::{feed_line, route_get as get_router, sample};
use axum::http::StatusCode;
use callpulse::alert::Profile;
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::{Shared, State};
use callpulse::time::rfc3339;
use serde_json::Value;

/// A service state judging the shipped profile (no receivers: no delivery thread).
fn state_with_profile(profile: &str) -> State {
    let cfg = crate::support::config(&format!(
        "[engine]\nlateness = \"0s\"\n[alerts]\nprofile = \"{profile}\"\n"
    ));
    let alerts = cfg.alerts.clone();
    let state = State::new(cfg, vec!["test".into()]);
    match &alerts.profile {
        None => state,
        Some(name) => {
            let profile = Profile::load(name).unwrap();
            let live = LiveAlerts::new(profile, &alerts, "http://x/api/v1/alerts".into()).unwrap();
            assert!(live.notifier.is_none(), "no receiver configured");
            state.with_alerts(live)
        }
    }
}

/// 25 calls offered to `sales` from 10:00:00, one every 4 s: every fifth answered after 5 s,
/// the others abandoned after 30 s (service level 0.2, answer rate 0.2); and heartbeats of
/// `acd` every 10 s until `until_min` minutes past 10:00. In event-time order.
fn sales_calls_and_heartbeats(until_min: i64) -> Vec<(i64, String)> {
    let t0 = rfc3339::parse("2026-11-02T10:00:00Z").unwrap();
    let mut lines = Vec::new();
    for i in 0..25 {
        let at = t0 + i * 4_000;
        let call = format!("c{i:02}");
        lines.push((
            at,
            format!(
                r#"{{"type":"call.offered","ts":"{}","call_id":"{call}","queue":"sales"}}"#,
                utc(at)
            ),
        ));
        if i % 5 == 0 {
            lines.push((
                at + 5_000,
                format!(
                    r#"{{"type":"call.answered","ts":"{}","call_id":"{call}","agent_id":"a1"}}"#,
                    utc(at + 5_000)
                ),
            ));
        } else {
            lines.push((
                at + 30_000,
                format!(
                    r#"{{"type":"call.abandoned","ts":"{}","call_id":"{call}"}}"#,
                    utc(at + 30_000)
                ),
            ));
        }
    }
    for s in (0..=until_min * 60).step_by(10) {
        let at = t0 + s * 1_000;
        lines.push((
            at,
            format!(
                r#"{{"type":"system.heartbeat","ts":"{}","component":"acd"}}"#,
                utc(at)
            ),
        ));
    }
    lines.sort_by_key(|(at, _)| *at);
    lines
}

/// The sales service-level alert among the active ones, if any.
fn sales_sl(v: &Value) -> Option<Value> {
    v["active"]
        .as_array()?
        .iter()
        .find(|a| a["criterion"] == "service_level_below_80" && a["name"] == "sales")
        .cloned()
}

#[tokio::test]
async fn the_alerts_api_and_gauges_show_a_service_level_breach_pending_then_firing_after_5_minutes()
{
    let shared = Shared::new(state_with_profile("yd-t-2823-2015"));
    let mut first_pending: Option<i64> = None;
    let mut first_firing: Option<i64> = None;
    let mut offered = 0;
    // Feed line by line, draining after each (as the inputs do after each batch), and look at
    // the API after each line: the live clock is the newest event time.
    for (i, (at, line)) in sales_calls_and_heartbeats(8).into_iter().enumerate() {
        {
            let mut state = shared.lock();
            feed_line(&mut state, i as i64, &line, at);
            let rejected = state.drain();
            assert!(rejected.is_empty(), "{line}: {rejected:?}");
        }
        offered += u64::from(line.contains("call.offered"));
        let (status, body) = get_router(&shared, "/api/v1/alerts").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v = json(&body);
        match sales_sl(&v) {
            None => assert!(first_firing.is_none(), "it stays firing: {body}"),
            Some(a) if a["state"] == "pending" => {
                assert!(first_firing.is_none(), "{body}");
                first_pending.get_or_insert(time_of(&a["started_at"]));
                // It needs 20 calls offered to be judged at all.
                assert!(offered >= 20, "judged on {offered} calls: {body}");
            }
            Some(a) => {
                assert_eq!(a["state"], "firing", "{body}");
                first_firing.get_or_insert(time_of(&a["firing_since"]));
            }
        }
    }
    let pending = first_pending.expect("the service-level alert went pending");
    let firing = first_firing.expect("the service-level alert fired");
    let hold = firing - pending;
    // Evaluated every 15 s of live time, which moves by at most 10 s between lines here.
    assert!(
        (300_000..300_000 + 15_000 + 10_000).contains(&hold),
        "fired {hold} ms after it went pending"
    );

    let (_, body) = get_router(&shared, "/api/v1/alerts").await;
    let v = json(&body);
    assert_eq!(v["profile"]["id"], "yd-t-2823-2015", "{body}");
    assert_eq!(v["profile"]["standard"], "YD/T 2823-2015", "{body}");
    assert_eq!(v["as_of"], "2026-11-02T10:08:00Z", "{body}");
    let a = sales_sl(&v).unwrap();
    assert_eq!(a["state"], "firing", "{body}");
    assert_eq!(a["clause"], "9.3.1");
    assert_eq!(a["scope"], "queue");
    assert_eq!(a["window"], "15m");
    assert_eq!(a["comparison"], "<");
    assert_eq!(a["threshold"], 0.8);
    assert_eq!(a["clear_level"], 0.82, "threshold + hysteresis 0.02");
    assert_eq!(a["for_seconds"], 300.0);
    assert_eq!(a["severity"], "critical");
    assert_eq!(a["value"], 0.2, "5 of 25 answered within 20 s: {body}");
    assert_eq!(a["volume"], 25);
    assert!(a["resolved_at"].is_null() && a["duration_seconds"].is_null());
    assert_eq!(time_of(&a["started_at"]), pending);
    assert_eq!(time_of(&a["firing_since"]), firing);
    // The answer-rate criteria breach too, but hold 10 minutes: still pending.
    for id in [
        "answer_rate_below_90",
        "answer_rate_below_80",
        "answer_rate_below_70",
    ] {
        let r = v["active"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["criterion"] == id && a["name"] == "sales")
            .unwrap_or_else(|| panic!("{id} is active: {body}"));
        assert_eq!(r["state"], "pending", "{id}: {body}");
        assert_eq!(r["value"], 0.2, "{id}: {body}");
    }
    assert_eq!(v["resolved"], serde_json::json!([]), "{body}");

    let (status, m) = get_router(&shared, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let series = |criterion: &str, clause: &str, queue: &str, component: &str, severity: &str| {
        format!(
            r#"criterion="{criterion}",clause="{clause}",queue="{queue}",component="{component}",severity="{severity}""#
        )
    };
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_firing",
            &series("service_level_below_80", "9.3.1", "sales", "", "critical")
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_firing",
            &series("answer_rate_below_90", "9.3.3", "sales", "", "warning")
        ),
        Some(0.0),
        "pending is not firing: {m}"
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_firing",
            &series("outage_over_30m", "11.2.1", "", "acd", "critical")
        ),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_window_calls_offered",
            r#"queue="sales",window="15m""#
        ),
        Some(offered as f64),
        "{m}"
    );
    assert_eq!(offered, 25);
    assert_eq!(
        sample(
            &m,
            "callpulse_window_calls_answered_within_threshold",
            r#"queue="sales",window="15m""#
        ),
        Some(5.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_window_calls_offered",
            r#"queue="sales",window="60m""#
        ),
        Some(25.0),
        "{m}"
    );
    for transition in ["pending", "firing"] {
        assert_eq!(
            sample(
                &m,
                "callpulse_alert_transitions_total",
                &format!(r#"criterion="service_level_below_80",transition="{transition}""#)
            ),
            Some(1.0),
            "{transition}: {m}"
        );
    }
    assert!(
        !m.contains("callpulse_alert_notifications_total{"),
        "no receivers, no delivery counters: {m}"
    );
    if let Some(complaints) = crate::support::service::promtool_check(&m) {
        assert_eq!(complaints, "", "promtool check metrics");
    }
}

#[tokio::test]
async fn with_no_profile_the_alerts_api_answers_404_and_no_alert_gauge_is_exported() {
    let state = state_with_profile("");
    assert!(state.config.alerts.profile.is_none());
    assert!(state.alerts.is_none());
    let shared = Shared::new(state);
    {
        let mut state = shared.lock();
        for (i, (at, line)) in sales_calls_and_heartbeats(1).into_iter().enumerate() {
            feed_line(&mut state, i as i64, &line, at);
            state.drain();
        }
    }
    let (status, body) = get_router(&shared, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("alerts.profile"));
    let (_, m) = get_router(&shared, "/metrics").await;
    assert!(
        sample(&m, "callpulse_calls_offered_total", r#"queue="sales""#).is_some(),
        "{m}"
    );
    assert!(!m.contains("callpulse_alert_firing{"), "{m}");
    assert!(!m.contains("callpulse_window_calls_offered{"), "{m}");
}

/// Regression: the first evaluation, before the engine has credited any interval (its
/// credited instant is still `Millis::MIN`, as in `callpulse run` on Kafka while a partition
/// has delivered nothing and holds the watermark), used to overflow computing the month's
/// monitored time and kill the input thread.
#[tokio::test]
async fn alerts_are_judged_before_the_first_interval_is_credited() {
    let shared = Shared::new(state_with_profile("yd-t-2823-2015"));
    {
        let mut state = shared.lock();
        // The Kafka input's mode: the watermark moves only when the input advances it.
        state.engine.set_caller_watermark(true);
        let line =
            r#"{"type":"call.offered","ts":"2026-11-02T10:00:00Z","call_id":"c1","queue":"sales"}"#;
        let now = rfc3339::parse("2026-11-02T10:00:00Z").unwrap();
        feed_line(&mut state, 0, line, now);
        assert!(state.drain().is_empty());
        assert_eq!(
            state.engine.credited_through(),
            i64::MIN,
            "nothing credited yet"
        );
        let live = state.alerts.as_ref().unwrap();
        assert!(live.alerts.known().count() > 0, "the criteria were judged");
    }
    let (status, metrics) = get_router(&shared, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sample(
            &metrics,
            "callpulse_center_window_monitored_seconds",
            r#"window="month""#
        ),
        Some(0.0)
    );
}
