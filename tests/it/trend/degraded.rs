//! The wallboard's tiles when the 24-hour chart has nothing to draw or may not: no call yet,
//! `/api/v1/trend` refused or not found, a token limited to some queues; in headless Chromium
//! against a live service.

use super::{calls_waiting, BEFORE_LOAD, ZONE};
use crate::support::browser::Browser;
use crate::support::live::{json, now_ms, poll};
use crate::support::service::{append_lines, Service};
use callpulse::time::MINUTE;

/// `run --follow EVENTS` in the chart's zone, with `envs` besides, and a Chromium that
/// records the page's errors ([`BEFORE_LOAD`]); `None` without Chromium.
fn follow_in_chromium(
    events: &std::path::Path,
    dir: &std::path::Path,
    envs: &[(&str, &str)],
) -> Option<(Service, Browser)> {
    let mut all = vec![
        ("CALLPULSE_ENGINE_TIMEZONE", ZONE),
        ("CALLPULSE_SERVICE_IDLE_AFTER", "1s"),
        ("CALLPULSE_INPUT_POLL_INTERVAL", "100ms"),
    ];
    all.extend_from_slice(envs);
    let service = Service::follow(events, dir, &all);
    let mut browser = Browser::launch(1280, 800)?;
    browser.before_load(BEFORE_LOAD);
    Some((service, browser))
}

#[test]
fn the_tiles_stand_when_the_trend_has_no_points_or_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let Some((service, mut browser)) = follow_in_chromium(&events, dir.path(), &[]) else {
        return;
    };
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
    append_lines(&events, &calls_waiting("sales", "c", now - MINUTE, &[5]));
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

/// A token limited to queues q2 and q9 (`sup-q2` of [`crate::http_access::TOKENS`]): the
/// trend it gets has its queue only and no center, and the page shows just that: q2's tile
/// with its chart, no tile of q1, no center tile, no error.
#[test]
fn a_queue_limited_token_sees_the_chart_of_its_queues_only() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(&tokens, crate::http_access::tokens_file()).unwrap();
    let now = now_ms();
    let mut lines = calls_waiting("q1", "a", now - 3 * MINUTE, &[5, 5]);
    lines.extend(calls_waiting("q2", "b", now - 2 * MINUTE, &[5, 30]));
    append_lines(&events, &lines);
    let tokens_file = [("CALLPULSE_HTTP_TOKENS_FILE", tokens.to_str().unwrap())];
    let Some((service, mut browser)) = follow_in_chromium(&events, dir.path(), &tokens_file) else {
        return;
    };
    browser.goto(&format!("{}/?lang=zh", service.base));
    browser.wait_for(
        "the token form",
        "document.getElementById('token-input') !== null",
    );
    browser.eval(
        "document.getElementById('token-input').value = 'sup-q2-secret'; \
         document.getElementById('token-form').requestSubmit(); true",
    );
    let chart = r#"document.querySelector('[data-queue="q2"] svg.trend24')"#;
    browser.wait_for("q2's chart", &format!("{chart}?.dataset.points === '1'"));
    assert_eq!(
        browser.eval(&format!(
            "{chart}.querySelectorAll('circle.pt.miss').length"
        )),
        1,
        "one of two within 20 s: 50 %, missed"
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('#tiles > .tile').length"),
        1
    );
    assert_eq!(
        browser.eval(
            "document.querySelectorAll('[data-queue=\"q1\"], [data-scope=\"center\"]').length"
        ),
        0
    );
    assert_eq!(browser.eval("window.__errors.length"), 0);
}
