//! Hand-computed cases for every KPI and the engine's boundaries: thresholds, empty and
//! all-abandoned intervals, time zones, month ends, DST, overflow, revisions, lateness,
//! eviction, agents, availability, surveys, complaints and forecasts.

use crate::support::{config, run, ALL};
use callpulse::time::{seconds, Granularity};

const IV: &[Granularity] = &[Granularity::Interval];

fn offered(ts: &str, call: &str, queue: &str) -> String {
    format!(r#"{{"type":"call.offered","ts":"{ts}","call_id":"{call}","queue":"{queue}"}}"#)
}
fn answered(ts: &str, call: &str) -> String {
    format!(r#"{{"type":"call.answered","ts":"{ts}","call_id":"{call}","agent_id":"a1"}}"#)
}
fn abandoned(ts: &str, call: &str) -> String {
    format!(r#"{{"type":"call.abandoned","ts":"{ts}","call_id":"{call}"}}"#)
}
fn ended(ts: &str, call: &str, resolved: &str) -> String {
    format!(r#"{{"type":"call.ended","ts":"{ts}","call_id":"{call}"{resolved}}}"#)
}

fn lines(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

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
fn a_month_ends_at_midnight_of_the_configured_zone() {
    // 17:30 UTC on 31 January is 01:30 on 1 February in Shanghai.
    let ev = [
        offered("2026-01-31T17:30:00Z", "c1", "q"),
        answered("2026-01-31T17:30:10Z", "c1"),
    ];
    let utc = run(&config(""), ALL, &lines(&ev));
    assert_eq!(
        utc.get("center", "month", "2026-01-01T00:00:00Z")
            .counts
            .answered,
        1
    );
    assert_eq!(
        utc.get("center", "day", "2026-01-31T00:00:00Z")
            .counts
            .answered,
        1
    );
    let sh = run(
        &config("[engine]\ntimezone = \"Asia/Shanghai\""),
        ALL,
        &lines(&ev),
    );
    let feb = sh.get("center", "month", "2026-02-01T00:00:00+08:00");
    assert_eq!(feb.counts.answered, 1);
    assert_eq!(feb.end, "2026-03-01T00:00:00+08:00");
    assert_eq!(
        sh.get("center", "day", "2026-02-01T00:00:00+08:00")
            .period_seconds,
        86_400.0
    );
    assert_eq!(
        sh.get("queue:q", "interval", "2026-02-01T01:30:00+08:00")
            .counts
            .offered,
        1
    );
}

#[test]
fn a_day_across_a_dst_change_lasts_25_hours_and_availability_uses_it() {
    // Europe/Berlin falls back at 03:00 CEST on 25 October 2026. A component is down for
    // 75 minutes that day: availability = 1 - 1.25 h / 25 h = 0.95.
    let cfg = config("[engine]\ntimezone = \"Europe/Berlin\"\ninterval = \"60m\"");
    let ev = [
        r#"{"type":"system.status","ts":"2026-10-25T00:00:00+02:00","component":"acd","status":"up"}"#,
        r#"{"type":"system.status","ts":"2026-10-25T02:30:00+02:00","component":"acd","status":"down"}"#,
        r#"{"type":"system.status","ts":"2026-10-25T02:45:00+01:00","component":"acd","status":"up"}"#,
        r#"{"type":"system.status","ts":"2026-10-26T00:00:00+01:00","component":"acd","status":"up"}"#,
    ];
    let r = run(&cfg, ALL, &ev);
    let day = r.get("center", "day", "2026-10-25T00:00:00+02:00");
    assert_eq!(day.period_seconds, 25.0 * 3600.0);
    assert_eq!(day.down_seconds, Some(4500.0));
    assert!((day.availability.unwrap() - 0.95).abs() < 1e-12);
    // The repeated local hour is two intervals, told apart by their offsets.
    let first = r.get("component:acd", "interval", "2026-10-25T02:00:00+02:00");
    let second = r.get("component:acd", "interval", "2026-10-25T02:00:00+01:00");
    assert_eq!(first.down_seconds, Some(1800.0));
    assert_eq!(second.down_seconds, Some(2700.0));
    assert_eq!(first.end, "2026-10-25T02:00:00+01:00");
    assert_eq!(r.outages.len(), 1);
    assert_eq!(r.outages[0].duration(), 4_500_000);
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
fn calls_that_never_finish_are_evicted_and_counted() {
    let cfg = config("[engine]\ncall_timeout = \"1h\"");
    let ev = [
        offered("2026-11-02T09:00:00Z", "lost", "q"),
        offered("2026-11-02T11:00:00Z", "c2", "q"),
        abandoned("2026-11-02T11:00:10Z", "c2"),
        offered("2026-11-02T13:00:00Z", "c3", "q"),
    ];
    let r = run(&cfg, IV, &lines(&ev));
    assert_eq!(r.stats.evicted_calls, 1);
    // The lost call stays offered and unanswered: it counts against the service level.
    assert_eq!(
        r.get("queue:q", "interval", "2026-11-02T09:00:00Z")
            .service_level,
        Some(0.0)
    );
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
fn agent_time_is_split_at_interval_boundaries_into_occupancy() {
    let ev = [
        r#"{"type":"agent.state","ts":"2026-11-02T09:10:00Z","agent_id":"a1","state":"available","queues":["q"]}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:12:00Z","agent_id":"a1","state":"on_call"}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:18:00Z","agent_id":"a1","state":"wrap_up"}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:20:00Z","agent_id":"a1","state":"not_ready"}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:25:00Z","agent_id":"a1","state":"logged_out"}"#,
    ];
    let r = run(&config(""), IV, &ev);
    let first = r.get("queue:q", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(
        (first.agent_available_seconds, first.agent_on_call_seconds),
        (120.0, 180.0)
    );
    assert_eq!(first.occupancy, Some(0.6));
    let second = r.get("agent:a1", "interval", "2026-11-02T09:15:00Z");
    assert_eq!(second.agent_on_call_seconds, 180.0);
    assert_eq!(second.agent_wrap_up_seconds, 120.0);
    assert_eq!(second.agent_not_ready_seconds, 300.0);
    assert_eq!(second.occupancy, Some(1.0));
}

#[test]
fn missing_heartbeats_count_as_down_time_and_long_outages_are_listed() {
    let cfg = config("[engine]\nheartbeat_timeout = \"30s\"");
    let ev = [
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:00:00Z","component":"ivr"}"#,
        // Silent from 09:00:30 until 09:40:00: a 39.5-minute outage, longer than 30 minutes.
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:40:00Z","component":"ivr"}"#,
        r#"{"type":"system.heartbeat","ts":"2026-11-02T10:00:00Z","component":"ivr"}"#,
    ];
    let r = run(&cfg, ALL, &ev);
    assert_eq!(r.outages.len(), 2);
    assert_eq!(r.outages[0].duration(), 39 * 60_000 + 30_000);
    assert_eq!(r.outages[0].cause, "heartbeat");
    assert_eq!(
        r.get("center", "interval", "2026-11-02T09:00:00Z")
            .down_seconds,
        Some(870.0)
    );
    assert_eq!(
        r.get("center", "interval", "2026-11-02T09:15:00Z")
            .availability,
        Some(0.0)
    );
    let day = r.get("center", "day", "2026-11-02T00:00:00Z");
    assert_eq!(day.down_seconds, Some(2370.0 + 1170.0));
}

#[test]
fn satisfaction_complaints_and_forecast_accuracy() {
    let ev = [
        r#"{"type":"survey.response","ts":"2026-11-02T09:01:00Z","queue":"q","satisfied":true,"survey":"billing"}"#.to_string(),
        r#"{"type":"survey.response","ts":"2026-11-02T09:02:00Z","queue":"q","satisfied":false,"score":2}"#.to_string(),
        r#"{"type":"complaint.opened","ts":"2026-11-02T09:00:00Z","complaint_id":"k1","due":"2026-11-02T09:10:00Z","queue":"q"}"#.to_string(),
        r#"{"type":"complaint.opened","ts":"2026-11-02T09:00:00Z","complaint_id":"k2","due":"2026-11-02T09:05:00Z","queue":"q"}"#.to_string(),
        r#"{"type":"complaint.closed","ts":"2026-11-02T09:08:00Z","complaint_id":"k1","satisfied":true}"#.to_string(),
        // A 60-minute forecast of 8 calls: 2 per 15-minute interval.
        r#"{"type":"forecast.interval","ts":"2026-11-01T00:00:00Z","queue":"q","interval_start":"2026-11-02T09:00:00Z","interval_minutes":60,"offered":8}"#.to_string(),
        offered("2026-11-02T09:03:00Z", "c1", "q"),
        offered("2026-11-02T09:04:00Z", "c2", "q"),
        offered("2026-11-02T09:06:00Z", "c3", "q"),
        offered("2026-11-02T09:16:00Z", "c4", "q"),
    ];
    let r = run(&config(""), IV, &lines(&ev));
    let rec = r.get("queue:q", "interval", "2026-11-02T09:00:00Z");
    assert_eq!((rec.survey_responses, rec.satisfaction), (2, Some(0.5)));
    assert_eq!(rec.surveys["billing"].satisfaction, Some(1.0));
    assert_eq!((rec.complaints_on_time, rec.complaints_overdue), (1, 1));
    assert_eq!(rec.complaints_on_time_rate, Some(0.5));
    assert_eq!(rec.complaint_satisfaction, Some(1.0));
    assert_eq!(rec.forecast_offered, Some(2.0));
    // 3 calls against 2 forecast: 1 - 1/3.
    assert!((rec.forecast_accuracy.unwrap() - 2.0 / 3.0).abs() < 1e-12);
}

#[test]
fn a_revised_forecast_replaces_the_earlier_one() {
    let ev = [
        r#"{"type":"forecast.interval","ts":"2026-11-01T00:00:00Z","queue":"q","interval_start":"2026-11-02T09:00:00Z","interval_minutes":15,"offered":10}"#,
        r#"{"type":"forecast.interval","ts":"2026-11-01T01:00:00Z","queue":"q","interval_start":"2026-11-02T09:00:00Z","interval_minutes":15,"offered":4}"#,
    ];
    let r = run(&config(""), IV, &ev);
    assert_eq!(
        r.get("queue:q", "interval", "2026-11-02T09:00:00Z")
            .forecast_offered,
        Some(4.0)
    );
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
fn evicted_and_finished_calls_leave_no_state_behind() {
    use callpulse::codec::decode;
    use callpulse::engine::Engine;
    use callpulse::reject::Origin;
    let cfg = config("[engine]\ncall_timeout = \"1h\"\nwrapup_timeout = \"10m\"");
    let mut engine = Engine::new(&cfg.engine, IV);
    let mut feed = |line: String| engine.ingest(decode(&line).unwrap(), Origin::default());
    for i in 0..5_000 {
        // Half the calls never finish; the other half are answered and ended.
        let call = format!("c{i}");
        feed(offered("2026-11-02T09:00:00Z", &call, "q"));
        if i % 2 == 0 {
            feed(answered("2026-11-02T09:00:10Z", &call));
            feed(ended("2026-11-02T09:01:10Z", &call, ""));
        }
    }
    assert_eq!(engine.calls_in_flight(), 5_000);
    let bytes_full = engine.state_bytes();
    engine.ingest(
        decode(&offered("2026-11-02T11:00:00Z", "late", "q")).unwrap(),
        Origin::default(),
    );
    engine.ingest(
        decode(&offered("2026-11-02T11:05:00Z", "later", "q")).unwrap(),
        Origin::default(),
    );
    // "late" is tracked; "later" still waits in the reorder buffer for the watermark.
    assert_eq!(engine.calls_in_flight(), 1, "only the new call remains");
    assert_eq!(
        engine.stats().evicted_calls,
        2_500,
        "finished calls are forgotten, not evicted"
    );
    assert!(engine.state_bytes() < bytes_full);
}

#[test]
fn a_stream_silent_for_over_a_month_credits_the_first_31_days_and_leaves_the_rest_unmonitored() {
    // An agent logged in and a component reporting up on 1 November, then nothing until two
    // calls on 15 December move the stream's time 44 days at once. The first 31 days are
    // credited (agent time, monitoring); the 13 days after are time nobody reported (but the
    // lateness before the calls, credited as the stream goes on from there), and
    // crediting them all at once would have been unbounded (decades for a longer silence).
    let cfg = config("[engine]\ninterval = \"60m\"");
    let ev = [
        r#"{"type":"agent.state","ts":"2026-11-01T00:00:00Z","agent_id":"a1","state":"available","queues":["q"]}"#.to_string(),
        r#"{"type":"system.status","ts":"2026-11-01T00:00:00Z","component":"acd","status":"up"}"#.to_string(),
        offered("2026-12-15T00:00:00Z", "c1", "q"),
        offered("2026-12-15T00:00:01Z", "c2", "q"),
    ];
    let r = run(&cfg, &[Granularity::Day], &lines(&ev));
    let credited = r.get("queue:q", "day", "2026-12-01T00:00:00Z");
    assert_eq!(credited.occupancy, Some(0.0), "available all day, no calls");
    let monitored = r.get("center", "day", "2026-12-01T00:00:00Z");
    assert_eq!(monitored.availability, Some(1.0));
    let finals = r.finals();
    for day in ["2026-12-02", "2026-12-10", "2026-12-13"] {
        let key = |who: &str| {
            (
                who.to_string(),
                "day".to_string(),
                format!("{day}T00:00:00Z"),
            )
        };
        assert!(
            !finals.contains_key(&key("queue:q")),
            "{day}: no agent time"
        );
        assert!(
            !finals.contains_key(&key("center:")),
            "{day}: not monitored, no calls"
        );
    }
    let last = r.get("queue:q", "day", "2026-12-15T00:00:00Z");
    assert_eq!(last.counts.offered, 2);
}

#[test]
fn a_watermark_moved_eight_thousand_years_at_once_credits_one_month_and_stays_bounded() {
    // The path of the snapshot fuzz finding `credit-span-to-far-frontier-oom`: a state whose
    // stream's time stands far ahead of its credited time (there a restored frontier in the
    // year 10470) is advanced there in one step. Crediting every period between allocated
    // 858 MB in one piece; now one month is credited and the step stays small.
    let cfg = config("");
    let mut engine = callpulse::engine::Engine::new(&cfg.engine, &[Granularity::Day]);
    for line in [
        r#"{"type":"agent.state","ts":"2026-11-01T00:00:00Z","agent_id":"a1","state":"available","queues":["q"]}"#,
        r#"{"type":"system.status","ts":"2026-11-01T00:00:00Z","component":"acd","status":"up"}"#,
    ] {
        engine.ingest(callpulse::codec::decode(line).unwrap(), Default::default());
    }
    let year_10470 = 268_198_646_400_000;
    engine.advance_to(year_10470);
    let records = engine.take_records();
    // 32 days of the agent's queue, the agent, the center and the component, at most.
    assert!(
        !records.is_empty() && records.len() <= 4 * 32,
        "{} records",
        records.len()
    );
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
fn abandoned_calls_are_forgotten_after_the_wrapup_timeout_even_behind_a_future_record() {
    use callpulse::codec::decode;
    use callpulse::engine::Engine;
    use callpulse::reject::Origin;
    let cfg = config("[engine]\nwrapup_timeout = \"10m\"\ncall_timeout = \"12h\"");
    let mut engine = Engine::new(&cfg.engine, IV);
    let mut feed = |line: &str| engine.ingest(decode(line).unwrap(), Origin::default());
    // A record dated far ahead of its offer first: its call is kept until then.
    feed(
        r#"{"type":"call.completed","ts":"2026-11-20T00:00:00Z","call_id":"odd","queue":"q","offered_at":"2026-11-02T08:59:00Z","answered_at":"2026-11-02T08:59:10Z","ended_at":"2026-11-19T23:00:00Z"}"#,
    );
    for i in 0..100 {
        feed(&offered("2026-11-02T09:00:00Z", &format!("c{i}"), "q"));
        feed(&abandoned("2026-11-02T09:00:30Z", &format!("c{i}")));
    }
    // Entries are looked at every wrapup_timeout of watermark time: two heartbeats 30 min
    // apart give every finished call its check.
    feed(r#"{"type":"system.heartbeat","ts":"2026-11-02T11:00:00Z","component":"ivr"}"#);
    feed(r#"{"type":"system.heartbeat","ts":"2026-11-02T11:30:00Z","component":"ivr"}"#);
    assert_eq!(
        engine.calls_in_flight(),
        1,
        "only the odd record's call remains"
    );
}

#[test]
fn a_complaint_closed_late_counts_as_overdue_even_before_the_next_close_step() {
    let ev = [
        r#"{"type":"complaint.opened","ts":"2026-11-02T09:00:00Z","complaint_id":"k1","due":"2026-11-02T10:00:00Z","queue":"q"}"#,
        r#"{"type":"complaint.opened","ts":"2026-11-02T09:00:00Z","complaint_id":"k2","due":"2026-11-02T10:00:00Z","queue":"q"}"#,
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:58:00Z","component":"ivr"}"#,
        r#"{"type":"complaint.closed","ts":"2026-11-02T10:02:00Z","complaint_id":"k1"}"#,
        r#"{"type":"complaint.closed","ts":"2026-11-02T10:08:00Z","complaint_id":"k2"}"#,
        r#"{"type":"complaint.closed","ts":"2026-11-02T10:09:00Z","complaint_id":"k2","satisfied":false}"#,
        r#"{"type":"complaint.closed","ts":"2026-11-02T10:10:00Z","complaint_id":"never-opened"}"#,
    ];
    let r = run(&config(""), &[Granularity::Day], &ev);
    let day = r.get("center", "day", "2026-11-02T00:00:00Z");
    assert_eq!(
        (
            day.complaints_overdue,
            day.complaints_on_time,
            day.complaints_closed
        ),
        (2, 0, 2)
    );
    assert_eq!(day.complaints_on_time_rate, Some(0.0));
    assert_eq!(
        day.complaint_satisfaction, None,
        "a repeated close is not counted again"
    );
    assert_eq!(r.stats.duplicates, 1);
    assert_eq!(r.rejected("contradicts_history"), 1);
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
fn a_queue_named_twice_in_an_agent_state_counts_the_time_once_and_the_center_gets_it_once() {
    let ev = [
        r#"{"type":"agent.state","ts":"2026-11-02T09:00:00Z","agent_id":"a1","state":"available","queues":["q","q","r"]}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:10:00Z","agent_id":"a1","state":"logged_out"}"#,
    ];
    let r = run(&config(""), IV, &ev);
    assert_eq!(
        r.get("queue:q", "interval", "2026-11-02T09:00:00Z")
            .agent_available_seconds,
        600.0
    );
    let center = r.get("center", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(center.agent_available_seconds, 600.0);
    assert_eq!(center.occupancy, Some(0.0));
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
