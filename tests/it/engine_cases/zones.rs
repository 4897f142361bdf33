//! Periods in the configured time zone: a month ends at local midnight, and a day across a
//! DST change lasts 25 hours, which availability uses.

use super::lines::{answered, lines, offered};
use crate::support::{config, run, ALL};

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
