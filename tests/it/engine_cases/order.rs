//! Arrival order: events out of order within the lateness give the in-order result,
//! duplicates count once, a change to a final interval is a new revision, and what is too late
//! (past the revision horizon, or far in the future) is rejected and kept, whatever the period.

use super::lines::{abandoned, answered, ended, lines, offered, IV};
use crate::support::{config, run};
use callpulse::time::Granularity;

#[test]
fn events_out_of_order_within_the_lateness_give_the_in_order_result() {
    let ordered = [
        offered("2026-11-02T09:00:00Z", "c1", "q"),
        answered("2026-11-02T09:00:12Z", "c1"),
        offered("2026-11-02T09:00:20Z", "c2", "q"),
        abandoned("2026-11-02T09:00:25Z", "c2"),
    ];
    let shuffled = [
        ordered[3].clone(),
        ordered[1].clone(),
        ordered[2].clone(),
        ordered[0].clone(),
    ];
    let a = run(&config(""), IV, &lines(&ordered));
    let b = run(&config(""), IV, &lines(&shuffled));
    assert_eq!(a.finals(), b.finals());
    assert_eq!(b.stats.rejected_total(), 0);
}

#[test]
fn duplicates_by_event_id_or_by_content_are_counted_once() {
    let ev = [
        r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","event_id":"e1","call_id":"c1","queue":"q"}"#,
        r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","event_id":"e1","call_id":"c1","queue":"q","extra":1}"#,
        r#"{"type":"call.answered","ts":"2026-11-02T09:00:05Z","call_id":"c1","agent_id":"a1"}"#,
        r#"{"call_id":"c1","type":"call.answered","agent_id":"a1","ts":"2026-11-02T09:00:05Z"}"#,
    ];
    let r = run(&config(""), IV, &ev);
    let rec = r.get("queue:q", "interval", "2026-11-02T09:00:00Z");
    assert_eq!((rec.counts.offered, rec.counts.answered), (1, 1));
    assert_eq!(r.stats.duplicates, 2);
    assert_eq!(r.stats.accepted, 4);
}

#[test]
fn a_copy_of_a_late_event_after_the_stream_jumps_on_is_still_a_duplicate() {
    // Found by the duplicates property: a survey a full lateness late, the stream jumping an
    // hour on, then a copy of the survey. The survey's interval is still open (grace 1 h), so
    // the copy would count twice if the dedupe window ran from the watermark at its arrival
    // (08:17) and not from its own time (09:17).
    let cfg = config("[engine]\nlateness = \"1h\"\ngrace = \"1h\"\ndedupe_window = \"1h\"");
    let survey =
        r#"{"type":"survey.response","ts":"2026-11-02T09:17:20Z","queue":"q","satisfied":true}"#;
    let ev = [
        offered("2026-11-02T08:00:00Z", "c0", "q"),
        answered("2026-11-02T08:00:00Z", "c0"),
        survey.to_string(),
        r#"{"type":"survey.response","ts":"2026-11-02T10:21:16Z","queue":"q","satisfied":false}"#
            .to_string(),
        survey.to_string(),
    ];
    let r = run(&cfg, IV, &lines(&ev));
    let rec = r.get("queue:q", "interval", "2026-11-02T09:15:00Z");
    assert_eq!((rec.survey_responses, rec.satisfaction), (1, Some(1.0)));
    assert_eq!(r.stats.duplicates, 1);
}

#[test]
fn a_call_event_retried_after_wrap_up_is_a_duplicate() {
    let ev = [
        r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","event_id":"e1","call_id":"c1","queue":"q"}"#.to_string(),
        answered("2026-11-02T09:00:05Z", "c1"),
        ended("2026-11-02T09:02:00Z", "c1", ""),
        r#"{"type":"call.wrapup_ended","ts":"2026-11-02T09:02:30Z","call_id":"c1","agent_id":"a1"}"#.to_string(),
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:03:00Z","component":"ivr"}"#.to_string(),
        r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","event_id":"e1-retry","call_id":"c1","queue":"q"}"#.to_string(),
        r#"{"type":"call.ended","ts":"2026-11-02T09:02:00Z","event_id":"e3-retry","call_id":"c1"}"#.to_string(),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    let c = r.get("center", "interval", "2026-11-02T09:00:00Z");
    assert_eq!((c.counts.offered, c.counts.answered, c.handled), (1, 1, 1));
    assert_eq!(r.stats.duplicates, 2);
    assert_eq!(r.stats.rejected_total(), 0);
}

#[test]
fn a_change_to_a_final_interval_emits_a_new_revision() {
    // grace 0, lateness 0: the 09:00 interval is final once an event at 09:15 is seen; the
    // answer at 09:16 of a call offered at 09:14 revises it.
    let cfg = config("[engine]\ngrace = \"0s\"\nlateness = \"0s\"");
    let ev = [
        offered("2026-11-02T09:14:00Z", "c1", "q"),
        offered("2026-11-02T09:15:00Z", "c2", "q"),
        answered("2026-11-02T09:16:00Z", "c1"),
    ];
    let r = run(&cfg, IV, &lines(&ev));
    let q: Vec<_> = r
        .emitted
        .iter()
        .filter(|x| x.queue.as_deref() == Some("q") && x.start == "2026-11-02T09:00:00Z")
        .collect();
    assert_eq!(q.len(), 2);
    assert_eq!((q[0].revision, q[0].counts.answered), (0, 0));
    assert_eq!((q[1].revision, q[1].counts.answered), (1, 1));
    assert_eq!(r.stats.revisions, 2, "queue and center records are revised");
}

#[test]
fn an_event_older_than_the_revision_horizon_is_rejected_too_late_and_kept() {
    let cfg = config("[engine]\ngrace = \"0s\"\nlateness = \"0s\"\nrevision_horizon = \"1h\"");
    let ev = [
        offered("2026-11-02T09:00:00Z", "c1", "q"),
        offered("2026-11-02T12:00:00Z", "c2", "q"),
        answered("2026-11-02T12:00:01Z", "c1"),
    ];
    let r = run(&cfg, IV, &lines(&ev));
    assert_eq!(r.rejected("too_late"), 1);
    assert_eq!(r.rejections.len(), 1);
    assert!(String::from_utf8_lossy(&r.rejections[0].bytes).contains("\"call_id\":\"c1\""));
    assert_eq!(r.stats.accepted + r.stats.rejected_total(), r.stats.read);
}

#[test]
fn a_new_agent_cannot_rewrite_periods_past_the_revision_horizon() {
    let ev = [
        offered("2026-11-02T09:21:00Z", "c1", "q"),
        r#"{"type":"agent.state","ts":"2025-11-02T09:00:00Z","agent_id":"a9","state":"available","queues":["q"]}"#.to_string(),
        offered("2026-11-02T09:40:00Z", "c2", "q"),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    assert_eq!(r.rejected("too_late"), 1);
    assert!(r.emitted.iter().all(|x| x.start.starts_with("2026-11-02")));
}

#[test]
fn one_timestamp_far_ahead_is_rejected_and_cannot_fast_forward_the_engine() {
    let ev = [
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:00:00Z","component":"ivr"}"#.to_string(),
        offered("2099-11-02T09:00:00Z", "future", "q"),
        offered("2026-11-02T09:01:00Z", "c1", "q"),
        answered("2026-11-02T09:01:05Z", "c1"),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    assert_eq!(r.rejected("bad_timestamp"), 1);
    assert_eq!(
        r.get("queue:q", "interval", "2026-11-02T09:00:00Z")
            .counts
            .answered,
        1
    );
    assert!(r.emitted.len() < 10, "{} records", r.emitted.len());
}

#[test]
fn what_is_too_late_does_not_depend_on_the_period_of_the_records() {
    // c3 bears out the jump to the 3rd (a jump alone would be a wrong clock, see
    // `one_timestamp_far_ahead_is_rejected_and_cannot_fast_forward_the_engine`).
    let ev = [
        offered("2026-11-02T09:00:00Z", "c1", "q"),
        offered("2026-11-03T12:00:00Z", "c2", "q"),
        offered("2026-11-03T12:01:00Z", "c3", "q"),
        offered("2026-11-02T09:30:00Z", "late", "q"),
    ];
    for g in [Granularity::Interval, Granularity::Day] {
        let r = run(&config(""), &[g], &lines(&ev));
        assert_eq!(r.rejected("too_late"), 1, "{g}");
    }
}
