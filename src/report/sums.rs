//! The additive sums of interval records: what a report adds up over a month, read back from
//! a record's JSON (`replay --format json`, the evidence store's `interval` body). Durations
//! are kept in whole milliseconds, as the engine counts them, so a month's ASA is exactly the
//! engine's (20.000 s stays 20.000 s).

use crate::kpi::CallCounts;
use crate::time::Millis;
use serde::Deserialize;

/// The fields of a period record that add up, as the record writes them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RecordBody {
    pub queue: Option<String>,
    pub component: Option<String>,
    pub scope: String,
    pub start: String,
    pub revision: u32,
    pub offered: u64,
    pub answered: u64,
    pub answered_within_threshold: u64,
    pub abandoned: u64,
    pub abandoned_within_threshold: u64,
    pub short_abandoned: u64,
    pub flowed_out: u64,
    pub callbacks_requested: u64,
    pub wait_seconds_sum: f64,
    pub threshold_seconds: f64,
    /// `9.3.1`, with the short abandons excluded (absent from records of older versions).
    pub service_level_definition: Option<String>,
    pub handled: u64,
    pub talk_seconds_sum: f64,
    pub wrap_seconds_sum: f64,
    pub agent_available_seconds: f64,
    pub agent_on_call_seconds: f64,
    pub agent_wrap_up_seconds: f64,
    pub period_seconds: f64,
    pub down_seconds: Option<f64>,
    pub survey_responses: u64,
    pub survey_satisfied: u64,
    pub complaints_on_time: u64,
    pub complaints_overdue: u64,
    pub forecast_offered: Option<f64>,
}

impl RecordBody {
    /// The record's call counts (the wait back in whole milliseconds).
    pub fn counts(&self) -> CallCounts {
        CallCounts {
            offered: self.offered,
            answered: self.answered,
            answered_within: self.answered_within_threshold,
            abandoned: self.abandoned,
            abandoned_within: self.abandoned_within_threshold,
            short_abandoned: self.short_abandoned,
            flowed_out: self.flowed_out,
            callbacks_requested: self.callbacks_requested,
            wait_ms: ms(self.wait_seconds_sum),
        }
    }
}

/// Additive sums of one scope over some intervals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    pub intervals: u64,
    pub counts: CallCounts,
    pub handled: u64,
    pub talk_ms: Millis,
    pub wrap_ms: Millis,
    pub agent_available_ms: Millis,
    pub agent_on_call_ms: Millis,
    pub agent_wrap_up_ms: Millis,
    /// Some interval of these had a monitored component (availability is known).
    pub monitored: bool,
    pub down_ms: Millis,
    /// Length of the intervals with a monitored component: availability's denominator.
    pub monitored_ms: Millis,
    pub survey_responses: u64,
    pub survey_satisfied: u64,
    pub complaints_on_time: u64,
    pub complaints_overdue: u64,
    pub forecast_offered: Option<f64>,
    /// The service-level threshold of the latest interval added (seconds).
    pub threshold_seconds: f64,
    /// The service-level definition of the latest interval added that states one.
    pub service_level_definition: Option<String>,
}

fn ms(seconds: f64) -> Millis {
    (seconds * 1_000.0).round() as Millis
}

impl Sums {
    /// Adds one interval record.
    pub fn add(&mut self, r: &RecordBody) {
        self.intervals += 1;
        self.counts += r.counts();
        self.handled += r.handled;
        self.talk_ms += ms(r.talk_seconds_sum);
        self.wrap_ms += ms(r.wrap_seconds_sum);
        self.agent_available_ms += ms(r.agent_available_seconds);
        self.agent_on_call_ms += ms(r.agent_on_call_seconds);
        self.agent_wrap_up_ms += ms(r.agent_wrap_up_seconds);
        if let Some(down) = r.down_seconds {
            self.monitored = true;
            self.down_ms += ms(down);
            self.monitored_ms += ms(r.period_seconds);
        }
        self.survey_responses += r.survey_responses;
        self.survey_satisfied += r.survey_satisfied;
        self.complaints_on_time += r.complaints_on_time;
        self.complaints_overdue += r.complaints_overdue;
        if let Some(f) = r.forecast_offered {
            *self.forecast_offered.get_or_insert(0.0) += f;
        }
        if r.threshold_seconds > 0.0 {
            self.threshold_seconds = r.threshold_seconds;
        }
        if r.service_level_definition.is_some() {
            self.service_level_definition = r.service_level_definition.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_body_adds_up_in_milliseconds() {
        let a: RecordBody = serde_json::from_str(
            r#"{"queue":"sales","start":"2026-10-31T23:45:00+08:00","offered":2,"answered":2,
                "answered_within_threshold":1,"wait_seconds_sum":20.001,"down_seconds":null,
                "threshold_seconds":20.0,"revision":1,"scope":"queue","unknown":[1]}"#,
        )
        .unwrap();
        let mut s = Sums::default();
        s.add(&a);
        s.add(&a);
        assert_eq!(s.counts.wait_ms, 40_002);
        assert_eq!(s.counts.offered, 4);
        assert!(!s.monitored);
        assert_eq!(s.forecast_offered, None);
    }
}
