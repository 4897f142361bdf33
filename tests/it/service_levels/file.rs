//! The eight calls of [`super::eight_calls`] appended to a file that `run --follow` reads
//! (the service started first, so each line is read live): the figures, gauges and alerts
//! of [`super::check_levels`]; and the wallboard tile of `q` in Chromium, coloured and named
//! by the definition of the criterion that sets its target.

use super::{check_levels, configure, eight_calls, PROFILE};
use crate::support::browser::Browser;
use crate::support::service::{append_lines, Service};

#[test]
fn each_criterion_shows_and_judges_the_service_level_of_its_own_definition_live() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let input = format!(
        "[input]\npoll_interval = \"100ms\"\nposition_file = {:?}\n\n",
        dir.path().join("position.json").display().to_string()
    );
    let config = configure(PROFILE, dir.path(), &input);
    let service = Service::follow_configured(&config, &events, &[]);
    append_lines(&events, &eight_calls());
    check_levels(&service);

    // The wallboard shows q's service level by the definition of the criterion that sets its
    // target (the hardest: contract_for, at 0.5 above 0.4), and names it in the tooltip.
    let Some(mut browser) = Browser::launch(1600, 1000) else {
        return;
    };
    browser.goto(&format!("{}/?lang=en", service.base));
    let figure = r#"document.querySelector('[data-queue="q"] [data-measure="service_level"]')"#;
    browser.wait_for(
        "the service level of q",
        &format!("{figure}.querySelector('.v').textContent !== '–'"),
    );
    assert_eq!(
        browser.eval(&format!("{figure}.querySelector('.v').textContent")),
        "57.1 %"
    );
    assert_eq!(browser.eval(&format!("{figure}.dataset.state")), "met");
    assert_eq!(
        browser.eval(&format!("{figure}.title")),
        "contract_for · judged over 15m · definition: 9.3.1 abandons=for short_abandon=0s callbacks=excluded"
    );
}
