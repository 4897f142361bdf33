//! A scope's figures over a month: the sums of its final interval records and every KPI
//! re-derived from them with [`crate::kpi`] (never an average of ratios).

use super::sums::Sums;
use crate::kpi;
use crate::time::{seconds, Millis};
use serde::Serialize;

/// A scope's month: the sums and the KPIs derived from them. Ratios 0–1, `null` without a
/// denominator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub intervals: u64,
    pub offered: u64,
    pub answered: u64,
    pub answered_within_threshold: u64,
    pub abandoned: u64,
    pub threshold_seconds: f64,
    pub wait_seconds_sum: f64,
    pub service_level: Option<f64>,
    pub answer_rate: Option<f64>,
    pub answer_rate_coefficient: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub asa_coefficient: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub aht_seconds: Option<f64>,
    pub occupancy: Option<f64>,
    pub period_seconds: f64,
    pub down_seconds: Option<f64>,
    pub availability: Option<f64>,
    pub survey_responses: u64,
    pub satisfaction: Option<f64>,
    pub complaints_judged: u64,
    pub complaints_on_time_rate: Option<f64>,
    pub forecast_offered: Option<f64>,
    pub forecast_accuracy: Option<f64>,
}

impl Figures {
    /// The KPIs of `s` over a period of `period` ms.
    pub fn from_sums(s: &Sums, period: Millis) -> Figures {
        let sl = kpi::service_level(s.answered_within_threshold, s.offered, s.short_abandoned);
        let ar = kpi::answer_rate(s.answered, s.offered, s.short_abandoned);
        let asa = kpi::asa_seconds(s.wait_ms, s.answered);
        Figures {
            intervals: s.intervals,
            offered: s.offered,
            answered: s.answered,
            answered_within_threshold: s.answered_within_threshold,
            abandoned: s.abandoned,
            threshold_seconds: s.threshold_seconds,
            wait_seconds_sum: seconds(s.wait_ms),
            service_level: sl,
            answer_rate: ar,
            answer_rate_coefficient: ar.map(kpi::answer_rate_coefficient),
            asa_seconds: asa,
            asa_coefficient: asa.map(kpi::asa_coefficient),
            abandon_rate: kpi::abandon_rate(s.abandoned, s.offered, s.short_abandoned),
            aht_seconds: kpi::aht_seconds(s.talk_ms, s.wrap_ms, s.handled),
            occupancy: kpi::occupancy(s.agent_on_call_ms, s.agent_wrap_up_ms, s.agent_available_ms),
            period_seconds: seconds(period),
            down_seconds: s.monitored.then(|| seconds(s.down_ms)),
            // Over the time callpulse monitored: a month it watched in part is judged on that
            // part, never on time it knows nothing of (completeness shows the coverage).
            availability: if s.monitored {
                kpi::availability(s.down_ms, s.monitored_ms)
            } else {
                None
            },
            survey_responses: s.survey_responses,
            satisfaction: kpi::satisfaction(s.survey_satisfied, s.survey_responses),
            complaints_judged: s.complaints_on_time + s.complaints_overdue,
            complaints_on_time_rate: kpi::complaints_on_time_rate(
                s.complaints_on_time,
                s.complaints_overdue,
            ),
            forecast_offered: s.forecast_offered,
            forecast_accuracy: kpi::forecast_accuracy(s.offered, s.forecast_offered),
        }
    }

    /// Figures of a few counts (tests).
    #[cfg(test)]
    pub fn from_parts(offered: u64, within: u64, answered: u64, wait_ms: Millis) -> Figures {
        let s = Sums {
            offered,
            answered_within_threshold: within,
            answered,
            wait_ms,
            ..Sums::default()
        };
        Figures::from_sums(&s, 0)
    }
}
