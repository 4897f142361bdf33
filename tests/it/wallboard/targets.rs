//! The board through the router, without a process: each queue's own targets (per-queue
//! overrides, a criterion switched off, hysteresis or none) and the last hour's trend.

use super::board::*;
use callpulse::time::rfc3339;

/// A profile with a per-queue override, a criterion switched off for one queue, and a
/// criterion without hysteresis. Kept here, not in `tests/fixtures/profiles/`: only this test
/// needs overrides, and its assertions read the numbers below.
const OVERRIDES: &str = r#"
[profile]
id = "overrides"
standard = "YD/T 2823-2015"
name_zh = "覆盖"
name_en = "Overrides"

[[criteria]]
id = "sl"
clause = "9.3.1"
name_zh = "服务水平"
name_en = "Service level"
metric = "service_level"
scope = "queue"
window = "15m"
comparison = "<"
threshold = 0.80
hysteresis = 0.02
for = "5m"
min_volume = 20
severity = "critical"

[criteria.overrides.q2]
threshold = 0.90
hysteresis = 0.03
min_volume = 5

[[criteria]]
id = "asa"
clause = "9.3.2"
name_zh = "平均应答速度"
name_en = "Average speed of answer"
metric = "asa_seconds"
scope = "queue"
window = "15m"
comparison = ">"
threshold = 30
for = "5m"
severity = "warning"

[criteria.overrides.q2]
enabled = false

[[criteria]]
id = "avail"
clause = "9.4.1"
name_zh = "系统可用性"
name_en = "Availability"
metric = "availability"
scope = "center"
window = "month"
comparison = "<"
threshold = 0.999
for = "0s"
severity = "critical"
"#;

#[tokio::test]
async fn the_board_carries_each_queues_own_targets_and_the_last_hour() {
    use crate::support::lines::{heartbeat, q1_threshold_calls};
    use crate::support::service::{feed_line, route_get};
    use callpulse::alert::Profile;
    use callpulse::service::alerts::LiveAlerts;
    use callpulse::service::{Shared, State};

    let cfg = crate::support::config("[engine]\nlateness = \"0s\"\n");
    let profile = Profile::parse(OVERRIDES, "overrides.toml").unwrap();
    let live = LiveAlerts::new(profile, &cfg.alerts, "http://x/api/v1/alerts".into()).unwrap();
    let shared = Shared::new(State::new(cfg, vec!["test".into()]).with_alerts(live));

    // Before any event: the board is there, empty.
    let (status, body) = route_get(&shared, "/api/v1/board").await;
    assert_eq!(status, 200, "{body}");
    let empty = json(&body);
    assert_eq!(empty["kpis"]["queues"].as_array().unwrap().len(), 0);
    assert!(empty["kpis"]["as_of"].is_null());
    assert_eq!(
        empty["default_lang"], "en",
        "another profile than the built-in one"
    );

    {
        let now = rfc3339::parse("2026-11-02T10:01:00Z").unwrap();
        let mut state = shared.lock();
        let mut lines = q1_threshold_calls();
        lines.push(heartbeat("2026-11-02T10:01:00Z"));
        for (i, line) in lines.iter().enumerate() {
            feed_line(&mut state, i as i64, line, now);
        }
        let _ = state.drain();
    }
    let b = json(&route_get(&shared, "/api/v1/board?window=60m").await.1);
    assert_eq!(b["kpis"]["window"], "60m");
    // The kpis part is /api/v1/kpis itself.
    let kpis = json(&route_get(&shared, "/api/v1/kpis?window=60m").await.1);
    assert_eq!(b["kpis"], kpis);

    let q1 = &b["targets"]["queues"]["q1"];
    assert_eq!(q1["service_level"]["threshold"], 0.8);
    assert_eq!(q1["service_level"]["at_risk"], 0.02);
    assert_eq!(q1["service_level"]["min_volume"], 20);
    assert_eq!(q1["service_level"]["window"], "15m");
    assert_eq!(q1["asa_seconds"]["comparison"], ">");
    assert_eq!(q1["asa_seconds"]["threshold"], 30.0);
    assert_eq!(
        q1["asa_seconds"]["at_risk"], 3.0,
        "no hysteresis: 10 % of 30 s"
    );
    let q2 = &b["targets"]["queues"]["q2"];
    assert_eq!(q2["service_level"]["threshold"], 0.9, "the override");
    assert_eq!(q2["service_level"]["at_risk"], 0.03);
    assert_eq!(q2["service_level"]["min_volume"], 5);
    assert!(q2.get("asa_seconds").is_none(), "switched off for q2: {q2}");
    let avail = &b["targets"]["center"]["availability"];
    assert_eq!(avail["clause"], "9.4.1");
    assert!(
        (avail["at_risk"].as_f64().unwrap() - 0.0005).abs() < 1e-12,
        "no hysteresis: half the way to 100 %: {avail}"
    );

    // The last hour in 5-minute buckets; the calls at 10:00 are in the newest one
    // (09:57–10:01, ending with the minute of the live clock), the service level that of
    // /api/v1/kpis.
    assert_eq!(
        b["trend"]["starts"][11], "2026-11-02T09:57:00Z",
        "{}",
        b["trend"]
    );
    assert_eq!(b["trend"]["starts"][0], "2026-11-02T09:02:00Z");
    let t = b["trend"]["queues"]["q1"].as_array().unwrap();
    assert_eq!(t.len(), 12);
    assert_eq!(t[11]["offered"], 4);
    assert_eq!(t[11]["service_level"], 0.5);
    assert!(t[..11]
        .iter()
        .all(|p| p["offered"] == 0 && p["service_level"].is_null()));
    assert_eq!(b["trend"]["center"][11]["offered"], 5);
    assert_eq!(b["alerts"], serde_json::json!([]), "nothing judged yet");

    // Without a profile: no targets, no alerts, Chinese by default.
    let plain = Shared::new(State::new(
        crate::support::config("[engine]\nlateness = \"0s\"\n"),
        vec!["test".into()],
    ));
    let b = json(&route_get(&plain, "/api/v1/board").await.1);
    assert!(b["alerts"].is_null() && b["profile"].is_null(), "{b}");
    assert_eq!(b["targets"]["center"], serde_json::json!({}));
    assert_eq!(b["default_lang"], "zh");
}
