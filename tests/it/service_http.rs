//! The live service's HTTP side: handlers through the router (no socket) on a state fed with
//! hand-made events, and the `demo` process over a real socket, checked by promtool and
//! stopped by SIGTERM.

use crate::support::lines::{heartbeat, q1_threshold_calls};
use crate::support::service::{promtool_check, route_get as get, sample, Service};
use axum::http::StatusCode;
use callpulse::config::Config;
use callpulse::service::{Shared, State};
use callpulse::time::rfc3339;
use serde_json::Value;
use std::time::Duration;

/// A state fed with four calls of queue `q1` at 10:00 UTC: waits of 20.000 s, 20.001 s and
/// 5 s answered, one abandoned after 30 s; one call of `q2`; and a bad line. Lateness 0.
fn fed_state(extra: &[String]) -> Shared {
    let mut cfg = Config::default();
    cfg.engine.lateness = 0;
    let shared = Shared::new(State::new(cfg, vec!["test".into()]));
    let mut lines = q1_threshold_calls();
    lines.push("not json".to_string());
    lines.push(heartbeat("2026-11-02T10:01:00Z"));
    lines.extend_from_slice(extra);
    // The wall clock when the lines are read: after every event (a live input rejects an
    // event stamped more than `engine.max_future` ahead of it).
    let now = rfc3339::parse("2026-11-02T10:30:00Z").unwrap();
    crate::support::service::feed_all(&shared, &lines, now);
    shared
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test]
async fn kpis_of_a_queue_follow_the_rule_with_20_000_s_in_and_20_001_s_out() {
    let shared = fed_state(&[]);
    let (status, body) = get(&shared, "/api/v1/kpis?window=15m&queue=q1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v = json(&body);
    assert_eq!(v["window"], "15m");
    assert_eq!(v["from"], "2026-11-02T09:47:00Z");
    assert_eq!(v["to"], "2026-11-02T10:02:00Z");
    assert!(v["center"].is_null(), "one queue asked for: no center");
    let q = &v["queues"][0];
    assert_eq!(q["queue"], "q1");
    assert_eq!(q["offered"], 4);
    assert_eq!(q["answered"], 3);
    assert_eq!(
        q["answered_within_threshold"], 2,
        "20.000 s counts, 20.001 s does not"
    );
    assert_eq!(q["abandoned"], 1);
    assert_eq!(q["service_level"], 0.5);
    assert_eq!(q["answer_rate"], 0.75);
    assert_eq!(q["asa_seconds"].as_f64().unwrap(), 45.001 / 3.0);
    assert_eq!(q["waiting"], 0);
}

#[tokio::test]
async fn every_window_and_the_center_count_each_call_once() {
    let shared = fed_state(&[]);
    for window in ["15m", "60m", "today", "interval"] {
        let (status, body) = get(&shared, &format!("/api/v1/kpis?window={window}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v = json(&body);
        assert_eq!(v["center"]["offered"], 5, "{window}");
        assert_eq!(v["center"]["answered_within_threshold"], 2, "{window}");
        let names: Vec<&str> = v["queues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["queue"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["q1", "q2"]);
        assert_eq!(v["queues"][1]["waiting"], 1, "c5 is still waiting");
        assert_eq!(v["center"]["waiting"], 1);
        assert_eq!(v["queues"][1]["longest_wait_seconds"], 60.0);
    }
    let v = json(&get(&shared, "/api/v1/kpis?window=today").await.1);
    assert_eq!(v["from"], "2026-11-02T00:00:00Z");
    assert_eq!(v["to"], "2026-11-03T00:00:00Z");
    let v = json(&get(&shared, "/api/v1/kpis?window=interval").await.1);
    assert_eq!(v["from"], "2026-11-02T10:00:00Z");
    assert_eq!(v["to"], "2026-11-02T10:15:00Z");
}

#[tokio::test]
async fn a_rolling_window_forgets_calls_older_than_its_minutes() {
    // 20 minutes later: the 15-minute window is empty, the 60-minute one still has them.
    let shared = fed_state(&[heartbeat("2026-11-02T10:20:00Z")]);
    let v15 = json(&get(&shared, "/api/v1/kpis?window=15m&queue=q1").await.1);
    assert_eq!(v15["queues"][0]["offered"], 0);
    assert!(
        v15["queues"][0]["service_level"].is_null(),
        "no calls: no ratio"
    );
    let v60 = json(&get(&shared, "/api/v1/kpis?window=60m&queue=q1").await.1);
    assert_eq!(v60["queues"][0]["offered"], 4);
}

#[tokio::test]
async fn bad_queries_are_answered_with_the_reason() {
    let shared = fed_state(&[]);
    let (status, body) = get(&shared, "/api/v1/kpis?window=5h").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("5h"), "{body}");
    let (status, body) = get(&shared, "/api/v1/kpis?queue=nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("nope"), "{body}");
    let (status, body) = get(&shared, "/api/v1/intervals?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("yesterday"), "{body}");
}

#[tokio::test]
async fn metrics_carry_the_counters_and_a_bucket_exactly_at_the_threshold() {
    let shared = fed_state(&[]);
    let (status, text) = get(&shared, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let q1 = r#"queue="q1""#;
    assert_eq!(
        sample(&text, "callpulse_calls_offered_total", q1),
        Some(4.0)
    );
    assert_eq!(
        sample(&text, "callpulse_calls_answered_within_threshold_total", q1),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, "callpulse_center_calls_offered_total", ""),
        Some(5.0)
    );
    assert_eq!(
        sample(
            &text,
            "callpulse_wait_seconds_bucket",
            r#"queue="q1",outcome="answered",le="20""#
        ),
        Some(2.0),
        "5 s and 20.000 s, not 20.001 s"
    );
    assert_eq!(
        sample(
            &text,
            "callpulse_wait_seconds_bucket",
            r#"queue="q1",outcome="answered",le="30""#
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &text,
            "callpulse_service_level_ratio",
            r#"queue="q1",window="15m""#
        ),
        Some(0.5)
    );
    assert_eq!(
        sample(&text, "callpulse_calls_waiting", r#"queue="q2""#),
        Some(1.0)
    );
    assert_eq!(sample(&text, "callpulse_events_read_total", ""), Some(11.0));
    assert_eq!(
        sample(
            &text,
            "callpulse_events_rejected_total",
            r#"reason="invalid_json""#
        ),
        Some(1.0)
    );
    // The last heartbeat is still in the reorder buffer: read = accepted + rejected + pending.
    assert_eq!(
        sample(&text, "callpulse_events_accepted_total", ""),
        Some(9.0)
    );
    assert_eq!(sample(&text, "callpulse_events_pending", ""), Some(1.0));
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool check metrics");
    }
}

#[tokio::test]
async fn final_and_provisional_intervals_are_served_with_the_replay_fields_and_filters() {
    // 10:21 passes the 10:00–10:15 interval's end plus the 5-minute grace.
    let shared = fed_state(&[heartbeat("2026-11-02T10:21:00Z")]);
    let (status, body) = get(&shared, "/api/v1/intervals?queue=q1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let records = json(&body);
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 1, "{body}");
    let r = &records[0];
    assert_eq!(r["start"], "2026-11-02T10:00:00Z");
    assert_eq!(r["offered"], 4);
    assert_eq!(r["service_level"], 0.5);
    assert_eq!(r["revision"], 0);
    assert_eq!(r["final"], true);
    let all = json(&get(&shared, "/api/v1/intervals").await.1);
    let scopes: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}:{}",
                r["start"].as_str().unwrap(),
                r["scope"].as_str().unwrap(),
                r["queue"]
                    .as_str()
                    .or(r["component"].as_str())
                    .unwrap_or("")
            )
        })
        .collect();
    // 10:00-10:15 is final; 10:15-10:30, where the 10:21 heartbeat lies, is not yet.
    assert_eq!(
        scopes,
        [
            "2026-11-02T10:00:00Z center:",
            "2026-11-02T10:00:00Z queue:q1",
            "2026-11-02T10:00:00Z queue:q2",
            "2026-11-02T10:00:00Z component:acd",
            "2026-11-02T10:15:00Z center:",
            "2026-11-02T10:15:00Z component:acd",
        ]
    );
    let finals: Vec<bool> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["final"].as_bool().unwrap())
        .collect();
    assert_eq!(finals, [true, true, true, true, false, false]);
    let later = json(
        &get(&shared, "/api/v1/intervals?from=2026-11-02T10:15:00Z")
            .await
            .1,
    );
    assert_eq!(
        later.as_array().unwrap().len(),
        2,
        "the interval not final yet"
    );
    let earlier = json(
        &get(&shared, "/api/v1/intervals?to=2026-11-02T10:00:00%2B00:00")
            .await
            .1,
    );
    assert_eq!(earlier.as_array().unwrap().len(), 0, "`to` is exclusive");
}

#[tokio::test]
async fn probes_and_the_rejected_lines_are_served() {
    let shared = fed_state(&[]);
    assert_eq!(get(&shared, "/healthz").await.0, StatusCode::OK);
    assert_eq!(get(&shared, "/readyz").await.0, StatusCode::OK);
    shared.lock().process.input_ready = false;
    let (status, body) = get(&shared, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("no partitions"), "{body}");
    let rejected = json(&get(&shared, "/api/v1/rejected").await.1);
    assert_eq!(rejected[0]["reason"], "invalid_json");
    assert_eq!(rejected[0]["bytes"], "not json");
    assert_eq!(rejected[0]["offset"], 9);
    let (status, page) = get(&shared, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/api/v1/kpis"));
}

#[test]
fn the_demo_serves_live_kpis_over_a_socket_and_stops_on_sigterm() {
    let service = Service::start(&["demo", "--backfill", "2h", "--seed", "7"], &[]);
    service.wait_ready(Duration::from_secs(120));
    let read = service.wait_for("events", Duration::from_secs(60), |m| {
        sample(m, "callpulse_events_read_total", "").filter(|n| *n > 100.0)
    });
    assert!(read > 100.0);
    let (status, text) = service.get("/metrics");
    assert_eq!(status, 200);
    for name in ["sales", "support", "vip"] {
        let series = format!(r#"queue="{name}""#);
        assert!(
            sample(&text, "callpulse_calls_offered_total", &series).is_some_and(|n| n > 0.0),
            "{name} has calls"
        );
    }
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool check metrics");
    }
    let (status, body) = service.get("/api/v1/kpis?window=60m");
    assert_eq!(status, 200);
    let v = json(&body);
    assert_eq!(v["queues"].as_array().unwrap().len(), 3, "{body}");
    assert!(v["center"]["offered"].as_u64().unwrap() > 0, "{body}");
    assert_eq!(service.get("/healthz").0, 200);
    assert_eq!(service.get("/readyz").0, 200);
    let status = service.terminate(Duration::from_secs(20));
    assert!(status.success(), "exit after SIGTERM: {status:?}");
}

#[test]
fn every_metric_family_is_documented_in_the_metrics_catalogue() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/docs/src/reference/metrics.md")).unwrap();
    for name in callpulse::service::metrics::names() {
        let suffix = name
            .trim_start_matches("callpulse_")
            .trim_start_matches("center_");
        assert!(
            readme.contains(&format!("`{name}`"))
                || readme.contains(&format!("`{suffix}`"))
                || readme.contains(&format!("..._{suffix}`")),
            "{name} is not in the metric tables of docs/src/reference/metrics.md"
        );
    }
}

/// Regression: the demo used to move its clock to the wall clock between two chunks of its
/// backfill, so the heartbeats of the rest of the backfill came "late" and every component
/// looked down from the first chunk's end until now (an outage of the ACD, which the
/// simulator never takes down, and a firing outage alert). And `/readyz` answers ready only
/// once the whole backfill is applied (it used to be ready before the first chunk).
#[test]
fn the_demo_is_ready_after_its_backfill_of_many_chunks_which_shows_no_outage_the_simulator_did_not_make(
) {
    let service = Service::start(&["demo", "--backfill", "10h", "--seed", "7"], &[]);
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    // Ready means the backfill is applied: the live clock is within a minute of the wall clock.
    service.wait_ready(Duration::from_secs(120));
    let kpis = json(&service.get("/api/v1/kpis").1);
    let as_of = rfc3339::parse(kpis["as_of"].as_str().unwrap()).unwrap();
    assert!(
        now() - as_of < 60_000,
        "ready before the backfill was applied: {kpis}"
    );
    let outages = json(&service.get("/api/v1/outages").1);
    let acd: Vec<_> = outages
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["component"] == "acd")
        .collect();
    assert!(acd.is_empty(), "the ACD never goes down: {acd:?}");
    let alerts = json(&service.get("/api/v1/alerts").1);
    let acd_alerts: Vec<_> = alerts["active"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == "acd")
        .collect();
    assert!(acd_alerts.is_empty(), "{acd_alerts:?}");
    let status = service.terminate(Duration::from_secs(20));
    assert!(status.success(), "exit after SIGTERM: {status:?}");
}
