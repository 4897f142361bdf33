//! The callback list end to end (issue 19, point 1): events in through a followed file and
//! through Kafka, out through `/api/v1/callbacks` (numbers masked for a `read` token, in full
//! for a `pii` one) and `/metrics`; the wallboard's panel in headless Chromium.

// The board of each viewer through one router: masked, in full, or none.
mod board;
// Events produced to a real broker by kafka-python.
mod kafka;
// The wallboard's callbacks panel in Chromium, in both languages.
mod panel;

use crate::http_access::tokens_file;
use crate::support::service::{append_lines, sample, Service};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(super) const WAIT: Duration = Duration::from_secs(60);

/// Now, in Unix milliseconds.
pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A zone in which the last ten minutes all lie on one day, so that "today" holds every call
/// of [`day`].
pub(super) fn zone(now: i64) -> &'static str {
    crate::support::live::zone_where_today_began(now, 10 * 60_000).0
}

fn offered(t: i64, call: &str, customer: Option<&str>) -> String {
    let customer = customer.map_or(String::new(), |c| format!(r#","customer":"{c}""#));
    format!(r#"{{"type":"call.offered","ts":{t},"call_id":"{call}","queue":"sales"{customer}}}"#)
}
fn answered(t: i64, call: &str) -> String {
    format!(r#"{{"type":"call.answered","ts":{t},"call_id":"{call}","agent_id":"a1"}}"#)
}
fn abandoned(t: i64, call: &str, cause: &str) -> String {
    format!(r#"{{"type":"call.abandoned","ts":{t},"call_id":"{call}","cause":"{cause}"}}"#)
}
fn callback(t: i64, customer: &str, result: &str) -> String {
    format!(
        r#"{{"type":"call.callback","ts":{t},"queue":"sales","customer":"{customer}","result":"{result}","agent_id":"a2"}}"#
    )
}

/// Calls of queue `sales` from `t0` (ms), within two minutes:
/// - 13800001234 abandons after 20 s, calls again and is answered: not listed;
/// - 13900005678 times out after 20 s and is called back with `no_answer`: listed, 1 attempt;
/// - 13700009999 leaves with a callback request after 13 s: listed, no abandon;
/// - a call without a number abandons: counted in `without_number`.
pub(super) fn day(t0: i64) -> Vec<String> {
    let s = 1_000;
    vec![
        offered(t0, "c1", Some("13800001234")),
        offered(t0 + 10 * s, "c3", Some("13900005678")),
        offered(t0 + 12 * s, "c4", Some("13700009999")),
        offered(t0 + 15 * s, "c5", None),
        abandoned(t0 + 20 * s, "c1", "caller"),
        abandoned(t0 + 25 * s, "c4", "callback"),
        abandoned(t0 + 30 * s, "c3", "timeout"),
        offered(t0 + 40 * s, "c2", Some("13800001234")),
        answered(t0 + 45 * s, "c2"),
        abandoned(t0 + 50 * s, "c5", "caller"),
        callback(t0 + 60 * s, "13900005678", "no_answer"),
    ]
}

/// GET `path` of `service` with `Authorization: Bearer <token>-secret`.
pub(super) fn get_as(service: &Service, path: &str, token: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent
        .get(format!("{}{path}", service.base))
        .header("Authorization", &format!("Bearer {token}-secret"))
        .call()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_string().unwrap())
}

/// `/api/v1/callbacks?queue=sales` as `token` sees it, once `sales` lists 2 callers.
pub(super) fn sales_list(service: &Service, token: &str) -> Value {
    service.wait_for("two callers to call back", WAIT, |_| {
        let (status, body) = get_as(service, "/api/v1/callbacks?queue=sales", token);
        let v: Value = serde_json::from_str(&body).ok()?;
        (status == 200 && v["queues"][0]["pending"] == 2).then_some(())
    });
    let (_, body) = get_as(service, "/api/v1/callbacks?queue=sales", token);
    serde_json::from_str(&body).unwrap()
}

/// What [`day`] leaves on the list, as a `read` token and a `pii` token see it, and in
/// `/metrics`: the checks both inputs share.
pub(super) fn check_day(service: &Service) {
    let masked = sales_list(service, "reader");
    let sales = &masked["queues"][0];
    assert_eq!(sales["queue"], "sales");
    assert_eq!(masked["masked"], true);
    assert_eq!(sales["without_number"], 1, "{masked}");
    let entries = sales["entries"].as_array().unwrap();
    let customers: Vec<_> = entries.iter().map(|e| e["customer"].clone()).collect();
    assert_eq!(customers, ["*******9999", "*******5678"], "oldest first");
    assert_eq!(entries[0]["cause"], "callback_requested");
    assert_eq!(entries[0]["wait_seconds"], 13.0);
    assert_eq!(entries[0]["attempts"], 0);
    assert_eq!(entries[1]["cause"], "timed_out");
    assert_eq!(entries[1]["wait_seconds"], 20.0);
    assert_eq!(entries[1]["attempts"], 1);
    assert_eq!(entries[1]["last_attempt"]["result"], "no_answer");
    assert!(!masked.to_string().contains("13900005678"), "{masked}");

    let full = sales_list(service, "auditor");
    assert_eq!(full["masked"], false);
    let customers: Vec<_> = full["queues"][0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["customer"].clone())
        .collect();
    assert_eq!(customers, ["13700009999", "13900005678"]);

    let (_, m) = get_as(service, "/metrics", "reader");
    let sales = r#"queue="sales""#;
    assert_eq!(sample(&m, "callpulse_callbacks_pending", sales), Some(2.0));
    assert_eq!(
        sample(&m, "callpulse_center_callbacks_pending", ""),
        Some(2.0)
    );
    assert_eq!(
        sample(&m, "callpulse_callbacks_untracked_total", ""),
        Some(0.0)
    );
}

/// `run --follow` on the day of [`day`] two minutes ago, with the tokens of
/// [`tokens_file`], in a zone where that is still today.
pub(super) fn follow_day(dir: &std::path::Path) -> Service {
    let events = dir.join("events.jsonl");
    let tokens = dir.join("tokens.toml");
    std::fs::write(&tokens, tokens_file()).unwrap();
    let now = now_ms();
    append_lines(&events, &day(now - 120_000));
    Service::follow(
        &events,
        dir,
        &[
            ("CALLPULSE_HTTP_TOKENS_FILE", tokens.to_str().unwrap()),
            ("CALLPULSE_ENGINE_TIMEZONE", zone(now)),
        ],
    )
}

#[test]
fn a_followed_file_lists_the_callers_to_call_back_masked_without_the_pii_scope() {
    let dir = tempfile::tempdir().unwrap();
    let service = follow_day(dir.path());
    check_day(&service);
    let (_, m) = get_as(&service, "/metrics", "reader");
    // c1 and the call without a number; the callback request is no abandon.
    assert_eq!(
        sample(&m, "callpulse_calls_abandoned_total", r#"queue="sales""#),
        Some(2.0)
    );
    // The timeout; the callback request is counted apart.
    assert_eq!(
        sample(&m, "callpulse_calls_timed_out_total", r#"queue="sales""#),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_calls_callbacks_requested_total",
            r#"queue="sales""#
        ),
        Some(1.0)
    );

    // A queue the token does not see, and one never seen.
    let (status, _) = get_as(&service, "/api/v1/callbacks?queue=sales", "sup-q2");
    assert_eq!(status, 403);
    let (status, _) = get_as(&service, "/api/v1/callbacks?queue=nowhere", "reader");
    assert_eq!(status, 404);
    let (status, body) = get_as(&service, "/api/v1/callbacks", "sup-q2");
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["queues"], serde_json::json!([]), "sales is not its queue");
}
