//! The wallboard's own rules, in Chromium: colour rules from the profile and from the
//! wallboard file (`http.wallboard`, whose rules replace the profile's for their measure), and
//! the new-alert signal (`[on_new_alert]`): off by default; when on, a flash on the new
//! alert's banner and tile, and a tone once the viewer said yes to the page's one question.

use super::board::*;
use super::dom::*;
use crate::support::browser::*;
use crate::support::profiles::SERVICE_LEVEL_15M;
use crate::support::service::Followed;
use std::path::Path;

/// The one-criterion profile with colour rules of its own for two measures.
fn profile_with_colours() -> String {
    format!(
        "{SERVICE_LEVEL_15M}\n\
         [[colours.service_level]]\nbelow = 0.9\ncolour = \"amber\"\n\n\
         [[colours.answer_rate]]\nat_least = 1.0\ncolour = \"blue\"\n"
    )
}

/// A followed file with `profile` and the wallboard file `wallboard` (TOML text).
fn start(dir: &Path, profile: &str, wallboard: &str, lines: &[String]) -> Followed {
    let file = dir.join("wallboard.toml");
    std::fs::write(&file, wallboard).unwrap();
    Followed::start_with(
        profile,
        "",
        lines,
        &[("CALLPULSE_HTTP_WALLBOARD", file.to_str().unwrap())],
    )
}

/// The HTML element `selector` finds in the page (its outer HTML), or `""`.
fn outer(browser: &mut Browser, selector: &str) -> String {
    browser
        .eval(&format!(
            "document.querySelector({selector:?})?.outerHTML ?? \"\""
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn attribute(fig: &str, name: &str) -> Option<String> {
    let mark = format!(r#"{name}=""#);
    let at = fig.find(&mark)? + mark.len();
    Some(fig[at..at + fig[at..].find('"').unwrap()].to_string())
}

/// The outer HTML of `measure`'s figure in `queue`'s tile.
fn figure(browser: &mut Browser, queue: &str, measure: &str) -> String {
    outer(
        browser,
        &format!(r#"[data-queue="{queue}"] [data-measure="{measure}"]"#),
    )
}

#[test]
fn colour_rules_of_the_profile_and_the_wallboard_file_colour_figures_and_say_so() {
    let Some(mut browser) = Browser::launch(1920, 1080) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The file's service-level rule replaces the profile's (below 90 % amber); the profile's
    // answer-rate rule stays; the file adds one for the calls waiting.
    let wallboard = "[[colours.service_level]]\nat_least = 1.0\ncolour = \"blue\"\n\n\
                     [[colours.waiting]]\nat_most = 0\ncolour = \"green\"\n";
    // North: four calls answered in 5 s (100 %). South: three, and one answered after 30 s
    // (75 %, below the target: breached).
    let t0 = now_ms() - 120_000;
    let mut lines = quick_calls("north", 0, 4, t0);
    lines.extend(quick_calls("south", 0, 3, t0));
    lines.extend([
        (
            t0,
            crate::support::lines::offered(&utc(t0), "south-slow", "south"),
        ),
        (
            t0 + 30_000,
            crate::support::lines::answered(&utc(t0 + 30_000), "south-slow"),
        ),
    ]);
    let center = start(
        dir.path(),
        &profile_with_colours(),
        wallboard,
        &in_order(lines),
    );
    let board = poll("both queues", WAIT, || {
        let b = json(&center.service.get("/api/v1/board").1);
        (b["kpis"]["queues"].as_array()?.len() == 2 && b["kpis"]["queues"][1]["offered"] == 4)
            .then_some(b)
    });
    assert_eq!(board["colours"]["service_level"]["source"], "wallboard");
    assert_eq!(board["colours"]["answer_rate"]["source"], "profile");
    assert_eq!(board["colours"]["waiting"]["rules"][0]["when"], "at_most");
    assert_eq!(
        board["on_new_alert"],
        serde_json::json!({"flash": false, "sound": false}),
        "no signal unless the file asks"
    );

    browser.goto(&format!("{}/", center.service.base));
    browser.wait_for(
        "the south tile",
        r#"document.querySelector('[data-queue="south"] [data-measure="service_level"] .v')?.textContent === "75.0 %""#,
    );
    let north_sl = figure(&mut browser, "north", "service_level");
    assert_eq!(attribute(&north_sl, "data-colour").as_deref(), Some("blue"));
    assert_eq!(attribute(&north_sl, "data-state").as_deref(), Some("met"));
    let title = attribute(&north_sl, "title").unwrap();
    assert!(
        title.ends_with("colour rule 1 (wallboard): ≥ 1"),
        "the tooltip names the rule: {title}"
    );
    // 75 %: the file's only rule does not match, and the profile's `below 0.9` is replaced,
    // not consulted: uncoloured by rules, red by the target.
    let south_sl = figure(&mut browser, "south", "service_level");
    assert_eq!(attribute(&south_sl, "data-colour"), None, "{south_sl}");
    assert_eq!(
        attribute(&south_sl, "data-state").as_deref(),
        Some("breach")
    );
    for queue in ["north", "south"] {
        let ar = figure(&mut browser, queue, "answer_rate");
        assert_eq!(
            attribute(&ar, "data-colour").as_deref(),
            Some("blue"),
            "{ar}"
        );
        assert!(attribute(&ar, "title").unwrap().contains("(profile): ≥ 1"));
        let waiting = figure(&mut browser, queue, "waiting");
        assert_eq!(attribute(&waiting, "data-colour").as_deref(), Some("green"));
        // No rule for the longest wait: nothing coloured.
        let longest = figure(&mut browser, queue, "longest_wait");
        assert_eq!(attribute(&longest, "data-colour"), None);
    }
    let center_waiting = figure(&mut browser, "", "waiting");
    assert_eq!(
        attribute(&center_waiting, "data-colour").as_deref(),
        Some("green")
    );
    // The colour shown is the rule's: blue is the accent colour, not the target's green.
    let colour = browser.eval(
        r#"getComputedStyle(document.querySelector('[data-queue="north"] [data-measure="service_level"] .v')).color"#,
    );
    assert_eq!(colour, "rgb(124, 184, 255)");
    let legend = outer(&mut browser, "#legend");
    assert!(legend.contains("coloured by them"), "{legend}");
    browser.screenshot("colour-rules-en-1920x1080.png", 1920, 1080);

    // Off by default: an alert that fires while the page is open neither flashes nor asks.
    center.append(&quick_abandons("north", 6, now_ms() + 2_000));
    browser.wait_for(
        "the north banner",
        r#"document.querySelector('.banner.firing[data-queue="north"]')"#,
    );
    let html = browser.html();
    assert!(!html.contains("flash"), "nothing flashes by default");
    assert!(
        outer(&mut browser, "#signal").contains("hidden"),
        "no sound question by default"
    );
    browser.goto(&format!("{}/?lang=zh", center.service.base));
    browser.wait_for(
        "the Chinese legend",
        "document.getElementById('legend').textContent.includes('颜色规则')",
    );
    let south_ar = figure(&mut browser, "south", "answer_rate");
    assert!(
        attribute(&south_ar, "title")
            .unwrap()
            .contains("颜色规则 1 (profile)"),
        "{south_ar}"
    );
    browser.screenshot("colour-rules-zh-1920x1080.png", 1920, 1080);
}

#[test]
fn a_new_alert_flashes_and_sounds_after_the_viewer_said_yes_once_and_one_firing_at_load_does_not() {
    let Some(mut browser) = Browser::launch(1920, 1080) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let t0 = now_ms() - 120_000;
    let mut lines = quick_calls("north", 0, 4, t0);
    lines.extend(quick_calls("south", 0, 4, t0));
    let center = start(
        dir.path(),
        SERVICE_LEVEL_15M,
        "[on_new_alert]\nflash = true\nsound = true\n",
        &in_order(lines),
    );
    poll("both queues", WAIT, || {
        let b = json(&center.service.get("/api/v1/board").1);
        (b["kpis"]["queues"][1]["offered"] == 4).then_some(())
    });
    browser.goto(&format!("{}/?lang=en", center.service.base));
    // The page asks once; "yes" is the click browsers want before a page may play sound.
    browser.wait_for(
        "the sound question",
        r#"document.getElementById('signal').dataset.state === "ask""#,
    );
    let ask = outer(&mut browser, "#signal");
    assert!(
        ask.contains("Play a sound when a new alert fires?"),
        "{ask}"
    );
    browser.screenshot("sound-question-en-1920x1080.png", 1920, 1080);
    browser.click(r#"[data-part="sound-yes"]"#);
    browser.wait_for(
        "sound on",
        r#"document.getElementById('signal').dataset.state === "on""#,
    );

    // South breaches while the page is open: its banner and tile flash, one tone plays.
    center.append(&quick_abandons("south", 6, now_ms() + 2_000));
    browser.wait_for(
        "the south banner",
        r#"document.querySelector('.banner.firing[data-queue="south"]')"#,
    );
    let banner = outer(&mut browser, r#".banner.firing[data-queue="south"]"#);
    assert!(
        banner.contains(r#"class="banner firing flash""#),
        "{banner}"
    );
    let html = browser.html();
    assert!(tile(&html, "south").contains("alerting flash"));
    assert!(
        !tile(&html, "north").contains("flash"),
        "only the new alert's tile"
    );
    assert_eq!(browser.eval("document.body.dataset.tones"), "1");
    browser.screenshot("new-alert-flash-en-1920x1080.png", 1920, 1080);

    // Reloaded: not asked again; the alert firing at load is not new, so nothing flashes;
    // until the viewer clicks, the browser holds the sound back and the chip says so.
    browser.goto(&format!("{}/?lang=zh", center.service.base));
    browser.wait_for(
        "the banner after the reload",
        r#"document.querySelector('.banner.firing[data-queue="south"]')"#,
    );
    browser.wait_for(
        "the sound chip",
        r#"document.getElementById('signal').dataset.state === "blocked""#,
    );
    let chip = outer(&mut browser, "#signal");
    assert!(chip.contains("点击页面任意处以启用提示音"), "{chip}");
    assert!(
        !browser.html().contains("flash"),
        "an alert firing at load is not new"
    );
    // North breaches next: it flashes; no tone, the browser has not been clicked since.
    center.append(&quick_abandons("north", 6, now_ms() + 2_000));
    browser.wait_for(
        "the north banner, flashing",
        r#"document.querySelector('.banner.firing.flash[data-queue="north"]')"#,
    );
    assert_eq!(
        browser.eval("document.body.dataset.tones ?? 'none'"),
        "none"
    );
    assert!(!outer(&mut browser, r#".banner.firing[data-queue="south"]"#).contains("flash"));
    // The chip switches the sound off, and it stays off for this browser.
    browser.click(r#"[data-part="sound-toggle"]"#);
    browser.wait_for(
        "the sound on after the click",
        r#"document.getElementById('signal').dataset.state === "on""#,
    );
    browser.click(r#"[data-part="sound-toggle"]"#);
    browser.wait_for(
        "the sound off",
        r#"document.getElementById('signal').dataset.state === "off""#,
    );
    assert_eq!(
        browser.eval("localStorage.getItem('callpulse.wallboard.sound')"),
        "off"
    );
}
