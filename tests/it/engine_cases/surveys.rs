//! Surveys, complaints and forecasts: satisfaction, complaints closed in time (or overdue
//! before the next close step) and forecast accuracy, with a revised forecast replacing the
//! earlier one.

use super::lines::{lines, offered, IV};
use crate::support::{config, run};
use callpulse::time::Granularity;

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
