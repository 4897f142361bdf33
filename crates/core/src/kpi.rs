//! The formulas of certification rule CMM-525-0006 (YD/T 2823-2015), each naming its clause.
//!
//! Every function takes additive counts (sums that several instances or intervals can add up)
//! and returns a ratio from 0 to 1, seconds, or a coefficient; `None` when the denominator is
//! zero, so an empty interval reads as "no data", never as 0 % or 100 %. [`CallCounts`] holds
//! the counts of the call KPIs and derives each of them with these formulas.

use crate::time::Millis;
use serde::Serialize;

pub mod counts;
pub mod definition;
pub use counts::CallCounts;
pub use definition::ServiceLevelDefinition;

/// `numerator / denominator`, or `None` for an empty denominator.
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

/// 9.3.1 service level: calls answered by a person within the threshold / calls offered to a
/// person. Abandoned calls stay in the denominator; `short_abandoned` (zero unless a
/// short-abandon threshold is configured) leaves it.
pub fn service_level(answered_within: u64, offered: u64, short_abandoned: u64) -> Option<f64> {
    ratio(
        answered_within as f64,
        offered.saturating_sub(short_abandoned) as f64,
    )
}

/// 9.3.3 answer rate (接通率): calls answered by a person / calls offered to a person.
pub fn answer_rate(answered: u64, offered: u64, short_abandoned: u64) -> Option<f64> {
    ratio(
        answered as f64,
        offered.saturating_sub(short_abandoned) as f64,
    )
}

/// 9.3.3 scoring coefficient of the answer rate: ≥ 90 % → 1.0; 80–90 % → 0.9; 70–80 % → 0.8;
/// below 70 % → 0. A band includes its lower bound.
pub fn answer_rate_coefficient(answer_rate: f64) -> f64 {
    match answer_rate {
        r if r >= 0.90 => 1.0,
        r if r >= 0.80 => 0.9,
        r if r >= 0.70 => 0.8,
        _ => 0.0,
    }
}

/// Abandoned calls / calls offered (the complement of the answer rate when nothing flows out).
pub fn abandon_rate(abandoned: u64, offered: u64, short_abandoned: u64) -> Option<f64> {
    ratio(
        abandoned.saturating_sub(short_abandoned) as f64,
        offered.saturating_sub(short_abandoned) as f64,
    )
}

/// 9.3.2 average speed of answer: (total queue time + total ring time) / calls answered by a
/// person, in seconds.
pub fn asa_seconds(wait_sum: Millis, answered: u64) -> Option<f64> {
    ratio(wait_sum as f64 / 1_000.0, answered as f64)
}

/// 9.3.2 scoring coefficient of ASA: ≤ 20 s → 1.0; > 20 s and ≤ 30 s → 0.8; > 30 s → 0.6.
pub fn asa_coefficient(asa_seconds: f64) -> f64 {
    match asa_seconds {
        s if s <= 20.0 => 1.0,
        s if s <= 30.0 => 0.8,
        _ => 0.6,
    }
}

/// 9.1.3 average handling time: (talk time + wrap-up time) / calls handled, in seconds.
pub fn aht_seconds(talk_sum: Millis, wrap_sum: Millis, handled: u64) -> Option<f64> {
    ratio((talk_sum + wrap_sum) as f64 / 1_000.0, handled as f64)
}

/// 9.1.3 first-contact resolution: calls marked resolved / calls ended with a resolution mark.
pub fn fcr_rate(resolved: u64, marked: u64) -> Option<f64> {
    ratio(resolved as f64, marked as f64)
}

/// 9.1.3 transfer rate: answered calls the agent transferred / calls answered.
pub fn transfer_rate(transferred: u64, answered: u64) -> Option<f64> {
    ratio(transferred as f64, answered as f64)
}

/// 9.1.3 repeat-contact rate: offers by a customer already offered within the repeat window /
/// calls offered.
pub fn repeat_contact_rate(repeats: u64, offered: u64) -> Option<f64> {
    ratio(repeats as f64, offered as f64)
}

/// 9.3.4 occupancy (the industry measure of utilisation): time on calls and in wrap-up / time
/// staffed and ready for calls (available + on call + wrap-up). Not-ready time is excluded.
pub fn occupancy(on_call: Millis, wrap_up: Millis, available: Millis) -> Option<f64> {
    let busy = (on_call + wrap_up) as f64;
    ratio(busy, busy + available as f64)
}

/// 9.4.1 system availability: up time / period.
pub fn availability(down: Millis, period: Millis) -> Option<f64> {
    ratio((period - down).max(0) as f64, period as f64)
}

/// 9.2.1 and 9.2.2 satisfaction: satisfied respondents / valid respondents.
pub fn satisfaction(satisfied: u64, responses: u64) -> Option<f64> {
    ratio(satisfied as f64, responses as f64)
}

/// 9.2.4 complaints closed on time: closed by their due date / complaints whose fate is known
/// (closed on time, or past due while open).
pub fn complaints_on_time_rate(on_time: u64, overdue: u64) -> Option<f64> {
    ratio(on_time as f64, (on_time + overdue) as f64)
}

/// 10.3.1 forecast accuracy: 1 − |actual − forecast| / actual, floored at 0; `None` without a
/// forecast or without actual calls.
pub fn forecast_accuracy(actual: u64, forecast: Option<f64>) -> Option<f64> {
    let forecast = forecast?;
    ratio((actual as f64 - forecast).abs(), actual as f64).map(|err| (1.0 - err).max(0.0))
}

/// 9.3.1 service-level stability: coefficient of variation (population standard deviation /
/// mean) of the monthly service levels of the statistics period. `None` for fewer than two
/// months or a zero mean.
pub fn stability_cv(monthly_service_levels: &[f64]) -> Option<f64> {
    let n = monthly_service_levels.len();
    if n < 2 {
        return None;
    }
    let mean = monthly_service_levels.iter().sum::<f64>() / n as f64;
    if mean <= 0.0 {
        return None;
    }
    let var = monthly_service_levels
        .iter()
        .map(|x| (x - mean).powi(2))
        .sum::<f64>()
        / n as f64;
    Some(var.sqrt() / mean)
}

/// One band of the configurable stability mapping: a CV up to `max_cv` scores `score`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StabilityBand {
    pub max_cv: f64,
    pub score: f64,
}

/// The stability score (0–100) of a CV under the configured bands (first band not exceeded).
pub fn stability_score(cv: f64, bands: &[StabilityBand]) -> f64 {
    bands
        .iter()
        .find(|b| cv <= b.max_cv)
        .map_or(0.0, |b| b.score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_denominators_are_none_not_zero() {
        assert_eq!(service_level(0, 0, 0), None);
        assert_eq!(answer_rate(0, 0, 0), None);
        assert_eq!(asa_seconds(0, 0), None);
        assert_eq!(aht_seconds(0, 0, 0), None);
        assert_eq!(occupancy(0, 0, 0), None);
        assert_eq!(satisfaction(0, 0), None);
        assert_eq!(forecast_accuracy(0, Some(10.0)), None);
        assert_eq!(forecast_accuracy(10, None), None);
    }

    #[test]
    fn service_level_keeps_abandons_in_the_denominator() {
        // 8 answered within 20 s, 1 answered later, 1 abandoned: 8 / 10.
        assert_eq!(service_level(8, 10, 0), Some(0.8));
        // With a short-abandon threshold, 1 short abandon leaves the denominator: 8 / 9.
        assert_eq!(service_level(8, 10, 1), Some(8.0 / 9.0));
        // All calls abandoned: 0 %, not "no data".
        assert_eq!(service_level(0, 5, 0), Some(0.0));
        assert_eq!(answer_rate(0, 5, 0), Some(0.0));
        assert_eq!(abandon_rate(5, 5, 0), Some(1.0));
    }

    #[test]
    fn answer_rate_bands_include_their_lower_bound() {
        assert_eq!(answer_rate_coefficient(1.0), 1.0);
        assert_eq!(answer_rate_coefficient(0.90), 1.0);
        assert_eq!(answer_rate_coefficient(0.8999), 0.9);
        assert_eq!(answer_rate_coefficient(0.80), 0.9);
        assert_eq!(answer_rate_coefficient(0.70), 0.8);
        assert_eq!(answer_rate_coefficient(0.6999), 0.0);
    }

    #[test]
    fn asa_is_total_wait_over_answered_and_its_bands_close_at_the_top() {
        // Waits 10 s, 20 s, 33 s → 63 s / 3 = 21 s.
        assert_eq!(asa_seconds(63_000, 3), Some(21.0));
        assert_eq!(asa_coefficient(20.0), 1.0);
        assert_eq!(asa_coefficient(20.001), 0.8);
        assert_eq!(asa_coefficient(30.0), 0.8);
        assert_eq!(asa_coefficient(30.001), 0.6);
    }

    #[test]
    fn efficiency_ratios() {
        assert_eq!(aht_seconds(240_000, 60_000, 2), Some(150.0));
        assert_eq!(fcr_rate(3, 4), Some(0.75));
        assert_eq!(transfer_rate(1, 4), Some(0.25));
        assert_eq!(repeat_contact_rate(1, 10), Some(0.1));
        // 30 min on call + 10 min wrap-up, 20 min available; not-ready time does not count.
        assert_eq!(occupancy(1_800_000, 600_000, 1_200_000), Some(2.0 / 3.0));
    }

    #[test]
    fn availability_over_a_period() {
        // 43.2 s down in a day: 99.95 %.
        let day = 86_400_000;
        assert!((availability(43_200, day).unwrap() - 0.9995).abs() < 1e-12);
        assert_eq!(availability(0, day), Some(1.0));
        assert_eq!(availability(day * 2, day), Some(0.0));
    }

    #[test]
    fn complaints_and_forecast() {
        assert_eq!(complaints_on_time_rate(9, 1), Some(0.9));
        assert_eq!(forecast_accuracy(100, Some(90.0)), Some(0.9));
        assert_eq!(forecast_accuracy(100, Some(110.0)), Some(0.9));
        assert_eq!(forecast_accuracy(10, Some(40.0)), Some(0.0));
    }

    #[test]
    fn stability_is_the_population_cv_of_monthly_levels() {
        // Levels 0.8 and 0.9: mean 0.85, σ 0.05 → CV 0.0588.
        let cv = stability_cv(&[0.8, 0.9]).unwrap();
        assert!((cv - 0.05 / 0.85).abs() < 1e-12);
        assert_eq!(stability_cv(&[0.8]), None);
        assert!(stability_cv(&[0.8, 0.8, 0.8]).unwrap() < 1e-12);
        let bands = [
            StabilityBand {
                max_cv: 0.05,
                score: 100.0,
            },
            StabilityBand {
                max_cv: 0.10,
                score: 90.0,
            },
        ];
        assert_eq!(stability_score(0.05, &bands), 100.0);
        assert_eq!(stability_score(cv, &bands), 90.0);
        assert_eq!(stability_score(0.5, &bands), 0.0);
    }
}
