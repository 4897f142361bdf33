//! Times in call records: dates, times of day and date-times in strftime formats, naive local
//! times of one IANA zone turned into UTC, times of day placed on the right day around
//! midnight, and durations in whole seconds.
//!
//! Rules (docs/src/inputs/csv.md repeats them):
//! - A naive local time that happens twice (the hour a DST change repeats) is the **earlier**
//!   instant (but see below for a time that follows another); one that never happens (the
//!   hour skipped in spring) is read with the offset in force before the gap, that is **moved
//!   forward by the gap** (02:30 in a 02:00→03:00 gap is 03:30).
//! - A time of day is placed on the day that puts it in `[reference − 12 h, reference + 12 h)`
//!   of the local time it follows (see [`place`]), so 23:59:50 followed by 00:00:10 is ten
//!   seconds after midnight of the next day, and a time a little before its reference stays
//!   before it.
//! - A time of day that follows another (an answer, an abandon, an end) and happens twice is
//!   the earlier of its instants that is not before the time it follows (less the tolerance),
//!   so an answer in the repeated hour comes after an offer in the first one (see
//!   [`Clock::utc_not_before`]).
//! - A duration is whole seconds, at most a day ([`MAX_DURATION_SECONDS`]).

use crate::time::Millis;
use chrono::format::{parse, Item, Parsed, StrftimeItems};
use chrono::{LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;

/// Instants outside [1970, 2100) are `bad_timestamp`, as for canonical events.
pub const MAX_TS: Millis = 4_102_444_800_000;

const DAY_SECONDS: i64 = 86_400;

/// A strftime format, parsed once.
#[derive(Debug, Clone)]
pub struct Format {
    items: Vec<Item<'static>>,
    /// `%H:%M:%S`, read by hand first (chrono reads what the fast path refuses).
    hms: bool,
}

impl Format {
    /// The format `text`, or why it is not one.
    pub fn new(text: &str) -> Result<Format, String> {
        match StrftimeItems::new(text).parse_to_owned() {
            Ok(items) if !items.is_empty() => Ok(Format {
                items,
                hms: text == "%H:%M:%S",
            }),
            Ok(_) => Err("empty format".into()),
            Err(_) => Err(format!("not a strftime format, got {text:?}")),
        }
    }

    fn parsed(&self, text: &str) -> Option<Parsed> {
        let mut parsed = Parsed::new();
        parse(&mut parsed, text, self.items.iter()).ok()?;
        Some(parsed)
    }
}

/// The time zone of naive times and the formats of dates, times of day and date-times.
#[derive(Debug, Clone)]
pub struct Clock {
    pub tz: Tz,
    pub date: Format,
    pub time: Format,
    pub datetime: Format,
}

impl Clock {
    pub fn date(&self, text: &str) -> Option<NaiveDate> {
        self.date.parsed(text)?.to_naive_date().ok()
    }

    pub fn time(&self, text: &str) -> Option<NaiveTime> {
        if self.time.hms {
            if let Some(t) = hms(text.as_bytes()) {
                return Some(t);
            }
        }
        self.time.parsed(text)?.to_naive_time().ok()
    }

    /// A date-time column: with an offset (`%z`) or as epoch seconds (`%s`) it names its
    /// instant itself; otherwise it is a local time of the zone.
    pub fn datetime(&self, text: &str) -> Option<Millis> {
        let parsed = self.datetime.parsed(text)?;
        if parsed.offset().is_some() {
            return Some(parsed.to_datetime().ok()?.timestamp_millis());
        }
        if parsed.timestamp().is_some() {
            let utc = parsed.to_naive_datetime_with_offset(0).ok()?;
            return Some(utc.and_utc().timestamp_millis());
        }
        Some(self.utc(parsed.to_naive_datetime_with_offset(0).ok()?))
    }

    /// The instant of a local time: the earlier one when it happens twice, moved forward by
    /// the gap when it never happens.
    pub fn utc(&self, local: NaiveDateTime) -> Millis {
        if let Some(t) = self.tz.from_local_datetime(&local).earliest() {
            return t.timestamp_millis();
        }
        // In a gap: the offset in force just before it (gaps last at most a day).
        let mut probe = local;
        for _ in 0..96 {
            probe -= TimeDelta::minutes(15);
            if let Some(t) = self.tz.from_local_datetime(&probe).latest() {
                let offset = t.offset().fix().local_minus_utc();
                return (local - TimeDelta::seconds(offset.into()))
                    .and_utc()
                    .timestamp_millis();
            }
        }
        local.and_utc().timestamp_millis()
    }

    /// The instant of a local time that follows the instant `not_before` (already less the
    /// tolerance): when the local time happens twice, the earlier of its instants that is not
    /// before `not_before`, or the earlier one if neither is; otherwise as [`Clock::utc`]. So
    /// 01:10 read after 01:50 of the first pass through a repeated hour is 01:10 of the
    /// second pass, 20 minutes later, not 40 minutes before.
    pub fn utc_not_before(&self, local: NaiveDateTime, not_before: Option<Millis>) -> Millis {
        if let (Some(floor), LocalResult::Ambiguous(a, b)) =
            (not_before, self.tz.from_local_datetime(&local))
        {
            let (a, b) = (a.timestamp_millis(), b.timestamp_millis());
            let (first, second) = (a.min(b), a.max(b));
            return if first >= floor || second < floor {
                first
            } else {
                second
            };
        }
        self.utc(local)
    }

    /// The local time of an instant.
    pub fn local(&self, t: Millis) -> NaiveDateTime {
        match chrono::DateTime::from_timestamp_millis(t) {
            Some(utc) => utc.with_timezone(&self.tz).naive_local(),
            None => NaiveDateTime::MIN,
        }
    }
}

/// `H:MM:SS` or `HH:MM:SS`, the common case of `%H:%M:%S`, without chrono's general parser.
fn hms(b: &[u8]) -> Option<NaiveTime> {
    let digits = |s: &[u8]| -> Option<u32> {
        match s {
            [a] if a.is_ascii_digit() => Some(u32::from(a - b'0')),
            [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
                Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
            }
            _ => None,
        }
    };
    let n = b.len();
    if !(7..=8).contains(&n) || b[n - 3] != b':' || b[n - 6] != b':' {
        return None;
    }
    let (h, m, s) = (
        digits(&b[..n - 6])?,
        digits(&b[n - 5..n - 3])?,
        digits(&b[n - 2..])?,
    );
    NaiveTime::from_hms_opt(h, m, s)
}

/// `time` on `date`, moved by whole days so that it lies in `[reference − 12 h,
/// reference + 12 h)`; without a reference, on `date`. The comparison is made in local time,
/// so a DST change does not move the boundary.
pub fn place(date: NaiveDate, time: NaiveTime, reference: Option<NaiveDateTime>) -> NaiveDateTime {
    let at = date.and_time(time);
    let Some(reference) = reference else {
        return at;
    };
    let ahead = (at - reference).num_seconds();
    let days = (ahead + DAY_SECONDS / 2).div_euclid(DAY_SECONDS);
    at - TimeDelta::days(days)
}

/// The longest duration a row may give: a wait or a conversation longer than a day is a broken
/// row, not a call.
pub const MAX_DURATION_SECONDS: Millis = 86_400;

/// A duration in whole seconds (digits only), at most [`MAX_DURATION_SECONDS`], in
/// milliseconds.
pub fn seconds(text: &str) -> Option<Millis> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let s = text.parse::<Millis>().ok()?;
    (s <= MAX_DURATION_SECONDS).then_some(s * 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(tz: &str) -> Clock {
        Clock {
            tz: tz.parse().unwrap(),
            date: Format::new("%y%m%d").unwrap(),
            time: Format::new("%H:%M:%S").unwrap(),
            datetime: Format::new("%Y-%m-%d %H:%M:%S").unwrap(),
        }
    }

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn utc(text: &str) -> Millis {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn two_digit_years_and_one_digit_hours_parse() {
        let c = clock("Asia/Jerusalem");
        assert_eq!(c.date("990101"), NaiveDate::from_ymd_opt(1999, 1, 1));
        assert_eq!(c.time("0:00:31"), NaiveTime::from_hms_opt(0, 0, 31));
        assert_eq!(c.time("23:59:59"), NaiveTime::from_hms_opt(23, 59, 59));
        for bad in ["", "24:00:00", "12:60:00", "1:2", "ab:cd:ef", "12:00:00 "] {
            assert_eq!(c.time(bad), None, "{bad:?}");
        }
        assert_eq!(c.date("991332"), None);
        // What the hand-written reader of %H:%M:%S refuses, chrono still reads.
        assert_eq!(c.time("7:5:3"), NaiveTime::from_hms_opt(7, 5, 3));
        assert_eq!(hms(b"7:5:3"), None);
        assert_eq!(hms(b"07:05:03"), NaiveTime::from_hms_opt(7, 5, 3));
    }

    #[test]
    fn a_time_of_day_after_its_reference_rolls_past_midnight() {
        let d = NaiveDate::from_ymd_opt(1999, 3, 1).unwrap();
        let t = NaiveTime::from_hms_opt(0, 0, 10).unwrap();
        assert_eq!(
            place(d, t, Some(at("1999-03-01 23:59:50"))),
            at("1999-03-02 00:00:10")
        );
    }

    #[test]
    fn a_time_of_day_just_before_its_reference_rolls_back_to_the_previous_day() {
        let d = NaiveDate::from_ymd_opt(1999, 3, 2).unwrap();
        let t = NaiveTime::from_hms_opt(23, 59, 58).unwrap();
        assert_eq!(
            place(d, t, Some(at("1999-03-02 00:00:05"))),
            at("1999-03-01 23:59:58")
        );
    }

    #[test]
    fn the_window_is_twelve_hours_before_inclusive_to_twelve_hours_after_exclusive() {
        let d = NaiveDate::from_ymd_opt(1999, 3, 2).unwrap();
        let reference = Some(at("1999-03-02 10:00:00"));
        let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s).unwrap();
        assert_eq!(
            place(d, t(21, 59, 59), reference),
            at("1999-03-02 21:59:59")
        );
        assert_eq!(place(d, t(22, 0, 0), reference), at("1999-03-01 22:00:00"));
        assert_eq!(place(d, t(0, 0, 0), reference), at("1999-03-02 00:00:00"));
        // The reference itself may lie on another day than the row's date.
        let late = Some(at("1999-03-01 23:59:58"));
        assert_eq!(place(d, t(23, 59, 59), late), at("1999-03-01 23:59:59"));
        assert_eq!(place(d, t(0, 0, 3), late), at("1999-03-02 00:00:03"));
        assert_eq!(place(d, t(7, 0, 0), None), at("1999-03-02 07:00:00"));
    }

    #[test]
    fn israel_1999_spring_gap_moves_forward_and_autumn_overlap_takes_the_earlier_instant() {
        let c = clock("Asia/Jerusalem");
        // 1999-04-02 02:00 +02:00 became 03:00 +03:00.
        assert_eq!(
            c.utc(at("1999-04-02 01:59:59")),
            utc("1999-04-01T23:59:59Z")
        );
        assert_eq!(
            c.utc(at("1999-04-02 03:00:00")),
            utc("1999-04-02T00:00:00Z")
        );
        assert_eq!(
            c.utc(at("1999-04-02 02:30:00")),
            utc("1999-04-02T00:30:00Z")
        );
        assert_eq!(
            c.local(utc("1999-04-02T00:30:00Z")),
            at("1999-04-02 03:30:00")
        );
        // 1999-09-03 02:00 +03:00 became 01:00 +02:00: 01:30 happened twice.
        assert_eq!(
            c.utc(at("1999-09-03 01:30:00")),
            utc("1999-09-02T22:30:00Z")
        );
        assert_eq!(
            c.utc(at("1999-09-03 02:30:00")),
            utc("1999-09-03T00:30:00Z")
        );
    }

    #[test]
    fn a_repeated_local_time_after_another_is_its_first_instant_not_before_it() {
        let c = clock("Asia/Jerusalem");
        let t = at("1999-09-03 01:10:00");
        let (first, second) = (utc("1999-09-02T22:10:00Z"), utc("1999-09-02T23:10:00Z"));
        assert_eq!(c.utc_not_before(t, None), first);
        assert_eq!(c.utc_not_before(t, Some(first)), first);
        assert_eq!(c.utc_not_before(t, Some(first + 1)), second);
        assert_eq!(c.utc_not_before(t, Some(second)), second);
        // Neither instant is late enough: the earlier one (the row is then inconsistent).
        assert_eq!(c.utc_not_before(t, Some(second + 1)), first);
        // A local time that happens once is what it is.
        let once = at("1999-09-03 02:10:00");
        assert_eq!(c.utc_not_before(once, Some(i64::MAX)), c.utc(once));
    }

    #[test]
    fn datetimes_are_local_unless_they_carry_an_offset_or_are_epoch_seconds() {
        let mut c = clock("Asia/Shanghai");
        assert_eq!(
            c.datetime("2026-11-02 09:00:00"),
            Some(utc("2026-11-02T01:00:00Z"))
        );
        assert_eq!(c.datetime("2026-11-02 9:00"), None);
        c.datetime = Format::new("%Y-%m-%dT%H:%M:%S%.f%:z").unwrap();
        assert_eq!(
            c.datetime("2026-11-02T09:00:00.250+02:00"),
            Some(utc("2026-11-02T07:00:00.250Z"))
        );
        c.datetime = Format::new("%s").unwrap();
        assert_eq!(c.datetime("1000000000"), Some(1_000_000_000_000));
    }

    #[test]
    fn durations_are_whole_non_negative_seconds_of_at_most_a_day() {
        assert_eq!(seconds("0"), Some(0));
        assert_eq!(seconds("243"), Some(243_000));
        assert_eq!(seconds("86400"), Some(86_400_000), "a whole day at most");
        for bad in [
            "",
            "-5",
            "1.5",
            "+3",
            " 3",
            "1e3",
            "9999999999",
            "86401",
            "999999999",
        ] {
            assert_eq!(seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_bad_format_is_refused_with_its_text() {
        assert!(Format::new("%Q").unwrap_err().contains("%Q"));
        assert!(Format::new("").is_err());
    }
}
