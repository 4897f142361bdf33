//! The demo's page in Chromium: every queue rendered live, in both languages, and the page
//! saying when it reconnects; screenshots under `<target>/wallboard-test/`.

use super::board::*;
use super::dom::*;
use crate::support::browser::*;
use crate::support::service::Service;
use std::time::Duration;

#[test]
fn chromium_renders_every_demo_queue_live_in_both_languages_and_says_when_it_reconnects() {
    let Some(mut browser) = Browser::launch(1920, 1080) else {
        return;
    };
    let demo = Service::start(&["demo", "--seed", "11"], &[]);
    demo.wait_ready(Duration::from_secs(120));
    let kpis = json(&demo.get("/api/v1/kpis").1);
    let queues: Vec<String> = kpis["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(queues.len(), 3);

    // A fresh browser on the built-in profile: Chinese; boards keep coming over the stream.
    browser.goto(&format!("{}/", demo.base));
    browser.wait_for("the first board", "document.body.dataset.boards >= 1");
    let first = browser.boards();
    let shown_at = browser.eval("document.getElementById('asof').textContent");
    browser.wait_for(
        "three more boards from the stream",
        &format!("document.body.dataset.boards >= {}", first + 3),
    );
    browser.wait_for(
        "the live badge",
        "document.getElementById('conn').dataset.conn === 'live'",
    );
    let later = browser.eval("document.getElementById('asof').textContent");
    assert_ne!(shown_at, later, "the clock shown moves with the demo");

    browser.wait_for(
        "the 24-hour chart on every queue tile (from /api/v1/trend)",
        "document.querySelectorAll('#tiles [data-part=trend24]').length === 3",
    );
    let zh = browser.html();
    assert!(zh.contains(r#"<html lang="zh-CN""#), "{zh}");
    for text in [
        "呼叫中心实时看板",
        "服务水平",
        "接通率",
        "平均应答速度",
        "全中心",
        "实时",
    ] {
        assert!(zh.contains(text), "{text} missing:\n{zh}");
    }
    // Banners carry both names of their indicator; the page's own words are Chinese only.
    for text in ["Call center wallboard", "Whole center", "Longest wait"] {
        assert!(!zh.contains(text), "{text} in Chinese:\n{zh}");
    }
    for q in &queues {
        let t = tile(&zh, q);
        let v = shown(t, "service_level");
        assert!(v.ends_with(" %"), "{q}: {v}");
        let state = state_of(t, "service_level");
        assert!(
            ["met", "risk", "breach", "idle"].contains(&state.as_str()),
            "{q}: {state}"
        );
        assert!(
            t.contains(r#"class="trend24""#),
            "{q} has its 24-hour chart"
        );
        assert!(
            t.contains("服务水平 近24小时"),
            "{q}: the chart's title in Chinese"
        );
        // The demo's queues have handled calls in the last 30 minutes: Erlang C gives the
        // agents needed, shown with the agents staffed.
        assert!(
            !t.contains(r#"data-part="staffing" hidden="""#),
            "the Erlang C figure is shown: {t}"
        );
        let needed = shown(t, "agents_needed");
        assert!(
            needed.parse::<u32>().is_ok(),
            "{q}: agents needed {needed:?}"
        );
    }
    let center = tile(&zh, "");
    assert!(
        center.contains(r#"data-measure="availability""#),
        "{center}"
    );
    browser.screenshot("demo-zh-1920x1080.png", 1920, 1080);

    // ?lang=en switches and is remembered by a visit without it.
    browser.goto(&format!("{}/?lang=en", demo.base));
    browser.wait_for("English", "document.documentElement.lang === 'en'");
    browser.wait_for("a board", "document.body.dataset.boards >= 1");
    let en = browser.html();
    for text in [
        "Call center wallboard",
        "Service level",
        "Answer rate",
        "Whole center",
        ">live<",
    ] {
        assert!(en.contains(text), "{text} missing:\n{en}");
    }
    for text in ["呼叫中心实时看板", "空闲坐席", "最长等待"] {
        assert!(!en.contains(text), "{text} in English:\n{en}");
    }
    browser.screenshot("demo-en-1366x768.png", 1366, 768);
    browser.goto(&format!("{}/", demo.base));
    browser.wait_for("a board", "document.body.dataset.boards >= 1");
    assert_eq!(
        browser.eval("document.documentElement.lang"),
        "en",
        "the choice is kept in localStorage"
    );
    // The button switches back, and that is remembered too.
    browser.eval("document.getElementById('lang').click()");
    browser.wait_for("Chinese", "document.documentElement.lang === 'zh-CN'");
    assert_eq!(
        browser.eval("localStorage.getItem('callpulse.wallboard.lang')"),
        "zh"
    );
    assert!(browser.html().contains("呼叫中心实时看板"));

    // The service stops: the page says it is reconnecting.
    demo.terminate(Duration::from_secs(20));
    browser.wait_for(
        "the reconnecting badge",
        "document.getElementById('conn').dataset.conn === 'reconnecting'",
    );
    assert!(browser.html().contains("正在重新连接"));
}
