//! The agents view in Chromium (`/?view=agents`; the queue board at `/` leaves it out): a followed file of agents stamped around
//! now, display names from the shipped `config/agents/names.toml`; tiles grouped by state in
//! the order a supervisor acts on, the longest not ready first, names and pause reasons,
//! the time in state ticking without a new answer, both languages; screenshots
//! `agents-zh-1920x1080.png` and `agents-en-1366x768.png` under `<target>/wallboard-test/`.

use crate::support::browser::*;
use crate::support::live::{at, now_ms, zone_where_today_began, WAIT};
use crate::support::service::{append_lines, Service};
use callpulse::time::{Millis, MINUTE};

fn state(ts: Millis, agent: &str, state: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"agent.state","ts":"{}","agent_id":"{agent}","state":"{state}"{extra}}}"#,
        at(ts)
    )
}

/// A small floor: calls handled earlier, three agents not ready for different reasons, one
/// in wrap-up, on a call, available, and one logged out.
fn floor(now: Millis) -> Vec<String> {
    let m = |n: i64| now - n * MINUTE;
    let mut lines = Vec::new();
    for (agent, queue) in [
        ("sales-01", "sales"),
        ("sales-02", "sales"),
        ("sales-03", "sales"),
        ("support-01", "support"),
        ("support-02", "support"),
        ("support-03", "support"),
        ("vip-01", "vip"),
    ] {
        lines.push(state(
            m(55),
            agent,
            "available",
            &format!(r#","queues":["{queue}"]"#),
        ));
    }
    // Two calls each before what they do now.
    for agent in ["sales-01", "sales-02", "support-01", "support-03"] {
        for start in [50, 38] {
            lines.push(state(m(start), agent, "on_call", ""));
            lines.push(state(m(start - 6), agent, "wrap_up", ""));
            lines.push(state(m(start - 7), agent, "available", ""));
        }
    }
    lines.extend([
        state(m(25), "support-03", "not_ready", r#","reason":"break""#),
        state(m(14), "sales-01", "not_ready", r#","reason":"lunch""#),
        state(m(3), "sales-02", "not_ready", r#","reason":"training""#),
        state(m(2), "sales-03", "on_call", ""),
        state(m(4), "support-01", "on_call", ""),
        state(m(1), "support-01", "wrap_up", ""),
        state(m(6), "support-02", "available", ""),
        state(m(30), "vip-01", "logged_out", ""),
    ]);
    lines.sort_by_key(|l| l[l.find("\"ts\"").unwrap()..].to_string());
    lines
}

fn list(browser: &mut Browser, selector: &str, attr: &str) -> String {
    browser
        .eval(&format!(
            "Array.from(document.querySelectorAll('{selector}')).map(e => e.dataset.{attr}).join(',')"
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn chromium_shows_agents_by_state_longest_not_ready_first_ticking_in_both_languages() {
    let Some(mut browser) = Browser::launch(1920, 1080) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let now = now_ms();
    append_lines(&events, &floor(now));
    // The floor's hour lies on one day of the service's zone: its calls are handled today.
    let (zone, _) = zone_where_today_began(now, 60 * MINUTE);
    let names = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/agents/names.toml");
    let s = Service::follow(
        &events,
        dir.path(),
        &[
            ("CALLPULSE_HTTP_AGENT_NAMES", names.to_str().unwrap()),
            ("CALLPULSE_ENGINE_TIMEZONE", zone),
        ],
    );
    s.wait_ready(WAIT);

    browser.goto(&format!("{}/?view=agents&lang=zh", s.base));
    browser.wait_for(
        "seven agents' answer",
        "document.querySelectorAll('#agents .agent').length === 6",
    );
    assert_eq!(
        list(&mut browser, "#agents .agent-group", "group"),
        "not_ready,wrap_up,on_call,available"
    );
    assert_eq!(
        list(&mut browser, "[data-group=not_ready] .agent", "agent"),
        "support-03,sales-01,sales-02",
        "the longest not ready first"
    );
    assert_eq!(
        browser.eval("getComputedStyle(document.getElementById('tiles')).display"),
        "none",
        "the agents view alone"
    );
    let zh = browser.html();
    for text in [
        "坐席状态",
        "未就绪 (3)",
        "话后处理 (1)",
        "通话中 (1)",
        "空闲 (1)",
        "今日接听",
        "近1小时占用率",
        "已登出坐席：1",
        "王芳 Wang Fang",
        "lunch",
    ] {
        assert!(zh.contains(text), "{text} missing:\n{zh}");
    }
    assert!(!zh.contains("Not ready"), "English in Chinese:\n{zh}");
    // sales-01 handled two calls of 6 min talk and 1 min wrap-up each.
    let handled = browser.eval(
        "document.querySelector('[data-agent=\"sales-01\"] [data-f=handled_today] .agent-fig-value').textContent",
    );
    assert_eq!(handled, "2");
    let aht = browser.eval(
        "document.querySelector('[data-agent=\"sales-01\"] [data-f=aht_seconds] .agent-fig-value').textContent",
    );
    assert_eq!(aht, "420 秒");

    // The time in state ticks between answers.
    let time = "document.querySelector('[data-agent=\"sales-01\"] [data-f=time]').textContent";
    let before = browser.eval(time);
    browser.wait_for("the time in state to tick", &format!("{time} !== {before}"));
    browser.screenshot("agents-zh-1920x1080.png", 1920, 1080);

    browser.goto(&format!("{}/?view=agents&lang=en", s.base));
    browser.wait_for(
        "the English agents view",
        "document.documentElement.lang === 'en' && document.querySelectorAll('#agents .agent').length === 6",
    );
    let en = browser.html();
    for text in [
        "Agents",
        "Not ready (3)",
        "Wrap-up (1)",
        "On call (1)",
        "Available (1)",
        "Handled today",
        "Occupancy (60 min)",
        "Logged out: 1",
    ] {
        assert!(en.contains(text), "{text} missing:\n{en}");
    }
    assert!(!en.contains("未就绪"), "Chinese in English:\n{en}");
    browser.screenshot("agents-en-1366x768.png", 1366, 768);

    // The queue board without `?view=agents` leaves the agents out.
    browser.goto(&format!("{}/?lang=en", s.base));
    browser.wait_for("a board", "document.body.dataset.boards >= 1");
    assert_eq!(
        browser.eval("document.getElementById('agents').hidden"),
        true
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('.agent').length"),
        0
    );
}
