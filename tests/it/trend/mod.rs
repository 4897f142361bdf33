//! `/api/v1/trend` through the live service: the last 24 hours in interval points, today's
//! share of intervals that met the target, and today against the same weekday last week read
//! back from the evidence store the service wrote it to (or `null`: no history).

mod chart;
mod degraded;

use crate::support::browser::Browser;
use crate::support::live::{at, json, now_ms, poll};
use crate::support::service::{append_lines, Service};
use callpulse::time::{HOUR, MINUTE};

const DAY_MS: i64 = 24 * HOUR;
use serde_json::Value;

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

#[test]
fn the_trend_shows_today_and_compares_it_with_the_same_weekday_last_week_from_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let store = dir.path().join("evidence.sqlite");
    let position = dir.path().join("position.json");
    let rejected = dir.path().join("rejected.tsv");
    // Today so far in UTC (the default zone): half way through it, four calls of `sales`
    // answered after 5 s; the same time of day a week ago, four answered after 30 s. A queue
    // that had no calls last week has no history.
    let now = now_ms();
    let today = now.div_euclid(DAY_MS) * DAY_MS;
    let today_t = (today + (now - today) / 2).min(now - 2 * MINUTE);
    let mut lines = calls("sales", "w", today_t - 7 * DAY_MS, 4, 30);
    lines.extend(calls("sales", "t", today_t, 4, 5));
    lines.extend(calls("fresh", "f", today_t, 2, 5));
    // In the file before the start: read before the idle input moves the watermark to the
    // wall clock (last week's calls would be too late after that).
    append_lines(&events, &lines);
    let service = Service::start(
        &["run", "--follow", events.to_str().unwrap()],
        &[
            ("CALLPULSE_EVIDENCE_PATH", store.to_str().unwrap()),
            ("CALLPULSE_INPUT_POSITION_FILE", position.to_str().unwrap()),
            ("CALLPULSE_INPUT_REJECTED_FILE", rejected.to_str().unwrap()),
            ("CALLPULSE_ENGINE_LATENESS", "0s"),
            ("CALLPULSE_SERVICE_IDLE_AFTER", "1s"),
            ("CALLPULSE_INPUT_POLL_INTERVAL", "100ms"),
        ],
    );
    let trend = poll(&service, "today's calls and last week's record", |last| {
        let v = json(&service, "/api/v1/trend");
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

    // The wallboard's queue tiles say the same under their service level, in both languages.
    let Some(mut browser) = Browser::launch(1600, 1000) else {
        return;
    };
    for (lang, sales_line, fresh_line) in [
        (
            "en",
            "Today 100.0 % · same day last week 0.0 % · intervals met 1/1",
            "Today 100.0 % · same day last week no history · intervals met 1/1",
        ),
        (
            "zh",
            "今日 100.0 % · 上周同日 0.0 % · 达标时段 1/1",
            "今日 100.0 % · 上周同日 无历史 · 达标时段 1/1",
        ),
    ] {
        browser.goto(&format!("{}/?lang={lang}", service.base));
        browser.wait_for(
            "the comparison under the sales tile",
            r#"!!document.querySelector('[data-queue="sales"] [data-part="compare"]')"#,
        );
        let text = |queue: &str, browser: &mut Browser| {
            browser.eval(&format!(
                r#"document.querySelector('[data-queue="{queue}"] [data-part="compare"]').textContent"#
            ))
        };
        assert_eq!(text("sales", &mut browser), sales_line);
        assert_eq!(text("fresh", &mut browser), fresh_line);
        browser.screenshot(&format!("trend-{lang}-1600x1000.png"), 1600, 1000);
    }
}
