//! A followed file in Chromium: values change as events are appended, and an alert banner
//! names its clause when a queue breaches.

use super::board::*;
use super::dom::*;
use crate::support::browser::*;
use crate::support::profiles::SERVICE_LEVEL_15M;
use crate::support::service::{append_lines as append, Followed};
use serde_json::Value;

/// A followed file with the one-criterion profile (see [`support::service::Followed`]).
struct Board(Followed);

impl std::ops::Deref for Board {
    type Target = Followed;
    fn deref(&self) -> &Followed {
        &self.0
    }
}

impl Board {
    fn start(lines: &[String]) -> Board {
        Board(Followed::start(SERVICE_LEVEL_15M, "", lines))
    }

    /// The queue's KPIs; `Null` until the service has seen it (it may not have read the
    /// file yet).
    fn queue(&self, name: &str) -> Value {
        let (code, body) = self.service.get(&format!("/api/v1/kpis?queue={name}"));
        if code == 404 {
            return Value::Null;
        }
        assert_eq!(code, 200, "{body}\n{}", self.service.log());
        json(&body)["queues"][0].clone()
    }

    fn firing(&self) -> Vec<Value> {
        let v = json(&self.service.get("/api/v1/alerts").1);
        v["active"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["state"] == "firing")
            .cloned()
            .collect()
    }
}

#[test]
fn chromium_shows_new_values_and_an_alert_banner_with_its_clause_when_a_queue_breaches() {
    let Some(mut browser) = Browser::launch(1920, 1080) else {
        return;
    };
    // Two minutes ago: four calls of each queue answered within 5 s (service level 100 %).
    // In the file before the start: read before the idle input moves the watermark on.
    let t0 = now_ms() - 120_000;
    let mut lines = quick_calls("north", 0, 4, t0);
    lines.extend(quick_calls("south", 0, 4, t0));
    let center = Board::start(&in_order(lines));
    poll("the first calls", WAIT, || {
        (center.queue("north")["offered"] == 4 && center.queue("south")["offered"] == 4)
            .then_some(())
    });

    // A custom profile: English unless the viewer asks otherwise.
    browser.goto(&format!("{}/", center.service.base));
    browser.wait_for(
        "the south tile",
        r#"document.querySelector('[data-queue="south"] [data-measure="offered"] .v')?.textContent === "4""#,
    );
    let before = browser.html();
    assert!(before.contains(r#"<html lang="en""#), "{before}");
    let south = tile(&before, "south");
    assert_eq!(shown(south, "service_level"), "100.0 %", "{south}");
    assert_eq!(state_of(south, "service_level"), "met");
    assert!(before.contains(r#"data-part="all-clear""#), "no alert yet");
    assert!(!before.contains(r#"class="banner"#), "{before}");
    let boards_before = browser.boards();

    // Six calls of `south` abandoned after 1 s: 4 of 10 within the threshold, 40 %. Stamped
    // 2 s ahead of the wall clock: the idle follower's watermark is at the wall clock.
    append(
        &center.events,
        &quick_abandons("south", 6, now_ms() + 2_000),
    );
    poll("the appended calls", WAIT, || {
        (center.queue("south")["offered"] == 10).then_some(())
    });
    let alert = poll("the south alert to fire", WAIT, || {
        center
            .firing()
            .into_iter()
            .find(|a| a["name"] == "south" && a["criterion"] == "service_level_below_80")
    });
    assert_eq!(alert["clause"], "9.3.1");

    // The same page, not reloaded: the stream brings the new values and the banner.
    browser.wait_for(
        "the banner",
        r#"document.querySelector('.banner.firing[data-queue="south"]')"#,
    );
    assert!(
        browser.boards() > boards_before,
        "boards came over the stream"
    );
    let after = browser.html();
    let south = tile(&after, "south");
    assert_eq!(shown(south, "service_level"), "40.0 %", "{south}");
    assert_eq!(state_of(south, "service_level"), "breach");
    assert_eq!(shown(south, "offered"), "10");
    assert!(south.contains(r#"data-state="breach""#));
    assert!(
        south.contains("alerting"),
        "the tile of a firing queue is marked"
    );
    let north = tile(&after, "north");
    assert_eq!(shown(north, "service_level"), "100.0 %");
    assert_eq!(state_of(north, "service_level"), "met");
    assert!(!north.contains("alerting"));
    // The banner: one, for south, naming the clause and the criterion in English.
    let b = banner(&after);
    assert!(
        b.contains(r#"data-criterion="service_level_below_80""#),
        "{b}"
    );
    assert!(b.contains(r#"data-clause="9.3.1""#), "{b}");
    assert!(b.contains("clause 9.3.1"), "{b}");
    assert!(b.contains("Service level — queue south"), "{b}");
    assert!(b.contains("40.0 % &lt; 80.0 %"), "{b}");
    assert_eq!(after.matches(r#"class="banner firing""#).count(), 1);

    // In Chinese: the clause and the Chinese name lead.
    browser.goto(&format!("{}/?lang=zh", center.service.base));
    browser.wait_for(
        "the banner in Chinese",
        "document.querySelector('.banner.firing')",
    );
    let zh = browser.html();
    let b = banner(&zh);
    assert!(b.contains("条款 9.3.1"), "{b}");
    assert!(b.contains("服务水平 — 队列 south"), "{b}");
    browser.screenshot("breach-zh-1920x1080.png", 1920, 1080);
}
