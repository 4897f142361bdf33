//! Periods of the configured time zone: intervals aligned to its local clock, its days and its
//! months.
//!
//! Invariant: every instant lies in exactly one period of each granularity, and periods of one
//! granularity tile the time line without gaps or overlaps. An interval starts where the local
//! clock shows a multiple of its length; a day at local midnight (or the first instant after
//! it, where midnight does not exist); a month at local midnight of its first day. A period in
//! which the UTC offset changes is cut at the change, so on the day Europe/Berlin falls back,
//! two 60-minute intervals start at local 02:00, one at `+02:00` and one at `+01:00`, and that
//! day lasts 25 hours.

use super::{rfc3339, Millis, MINUTE};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::fmt;

/// How long a period is: the configured interval, a local day or a local month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Interval,
    Day,
    Month,
}

impl Granularity {
    pub const ALL: [Granularity; 3] = [Granularity::Interval, Granularity::Day, Granularity::Month];

    pub fn name(self) -> &'static str {
        match self {
            Granularity::Interval => "interval",
            Granularity::Day => "day",
            Granularity::Month => "month",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One period: `[start, end)` in UTC milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub granularity: Granularity,
    pub start: Millis,
    pub end: Millis,
}

impl Period {
    pub fn len(&self) -> Millis {
        // Saturating: restore refuses a period the calendar would not give, but one from near
        // the start of the integers must not panic either.
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn contains(&self, t: Millis) -> bool {
        self.start <= t && t < self.end
    }
}

/// Maps instants to periods in one time zone; remembers the last period of each granularity,
/// so consecutive events of the same period cost one comparison.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    interval: Millis,
    /// The two most recent periods of each granularity: contributions alternate between the
    /// period of a call's offer and the period of its end.
    cache: [[Cell<Option<Period>>; 2]; 3],
}

/// Interval lengths the rule's reports use; each divides an hour.
pub const INTERVAL_MINUTES: [i64; 5] = [5, 10, 15, 30, 60];

impl Calendar {
    /// A calendar for `tz` with intervals of `interval_minutes` (one of [`INTERVAL_MINUTES`]).
    pub fn new(tz: Tz, interval_minutes: i64) -> Self {
        assert!(
            INTERVAL_MINUTES.contains(&interval_minutes),
            "unsupported interval"
        );
        Calendar {
            tz,
            interval: interval_minutes * MINUTE,
            cache: Default::default(),
        }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn interval_ms(&self) -> Millis {
        self.interval
    }

    /// The period of granularity `g` that contains `t`.
    pub fn period(&self, g: Granularity, t: Millis) -> Period {
        let [newest, older] = &self.cache[g.index()];
        match (newest.get(), older.get()) {
            (Some(p), _) if p.contains(t) => return p,
            (recent, Some(p)) if p.contains(t) => {
                newest.set(Some(p));
                older.set(recent);
                return p;
            }
            _ => {}
        }
        let p = match g {
            Granularity::Interval => self.interval_of(t),
            Granularity::Day => self.day_of(t),
            Granularity::Month => self.month_of(t),
        };
        older.set(newest.get());
        newest.set(Some(p));
        p
    }

    /// RFC 3339 text of `t` with the zone's offset at `t`.
    pub fn format(&self, t: Millis) -> String {
        rfc3339::format(t, &self.tz)
    }

    /// The local calendar date of `t`.
    pub fn local_date(&self, t: Millis) -> NaiveDate {
        self.to_local(t).date_naive()
    }

    fn to_local(&self, t: Millis) -> DateTime<Tz> {
        DateTime::from_timestamp_millis(t)
            .unwrap_or_default()
            .with_timezone(&self.tz)
    }

    fn offset_ms(&self, t: Millis) -> Millis {
        utc_offset(&self.tz, t)
    }

    fn interval_of(&self, t: Millis) -> Period {
        let offset = self.offset_ms(t);
        let local_start = (t + offset).div_euclid(self.interval) * self.interval;
        let mut start = local_start - offset;
        let mut end = start + self.interval;
        if self.offset_ms(start) != offset {
            start = self.first_with_offset(start, t, offset);
        }
        if self.offset_ms(end) != offset {
            end = self.first_other_offset(t, end, offset);
        }
        Period {
            granularity: Granularity::Interval,
            start,
            end,
        }
    }

    fn day_of(&self, t: Millis) -> Period {
        let date = self.local_date(t);
        let next = date.succ_opt().unwrap_or(date);
        Period {
            granularity: Granularity::Day,
            start: self.local_midnight(date),
            end: self.local_midnight(next),
        }
    }

    fn month_of(&self, t: Millis) -> Period {
        let date = self.local_date(t);
        let first = date.with_day(1).unwrap_or(date);
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }
        .unwrap_or(first);
        Period {
            granularity: Granularity::Month,
            start: self.local_midnight(first),
            end: self.local_midnight(next),
        }
    }

    /// The first instant of local `date` (midnight, or the end of a gap that swallowed it).
    fn local_midnight(&self, date: NaiveDate) -> Millis {
        let mut local: NaiveDateTime = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        // Up to two days ahead: Pacific/Apia skipped all of 2011-12-30.
        for _ in 0..96 {
            if let Some(instant) = self.tz.from_local_datetime(&local).earliest() {
                return instant.timestamp_millis();
            }
            local += chrono::Duration::minutes(30);
        }
        self.tz
            .from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
            .timestamp_millis()
    }

    /// The earliest instant in `(lo, hi]` whose offset is `offset` (the offset at `hi`).
    fn first_with_offset(&self, mut lo: Millis, mut hi: Millis, offset: Millis) -> Millis {
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.offset_ms(mid) == offset {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// The earliest instant in `(lo, hi]` whose offset is not `offset` (the offset at `lo`).
    fn first_other_offset(&self, mut lo: Millis, mut hi: Millis, offset: Millis) -> Millis {
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.offset_ms(mid) != offset {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

/// The offset of `tz` from UTC at the instant `t` (local time = `t` + offset), in ms.
pub fn utc_offset(tz: &Tz, t: Millis) -> Millis {
    let utc = DateTime::from_timestamp_millis(t)
        .unwrap_or_default()
        .naive_utc();
    i64::from(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc()) * 1_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{rfc3339::parse, HOUR};

    fn cal(tz: &str, minutes: i64) -> Calendar {
        Calendar::new(tz.parse().unwrap(), minutes)
    }

    fn at(text: &str) -> Millis {
        parse(text).unwrap()
    }

    #[test]
    fn intervals_align_to_the_local_clock() {
        let c = cal("Asia/Kolkata", 60);
        let p = c.period(Granularity::Interval, at("2026-11-28T09:45:00+05:30"));
        assert_eq!(c.format(p.start), "2026-11-28T09:00:00+05:30");
        assert_eq!(c.format(p.end), "2026-11-28T10:00:00+05:30");
        let c = cal("UTC", 15);
        let p = c.period(Granularity::Interval, at("2026-11-28T09:14:59.999Z"));
        assert_eq!(
            (c.format(p.start), c.format(p.end)),
            ("2026-11-28T09:00:00Z".into(), "2026-11-28T09:15:00Z".into())
        );
        let p = c.period(Granularity::Interval, at("2026-11-28T09:15:00Z"));
        assert_eq!(c.format(p.start), "2026-11-28T09:15:00Z");
    }

    #[test]
    fn a_month_ends_at_local_midnight_of_its_zone() {
        // 2026-01-31T17:30Z is still January in UTC but already February in Shanghai.
        let t = at("2026-01-31T17:30:00Z");
        let sh = cal("Asia/Shanghai", 15);
        let utc = cal("UTC", 15);
        let m = sh.period(Granularity::Month, t);
        assert_eq!(sh.format(m.start), "2026-02-01T00:00:00+08:00");
        assert_eq!(sh.format(m.end), "2026-03-01T00:00:00+08:00");
        let m = utc.period(Granularity::Month, t);
        assert_eq!(utc.format(m.start), "2026-01-01T00:00:00Z");
        assert_eq!(utc.format(m.end), "2026-02-01T00:00:00Z");
        let d = sh.period(Granularity::Day, at("2026-02-28T16:00:00Z"));
        assert_eq!(sh.format(d.start), "2026-03-01T00:00:00+08:00");
    }

    #[test]
    fn dst_days_last_23_and_25_hours_and_intervals_follow_the_clock() {
        let c = cal("Europe/Berlin", 60);
        let spring = c.period(Granularity::Day, at("2026-03-29T12:00:00+02:00"));
        assert_eq!(spring.len(), 23 * HOUR);
        let autumn = c.period(Granularity::Day, at("2026-10-25T12:00:00+01:00"));
        assert_eq!(autumn.len(), 25 * HOUR);
        // Local 02:00-03:00 happens twice on the autumn day: two intervals.
        let first = c.period(Granularity::Interval, at("2026-10-25T02:30:00+02:00"));
        let second = c.period(Granularity::Interval, at("2026-10-25T02:30:00+01:00"));
        assert_eq!(c.format(first.start), "2026-10-25T02:00:00+02:00");
        assert_eq!(first.end, second.start);
        assert_eq!(c.format(second.start), "2026-10-25T02:00:00+01:00");
        assert_eq!(c.format(second.end), "2026-10-25T03:00:00+01:00");
        // In spring local 02:00-03:00 does not exist: 01:00 is followed by 03:00.
        let before = c.period(Granularity::Interval, at("2026-03-29T01:30:00+01:00"));
        assert_eq!(c.format(before.end), "2026-03-29T03:00:00+02:00");
        assert_eq!(before.len(), HOUR);
    }

    #[test]
    fn a_period_is_cut_where_the_offset_changes_off_the_interval_grid() {
        // Lord Howe Island moves its clock by 30 minutes at 02:00 local.
        let c = cal("Australia/Lord_Howe", 60);
        let t = at("2026-10-04T02:45:00+11:00");
        let p = c.period(Granularity::Interval, t);
        assert!(p.contains(t));
        let before = c.period(Granularity::Interval, p.start - 1);
        assert_eq!(before.end, p.start);
        assert!(before.len() <= HOUR && p.len() <= HOUR);
    }

    #[test]
    fn periods_tile_the_time_line() {
        // A year of DST changes, and the day Pacific/Apia skipped (2011-12-30).
        let spans = [
            ("2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"),
            ("2011-12-01T00:00:00Z", "2012-01-10T00:00:00Z"),
        ];
        for tz in [
            "UTC",
            "Europe/Berlin",
            "America/Santiago",
            "Australia/Lord_Howe",
            "Pacific/Apia",
        ] {
            let c = cal(tz, 15);
            for (from, to) in spans {
                for g in Granularity::ALL {
                    let mut t = at(from);
                    let stop = at(to);
                    let step = if g == Granularity::Interval {
                        7 * HOUR + 1
                    } else {
                        0
                    };
                    while t < stop {
                        let p = c.period(g, t);
                        assert!(p.contains(t), "{tz} {g} {t}");
                        let next = c.period(g, p.end);
                        assert_eq!(next.start, p.end, "{tz} {g}");
                        t = if step > 0 { t + step } else { p.end };
                    }
                }
            }
        }
    }

    #[test]
    fn the_offset_follows_daylight_saving_time() {
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        let winter = 1_793_577_600_000; // 2026-11-02
        let summer = winter - 120 * 24 * HOUR; // early July
        assert_eq!(utc_offset(&berlin, winter), HOUR);
        assert_eq!(utc_offset(&berlin, summer), 2 * HOUR);
        assert_eq!(utc_offset(&chrono_tz::Asia::Shanghai, winter), 8 * HOUR);
    }

    #[test]
    fn a_period_from_near_the_start_of_the_integers_lasts_to_their_end_without_overflowing() {
        // Restore refuses such a period; its length saturates all the same.
        let p = Period {
            granularity: Granularity::Interval,
            start: Millis::MIN,
            end: 1_000,
        };
        assert_eq!(p.len(), Millis::MAX);
    }
}
