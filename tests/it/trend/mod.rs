//! `/api/v1/trend` end to end (issue 19, point 4): the last 24 hours in interval points,
//! today's share of intervals that met the target, and today against the same weekday last
//! week read back from the evidence store the service wrote it to (or `null`: no history) —
//! from a followed file and from Kafka, with the same calls ([`week_and_today`]) and the
//! same checks ([`check_trend`]).

// `run --follow` on a file, and the wallboard's comparison line in Chromium.
mod file;
// The same calls produced to a tansu broker by kafka-python, keyed by call id.
mod kafka;
// The tiles' 24-hour chart in Chromium.
mod chart;
// The tiles when the trend has no points, is refused, or is limited to a token's queues.
mod degraded;

use crate::support::live::{at, json, poll, rejected_all};
use crate::support::service::{sample, Service};
use callpulse::time::{Millis, HOUR, MINUTE};
use serde_json::Value;

const DAY_MS: i64 = 24 * HOUR;

/// Calls of `queue` offered at `t`, `t + 1 s`, …, each answered after `wait_s` seconds.
fn calls(queue: &str, prefix: &str, t: i64, n: usize, wait_s: i64) -> Vec<String> {
    calls_waiting(queue, prefix, t, &vec![wait_s; n])
}

/// The zone of the wallboard tests: eight hours from UTC, not a multiple of the six hours
/// between two labelled hours, so the browser's UTC would label other hours.
pub(super) const ZONE: &str = "Asia/Shanghai";

/// Calls of `queue` offered at `t`, `t + 1 s`, …, one per wait: answered after that many
/// seconds.
pub(super) fn calls_waiting(queue: &str, prefix: &str, t: i64, waits: &[i64]) -> Vec<String> {
    waits
        .iter()
        .enumerate()
        .flat_map(|(i, wait_s)| {
            let (call, start) = (format!("{queue}-{prefix}{i}"), t + i as i64 * 1_000);
            [
                format!(
                    r#"{{"type":"call.offered","ts":"{}","call_id":"{call}","queue":"{queue}"}}"#,
                    at(start)
                ),
                format!(
                    r#"{{"type":"call.answered","ts":"{}","call_id":"{call}","agent_id":"a"}}"#,
                    at(start + wait_s * 1_000)
                ),
            ]
        })
        .collect()
}

/// Records the page's errors (`window.__errors`), and, on a page loaded with `?refuse=CODE`,
/// answers `/api/v1/trend` with that status: no configuration of a real service refuses the
/// trend while it serves the board, but a proxy in front of it, or an older service, can.
pub(super) const BEFORE_LOAD: &str = r#"
window.__errors = [];
addEventListener("error", (e) => window.__errors.push(String(e.message)));
addEventListener("unhandledrejection", (e) => window.__errors.push(String(e.reason)));
const refuse = new URLSearchParams(location.search).get("refuse");
if (refuse) {
  const real = window.fetch.bind(window);
  window.fetch = (url, init) => String(url).startsWith("/api/v1/trend")
    ? Promise.resolve(new Response('{"error":"refused"}', { status: Number(refuse) }))
        .finally(() => { window.__refused = (window.__refused || 0) + 1; })
    : real(url, init);
}
"#;

fn scope<'a>(trend: &'a Value, queue: &str) -> &'a Value {
    trend["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["queue"] == queue)
        .unwrap_or_else(|| panic!("no {queue} in {trend}"))
}

/// The calls of the comparison, in time order, with `now` the wall clock, and the zone to
/// run in: UTC, or Shanghai's day in the first ten minutes after midnight UTC, so that today
/// has begun at least ten minutes ago. Today so far, half way through it (and at least two
/// minutes ago), four calls of `sales` answered after 5 s; the same time of day a week ago,
/// four answered after 30 s; and two calls of `fresh`, a queue that had no calls last week,
/// so no history.
pub(super) fn week_and_today(now: Millis) -> (&'static str, Vec<String>) {
    let (zone, offset) = crate::support::live::zone_where_today_began(now, 10 * MINUTE);
    let today = (now + offset).div_euclid(DAY_MS) * DAY_MS - offset;
    let today_t = (today + (now - today) / 2).min(now - 2 * MINUTE);
    let mut lines = calls("sales", "w", today_t - 7 * DAY_MS, 4, 30);
    lines.extend(calls("sales", "t", today_t, 4, 5));
    lines.extend(calls("fresh", "f", today_t, 2, 5));
    (zone, lines)
}

/// What [`week_and_today`] shows in `/api/v1/trend` once last week's interval is final and
/// in the store, the checks both inputs share; and in `/metrics`, every event read and none
/// rejected (last week's calls were not too late). `read` is how many events were given.
pub(super) fn check_trend(service: &Service, read: usize) {
    let trend = poll(service, "today's calls and last week's record", |last| {
        let v = json(service, "/api/v1/trend");
        *last = v.to_string();
        let ready = v["scopes"].as_array().is_some_and(|s| {
            s.iter().any(|s| {
                s["queue"] == "sales" && s["today"]["offered"] == 4 && !s["last_week"].is_null()
            })
        });
        ready.then_some(v)
    });
    let sales = scope(&trend, "sales");
    assert_eq!(
        sales["target"], 0.8,
        "the rule's 80 % without a profile criterion"
    );
    assert_eq!(sales["definition"], "9.3.1");
    assert_eq!(sales["today"]["service_level"], 1.0);
    assert_eq!(sales["today"]["intervals_judged"], 1);
    assert_eq!(sales["today"]["intervals_met"], 1);
    assert_eq!(sales["today"]["met_share"], 1.0);
    // Last week: its four calls, none within 20 s, from its evidence row.
    assert_eq!(sales["last_week"]["offered"], 4);
    assert_eq!(sales["last_week"]["service_level"], 0.0);
    // The interval of today's calls is among the points of the last 24 hours, met.
    let points = sales["points"].as_array().unwrap();
    let with_calls: Vec<&Value> = points.iter().filter(|p| p["offered"] != 0).collect();
    assert_eq!(with_calls.len(), 1, "{points:?}");
    assert_eq!(with_calls[0]["service_level"], 1.0);
    assert_eq!(with_calls[0]["met"], true);
    // No history is null, not 0 %.
    let fresh = scope(&trend, "fresh");
    assert!(fresh["last_week"].is_null(), "{fresh}");
    assert_eq!(fresh["today"]["offered"], 2);
    // The center and one queue.
    let (code, body) = service.get("/api/v1/trend?queue=fresh");
    assert_eq!(code, 200, "{body}");
    let one: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(one["scopes"].as_array().unwrap().len(), 1);
    assert_eq!(service.get("/api/v1/trend?queue=nowhere").0, 404);

    let (_, m) = service.get("/metrics");
    assert_eq!(
        sample(&m, "callpulse_events_read_total", ""),
        Some(read as f64)
    );
    assert_eq!(rejected_all(&m), 0.0, "{m}");
}
