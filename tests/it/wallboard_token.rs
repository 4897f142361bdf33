//! The wallboard with a tokens file (issue 15, finding 6), in headless Chromium driven as in
//! [`crate::support::browser`]: the page asks for the token, keeps it out of URLs and shows
//! the board.

use crate::http_access::demo_with_tokens;
use serde_json::Value;
use std::time::Duration;

/// The wallboard with a tokens file, in headless Chromium: the page asks for the token once
/// (a wrong one is refused and asked again), then shows the demo's board live, with the
/// token sent as a header (the stream read with fetch()) and never put in a URL.
#[test]
fn chromium_asks_for_the_token_once_and_then_shows_the_board_live() {
    let Some(mut browser) = crate::support::browser::Browser::launch(1280, 800) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_with_tokens(dir.path());
    demo.wait_ready(Duration::from_secs(120));
    browser.goto(&format!("{}/", demo.base));
    browser.wait_for(
        "the token form",
        "document.getElementById('token-input') !== null",
    );
    assert_eq!(browser.boards(), 0, "no board without a token");
    let enter = |b: &mut crate::support::browser::Browser, token: &str| {
        b.eval(&format!(
            "document.getElementById('token-input').value = {token:?}; \
             document.getElementById('token-form').requestSubmit(); true"
        ));
    };
    enter(&mut browser, "wrong-secret");
    browser.wait_for(
        "the form again, saying the token was refused",
        "document.getElementById('token-form') !== null && \
         document.querySelector('#token-form label').textContent.includes('令牌无效')",
    );
    enter(&mut browser, "reader-secret");
    browser.wait_for("the first board", "document.body.dataset.boards >= 1");
    let first = browser.boards();
    browser.wait_for(
        "three more boards from the stream",
        &format!("document.body.dataset.boards >= {}", first + 3),
    );
    browser.wait_for(
        "the live badge",
        "document.getElementById('conn').dataset.conn === 'live'",
    );
    browser.wait_for(
        "the demo's three queue tiles and the center",
        "document.querySelectorAll('#tiles > *').length === 3 && \
         document.getElementById('center').children.length === 1",
    );
    assert_eq!(
        browser.eval("document.getElementById('token-form')"),
        Value::Null,
        "the form is gone"
    );
    let urls = browser.eval(
        "[location.href, ...performance.getEntriesByType('resource').map(e => e.name)].join(' ')",
    );
    let urls = urls.as_str().unwrap();
    // The stream's fetch is still open, so not listed: its boards above show it works.
    assert!(urls.contains("/api/v1/board"), "{urls}");
    assert!(!urls.contains("secret"), "a token in a URL: {urls}");
    assert_eq!(
        browser.eval("sessionStorage.getItem('callpulse.token')"),
        "reader-secret",
        "kept for this tab only"
    );
}
