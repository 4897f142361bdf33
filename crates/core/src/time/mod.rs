//! Time as callpulse sees it: instants are UTC milliseconds since the Unix epoch ([`Millis`]).
//!
//! Millisecond resolution is the contract: a wait of 20.000 s is inside a 20 s threshold and a
//! wait of 20.001 s is not; sub-millisecond digits of an RFC 3339 timestamp are truncated.
//! [`rfc3339`] parses the canonical timestamp form fast, [`calendar`] maps instants to the
//! intervals, days and months of a configured IANA time zone.

pub mod calendar;
pub mod rfc3339;

pub use calendar::{utc_offset, Calendar, Granularity, Period};

/// UTC milliseconds since the Unix epoch.
pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;

/// Milliseconds since the Unix epoch, now (0 on a clock set before 1970).
pub fn wall_clock() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// Milliseconds as seconds, for output.
pub fn seconds(ms: Millis) -> f64 {
    ms as f64 / 1_000.0
}

/// The longest duration taken, in milliseconds: 10¹² s, about 31,700 years. It bounds each
/// part of a duration and their sum alike, so that whatever is taken, [`format_duration`]
/// writes as one part that is taken again.
const MAX_DURATION: Millis = 1_000_000_000_000_000;

/// Parses a duration such as `20s`, `1500ms`, `15m`, `2h`, `1d` or `1h30m` into milliseconds.
/// A bare number is read as seconds. At most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Millis, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = text.parse::<f64>() {
        return secs_to_ms(secs, text);
    }
    let mut total: Millis = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("duration needs a unit (ms, s, m, h, d), got {text:?}"))?;
        if digits == 0 {
            return Err(format!("not a duration: {text:?}"));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("not a duration: {text:?}"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            unit => return Err(format!("unknown duration unit {unit:?} in {text:?}")),
        };
        rest = &rest[unit_len..];
        total = total
            .checked_add(secs_to_ms(number * factor / 1_000.0, text)?)
            .filter(|&t| t <= MAX_DURATION)
            .ok_or_else(|| format!("duration out of range: {text:?}"))?;
    }
    Ok(total)
}

fn secs_to_ms(secs: f64, text: &str) -> Result<Millis, String> {
    let ms = secs * 1_000.0;
    if !ms.is_finite() || !(0.0..=MAX_DURATION as f64).contains(&ms) {
        return Err(format!("duration out of range: {text:?}"));
    }
    Ok(ms.round() as Millis)
}

/// Formats milliseconds as a short duration (`20s`, `1500ms`, `15m`), the inverse of
/// [`parse_duration`] for round values.
pub fn format_duration(ms: Millis) -> String {
    for (unit, size) in [("d", 86_400_000), ("h", HOUR), ("m", MINUTE), ("s", SECOND)] {
        if ms != 0 && ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_bare_seconds() {
        assert_eq!(parse_duration("20s"), Ok(20_000));
        assert_eq!(parse_duration("20"), Ok(20_000));
        assert_eq!(parse_duration("20.5"), Ok(20_500));
        assert_eq!(parse_duration("1500ms"), Ok(1_500));
        assert_eq!(parse_duration("15m"), Ok(900_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("2d"), Ok(172_800_000));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("-3").is_err());
        assert!(parse_duration("m5").is_err());
    }

    #[test]
    fn a_sum_of_durations_beyond_the_range_of_millis_is_an_error_not_an_overflow() {
        // Each part is in range (10^15 ms); 9,224 of them pass i64::MAX (found while writing
        // the `time` fuzz target; fuzz/regressions/time/duration-sum-overflows).
        let text = "11574074d".repeat(9_224);
        assert!(parse_duration(&text).unwrap_err().contains("out of range"));
    }

    #[test]
    fn the_sum_of_a_durations_parts_is_bounded_as_each_part_is_so_it_formats_back() {
        // Two parts in range whose sum is not (found by the `time` fuzz target:
        // fuzz/regressions/time/duration-parts-sum-past-the-part-limit).
        assert_eq!(parse_duration("11574074d"), Ok(999_999_993_600_000));
        assert_eq!(parse_duration("1000000000000s"), Ok(MAX_DURATION));
        for text in [
            "11574074d11574074d",
            "1000000000000s1ms",
            "8888800d8888800d",
        ] {
            assert!(
                parse_duration(text).unwrap_err().contains("out of range"),
                "{text}"
            );
        }
        let most = parse_duration("11574073d23h").unwrap();
        assert_eq!(parse_duration(&format_duration(most)), Ok(most));
    }

    #[test]
    fn durations_format_back() {
        assert_eq!(format_duration(20_000), "20s");
        assert_eq!(format_duration(900_000), "15m");
        assert_eq!(format_duration(1_500), "1500ms");
        assert_eq!(format_duration(0), "0ms");
    }
}
