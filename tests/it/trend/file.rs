//! The calls of [`super::week_and_today`] in a file before `run --follow` starts: the trend
//! of [`super::check_trend`]; and the wallboard's queue tiles saying the same in Chromium,
//! in both languages. The lines are in the file before the start so that they are read
//! before the idle input moves the watermark to the wall clock (last week's calls would be
//! too late after that).

use super::{check_trend, week_and_today};
use crate::support::browser::Browser;
use crate::support::live::now_ms;
use crate::support::service::{append_lines, Service};

#[test]
fn the_trend_shows_today_and_compares_it_with_the_same_weekday_last_week_from_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let store = dir.path().join("evidence.sqlite");
    let position = dir.path().join("position.json");
    let rejected = dir.path().join("rejected.tsv");
    let (zone, lines) = week_and_today(now_ms());
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
            ("CALLPULSE_ENGINE_TIMEZONE", zone),
        ],
    );
    check_trend(&service, lines.len());

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
