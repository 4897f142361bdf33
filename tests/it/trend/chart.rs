//! The wallboard's 24-hour service-level chart (`trend.js`), in headless Chromium against a
//! live service in Asia/Shanghai: a dot per interval with calls, the missed ones marked, the
//! interval not final hollow, the target line at the target, hour labels in the center's zone
//! (not the browser's), both languages.

use super::{calls_waiting, BEFORE_LOAD, ZONE};
use crate::support::browser::Browser;
use crate::support::live::{interval_start, json, now_ms, poll};
use crate::support::service::{append_lines, Service};
use callpulse::time::{HOUR, MINUTE};
use chrono::{DateTime, FixedOffset, Timelike};
use serde_json::Value;

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
        .map(|(t, p, w)| (*t, calls_waiting("sales", p, *t, w)))
        .collect();
    timed.extend(
        support
            .iter()
            .map(|(t, k, w)| (*t, calls_waiting("support", &format!("k{k}-"), *t, w))),
    );
    timed.push((
        now - 9 * MINUTE,
        calls_waiting("support", "open", now - 9 * MINUTE, &[5, 30]),
    ));
    timed.sort_by_key(|(t, _)| *t);
    for (_, l) in timed {
        lines.extend(l);
    }
    append_lines(&events, &lines);
    let service = Service::follow(
        &events,
        dir.path(),
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
        // Four 6-hour marks inside 24 hours, three when the span starts and ends on one.
        assert!((3..=4).contains(&expected.len()), "{expected:?}");
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
