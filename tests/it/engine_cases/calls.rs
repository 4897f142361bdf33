//! Call KPIs computed by hand: the 20 s threshold to the millisecond, empty and all-abandoned
//! intervals (null ratios, not zero), overflow counted once, lifecycle events and completed
//! records alike, AHT, FCR, transfer and repeat-contact rates, per-queue thresholds, wait
//! percentiles, system-ended waits, and call histories that contradict themselves or never
//! began.

use super::lines::{abandoned, answered, ended, lines, offered, IV};
use crate::support::{config, run, ALL};
use callpulse::time::seconds;

#[test]
fn a_wait_of_exactly_20_000_s_is_within_the_threshold_and_20_001_s_is_not() {
    let ev = [
        offered("2026-11-02T09:00:00Z", "c1", "q"),
        answered("2026-11-02T09:00:20.000Z", "c1"),
        offered("2026-11-02T09:01:00Z", "c2", "q"),
        answered("2026-11-02T09:01:20.001Z", "c2"),
        offered("2026-11-02T09:02:00Z", "c3", "q"),
        abandoned("2026-11-02T09:02:20.000Z", "c3"),
        offered("2026-11-02T09:03:00Z", "c4", "q"),
        abandoned("2026-11-02T09:03:20.001Z", "c4"),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    for who in ["center", "queue:q"] {
        let rec = r.get(who, "interval", "2026-11-02T09:00:00Z");
        assert_eq!(rec.counts.offered, 4);
        assert_eq!(rec.counts.answered, 2);
        assert_eq!(rec.counts.answered_within, 1, "{who}");
        assert_eq!(rec.abandoned_within_threshold, 1, "{who}");
        assert_eq!(rec.service_level, Some(0.25));
        assert_eq!(rec.answer_rate, Some(0.5));
        assert_eq!(rec.abandon_rate, Some(0.5));
        assert_eq!(seconds(rec.counts.wait_ms), 40.001);
        assert_eq!(rec.asa_seconds, Some(20.0005));
        assert_eq!(rec.asa_coefficient, Some(0.8));
        assert_eq!(rec.answer_rate_coefficient, Some(0.0));
        assert_eq!(rec.threshold_seconds, 20.0);
    }
}

#[test]
fn an_interval_without_calls_has_null_ratios_not_zero() {
    let ev = [
        r#"{"type":"agent.state","ts":"2026-11-02T09:00:00Z","agent_id":"a1","state":"available","queues":["q"]}"#.to_string(),
        r#"{"type":"agent.state","ts":"2026-11-02T09:10:00Z","agent_id":"a1","state":"logged_out"}"#.to_string(),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    let rec = r.get("queue:q", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(rec.counts.offered, 0);
    assert_eq!(rec.agent_available_seconds, 600.0);
    for ratio in [
        rec.service_level,
        rec.answer_rate,
        rec.abandon_rate,
        rec.asa_seconds,
        rec.aht_seconds,
        rec.wait_p50_seconds,
    ] {
        assert_eq!(ratio, None);
    }
    assert_eq!(rec.occupancy, Some(0.0));
}

#[test]
fn an_interval_where_every_call_was_abandoned() {
    let ev = [
        offered("2026-11-02T09:00:00Z", "c1", "q"),
        abandoned("2026-11-02T09:00:05Z", "c1"),
        offered("2026-11-02T09:01:00Z", "c2", "q"),
        abandoned("2026-11-02T09:02:00Z", "c2"),
    ];
    let rec = run(&config(""), IV, &lines(&ev)).get("queue:q", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(
        (
            rec.counts.offered,
            rec.counts.answered,
            rec.counts.abandoned
        ),
        (2, 0, 2)
    );
    assert_eq!(rec.service_level, Some(0.0));
    assert_eq!(rec.answer_rate, Some(0.0));
    assert_eq!(rec.abandon_rate, Some(1.0));
    assert_eq!(rec.asa_seconds, None);
    assert_eq!(rec.abandon_wait_seconds_sum, 65.0);
    assert_eq!(rec.abandoned_within_threshold, 1);
}

#[test]
fn overflow_before_answer_moves_the_call_and_center_counts_it_once() {
    let ev = [
        offered("2026-11-02T09:00:00Z", "c1", "a"),
        r#"{"type":"call.transferred","ts":"2026-11-02T09:00:30Z","call_id":"c1","to_queue":"b"}"#
            .to_string(),
        answered("2026-11-02T09:00:40Z", "c1"),
        ended("2026-11-02T09:02:40Z", "c1", ""),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    let a = r.get("queue:a", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(
        (
            a.counts.offered,
            a.flowed_out,
            a.counts.answered,
            a.answer_rate
        ),
        (1, 1, 0, Some(0.0))
    );
    let b = r.get("queue:b", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(
        (
            b.counts.offered,
            b.flowed_in,
            b.counts.answered,
            b.counts.answered_within
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(seconds(b.counts.wait_ms), 10.0);
    let c = r.get("center", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(
        (
            c.counts.offered,
            c.counts.answered,
            c.counts.answered_within
        ),
        (1, 1, 0)
    );
    assert_eq!(seconds(c.counts.wait_ms), 40.0);
    assert_eq!(c.aht_seconds, Some(120.0));
}

#[test]
fn lifecycle_events_and_completed_records_give_identical_results() {
    let lifecycle = [
        offered("2026-11-02T09:00:00Z", "c1", "q"),
        answered("2026-11-02T09:00:12Z", "c1"),
        ended("2026-11-02T09:14:50Z", "c1", r#","resolved":true"#),
        offered("2026-11-02T09:05:00Z", "c2", "q"),
        abandoned("2026-11-02T09:05:40Z", "c2"),
    ];
    let completed = [
        r#"{"type":"call.completed","ts":"2026-11-02T09:14:50Z","call_id":"c1","queue":"q","offered_at":"2026-11-02T09:00:00Z","answered_at":"2026-11-02T09:00:12Z","ended_at":"2026-11-02T09:14:50Z","agent_id":"a1","resolved":true}"#,
        r#"{"type":"call.completed","ts":"2026-11-02T09:05:40Z","call_id":"c2","queue":"q","offered_at":"2026-11-02T09:05:00Z","abandoned_at":"2026-11-02T09:05:40Z"}"#,
    ];
    let a = run(&config(""), ALL, &lines(&lifecycle)).finals();
    let b = run(&config(""), ALL, &completed).finals();
    assert_eq!(a, b);
    assert_eq!(a.len(), 6);
}

#[test]
fn an_answer_after_an_abandon_contradicts_the_call_history() {
    let ev = [
        offered("2026-11-02T09:00:00Z", "c1", "q"),
        abandoned("2026-11-02T09:00:05Z", "c1"),
        answered("2026-11-02T09:00:06Z", "c1"),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    assert_eq!(r.rejected("contradicts_history"), 1);
    assert_eq!(
        r.get("queue:q", "interval", "2026-11-02T09:00:00Z")
            .counts
            .answered,
        0
    );
}

#[test]
fn events_of_a_call_never_offered_are_rejected_no_offer_at_the_end() {
    let ev = [answered("2026-11-02T09:00:05Z", "ghost")];
    let r = run(&config(""), IV, &lines(&ev));
    assert_eq!(r.rejected("no_offer"), 1);
    assert_eq!(r.stats.read, 1);
    assert!(r.emitted.is_empty());
}

#[test]
fn aht_fcr_transfer_and_repeat_contact_rates() {
    let ev = [
        r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","call_id":"c1","queue":"q","customer":"u1"}"#.to_string(),
        answered("2026-11-02T09:00:10Z", "c1"),
        r#"{"type":"call.transferred","ts":"2026-11-02T09:01:00Z","call_id":"c1"}"#.to_string(),
        ended("2026-11-02T09:02:10Z", "c1", r#","resolved":false"#),
        r#"{"type":"call.wrapup_ended","ts":"2026-11-02T09:03:10Z","call_id":"c1","agent_id":"a1"}"#.to_string(),
        r#"{"type":"call.offered","ts":"2026-11-02T09:05:00Z","call_id":"c2","queue":"q","customer":"u1"}"#.to_string(),
        answered("2026-11-02T09:05:10Z", "c2"),
        ended("2026-11-02T09:09:10Z", "c2", r#","resolved":true"#),
    ];
    let rec = run(&config(""), IV, &lines(&ev)).get("queue:q", "interval", "2026-11-02T09:00:00Z");
    // Talk 120 s + 240 s, wrap-up 60 s, over 2 handled calls.
    assert_eq!(rec.aht_seconds, Some(210.0));
    assert_eq!(rec.fcr_rate, Some(0.5));
    assert_eq!(rec.transfer_rate, Some(0.5));
    assert_eq!(rec.repeat_contacts, 1);
    assert_eq!(rec.repeat_contact_rate, Some(0.5));
}

#[test]
fn per_queue_thresholds_and_an_optional_short_abandon_threshold() {
    let cfg = config("[engine]\nshort_abandon = \"5s\"\n[queues.vip]\nthreshold = \"10s\"");
    let ev = [
        offered("2026-11-02T09:00:00Z", "c1", "vip"),
        answered("2026-11-02T09:00:15Z", "c1"),
        offered("2026-11-02T09:01:00Z", "c2", "vip"),
        abandoned("2026-11-02T09:01:03Z", "c2"),
    ];
    let r = run(&cfg, IV, &lines(&ev));
    let vip = r.get("queue:vip", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(vip.threshold_seconds, 10.0);
    assert_eq!(vip.counts.answered_within, 0);
    assert_eq!(vip.counts.short_abandoned, 1);
    // The short abandon leaves the denominator: 1 answered of 1 counted offer.
    assert_eq!(vip.answer_rate, Some(1.0));
    assert_eq!(vip.service_level, Some(0.0));
    let center = r.get("center", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(
        (center.threshold_seconds, center.counts.answered_within),
        (20.0, 1)
    );
}

#[test]
fn wait_percentiles_come_from_the_histogram_within_one_percent() {
    let mut ev = Vec::new();
    // Waits of 1, 2, ..., 100 seconds: p50 = 50 s, p90 = 90 s, p99 = 99 s.
    for i in 1..=100 {
        let call = format!("c{i}");
        ev.push(offered("2026-11-02T09:00:00Z", &call, "q"));
        ev.push(answered(
            &format!("2026-11-02T09:{:02}:{:02}Z", i / 60, i % 60),
            &call,
        ));
    }
    let rec = run(&config(""), IV, &lines(&ev)).get("queue:q", "interval", "2026-11-02T09:00:00Z");
    for (got, want) in [
        (rec.wait_p50_seconds, 50.0),
        (rec.wait_p90_seconds, 90.0),
        (rec.wait_p99_seconds, 99.0),
    ] {
        let got = got.unwrap();
        assert!((got - want).abs() <= want * 0.01, "{got} vs {want}");
    }
}

#[test]
fn a_wait_the_system_ended_is_unanswered_but_not_an_abandon() {
    let ev = [
        offered("2026-11-02T09:00:00Z", "c1", "q"),
        abandoned("2026-11-02T09:00:10Z", "c1"),
        offered("2026-11-02T09:01:00Z", "c2", "q"),
        r#"{"type":"call.abandoned","ts":"2026-11-02T09:03:00Z","call_id":"c2","cause":"timeout"}"#
            .to_string(),
        offered("2026-11-02T09:02:00Z", "c3", "q"),
        r#"{"type":"call.abandoned","ts":"2026-11-02T09:02:05Z","call_id":"c3","cause":"no_agents"}"#
            .to_string(),
        offered("2026-11-02T09:04:00Z", "c4", "q"),
        r#"{"type":"call.abandoned","ts":"2026-11-02T09:04:30Z","call_id":"c4","cause":"key"}"#
            .to_string(),
        offered("2026-11-02T09:05:00Z", "c5", "q"),
        answered("2026-11-02T09:05:05Z", "c5"),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    for who in ["center", "queue:q"] {
        let rec = r.get(who, "interval", "2026-11-02T09:00:00Z");
        assert_eq!(rec.counts.offered, 5, "{who}");
        // The caller's hang-up and the caller's key press are abandons.
        assert_eq!(rec.counts.abandoned, 2, "{who}");
        assert_eq!(rec.abandon_wait_seconds_sum, 40.0, "{who}");
        // The timeout and the empty queue are waits the system ended.
        assert_eq!(rec.timed_out, 2, "{who}");
        assert_eq!(rec.timed_out_wait_seconds_sum, 125.0, "{who}");
        assert_eq!(rec.answer_rate, Some(0.2), "{who}");
        assert_eq!(rec.service_level, Some(0.2), "{who}");
        assert_eq!(rec.abandon_rate, Some(0.4), "{who}");
    }
}
