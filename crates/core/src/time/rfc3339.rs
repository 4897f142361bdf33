//! A fast, strict parser and a formatter for RFC 3339 timestamps.
//!
//! The hot path of decoding parses one timestamp per event; chrono's general parser costs
//! several times more than this one. Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with
//! `t` or a space allowed for `T` and `z` for `Z` (RFC 3339, 5.6 and its note). Fractions
//! beyond milliseconds are truncated. Anything else, a missing offset included, is an error:
//! a timestamp without an offset names no instant.

use super::Millis;
use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone};

/// Parses an RFC 3339 timestamp into UTC milliseconds, or `None` when it is not one.
pub fn parse(text: &str) -> Option<Millis> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut pos = 19;
    let mut millis = 0i64;
    if b[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            if pos - start < 3 {
                millis = millis * 10 + i64::from(b[pos] - b'0');
            }
            pos += 1;
        }
        let n = pos - start;
        if n == 0 {
            return None;
        }
        for _ in n..3 {
            millis *= 10;
        }
    }
    let offset_secs = match b.get(pos)? {
        b'Z' | b'z' if pos + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if pos + 6 == b.len() && b[pos + 3] == b':' => {
            let oh = digits(b, pos + 1, 2)?;
            let om = digits(b, pos + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = oh * 3600 + om * 60;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(secs * 1_000 + millis)
}

/// Formats an instant as RFC 3339 with milliseconds only when they are not zero, in the given
/// offset: `2026-11-28T09:15:00+08:00`.
pub fn format<Tz: TimeZone>(ms: Millis, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let utc = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    let local: DateTime<FixedOffset> = utc.with_timezone(tz).fixed_offset();
    let form = if ms % 1_000 == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Millis
    };
    local.to_rfc3339_opts(form, true)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let mut value = 0i64;
    for &c in b.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(c - b'0');
    }
    Some(value)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("1970-01-01T08:00:00+08:00"), Some(0));
        assert_eq!(
            parse("2026-11-28T09:15:02.345+08:00"),
            Some(1_795_828_502_345)
        );
        assert_eq!(
            parse("2026-11-28T01:15:02.3456789Z"),
            Some(1_795_828_502_345)
        );
        assert_eq!(parse("2026-11-28t01:15:02.3z"), Some(1_795_828_502_300));
        assert_eq!(parse("2026-11-28 01:15:02-00:30"), Some(1_795_830_302_000));
        assert_eq!(parse("2024-02-29T00:00:00Z"), Some(1_709_164_800_000));
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        for bad in [
            "2026-11-28T09:15:02",
            "2026-11-28T09:15:02+0800",
            "2026-11-28T24:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-28T09:15:60Z",
            "2026-11-28T09:15:02.Z",
            "2026-11-28T09:15:02Zjunk",
            "2026/11/28T09:15:02Z",
            "yesterday",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_in_the_zone_with_its_offset() {
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(format(0, &tz), "1970-01-01T08:00:00+08:00");
        assert_eq!(format(1_500, &chrono::Utc), "1970-01-01T00:00:01.500Z");
    }

    proptest! {
        #[test]
        fn agrees_with_chrono(secs in -2_000_000_000i64..4_000_000_000i64, ms in 0i64..1000,
                              offset_min in -(23 * 60 + 59)..(23 * 60 + 59)) {
            let offset = FixedOffset::east_opt(offset_min * 60).unwrap();
            let instant = DateTime::from_timestamp(secs, (ms * 1_000_000) as u32).unwrap();
            let text = instant.with_timezone(&offset).to_rfc3339_opts(SecondsFormat::Millis, false);
            prop_assert_eq!(parse(&text), Some(secs * 1000 + ms), "{}", text);
        }
    }
}
