//! The performance-data file an applicant attaches (rule 6.1.2): the last three calendar
//! months ending with `--to`, per month and per queue and center-wide: volumes, service
//! level, answer rate, ASA, availability and the other measured figures. CSV and JSON, from
//! the same model as the report.

use super::model::Report;
use super::render::csv::{field, name, opt};
use crate::kpi::counts::serialize_fields;
use crate::kpi::CallCounts;
use serde::Serialize;

/// One row: a month and a scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub month: String,
    pub scope: &'static str,
    pub queue: Option<String>,
    /// Written as `offered`, `answered`, `answered_within_threshold`, `abandoned` (short
    /// abandons and the wait are not).
    pub counts: CallCounts,
    pub threshold_seconds: f64,
    pub service_level: Option<f64>,
    pub answer_rate: Option<f64>,
    pub answer_rate_coefficient: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub asa_coefficient: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub aht_seconds: Option<f64>,
    pub occupancy: Option<f64>,
    /// Center-wide only.
    pub availability: Option<f64>,
    pub satisfaction: Option<f64>,
    pub complaints_on_time_rate: Option<f64>,
    pub forecast_accuracy: Option<f64>,
}

serialize_fields!(Row |r| {
    month,
    scope,
    queue,
    offered = r.counts.offered,
    answered = r.counts.answered,
    answered_within_threshold = r.counts.answered_within,
    abandoned = r.counts.abandoned,
    threshold_seconds,
    service_level,
    answer_rate,
    answer_rate_coefficient,
    asa_seconds,
    asa_coefficient,
    abandon_rate,
    aht_seconds,
    occupancy,
    availability,
    satisfaction,
    complaints_on_time_rate,
    forecast_accuracy,
});

/// The file: the period and its rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submission {
    pub standard: &'static str,
    pub timezone: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<Row>,
}

pub fn build(report: &Report) -> Submission {
    let rows = report
        .months
        .iter()
        .flat_map(|m| {
            m.scopes.iter().map(|s| {
                let f = &s.figures;
                Row {
                    month: m.month.clone(),
                    scope: s.scope,
                    queue: s.queue.clone(),
                    counts: f.counts,
                    threshold_seconds: f.threshold_seconds,
                    service_level: f.service_level,
                    answer_rate: f.answer_rate,
                    answer_rate_coefficient: f.answer_rate_coefficient,
                    asa_seconds: f.asa_seconds,
                    asa_coefficient: f.asa_coefficient,
                    abandon_rate: f.abandon_rate,
                    aht_seconds: f.aht_seconds,
                    occupancy: f.occupancy,
                    availability: f.availability,
                    satisfaction: f.satisfaction,
                    complaints_on_time_rate: f.complaints_on_time_rate,
                    forecast_accuracy: f.forecast_accuracy,
                }
            })
        })
        .collect();
    Submission {
        standard: "YD/T 2823-2015 CMM-525-0006 6.1.2",
        timezone: report.timezone.clone(),
        from: report.from.clone(),
        to: report.to.clone(),
        rows,
    }
}

pub fn csv(s: &Submission) -> String {
    let mut out = String::from(
        "month,scope,queue,offered,answered,answered_within_threshold,abandoned,threshold_seconds,service_level,answer_rate,answer_rate_coefficient,asa_seconds,asa_coefficient,abandon_rate,aht_seconds,occupancy,availability,satisfaction,complaints_on_time_rate,forecast_accuracy\n",
    );
    for r in &s.rows {
        let cells = [
            r.month.clone(),
            r.scope.to_string(),
            name(r.queue.as_deref().unwrap_or_default()),
            r.counts.offered.to_string(),
            r.counts.answered.to_string(),
            r.counts.answered_within.to_string(),
            r.counts.abandoned.to_string(),
            format!("{}", r.threshold_seconds),
            opt(r.service_level),
            opt(r.answer_rate),
            opt(r.answer_rate_coefficient),
            opt(r.asa_seconds),
            opt(r.asa_coefficient),
            opt(r.abandon_rate),
            opt(r.aht_seconds),
            opt(r.occupancy),
            opt(r.availability),
            opt(r.satisfaction),
            opt(r.complaints_on_time_rate),
            opt(r.forecast_accuracy),
        ];
        // The queue (third) is already a field.
        let cells: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| if i == 2 { c.clone() } else { field(c) })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

pub fn json(s: &Submission) -> String {
    let mut out = serde_json::to_string_pretty(s).expect("a submission serialises");
    out.push('\n');
    out
}
