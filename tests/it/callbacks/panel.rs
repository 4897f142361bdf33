//! The wallboard's callbacks panel in headless Chromium: a followed file's callers to call
//! back shown as the API lists them, numbers masked for a `read` token, in Chinese and in
//! English; screenshots `callbacks-zh-1280x800.png` and `callbacks-en-1280x800.png` under
//! `<target>/wallboard-test/`.

use crate::support::browser::Browser;

#[test]
fn chromium_shows_the_callbacks_panel_masked_for_a_read_token_in_both_languages() {
    let Some(mut browser) = Browser::launch(1280, 800) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let service = super::follow_day(dir.path());
    super::sales_list(&service, "reader");

    browser.goto(&format!("{}/?lang=zh", service.base));
    browser.wait_for(
        "the token form",
        "document.getElementById('token-input') !== null",
    );
    browser.eval(
        "document.getElementById('token-input').value = 'reader-secret'; \
         document.getElementById('token-form').requestSubmit(); true",
    );
    browser.wait_for(
        "two callers to call back in sales",
        "document.querySelector('#callbacks [data-queue=\"sales\"]')?.dataset.pending === '2'",
    );
    let customers = browser.eval(
        "[...document.querySelectorAll('#callbacks tr[data-customer]')].map(r => r.dataset.customer).join(' ')",
    );
    assert_eq!(customers, "*******9999 *******5678", "oldest first, masked");
    assert_eq!(
        browser.eval("document.getElementById('callbacks').dataset.masked"),
        "true"
    );
    let zh = browser.html();
    for text in [
        "待回拨来电（今日）",
        "请求回拨",
        "超时",
        "未接",
        "无号码未接 1",
    ] {
        assert!(zh.contains(text), "{text} missing:\n{zh}");
    }
    assert!(!zh.contains("13900005678"), "a full number on the board");
    assert!(
        !browser
            .eval("document.getElementById('callbacks').textContent")
            .as_str()
            .unwrap()
            .contains("null"),
        "nothing absent is written out"
    );
    browser.screenshot("callbacks-zh-1280x800.png", 1280, 800);

    browser.eval("document.getElementById('lang').click()");
    browser.wait_for("English", "document.documentElement.lang === 'en'");
    let en = browser.html();
    for text in [
        "Callers to call back (today)",
        "callback requested",
        "timed out",
        "no answer",
        "unanswered, no number 1",
    ] {
        assert!(en.contains(text), "{text} missing:\n{en}");
    }
    assert!(!en.contains("待回拨"), "Chinese left in English");
    browser.screenshot("callbacks-en-1280x800.png", 1280, 800);
}
