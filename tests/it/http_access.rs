//! Access control (issue 15, finding 6) and the JSON 400 of a bad query string (finding 5):
//! through the router (no socket) on a state fed with hand-made events, and over a real socket
//! as Prometheus and a browser send their requests.

use crate::support::lines::{abandoned, heartbeat, offered, q1_threshold_calls};
use crate::support::service::Service;
use axum::http::{header, HeaderMap, StatusCode};
use callpulse::alert::profile::Profile;
use callpulse::config::BUILT_IN_PROFILE;
use callpulse::config::{sha256_hex, Config, Tokens};
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::{Shared, State};
use callpulse::time::rfc3339;
use futures_util::StreamExt as _;
use serde_json::Value;
use std::time::Duration;
use tower::ServiceExt as _;

/// The tokens of these tests: their secrets are `<name>-secret`.
pub const TOKENS: &[(&str, &str, &str)] = &[
    ("reader", r#"["read"]"#, ""),
    ("auditor", r#"["read", "pii"]"#, ""),
    ("boss", r#"["admin"]"#, ""),
    ("sup-q2", r#"["read", "pii"]"#, r#"queues = ["q2", "q9"]"#),
];

/// The text of a tokens file holding [`TOKENS`].
pub fn tokens_file() -> String {
    TOKENS
        .iter()
        .map(|(name, scopes, extra)| {
            format!(
                "[[token]]\nname = {name:?}\nsha256 = {:?}\nscopes = {scopes}\n{extra}\n\n",
                sha256_hex(&format!("{name}-secret"))
            )
        })
        .collect()
}

/// `q1_threshold_calls` (four calls of q1, one of q2) and a call of q3, a bad line, 25
/// calls each of q1 and q2 abandoned from 10:01 (both breach the shipped profile), and
/// heartbeats up to `until` (10:21 closes the 10:00 interval); with the tokens of [`TOKENS`]
/// unless `open`.
fn fed_state(open: bool, until: &str) -> Shared {
    let mut cfg = Config::default();
    cfg.engine.lateness = 0;
    if !open {
        cfg.service.tokens = Some(Tokens::parse(&tokens_file()).unwrap());
    }
    let profile = Profile::load(BUILT_IN_PROFILE).unwrap();
    let alerts = LiveAlerts::new(profile, &cfg.alerts, "http://x/api/v1/alerts".into()).unwrap();
    let shared = Shared::new(State::new(cfg, vec!["test".into()]).with_alerts(alerts));
    let mut lines = q1_threshold_calls();
    lines.push(offered("2026-11-02T10:00:01Z", "c6", "q3"));
    lines.push("not json, caller 13800138000".to_string());
    lines.push(heartbeat("2026-11-02T10:01:00Z"));
    let t0 = rfc3339::parse("2026-11-02T10:01:00Z").unwrap();
    let mut breaches = Vec::new();
    for i in 0..25 {
        let at = t0 + i * 4_000;
        for q in ["q1", "q2"] {
            let call = format!("{q}-b{i}");
            breaches.push((at, offered(&utc(at), &call, q)));
            breaches.push((at + 30_000, abandoned(&utc(at + 30_000), &call)));
        }
    }
    breaches.sort_by_key(|(at, _)| *at);
    lines.extend(breaches.into_iter().map(|(_, l)| l));
    lines.push(heartbeat(until));
    let now = rfc3339::parse(until).unwrap();
    crate::support::service::feed_all(&shared, &lines, now);
    shared
}

/// GET `uri` from the router of `shared` with `Authorization: Bearer <token>` when given:
/// status, headers and body (for a stream: its first event).
async fn get(shared: &Shared, uri: &str, token: Option<&str>) -> (StatusCode, HeaderMap, String) {
    let mut request = axum::http::Request::get(uri);
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let response = callpulse::service::http::router(shared.clone())
        .oneshot(request.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let stream = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/event-stream"));
    let text = if stream {
        let mut body = body.into_data_stream();
        let mut text = String::new();
        while !text.contains("\n\n") {
            let chunk = tokio::time::timeout(Duration::from_secs(30), body.next())
                .await
                .expect("an event within 30 s")
                .expect("the stream goes on")
                .unwrap();
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        text
    } else {
        let bytes = axum::body::to_bytes(body, 1 << 26).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    (parts.status, parts.headers, text)
}

fn utc(ms: i64) -> String {
    rfc3339::format(ms, &chrono::Utc)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn content_type(h: &HeaderMap) -> &str {
    h.get(header::CONTENT_TYPE)
        .map_or("", |v| v.to_str().unwrap())
}

const CLOSED: [&str; 10] = [
    "/metrics",
    "/api/v1/kpis",
    "/api/v1/agents",
    "/api/v1/intervals",
    "/api/v1/board",
    "/api/v1/stream",
    "/api/v1/outages",
    "/api/v1/rejected",
    "/api/v1/alerts",
    "/api/v1/nowhere",
];

#[tokio::test]
async fn with_a_tokens_file_every_endpoint_but_the_probes_and_the_page_answers_401_without_a_token()
{
    let shared = fed_state(false, "2026-11-02T10:01:00Z");
    for path in CLOSED {
        for token in [None, Some("wrong-secret"), Some("")] {
            let (status, h, body) = get(&shared, path, token).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} {token:?}: {body}");
            assert_eq!(content_type(&h), "application/json", "{path}");
            let challenge = h[header::WWW_AUTHENTICATE].to_str().unwrap();
            assert!(
                challenge.starts_with("Bearer realm=\"callpulse\""),
                "{challenge}"
            );
            assert_eq!(
                challenge.contains("invalid_token"),
                token == Some("wrong-secret"),
                "{path} {token:?}: {challenge}"
            );
            assert!(json(&body)["error"].as_str().unwrap().contains("token"));
            assert!(!body.contains("13800138000"), "{path} leaked input");
        }
    }
    for path in [
        "/healthz",
        "/readyz",
        "/",
        "/wallboard/wallboard.js",
        "/wallboard/auth.js",
        "/wallboard/callbacks.js",
        "/wallboard/callbacks.css",
        "/wallboard/agents.js",
        "/wallboard/agents.css",
    ] {
        let (status, _, body) = get(&shared, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    // The hash of a token is not the token.
    let hash = sha256_hex("reader-secret");
    assert_eq!(get(&shared, "/api/v1/kpis", Some(&hash)).await.0, 401);
}

#[tokio::test]
async fn a_valid_token_reads_the_api_and_metrics_as_without_a_tokens_file() {
    let closed = fed_state(false, "2026-11-02T10:21:00Z");
    let open = fed_state(true, "2026-11-02T10:21:00Z");
    for path in [
        "/api/v1/kpis?window=today",
        "/api/v1/intervals",
        "/api/v1/outages",
        "/metrics",
    ] {
        let (status, _, with_token) = get(&closed, path, Some("reader-secret")).await;
        assert_eq!(status, StatusCode::OK, "{path}: {with_token}");
        let (_, _, without_file) = get(&open, path, None).await;
        if path == "/metrics" {
            assert!(
                with_token.contains("callpulse_calls_offered_total{queue=\"q1\"} 29"),
                "{with_token}"
            );
        } else {
            assert_eq!(json(&with_token), json(&without_file), "{path}");
        }
    }
    // The scheme is case-insensitive (RFC 6750 after RFC 7235).
    let response = callpulse::service::http::router(closed.clone())
        .oneshot(
            axum::http::Request::get("/api/v1/kpis")
                .header(header::AUTHORIZATION, "bearer reader-secret")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn rejected_input_needs_the_pii_scope_and_a_token_for_every_queue() {
    let shared = fed_state(false, "2026-11-02T10:01:00Z");
    let (status, h, body) = get(&shared, "/api/v1/rejected", Some("reader-secret")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(content_type(&h), "application/json");
    let error = json(&body)["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("\"reader\"") && error.contains("pii"),
        "{error}"
    );
    assert!(!body.contains("13800138000"));
    for token in ["auditor-secret", "boss-secret"] {
        let (status, _, body) = get(&shared, "/api/v1/rejected", Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{token}: {body}");
        assert!(body.contains("13800138000"), "{body}");
    }
    // A supervisor's token has pii but sees two queues: raw input is every queue's.
    let (status, _, body) = get(&shared, "/api/v1/rejected", Some("sup-q2-secret")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.contains("13800138000"));
    let (status, _, body) = get(&shared, "/metrics", Some("sup-q2-secret")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

fn queue_names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|q| q["queue"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_queue_limited_token_sees_only_its_queues_and_no_center_totals() {
    let shared = fed_state(false, "2026-11-02T10:21:00Z");
    let token = Some("sup-q2-secret");
    let noted = |v: &Value| {
        assert_eq!(v["access"]["token"], "sup-q2", "{v}");
        assert_eq!(v["access"]["queues"], serde_json::json!(["q2", "q9"]));
        assert!(v["access"]["center"].as_str().unwrap().contains("center"));
    };

    let (status, _, body) = get(&shared, "/api/v1/kpis?window=today", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let kpis = json(&body);
    assert_eq!(queue_names(&kpis["queues"]), ["q2"]);
    assert!(kpis["center"].is_null(), "center totals sum every queue");
    noted(&kpis);
    let all = json(
        &get(&shared, "/api/v1/kpis?window=today", Some("reader-secret"))
            .await
            .2,
    );
    assert_eq!(queue_names(&all["queues"]), ["q1", "q2", "q3"]);
    assert_eq!(all["center"]["offered"], 56);
    assert!(all.get("access").is_none(), "{all}");

    let (status, _, body) = get(&shared, "/api/v1/kpis?queue=q1", token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.contains("\"offered\""));
    let (status, _, body) = get(&shared, "/api/v1/kpis?queue=q2", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, _, body) = get(&shared, "/api/v1/intervals", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let intervals = json(&body);
    assert_eq!(
        queue_names(&intervals),
        ["q2"],
        "no center, q1 or q3 record"
    );
    let all = json(
        &get(&shared, "/api/v1/intervals", Some("reader-secret"))
            .await
            .2,
    );
    assert!(all.as_array().unwrap().len() > 1, "{all}");

    let (status, _, body) = get(&shared, "/api/v1/board", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let board = json(&body);
    assert_eq!(queue_names(&board["kpis"]["queues"]), ["q2"]);
    assert!(board["kpis"]["center"].is_null() && board["today"].is_null());
    assert!(board["availability_today"].is_null());
    assert_eq!(board["trend"]["center"], serde_json::json!([]));
    let trend: Vec<&String> = board["trend"]["queues"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(trend, ["q2"]);
    let targets: Vec<&String> = board["targets"]["queues"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(targets, ["q2"]);
    noted(&board);
    assert!(
        !body.contains("\"q1\"") && !body.contains("\"q3\""),
        "{body}"
    );

    let (status, h, event) = get(&shared, "/api/v1/stream", token).await;
    assert_eq!(status, StatusCode::OK, "{event}");
    assert!(content_type(&h).starts_with("text/event-stream"));
    let data = event
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap_or_else(|| panic!("no data: {event}"));
    let streamed = json(data);
    assert_eq!(queue_names(&streamed["kpis"]["queues"]), ["q2"]);
    assert!(streamed["kpis"]["center"].is_null());
    assert!(
        !data.contains("\"q1\"") && !data.contains("\"q3\""),
        "{data}"
    );
    // The full board of another caller is not the limited one shared from the cache.
    let full = json(&get(&shared, "/api/v1/board", Some("reader-secret")).await.2);
    assert_eq!(queue_names(&full["kpis"]["queues"]), ["q1", "q2", "q3"]);

    let (status, _, body) = get(&shared, "/api/v1/alerts", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let alerts = json(&body);
    noted(&alerts);
    let seen: Vec<(&str, &str)> = alerts["active"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["scope"].as_str().unwrap(),
                a["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(!seen.is_empty(), "q2 breaches: {body}");
    assert!(seen.iter().all(|s| *s == ("queue", "q2")), "{seen:?}");
    let all = json(
        &get(&shared, "/api/v1/alerts", Some("reader-secret"))
            .await
            .2,
    );
    let names: Vec<&str> = all["active"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(names.contains(&"q1") && names.contains(&"q2"), "{all}");
    let streamed_alerts = streamed["alerts"].as_array().unwrap();
    assert!(!streamed_alerts.is_empty());
    assert!(streamed_alerts.iter().all(|a| a["name"] == "q2"), "{data}");
}

/// Finding 5: a parameter given twice got axum's text/plain 400.
#[tokio::test]
async fn a_query_that_cannot_be_read_gets_the_json_400_on_every_endpoint_that_takes_one() {
    let shared = fed_state(true, "2026-11-02T10:01:00Z");
    for uri in [
        "/api/v1/kpis?window=15m&window=60m",
        "/api/v1/kpis?queue=q1&queue=q2",
        "/api/v1/intervals?from=2026-11-02T10:00:00Z&from=2026-11-02T11:00:00Z",
        "/api/v1/intervals?queue=q1&queue=q2",
        "/api/v1/board?window=15m&window=60m",
        "/api/v1/stream?window=15m&window=60m",
    ] {
        let (status, h, body) = get(&shared, uri, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(content_type(&h), "application/json", "{uri}: {body}");
        let error = json(&body)["error"].as_str().unwrap().to_string();
        assert!(error.contains("duplicate field"), "{uri}: {error}");
        let name = uri.split_once('?').unwrap().1.split('=').next().unwrap();
        assert!(error.contains(name), "{uri}: {error}");
        assert!(error.starts_with("invalid query \""), "{error}");
    }
}

/// GET `url` with `Authorization: Bearer <token>` over a real socket: status and body.
fn get_bearer(url: &str, token: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = agent.get(url);
    if let Some(t) = token {
        request = request.header("Authorization", &format!("Bearer {t}"));
    }
    let mut response = request.call().unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_string().unwrap())
}

/// The demo with [`TOKENS`] from `CALLPULSE_HTTP_TOKENS_FILE`.
pub fn demo_with_tokens(dir: &std::path::Path) -> Service {
    let file = dir.join("tokens.toml");
    std::fs::write(&file, tokens_file()).unwrap();
    Service::start(
        &["demo", "--seed", "7"],
        &[("CALLPULSE_HTTP_TOKENS_FILE", file.to_str().unwrap())],
    )
}

#[test]
fn metrics_takes_the_bearer_token_as_prometheus_sends_it_and_probes_need_none() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_with_tokens(dir.path());
    let (status, body) = get_bearer(&format!("{}/metrics", demo.base), None);
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains("callpulse_"), "{body}");
    // What Prometheus sends with `authorization: {type: Bearer, credentials_file: …}`.
    let (status, body) = get_bearer(&format!("{}/metrics", demo.base), Some("reader-secret"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("callpulse_events_read_total"), "{body}");
    let (status, _) = get_bearer(&format!("{}/metrics", demo.base), Some("sup-q2-secret"));
    assert_eq!(status, 403);
    assert_eq!(demo.get("/healthz").0, 200);
    demo.wait_ready(Duration::from_secs(60));
    let (status, body) = get_bearer(&format!("{}/api/v1/kpis", demo.base), None);
    assert_eq!(status, 401, "{body}");
}

#[test]
fn a_bad_tokens_file_stops_the_start_and_names_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.toml");
    std::fs::write(
        &file,
        "[[token]]\nname = \"a\"\nsha256 = \"plain-token\"\nscopes = [\"read\", \"write\"]\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env("CALLPULSE_HTTP_TOKENS_FILE", &file)
        .env("CALLPULSE_EVIDENCE_PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CALLPULSE_HTTP_TOKENS_FILE"), "{err}");
    assert!(
        err.contains("token[1].sha256: must be 64 hexadecimal digits"),
        "{err}"
    );
    assert!(
        !err.contains("plain-token"),
        "a token written by mistake is never echoed: {err}"
    );
    assert!(
        err.contains("token[1].scopes") && err.contains("\"write\""),
        "{err}"
    );
}
