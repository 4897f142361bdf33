//! The report's dates: calendar days of the center's time zone, `to` inclusive, turned into
//! instants; the months they touch; the intervals expected in them.

use crate::time::{Calendar, Granularity, Millis, Period};
use chrono::{Datelike, NaiveDate};

/// `[start, end)` of the report: local midnight of `from` to local midnight after `to`.
#[derive(Debug, Clone)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub start: Millis,
    pub end: Millis,
}

impl Range {
    /// The range of the days `from` to `to` (inclusive) in `calendar`'s zone; `None` when
    /// `from` is after `to`.
    pub fn new(from: NaiveDate, to: NaiveDate, calendar: &Calendar) -> Option<Range> {
        if from > to {
            return None;
        }
        let start = day_start(from, calendar);
        let end = day_start(to.succ_opt()?, calendar);
        Some(Range {
            from,
            to,
            start,
            end,
        })
    }

    /// The three calendar months ending with the month of `to` (rule 6.1.2): from the first
    /// day of the month two before it, to `to`.
    pub fn last_three_months(to: NaiveDate, calendar: &Calendar) -> Option<Range> {
        let first = to.with_day(1)?;
        let from = first.checked_sub_months(chrono::Months::new(2))?;
        Range::new(from, to, calendar)
    }

    pub fn contains(&self, t: Millis) -> bool {
        self.start <= t && t < self.end
    }

    /// The months the range touches, each cut to the range.
    pub fn months(&self, calendar: &Calendar) -> Vec<Period> {
        let mut out = Vec::new();
        let mut t = self.start;
        while t < self.end {
            let m = calendar.period(Granularity::Month, t);
            out.push(Period {
                granularity: Granularity::Month,
                start: m.start.max(self.start),
                end: m.end.min(self.end),
            });
            t = m.end;
        }
        out
    }

    /// How many intervals start in `[start, end)`.
    pub fn intervals_in(start: Millis, end: Millis, calendar: &Calendar) -> u64 {
        let mut n = 0;
        let mut t = start;
        while t < end {
            let p = calendar.period(Granularity::Interval, t);
            if p.start >= start {
                n += 1;
            }
            t = p.end;
        }
        n
    }
}

/// The first instant of the local day `date` (local midnight, or the first instant after it
/// where midnight does not exist): the day of local noon, which always exists.
fn day_start(date: NaiveDate, calendar: &Calendar) -> Millis {
    use chrono::TimeZone;
    let noon = date.and_hms_opt(12, 0, 0).expect("noon exists");
    let t = calendar
        .tz()
        .from_local_datetime(&noon)
        .earliest()
        .map_or_else(
            || noon.and_utc().timestamp_millis(),
            |d| d.timestamp_millis(),
        );
    calendar.period(Granularity::Day, t).start
}

/// `YYYY-MM` of the month starting at `start`.
pub fn month_label(start: Millis, calendar: &Calendar) -> String {
    let d = calendar.local_date(start);
    format!("{:04}-{:02}", d.year(), d.month())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::rfc3339;

    fn shanghai() -> Calendar {
        Calendar::new(chrono_tz::Asia::Shanghai, 15)
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn days_are_local_and_to_is_inclusive() {
        let r = Range::new(date("2026-10-01"), date("2026-10-31"), &shanghai()).unwrap();
        assert_eq!(
            r.start,
            rfc3339::parse("2026-10-01T00:00:00+08:00").unwrap()
        );
        assert_eq!(r.end, rfc3339::parse("2026-11-01T00:00:00+08:00").unwrap());
        // The last interval of October in Shanghai is in the range, though it is 15:45 UTC.
        let last = rfc3339::parse("2026-10-31T23:45:00+08:00").unwrap();
        assert!(r.contains(last));
        assert_eq!(Range::intervals_in(r.start, r.end, &shanghai()), 31 * 96);
        assert!(Range::new(date("2026-10-02"), date("2026-10-01"), &shanghai()).is_none());
    }

    #[test]
    fn months_are_cut_to_the_range() {
        let cal = shanghai();
        let r = Range::new(date("2026-10-15"), date("2026-12-10"), &cal).unwrap();
        let months = r.months(&cal);
        assert_eq!(months.len(), 3);
        assert_eq!(months[0].start, r.start);
        assert_eq!(month_label(months[0].start, &cal), "2026-10");
        assert_eq!(months[2].end, r.end);
        let three = Range::last_three_months(date("2026-12-10"), &cal).unwrap();
        assert_eq!(three.from, date("2026-10-01"));
    }

    #[test]
    fn a_day_of_a_dst_change_has_its_real_number_of_intervals() {
        let berlin = Calendar::new(chrono_tz::Europe::Berlin, 60);
        let r = Range::new(date("2026-10-25"), date("2026-10-25"), &berlin).unwrap();
        assert_eq!(Range::intervals_in(r.start, r.end, &berlin), 25);
    }
}
