//! The demo center's clock: a time zone where it is busy now (the simulator's daily profile
//! follows the local clock, [`crate::time::utc_offset`]).

use crate::time::{Millis, HOUR};

/// A fixed-offset zone where the local time at `now` is about 10:00, so a demo center is busy
/// whenever it is started. For `callpulse demo` when no time zone was asked for.
pub fn busy_zone(now: Millis) -> String {
    let utc_hour = now.rem_euclid(24 * HOUR) / HOUR;
    let mut n = 10 - utc_hour;
    if n < -12 {
        n += 24;
    }
    match n {
        0 => "Etc/UTC".into(),
        n if n > 0 => format!("Etc/GMT-{n}"),
        n => format!("Etc/GMT+{}", -n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::utc_offset;

    /// At every UTC hour the busy zone is a real zone whose local hour is 10 (the Etc/GMT
    /// names are POSIX-style: Etc/GMT-8 is UTC+8).
    #[test]
    fn the_busy_zone_is_at_ten_in_the_morning_whenever_it_is_asked() {
        let day = 1_793_577_600_000; // 2026-11-02T00:00:00Z
        for h in 0..24 {
            let now = day + h * HOUR + 17 * 60_000;
            let name = busy_zone(now);
            let tz: chrono_tz::Tz = name.parse().unwrap_or_else(|_| panic!("{name}"));
            let local = now + utc_offset(&tz, now);
            assert_eq!(
                local.rem_euclid(24 * HOUR) / HOUR,
                10,
                "{h}:17 UTC → {name}"
            );
        }
        assert_eq!(busy_zone(day + 10 * HOUR), "Etc/UTC");
        assert_eq!(busy_zone(day + 2 * HOUR), "Etc/GMT-8");
        assert_eq!(busy_zone(day + 22 * HOUR), "Etc/GMT+12");
        assert_eq!(busy_zone(day + 23 * HOUR), "Etc/GMT-11");
    }
}
