//! What a criterion measures ([`Measure`]), over which window ([`WindowKind`]) and scope
//! ([`ScopeKind`]), and the additive sums ([`Sums`]) every measure is computed from.
//!
//! The same [`Sums`] feed the built-in alert engine and the `callpulse_*window_*` gauges that
//! the generated Prometheus rules read, so both judge the same numbers with the same formula.

use crate::kpi::{self, CallCounts};
use crate::time::{seconds, Millis};
use serde::{Deserialize, Serialize};

/// The formula a criterion judges, each from [`crate::kpi`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// 9.3.1: answered within the threshold / offered (short abandons excluded if configured);
    /// a criterion may count by another definition ([`crate::kpi::definition`]).
    ServiceLevel,
    /// 9.3.3: answered / offered.
    AnswerRate,
    /// 9.3.2: (queue + ring time) / answered, seconds.
    AsaSeconds,
    /// 9.4.1: up time / time monitored.
    Availability,
    /// 11.2.1: how long the outage still open has lasted, seconds (0 while up).
    OutageSeconds,
    /// 9.2.1: satisfied / valid survey answers.
    Satisfaction,
    /// 9.2.4: complaints closed by their due time / complaints closed or overdue.
    ComplaintsOnTime,
    /// 10.3.1: 1 − |actual − forecast| / actual.
    ForecastAccuracy,
}

impl Measure {
    pub const ALL: [Measure; 8] = [
        Measure::ServiceLevel,
        Measure::AnswerRate,
        Measure::AsaSeconds,
        Measure::Availability,
        Measure::OutageSeconds,
        Measure::Satisfaction,
        Measure::ComplaintsOnTime,
        Measure::ForecastAccuracy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Measure::ServiceLevel => "service_level",
            Measure::AnswerRate => "answer_rate",
            Measure::AsaSeconds => "asa_seconds",
            Measure::Availability => "availability",
            Measure::OutageSeconds => "outage_seconds",
            Measure::Satisfaction => "satisfaction",
            Measure::ComplaintsOnTime => "complaints_on_time",
            Measure::ForecastAccuracy => "forecast_accuracy",
        }
    }

    pub fn parse(text: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.name() == text)
    }

    /// The scopes it can be judged for.
    pub fn scopes(self) -> &'static [ScopeKind] {
        use ScopeKind::*;
        match self {
            Measure::Availability => &[Center, Component],
            Measure::OutageSeconds => &[Component],
            // Forecasts are per queue.
            Measure::ForecastAccuracy => &[Queue],
            _ => &[Center, Queue],
        }
    }

    /// The windows it can be judged over.
    pub fn windows(self) -> &'static [WindowKind] {
        use WindowKind::*;
        match self {
            Measure::ServiceLevel | Measure::AnswerRate | Measure::AsaSeconds => {
                &[Last15m, Last60m, Interval, Day, Month, LastInterval]
            }
            Measure::OutageSeconds => &[Now],
            // A forecast covers its whole interval at once: only a finished one compares.
            Measure::ForecastAccuracy => &[LastInterval],
            // Down time is credited when an interval closes: a day or a month so far.
            Measure::Availability => &[Day, Month],
            _ => &[Interval, Day, Month, LastInterval],
        }
    }

    /// The sums its value and volume are made of, numerator first.
    pub fn sums(self) -> &'static [Sum] {
        use Sum::*;
        match self {
            Measure::ServiceLevel => &[
                AnsweredWithin,
                Offered,
                ShortAbandoned,
                AbandonedWithin,
                FlowedOut,
                CallbacksRequested,
            ],
            Measure::AnswerRate => &[Answered, Offered, ShortAbandoned],
            Measure::AsaSeconds => &[AnswerWaitSeconds, Answered],
            Measure::Availability => &[DownSeconds, MonitoredSeconds],
            Measure::OutageSeconds => &[OutageSeconds],
            Measure::Satisfaction => &[SurveySatisfied, SurveyResponses],
            Measure::ComplaintsOnTime => &[ComplaintsOnTime, ComplaintsOverdue],
            Measure::ForecastAccuracy => &[ForecastCalls, Offered],
        }
    }

    /// Whether the value is a ratio from 0 to 1.
    pub fn is_ratio(self) -> bool {
        !matches!(self, Measure::AsaSeconds | Measure::OutageSeconds)
    }

    /// Whether a minimum volume applies (the measure is a ratio over counted items).
    pub fn has_volume(self) -> bool {
        !matches!(self, Measure::Availability | Measure::OutageSeconds)
    }

    /// The measured value, `None` when there is nothing to judge (an empty denominator).
    pub fn value(self, s: &Sums) -> Option<f64> {
        match self {
            Measure::ServiceLevel => s.counts.service_level(),
            Measure::AnswerRate => s.counts.answer_rate(),
            Measure::AsaSeconds => s.counts.asa_seconds(),
            Measure::Availability => kpi::availability(s.down_ms, s.monitored_ms),
            Measure::OutageSeconds => Some(seconds(s.outage_ms)),
            Measure::Satisfaction => kpi::satisfaction(s.survey_satisfied, s.survey_responses),
            Measure::ComplaintsOnTime => {
                kpi::complaints_on_time_rate(s.complaints_on_time, s.complaints_overdue)
            }
            Measure::ForecastAccuracy => kpi::forecast_accuracy(s.counts.offered, s.forecast),
        }
    }

    /// What the minimum volume is compared with: the items the ratio is taken over.
    pub fn volume(self, s: &Sums) -> u64 {
        match self {
            Measure::ServiceLevel | Measure::AnswerRate => s.counts.offered_counted(),
            Measure::AsaSeconds => s.counts.answered,
            Measure::Satisfaction => s.survey_responses,
            Measure::ComplaintsOnTime => s.complaints_on_time + s.complaints_overdue,
            Measure::ForecastAccuracy => s.counts.offered,
            Measure::Availability | Measure::OutageSeconds => 0,
        }
    }

    /// How the value reads in a message: a ratio with four decimals, or seconds.
    pub fn unit(self) -> &'static str {
        match self {
            Measure::AsaSeconds | Measure::OutageSeconds => "s",
            _ => "",
        }
    }
}

/// Who a criterion is judged for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// The whole center (each call once).
    Center,
    /// Each queue.
    Queue,
    /// Each system component (availability, outages).
    Component,
}

impl ScopeKind {
    pub fn name(self) -> &'static str {
        match self {
            ScopeKind::Center => "center",
            ScopeKind::Queue => "queue",
            ScopeKind::Component => "component",
        }
    }

    pub fn parse(text: &str) -> Option<ScopeKind> {
        [ScopeKind::Center, ScopeKind::Queue, ScopeKind::Component]
            .into_iter()
            .find(|s| s.name() == text)
    }

    /// The sums the measures of this scope are made of, in [`Sum::ALL`] order.
    pub fn sums(self) -> Vec<Sum> {
        Sum::ALL
            .into_iter()
            .filter(|sum| {
                Measure::ALL
                    .iter()
                    .any(|m| m.scopes().contains(&self) && m.sums().contains(sum))
            })
            .collect()
    }

    /// The Prometheus label naming the scope, if any (`queue`, `component`).
    pub fn label(self) -> Option<&'static str> {
        match self {
            ScopeKind::Center => None,
            ScopeKind::Queue => Some("queue"),
            ScopeKind::Component => Some("component"),
        }
    }

    /// The prefix of the window gauges of this scope: `callpulse_window_`,
    /// `callpulse_center_window_`, `callpulse_component_window_`.
    pub fn family_prefix(self) -> &'static str {
        match self {
            ScopeKind::Center => "callpulse_center_window_",
            ScopeKind::Queue => "callpulse_window_",
            ScopeKind::Component => "callpulse_component_window_",
        }
    }
}

/// The span of event time a criterion is judged over, at the live clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WindowKind {
    /// The current minute and the 14 before it.
    #[serde(rename = "15m")]
    Last15m,
    /// The current minute and the 59 before it.
    #[serde(rename = "60m")]
    Last60m,
    /// The current interval so far.
    #[serde(rename = "interval")]
    Interval,
    /// Today so far, in the configured time zone.
    #[serde(rename = "day")]
    Day,
    /// The month so far (month-to-date).
    #[serde(rename = "month")]
    Month,
    /// The newest interval whose record is final, if it is the previous interval or the one
    /// before it (a record is final `grace` after its end); none otherwise, so a quiet queue's
    /// old interval is not judged for ever. Forecasts are judged on whole intervals.
    #[serde(rename = "last_interval")]
    LastInterval,
    /// This instant (an outage still open).
    #[serde(rename = "now")]
    Now,
}

impl WindowKind {
    pub const ALL: [WindowKind; 7] = [
        WindowKind::Last15m,
        WindowKind::Last60m,
        WindowKind::Interval,
        WindowKind::Day,
        WindowKind::Month,
        WindowKind::LastInterval,
        WindowKind::Now,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WindowKind::Last15m => "15m",
            WindowKind::Last60m => "60m",
            WindowKind::Interval => "interval",
            WindowKind::Day => "day",
            WindowKind::Month => "month",
            WindowKind::LastInterval => "last_interval",
            WindowKind::Now => "now",
        }
    }

    pub fn parse(text: &str) -> Option<WindowKind> {
        WindowKind::ALL.into_iter().find(|w| w.name() == text)
    }
}

/// The additive sums of one scope over one window. Every field adds up across instances.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    /// The call counts (within: the scope's threshold).
    pub counts: CallCounts,
    pub survey_responses: u64,
    pub survey_satisfied: u64,
    pub complaints_on_time: u64,
    pub complaints_overdue: u64,
    /// Forecast volume of the window, when a forecast covered it.
    pub forecast: Option<f64>,
    pub down_ms: Millis,
    /// Time the scope's health was known in the window (0: availability unknown).
    pub monitored_ms: Millis,
    /// Length so far of the outage still open (0 while up).
    pub outage_ms: Millis,
}

/// One of the [`Sums`] as exported: `<family prefix><name>{…, window}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sum {
    Offered,
    Answered,
    AnsweredWithin,
    ShortAbandoned,
    AbandonedWithin,
    FlowedOut,
    CallbacksRequested,
    AnswerWaitSeconds,
    SurveyResponses,
    SurveySatisfied,
    ComplaintsOnTime,
    ComplaintsOverdue,
    ForecastCalls,
    DownSeconds,
    MonitoredSeconds,
    OutageSeconds,
}

impl Sum {
    pub const ALL: [Sum; 16] = [
        Sum::Offered,
        Sum::Answered,
        Sum::AnsweredWithin,
        Sum::ShortAbandoned,
        Sum::AbandonedWithin,
        Sum::FlowedOut,
        Sum::CallbacksRequested,
        Sum::AnswerWaitSeconds,
        Sum::SurveyResponses,
        Sum::SurveySatisfied,
        Sum::ComplaintsOnTime,
        Sum::ComplaintsOverdue,
        Sum::ForecastCalls,
        Sum::DownSeconds,
        Sum::MonitoredSeconds,
        Sum::OutageSeconds,
    ];

    /// The family name after the scope's prefix.
    pub fn name(self) -> &'static str {
        match self {
            Sum::Offered => "calls_offered",
            Sum::Answered => "calls_answered",
            Sum::AnsweredWithin => "calls_answered_within_threshold",
            Sum::ShortAbandoned => "calls_short_abandoned",
            Sum::AbandonedWithin => "calls_abandoned_within_threshold",
            Sum::FlowedOut => "calls_flowed_out",
            Sum::CallbacksRequested => "calls_callbacks_requested",
            Sum::AnswerWaitSeconds => "answer_wait_seconds",
            Sum::SurveyResponses => "survey_responses",
            Sum::SurveySatisfied => "survey_satisfied",
            Sum::ComplaintsOnTime => "complaints_on_time",
            Sum::ComplaintsOverdue => "complaints_overdue",
            Sum::ForecastCalls => "forecast_calls",
            Sum::DownSeconds => "down_seconds",
            Sum::MonitoredSeconds => "monitored_seconds",
            Sum::OutageSeconds => "outage_seconds",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Sum::Offered => "Calls offered in the window.",
            Sum::Answered => "Calls answered in the window.",
            Sum::AnsweredWithin => "Calls answered within the threshold in the window.",
            Sum::ShortAbandoned => "Short abandons in the window (0 unless configured).",
            Sum::AbandonedWithin => "Calls abandoned within the threshold in the window.",
            Sum::FlowedOut => "Calls that flowed out to another queue in the window.",
            Sum::CallbacksRequested => {
                "Calls that left with a callback request in the window (not abandons)."
            }
            Sum::AnswerWaitSeconds => "Total wait of the calls answered in the window.",
            Sum::SurveyResponses => "Satisfaction survey answers in the window.",
            Sum::SurveySatisfied => "Satisfied survey answers in the window.",
            Sum::ComplaintsOnTime => "Complaints closed by their due time in the window.",
            Sum::ComplaintsOverdue => "Complaints that went past their due time in the window.",
            Sum::ForecastCalls => "Forecast calls of the window (absent without a forecast).",
            Sum::DownSeconds => "Down time in the window.",
            Sum::MonitoredSeconds => "Time the window's health was known.",
            Sum::OutageSeconds => "Length so far of the outage still open (0 while up).",
        }
    }

    /// The exported value; `None` when there is none (no forecast).
    pub fn of(self, s: &Sums) -> Option<f64> {
        Some(match self {
            Sum::Offered => s.counts.offered as f64,
            Sum::Answered => s.counts.answered as f64,
            Sum::AnsweredWithin => s.counts.answered_within as f64,
            Sum::ShortAbandoned => s.counts.short_abandoned as f64,
            Sum::AbandonedWithin => s.counts.abandoned_within as f64,
            Sum::FlowedOut => s.counts.flowed_out as f64,
            Sum::CallbacksRequested => s.counts.callbacks_requested as f64,
            Sum::AnswerWaitSeconds => seconds(s.counts.wait_ms),
            Sum::SurveyResponses => s.survey_responses as f64,
            Sum::SurveySatisfied => s.survey_satisfied as f64,
            Sum::ComplaintsOnTime => s.complaints_on_time as f64,
            Sum::ComplaintsOverdue => s.complaints_overdue as f64,
            Sum::ForecastCalls => s.forecast?,
            Sum::DownSeconds => seconds(s.down_ms),
            Sum::MonitoredSeconds => seconds(s.monitored_ms),
            Sum::OutageSeconds => seconds(s.outage_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_reads_its_formula_from_the_sums() {
        let s = Sums {
            counts: CallCounts {
                offered: 10,
                answered: 9,
                answered_within: 8,
                wait_ms: 90_000,
                ..CallCounts::default()
            },
            survey_responses: 4,
            survey_satisfied: 3,
            complaints_on_time: 9,
            complaints_overdue: 1,
            forecast: Some(8.0),
            down_ms: 1_000,
            monitored_ms: 1_000_000,
            outage_ms: 1_800_001,
        };
        let v = |m: Measure| m.value(&s).unwrap();
        assert_eq!(v(Measure::ServiceLevel), 0.8);
        assert_eq!(v(Measure::AnswerRate), 0.9);
        assert_eq!(v(Measure::AsaSeconds), 10.0);
        assert_eq!(v(Measure::Availability), 0.999);
        assert_eq!(v(Measure::OutageSeconds), 1800.001);
        assert_eq!(v(Measure::Satisfaction), 0.75);
        assert_eq!(v(Measure::ComplaintsOnTime), 0.9);
        assert_eq!(v(Measure::ForecastAccuracy), 0.8);
        assert_eq!(Measure::ServiceLevel.volume(&s), 10);
        assert_eq!(Measure::AsaSeconds.volume(&s), 9);
        assert_eq!(Measure::ComplaintsOnTime.volume(&s), 10);
    }

    #[test]
    fn empty_windows_are_not_judged() {
        let s = Sums::default();
        for m in Measure::ALL {
            if m != Measure::OutageSeconds {
                assert_eq!(m.value(&s), None, "{m:?}");
            }
        }
        assert_eq!(Measure::OutageSeconds.value(&s), Some(0.0));
    }

    #[test]
    fn names_parse_back() {
        for m in Measure::ALL {
            assert_eq!(Measure::parse(m.name()), Some(m));
        }
        for w in WindowKind::ALL {
            assert_eq!(WindowKind::parse(w.name()), Some(w));
        }
    }
}
