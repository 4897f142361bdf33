//! A scope's figures over a month: the sums of its final interval records and every KPI
//! re-derived from them with [`crate::kpi`] (never an average of ratios).

use super::sums::Sums;
use crate::kpi::counts::serialize_fields;
use crate::kpi::{self, CallCounts};
use crate::time::{seconds, Millis};

/// A scope's month: the sums and the KPIs derived from them. Ratios 0–1, `null` without a
/// denominator.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub intervals: u64,
    /// Written as `offered`, `answered`, `answered_within_threshold`, `abandoned`, then the
    /// threshold, then `wait_seconds_sum` (short abandons are not written).
    pub counts: CallCounts,
    pub threshold_seconds: f64,
    pub service_level: Option<f64>,
    /// What `service_level` counts by: `9.3.1` (the records'; with the short abandons they
    /// excluded).
    pub service_level_definition: String,
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

serialize_fields!(Figures |f| {
    intervals,
    offered = f.counts.offered,
    answered = f.counts.answered,
    answered_within_threshold = f.counts.answered_within,
    abandoned = f.counts.abandoned,
    threshold_seconds,
    wait_seconds_sum = seconds(f.counts.wait_ms),
    service_level,
    service_level_definition,
    answer_rate,
    answer_rate_coefficient,
    asa_seconds,
    asa_coefficient,
    abandon_rate,
    aht_seconds,
    occupancy,
    period_seconds,
    down_seconds,
    availability,
    survey_responses,
    satisfaction,
    complaints_judged,
    complaints_on_time_rate,
    forecast_offered,
    forecast_accuracy,
});

impl Figures {
    /// The KPIs of `s` over a period of `period` ms.
    pub fn from_sums(s: &Sums, period: Millis) -> Figures {
        let c = &s.counts;
        let ar = c.answer_rate();
        let asa = c.asa_seconds();
        Figures {
            intervals: s.intervals,
            counts: *c,
            threshold_seconds: s.threshold_seconds,
            service_level: c.service_level(),
            service_level_definition: s
                .service_level_definition
                .clone()
                .unwrap_or_else(|| "9.3.1".into()),
            answer_rate: ar,
            answer_rate_coefficient: ar.map(kpi::answer_rate_coefficient),
            asa_seconds: asa,
            asa_coefficient: asa.map(kpi::asa_coefficient),
            abandon_rate: c.abandon_rate(),
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
            forecast_accuracy: kpi::forecast_accuracy(c.offered, s.forecast_offered),
        }
    }

    /// Figures of a few counts (tests).
    #[cfg(test)]
    pub fn from_parts(offered: u64, within: u64, answered: u64, wait_ms: Millis) -> Figures {
        let s = Sums {
            counts: CallCounts {
                offered,
                answered_within: within,
                answered,
                wait_ms,
                ..CallCounts::default()
            },
            ..Sums::default()
        };
        Figures::from_sums(&s, 0)
    }
}
