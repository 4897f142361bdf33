//! `GET /api/v1/agents` and `/metrics` through the router (no socket), on a state fed
//! hand-made agent events of 2026-11-02, the live clock at 10:00 UTC:
//!
//! | agent | queues | events | at 10:00 |
//! |---|---|---|---|
//! | a1 | sales | available 09:00, on_call 09:10, wrap_up 09:15, available 09:17, not_ready "lunch" 09:40 | 1 handled, talk 300 s, wrap 120 s; hour: busy 7 min of 40 staffed |
//! | a2 | support | on_call 09:50 | on a call 600 s, none handled, occupancy 1 |
//! | a3 | sales, support | not_ready "training" 09:55 | 300 s, no staffed time |
//! | a4 | sales | available 09:58 | 120 s, occupancy 0 |

use crate::support::service::{feed_all, route_get_as, sample};
use axum::http::StatusCode;
use callpulse::config::{sha256_hex, AgentNames, Config, Tokens};
use callpulse::service::{Shared, State};
use callpulse::time::rfc3339;
use serde_json::{json, Value};

fn agent(ts: &str, id: &str, state: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"agent.state","ts":"2026-11-02T{ts}:00Z","agent_id":"{id}","state":"{state}"{extra}}}"#
    )
}

fn lines() -> Vec<String> {
    vec![
        agent("09:00", "a1", "available", r#","queues":["sales"]"#),
        agent("09:10", "a1", "on_call", ""),
        agent("09:15", "a1", "wrap_up", ""),
        agent("09:17", "a1", "available", ""),
        agent("09:40", "a1", "not_ready", r#","reason":"lunch""#),
        agent("09:50", "a2", "on_call", r#","queues":["support"]"#),
        agent(
            "09:55",
            "a3",
            "not_ready",
            r#","queues":["sales","support"],"reason":"training""#,
        ),
        agent("09:58", "a4", "available", r#","queues":["sales"]"#),
        r#"{"type":"system.heartbeat","ts":"2026-11-02T10:00:00Z","component":"acd"}"#.into(),
    ]
}

const SALES_TOKEN: &str = "sup-sales";

/// The state after [`lines`], with `lateness`, a names file naming a1 and a3, a tokens file
/// (`boss` sees all, `sup-sales` only `sales`), and per-agent metrics when `agent_metrics`.
fn state(lateness: i64, agent_metrics: bool) -> Shared {
    let mut cfg = Config::default();
    cfg.engine.lateness = lateness;
    cfg.service.agent_names =
        Some(AgentNames::parse("[names]\na1 = \"王芳\"\na3 = \"Li Wei\"\n").unwrap());
    cfg.service.agent_metrics = agent_metrics;
    let tokens = format!(
        "[[token]]\nname = \"boss\"\nsha256 = {:?}\nscopes = [\"read\"]\n\n\
         [[token]]\nname = \"{SALES_TOKEN}\"\nsha256 = {:?}\nscopes = [\"read\"]\nqueues = [\"sales\"]\n",
        sha256_hex("boss-secret"),
        sha256_hex(&format!("{SALES_TOKEN}-secret"))
    );
    cfg.service.tokens = Some(Tokens::parse(&tokens).unwrap());
    let shared = Shared::new(State::new(cfg, vec!["test".into()]));
    let now = rfc3339::parse("2026-11-02T10:00:00Z").unwrap();
    feed_all(&shared, &lines(), now);
    shared
}

async fn get(shared: &Shared, uri: &str, token: &str) -> (StatusCode, String) {
    route_get_as(shared, uri, Some(&format!("{token}-secret"))).await
}

async fn agents(shared: &Shared, uri: &str, token: &str) -> Value {
    let (status, body) = get(shared, uri, token).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn ids(v: &Value) -> Vec<&str> {
    v["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn every_agents_state_time_in_state_reason_day_and_hour_are_as_computed_by_hand_in_board_order(
) {
    let shared = state(0, false);
    let v = agents(&shared, "/api/v1/agents", "boss").await;
    assert_eq!(v["as_of"], "2026-11-02T10:00:00Z");
    assert_eq!(ids(&v), ["a1", "a3", "a2", "a4"], "not ready longest first");
    let a = &v["agents"];
    assert_eq!(
        a[0],
        json!({"id": "a1", "name": "王芳", "state": "not_ready",
               "since": "2026-11-02T09:40:00Z", "seconds_in_state": 1200.0,
               "reason": "lunch", "queues": ["sales"], "handled_today": 1,
               "aht_seconds": 420.0, "acw_seconds": 120.0, "occupancy_60m": 7.0 / 40.0})
    );
    assert_eq!(
        a[1],
        json!({"id": "a3", "name": "Li Wei", "state": "not_ready",
               "since": "2026-11-02T09:55:00Z", "seconds_in_state": 300.0,
               "reason": "training", "queues": ["sales", "support"], "handled_today": 0,
               "aht_seconds": null, "acw_seconds": null, "occupancy_60m": null})
    );
    assert_eq!(
        a[2],
        json!({"id": "a2", "name": "a2", "state": "on_call",
               "since": "2026-11-02T09:50:00Z", "seconds_in_state": 600.0,
               "reason": null, "queues": ["support"], "handled_today": 0,
               "aht_seconds": null, "acw_seconds": null, "occupancy_60m": 1.0})
    );
    assert_eq!(
        (
            &a[3]["state"],
            &a[3]["seconds_in_state"],
            &a[3]["occupancy_60m"]
        ),
        (&json!("available"), &json!(120.0), &json!(0.0))
    );
}

#[tokio::test]
async fn events_still_buffered_show_at_once_with_every_figure_they_will_have_once_applied() {
    // Lateness 1 h: the watermark is at 09:00, nothing after it is applied yet.
    let shared = state(60 * 60_000, false);
    assert!(shared.lock().engine.watermark() <= rfc3339::parse("2026-11-02T09:00:00Z").unwrap());
    let v = agents(&shared, "/api/v1/agents", "boss").await;
    assert_eq!(ids(&v), ["a1", "a3", "a2", "a4"]);
    let a1 = &v["agents"][0];
    assert_eq!(
        (
            &a1["state"],
            &a1["since"],
            &a1["reason"],
            &a1["seconds_in_state"]
        ),
        (
            &json!("not_ready"),
            &json!("2026-11-02T09:40:00Z"),
            &json!("lunch"),
            &json!(1200.0)
        )
    );
    let applied = agents(&state(0, false), "/api/v1/agents", "boss").await;
    assert_eq!(v["agents"], applied["agents"]);
    assert_ne!(v["watermark"], applied["watermark"]);
}

#[tokio::test]
async fn a_queue_shows_its_agents_and_an_unknown_one_is_404() {
    let shared = state(0, false);
    let v = agents(&shared, "/api/v1/agents?queue=support", "boss").await;
    assert_eq!(ids(&v), ["a3", "a2"]);
    assert_eq!(v["queue"], "support");
    let (status, body) = get(&shared, "/api/v1/agents?queue=nowhere", "boss").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn a_token_limited_to_a_queue_sees_only_its_agents_and_only_that_queue_of_each() {
    let shared = state(0, false);
    let v = agents(&shared, "/api/v1/agents", SALES_TOKEN).await;
    assert_eq!(ids(&v), ["a1", "a3", "a4"], "a2 is of support only");
    assert_eq!(
        v["agents"][1]["queues"],
        json!(["sales"]),
        "a3's support is hidden"
    );
    assert_eq!(v["access"]["queues"], json!(["sales"]));
    let (status, body) = get(&shared, "/api/v1/agents?queue=support", SALES_TOKEN).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.contains("a2"), "{body}");
    let (status, _) = get(&shared, "/api/v1/agents", "stranger").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn metrics_carry_no_agent_label_by_default_and_both_families_when_opted_in() {
    let (status, text) = get(&state(0, false), "/metrics", "boss").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!text.contains("agent=\""), "an agent label by default");
    assert!(!text.contains("callpulse_agent_state{"), "{text}");

    let (_, text) = get(&state(0, true), "/metrics", "boss").await;
    let on = |agent: &str, state: &str| {
        sample(
            &text,
            "callpulse_agent_state",
            &format!("agent=\"{agent}\",state=\"{state}\""),
        )
    };
    assert_eq!(on("a1", "not_ready"), Some(1.0));
    assert_eq!(on("a1", "available"), Some(0.0));
    assert_eq!(on("a2", "on_call"), Some(1.0));
    let held = |agent: &str| {
        sample(
            &text,
            "callpulse_agent_state_seconds",
            &format!("agent=\"{agent}\""),
        )
    };
    assert_eq!((held("a1"), held("a4")), (Some(1200.0), Some(120.0)));
    assert_eq!(text.matches("callpulse_agent_state{").count(), 4 * 5);
    if let Some(complaints) = crate::support::service::promtool_check(&text) {
        assert!(complaints.is_empty(), "{complaints}");
    }
}
