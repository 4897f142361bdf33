//! The wallboard's 24-hour service-level chart (`trend.js`), in headless Chromium against a
//! live service in Asia/Shanghai: a dot per interval with calls, the missed ones marked, the
//! interval not final hollow, the target line at the target, hour labels in the center's zone
//! (not the browser's), both languages; and a tile that stands when the trend has no points or
//! is refused.

use crate::support::browser::Browser;
use crate::support::live::{at, interval_start, json, now_ms, poll};
use crate::support::service::{append_lines, Service};
use callpulse::time::{HOUR, MINUTE};
use chrono::{DateTime, FixedOffset, Timelike};
use serde_json::Value;

const ZONE: &str = "Asia/Shanghai";

/// Calls of `queue` offered at `t`, `t + 1 s`, …, one per wait: answered after that many
/// seconds.
fn calls(queue: &str, prefix: &str, t: i64, waits: &[i64]) -> Vec<String> {
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
const BEFORE_LOAD: &str = r#"
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

/// The labels the chart must show for a chart drawn at `as_of`: every 6th hour of the
/// center's zone strictly inside the span of 24 hours ending with the interval `as_of` is in
/// (15 minutes), left to right.
fn hour_labels(as_of: &str) -> Vec<String> {
    let t: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(as_of).unwrap();
    let off = i64::from(t.offset().local_minus_utc()) * 1000;
    let iv = 15 * MINUTE;
    let end = (t.timestamp_millis() + off).div_euclid(iv) * iv - off + iv;
    let from = end - 24 * HOUR;
    let mut labels = Vec::new();
    let mut at = (from + off).div_euclid(HOUR) * HOUR + HOUR - off;
    while at < end {
        let local = DateTime::from_timestamp_millis(at)
            .unwrap()
            .with_timezone(t.offset());
        if local.hour() % 6 == 0 && at > from {
            labels.push(format!("{:02}:00", local.hour()));
        }
        at += HOUR;
    }
    labels
}

fn eval_str(browser: &mut Browser, expression: &str) -> String {
    let v = browser.eval(expression);
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

#[test]
fn the_tile_charts_the_last_24_hours_per_interval_with_missed_and_not_final_ones_marked() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    // `sales`: three final intervals hours ago (met; missed: 30 s waits; exactly at the 80 %
    // target: 4 of 5 within 20 s), and calls 10 minutes ago, not final under an hour's
    // lateness. `support`: six hours of intervals, for the picture.
    let now = now_ms();
    let base = interval_start(now);
    let mut lines = Vec::new();
    let mut support = Vec::new();
    for k in (5..=28).rev() {
        let waits: &[i64] = match k % 5 {
            0 => &[5, 30, 40],
            2 => &[5, 5, 30],
            _ => &[5, 5, 5],
        };
        support.push((base - k * 15 * MINUTE + 2 * MINUTE, k, waits));
    }
    let sales = [
        (base - 6 * HOUR + MINUTE, "met", &[5, 5, 5, 5][..]),
        (base - 5 * HOUR + MINUTE, "missed", &[30, 30, 30, 30][..]),
        (base - 4 * HOUR + MINUTE, "at", &[5, 5, 5, 5, 30][..]),
        (now - 10 * MINUTE, "open", &[5, 5, 5, 5][..]),
    ];
    let mut timed: Vec<(i64, Vec<String>)> = sales
        .iter()
        .map(|(t, p, w)| (*t, calls("sales", p, *t, w)))
        .collect();
    timed.extend(
        support
            .iter()
            .map(|(t, k, w)| (*t, calls("support", &format!("k{k}-"), *t, w))),
    );
    timed.push((
        now - 9 * MINUTE,
        calls("support", "open", now - 9 * MINUTE, &[5, 30]),
    ));
    timed.sort_by_key(|(t, _)| *t);
    for (_, l) in timed {
        lines.extend(l);
    }
    append_lines(&events, &lines);
    let service = Service::start(
        &["run", "--follow", events.to_str().unwrap()],
        &[
            ("CALLPULSE_ENGINE_TIMEZONE", ZONE),
            ("CALLPULSE_ENGINE_LATENESS", "1h"),
            ("CALLPULSE_SERVICE_IDLE_AFTER", "1s"),
            ("CALLPULSE_INPUT_POLL_INTERVAL", "100ms"),
        ],
    );
    let trend = poll(&service, "sales' four intervals in the trend", |last| {
        let v = json(&service, "/api/v1/trend?queue=sales");
        *last = v.to_string();
        let points = v["scopes"][0]["points"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let with_calls = points.iter().filter(|p| p["offered"] != 0).count();
        (with_calls == 4).then_some(v)
    });
    let points: Vec<&Value> = trend["scopes"][0]["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["offered"] != 0)
        .collect();
    let start_of = |f: &dyn Fn(&Value) -> bool| {
        let p = points.iter().find(|p| f(p)).expect("the interval");
        p["start"].as_str().unwrap().to_string()
    };
    let missed = start_of(&|p| p["met"] == false);
    let open = start_of(&|p| p["final"] == false);
    let at_target = start_of(&|p| p["service_level"] == 0.8);
    assert!(missed.ends_with("+08:00"), "{missed}: the center's zone");
    assert_eq!(points.iter().filter(|p| p["final"] == false).count(), 1);

    let Some(mut browser) = Browser::launch(1600, 1000) else {
        return;
    };
    browser.before_load(BEFORE_LOAD);
    for (lang, title, share) in [
        (
            "en",
            "Service level, last 24 h (per 15 min)",
            "3 of 4 intervals with calls met the target",
        ),
        (
            "zh",
            "服务水平 近24小时（每15分钟）",
            "4个有呼入时段中3个达标",
        ),
    ] {
        browser.goto(&format!("{}/?lang={lang}", service.base));
        let chart = r#"document.querySelector('[data-queue="sales"] svg.trend24')"#;
        browser.wait_for(
            "sales' 24-hour chart",
            &format!("{chart}.dataset.points === '4'"),
        );
        let q = |what: &str| format!("{chart}.querySelectorAll('{what}').length");
        // One dot per interval with calls; one missed; one not final (hollow: filled with
        // the tile's colour, ringed like the others).
        assert_eq!(browser.eval(&q("circle.pt")), 4, "{lang}");
        assert_eq!(browser.eval(&q("circle.pt.miss")), 1, "{lang}");
        assert_eq!(browser.eval(&q("circle.pt.open")), 1, "{lang}");
        let attr = |sel: &str, name: &str| {
            format!("{chart}.querySelector('{sel}').getAttribute('{name}')")
        };
        assert_eq!(
            eval_str(&mut browser, &attr("circle.pt.miss", "data-start")),
            missed
        );
        assert_eq!(
            eval_str(&mut browser, &attr("circle.pt.open", "data-start")),
            open
        );
        let style = |sel: &str, prop: &str| {
            format!("getComputedStyle({chart}.querySelector('{sel}')).{prop}")
        };
        let open_fill = eval_str(&mut browser, &style("circle.pt.open", "fill"));
        let met_fill = eval_str(&mut browser, &style("circle.pt.met:not(.open)", "fill"));
        let miss_fill = eval_str(&mut browser, &style("circle.pt.miss", "fill"));
        assert_ne!(open_fill, met_fill, "{lang}: the not-final dot is hollow");
        assert_ne!(
            miss_fill, met_fill,
            "{lang}: the missed dot has its own colour"
        );
        assert_eq!(
            eval_str(&mut browser, &style("circle.pt.open", "stroke")),
            eval_str(&mut browser, &style("circle.pt.met:not(.open)", "stroke")),
        );
        // The target line at the target: level with the dot of the interval at exactly 80 %.
        assert_eq!(
            eval_str(&mut browser, &attr("line.target", "data-value")),
            "0.8"
        );
        let y_at_target = eval_str(
            &mut browser,
            &format!(
                "{chart}.querySelector('circle.pt[data-start=\"{at_target}\"]').getAttribute('cy')"
            ),
        );
        assert_eq!(
            eval_str(&mut browser, &attr("line.target", "y1")),
            y_at_target
        );
        assert_eq!(
            eval_str(
                &mut browser,
                &format!("{chart}.querySelector('text.target-label').textContent")
            ),
            "80 %"
        );
        // Hours of Asia/Shanghai, from the chart's own clock (the browser runs in UTC).
        let as_of = eval_str(&mut browser, &format!("{chart}.dataset.asOf"));
        let labels = browser.eval(&format!(
            "[...{chart}.querySelectorAll('text.hour')].map(t => t.textContent)"
        ));
        let expected = hour_labels(&as_of);
        assert_eq!(labels, serde_json::json!(expected), "{lang}: at {as_of}");
        assert!((4..=5).contains(&expected.len()), "{expected:?}");
        // Its accessible name, in the page's language.
        let label = eval_str(&mut browser, &format!("{chart}.getAttribute('aria-label')"));
        assert!(label.starts_with(title), "{lang}: {label}");
        assert!(label.contains(share), "{lang}: {label}");
        assert_eq!(
            eval_str(
                &mut browser,
                &format!("{chart}.querySelector('title').textContent")
            ),
            label
        );
        assert_eq!(browser.eval("window.__errors.length"), 0, "{lang}");
        browser.wait_for(
            "the center's chart too",
            r#"!!document.querySelector('[data-scope="center"] svg.trend24')"#,
        );
        browser.screenshot(&format!("trend24-{lang}-1600x1000.png"), 1600, 1000);
        browser.screenshot_of("#tiles", &format!("trend24-tiles-{lang}.png"));
    }
}

#[test]
fn the_tiles_stand_when_the_trend_has_no_points_or_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let service = Service::start(
        &["run", "--follow", events.to_str().unwrap()],
        &[
            ("CALLPULSE_ENGINE_TIMEZONE", ZONE),
            ("CALLPULSE_SERVICE_IDLE_AFTER", "1s"),
            ("CALLPULSE_INPUT_POLL_INTERVAL", "100ms"),
        ],
    );
    let Some(mut browser) = Browser::launch(1280, 800) else {
        return;
    };
    browser.before_load(BEFORE_LOAD);
    // No call yet: the center's chart is drawn empty (its frame, the target, the hours) and
    // says so.
    poll(&service, "the idle clock", |last| {
        let v = json(&service, "/api/v1/trend");
        *last = v.to_string();
        (!v["as_of"].is_null()).then_some(())
    });
    browser.goto(&format!("{}/?lang=en", service.base));
    let center = r#"document.querySelector('[data-scope="center"] svg.trend24')"#;
    browser.wait_for("the center's empty chart", &format!("!!{center}"));
    assert_eq!(browser.eval(&format!("{center}.dataset.points")), "0");
    assert_eq!(
        browser.eval(&format!(
            "{center}.querySelectorAll('circle, polyline').length"
        )),
        0
    );
    assert_eq!(
        browser.eval(&format!("{center}.querySelector('text.empty').textContent")),
        "no calls in the last 24 h"
    );
    assert_eq!(
        browser.eval(&format!("{center}.querySelectorAll('line.target').length")),
        1
    );
    assert_eq!(browser.eval("window.__errors.length"), 0);

    // A call: a queue tile. Refused (403) or not found (404): no chart, no comparison, the
    // tile's figures all there, no error.
    let now = now_ms();
    append_lines(&events, &calls("sales", "c", now - MINUTE, &[5]));
    poll(&service, "the sales queue", |last| {
        let v = json(&service, "/api/v1/kpis");
        *last = v.to_string();
        v["queues"]
            .as_array()
            .is_some_and(|q| !q.is_empty())
            .then_some(())
    });
    for code in [403, 404] {
        browser.goto(&format!("{}/?lang=en&refuse={code}", service.base));
        browser.wait_for(
            "the sales tile with its figures",
            r#"document.querySelector('[data-queue="sales"] [data-measure="service_level"] .v').textContent.endsWith('%')"#,
        );
        browser.wait_for("the refused trend", "window.__refused >= 1");
        let boards = browser.boards();
        browser.wait_for(
            "a board drawn after the refusal",
            &format!("document.body.dataset.boards > {boards}"),
        );
        assert_eq!(
            browser.eval(
                "document.querySelectorAll('[data-part=trend24], [data-part=compare]').length"
            ),
            0,
            "{code}"
        );
        for measure in [
            "service_level",
            "answer_rate",
            "asa_seconds",
            "offered",
            "waiting",
        ] {
            assert_eq!(
                browser.eval(&format!(
                    "document.querySelectorAll('[data-queue=\"sales\"] [data-measure={measure}]').length"
                )),
                1,
                "{code}: {measure}"
            );
        }
        assert_eq!(browser.eval("window.__errors.length"), 0, "{code}");
    }
    // Answered again: the chart is back.
    browser.goto(&format!("{}/?lang=en", service.base));
    browser.wait_for(
        "sales' chart",
        r#"document.querySelector('[data-queue="sales"] svg.trend24')?.dataset.points === '1'"#,
    );
}
