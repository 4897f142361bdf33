//! callpulse's own JSON webhook: each firing and resolved alert delivered once, and a
//! webhook that fails retried until it accepts, in order.

use super::center::*;
use crate::support::service::sample;
use crate::support::webhook::Webhook;
use axum::http::StatusCode;

#[test]
fn the_webhook_receives_each_firing_and_resolved_alert_once() {
    let hook = Webhook::start(&[]);
    let (center, down) = Center::with_outage(&format!("webhook_url = \"{}/hook\"", hook.base));

    let firing = hook.next("the firing webhook", WAIT);
    assert_eq!(firing.path, "/hook");
    let b = &firing.body;
    assert_eq!(b["status"], "firing", "{b}");
    assert_eq!(b["alert"]["state"], "firing", "{b}");
    assert_eq!(b["alert"]["criterion"], "outage_over_30m", "{b}");
    assert_eq!(b["alert"]["name"], "acd", "{b}");
    assert!(b["alert"]["resolved_at"].is_null(), "{b}");
    assert!(b["alert"]["value"].as_f64().unwrap() > 1800.0, "{b}");
    assert_eq!(labels_of(&b["labels"]), expected_labels(), "{b}");
    check_annotations(&b["annotations"]);

    let up = center.outage_resolves();
    let resolved = hook.next("the resolved webhook", WAIT);
    let b = &resolved.body;
    assert_eq!(b["status"], "resolved", "{b}");
    assert_eq!(b["alert"]["state"], "resolved", "{b}");
    assert_eq!(labels_of(&b["labels"]), expected_labels(), "{b}");
    assert_eq!(b["alert"]["value"], 0.0, "the outage is over: {b}");
    assert!(time_of(&b["alert"]["resolved_at"]) >= up, "{b}");
    assert!(b["alert"]["duration_seconds"].as_f64().is_some(), "{b}");
    check_resolved_in_callpulse(&center, down, up);

    // Exactly two deliveries: the counter of successful ones says 2, and the receiver has
    // seen nothing else (firing alerts are resent to Alertmanager only, never to the hook).
    center
        .service
        .wait_for("two webhook deliveries counted", WAIT, |m| {
            (sample(
                m,
                "callpulse_alert_notifications_total",
                r#"receiver="webhook",result="ok""#,
            ) == Some(2.0))
            .then_some(())
        });
    let m = center.service.get("/metrics").1;
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_notifications_total",
            r#"receiver="webhook",result="error""#
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_notifications_total",
            r#"receiver="alertmanager",result="ok""#
        ),
        Some(0.0),
        "no Alertmanager configured"
    );
    let extra = hook.pending();
    assert!(extra.is_empty(), "more webhook calls: {extra:?}");
}

#[test]
fn a_webhook_that_fails_is_retried_until_it_accepts_in_order() {
    // The first two attempts fail: the firing alert is kept and sent again at later ticks,
    // and the resolution, written only after, still arrives after it.
    let hook = Webhook::start(&[StatusCode::INTERNAL_SERVER_ERROR; 2]);
    let (center, _) = Center::with_outage(&format!("webhook_url = \"{}/hook\"", hook.base));
    let mut attempts = Vec::new();
    let delivered = loop {
        let r = hook.next("the firing webhook, retried", WAIT);
        assert_eq!(r.body["status"], "firing", "{}", r.body);
        attempts.push(r.answered);
        if r.answered == 200 {
            break r;
        }
    };
    assert_eq!(attempts, [500, 500, 200]);
    assert_eq!(delivered.body["alert"]["state"], "firing");
    center.outage_resolves();
    let resolved = hook.next("the resolved webhook", WAIT);
    assert_eq!(resolved.body["status"], "resolved", "{}", resolved.body);
    assert_eq!(resolved.answered, 200);
    center
        .service
        .wait_for("the deliveries counted", WAIT, |m| {
            let count = |result: &str| {
                sample(
                    m,
                    "callpulse_alert_notifications_total",
                    &format!(r#"receiver="webhook",result="{result}""#),
                )
            };
            (count("ok") == Some(2.0) && count("error") == Some(2.0)).then_some(())
        });
    let extra = hook.pending();
    assert!(extra.is_empty(), "more webhook calls: {extra:?}");
}
