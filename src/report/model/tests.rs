//! The aggregation by hand: months in the center's zone, the latest revision, sums not
//! averages, empty months.

use super::*;
use crate::report::source::{EventCounts, IntervalRow};
use crate::report::sums::RecordBody;
use crate::time::rfc3339;

fn cfg(zone: &str) -> Config {
    Config::parse(
        &format!("[engine]\ntimezone = \"{zone}\"\ninterval = \"15m\"\n"),
        "test",
    )
    .unwrap()
}

fn row(scope: ScopeKey, start: &str, offered: u64, within: u64, revision: u32) -> IntervalRow {
    IntervalRow {
        store: 0,
        seq: 0,
        scope,
        start: rfc3339::parse(start).unwrap(),
        body: RecordBody {
            start: start.into(),
            revision,
            offered,
            answered: offered,
            answered_within_threshold: within,
            wait_seconds_sum: 10.0 * offered as f64,
            threshold_seconds: 20.0,
            ..RecordBody::default()
        },
    }
}

fn gathered(intervals: Vec<IntervalRow>) -> Gathered {
    Gathered {
        intervals,
        outages: vec![],
        alerts: None,
        events: EventCounts::default(),
        no_call_intervals: None,
        provenance: Provenance::Files { files: vec![] },
    }
}

fn report(zone: &str, from: &str, to: &str, rows: Vec<IntervalRow>) -> Report {
    let cfg = cfg(zone);
    let range = Range::new(
        from.parse().unwrap(),
        to.parse().unwrap(),
        &cfg.engine.calendar(),
    )
    .unwrap();
    build(&cfg, &range, gathered(rows), None).unwrap()
}

#[test]
fn an_interval_at_23_45_on_october_31_in_shanghai_belongs_to_october() {
    let rows = vec![row(ScopeKey::Center, "2026-10-31T23:45:00+08:00", 4, 4, 0)];
    let r = report("Asia/Shanghai", "2026-10-01", "2026-11-30", rows.clone());
    assert_eq!(r.months[0].month, "2026-10");
    assert_eq!(r.months[0].scopes[0].figures.counts.offered, 4);
    assert_eq!(r.months[1].scopes[0].figures.counts.offered, 0);
    // The same instant is 15:45 UTC: still October in UTC too, but 2026-11-01T00:15+08:00
    // (16:15 UTC on October 31) is November in Shanghai and October in UTC.
    let nov = vec![row(ScopeKey::Center, "2026-11-01T00:15:00+08:00", 2, 2, 0)];
    let sh = report("Asia/Shanghai", "2026-10-01", "2026-11-30", nov.clone());
    assert_eq!(sh.months[1].scopes[0].figures.counts.offered, 2);
    let utc = report("UTC", "2026-10-01", "2026-11-30", nov);
    assert_eq!(utc.months[0].scopes[0].figures.counts.offered, 2);
}

#[test]
fn the_latest_revision_wins_and_ratios_come_from_sums() {
    let rows = vec![
        row(
            ScopeKey::Queue("a".into()),
            "2026-10-01T09:00:00+08:00",
            10,
            10,
            0,
        ),
        row(
            ScopeKey::Queue("a".into()),
            "2026-10-01T09:00:00+08:00",
            10,
            5,
            1,
        ),
        row(
            ScopeKey::Queue("a".into()),
            "2026-10-01T09:15:00+08:00",
            90,
            90,
            0,
        ),
    ];
    let r = report("Asia/Shanghai", "2026-10-01", "2026-10-31", rows);
    let a = &r.months[0].scopes[1];
    assert_eq!(a.queue.as_deref(), Some("a"));
    // (5 + 90) / (10 + 90) = 95 %, not the average of 50 % and 100 %.
    assert_eq!(a.figures.service_level, Some(0.95));
    assert_eq!(r.completeness.records_read, 3);
    assert_eq!(r.completeness.records_kept, 2);
}

#[test]
fn an_empty_month_says_no_calls_and_stability_needs_two_months() {
    let rows = vec![row(ScopeKey::Center, "2026-10-05T10:00:00+08:00", 10, 8, 0)];
    let r = report("Asia/Shanghai", "2026-10-01", "2026-11-30", rows);
    let nov = &r.months[1].scopes[0];
    assert_eq!(nov.figures.service_level, None);
    assert_eq!(nov.criteria[0].status, Status::NoCalls);
    assert_eq!(r.months[0].scopes[0].criteria[0].status, Status::Met);
    assert_eq!(r.stability[0].status, Status::NoData);
    assert_eq!(r.months[1].completeness.expected_intervals, 30 * 96);
    assert_eq!(r.months[1].completeness.intervals_without_calls, 30 * 96);
}

#[test]
fn stability_uses_the_configured_bands() {
    let rows = vec![
        row(ScopeKey::Center, "2026-10-05T10:00:00+08:00", 10, 8, 0),
        row(ScopeKey::Center, "2026-11-05T10:00:00+08:00", 10, 9, 0),
    ];
    let r = report("Asia/Shanghai", "2026-10-01", "2026-11-30", rows);
    let s = &r.stability[0];
    // 0.8 and 0.9: CV 0.05 / 0.85 = 0.0588 → the default band ≤ 0.10 scores 90.
    assert!((s.cv.unwrap() - 0.05 / 0.85).abs() < 1e-12);
    assert_eq!(s.score, Some(90.0));
    assert_eq!(s.status, Status::Met);
}

#[test]
fn an_unknown_queue_is_refused_with_the_known_ones() {
    let cfg = cfg("UTC");
    let range = Range::new(
        "2026-10-01".parse().unwrap(),
        "2026-10-31".parse().unwrap(),
        &cfg.engine.calendar(),
    )
    .unwrap();
    let rows = vec![row(
        ScopeKey::Queue("sales".into()),
        "2026-10-05T10:00:00Z",
        1,
        1,
        0,
    )];
    let e = build(&cfg, &range, gathered(rows), Some("salse")).unwrap_err();
    assert!(e.to_string().contains("queues: sales"), "{e}");
}

#[test]
fn the_records_of_two_instances_add_up_and_each_keeps_its_latest_revision() {
    let sales = || ScopeKey::Queue("sales".into());
    let at = "2026-10-01T09:00:00+08:00";
    let mut rows = vec![
        // Instance 0: 10 calls, 10 within, then revised to 6 within.
        row(sales(), at, 10, 10, 0),
        row(sales(), at, 10, 6, 1),
        // Instance 1: its own 30 calls of the same interval, 30 within.
        row(sales(), at, 30, 30, 0),
        row(ScopeKey::Center, at, 10, 6, 1),
        row(ScopeKey::Center, at, 30, 30, 0),
    ];
    rows[2].store = 1;
    rows[4].store = 1;
    let r = report("Asia/Shanghai", "2026-10-01", "2026-10-31", rows);
    let center = &r.months[0].scopes[0];
    let sales = &r.months[0].scopes[1];
    // (6 + 30) / (10 + 30): both instances' calls, the revision of the first.
    assert_eq!(sales.figures.counts.offered, 40);
    assert_eq!(sales.figures.service_level, Some(0.9));
    assert_eq!(center.figures.counts.offered, 40);
    assert_eq!(r.completeness.records_kept, 4);
    let c = &r.months[0].completeness;
    assert_eq!(
        (c.intervals_with_records, c.intervals_with_calls),
        (1, 1),
        "the interval counts once"
    );
}
