//! The criteria of appendix A.4 (target and actual, met or not) and the chapter-12 scores.
//!
//! Choices the rule leaves open, made here once:
//!
//! - **Service-level score** (the rule gives coefficients only for ASA and answer rate):
//!   100 when the service level meets 80 %, otherwise proportional, `100 × SL / 80 %`
//!   (a 60 % service level scores 75).
//! - **ASA and answer-rate scores**: 100 × the rule's coefficient (9.3.2, 9.3.3).
//! - **Utilisation** (9.3.4) has no formula in the rule: occupancy is shown, not scored; the
//!   weighted score covers the 35 % of the group's 40 % that is scored, and says so.
//! - **Weights as printed** (appendix C): the four groups' weights add up to 185 %, not 100 %;
//!   the report prints them as the rule does and says so.
//! - A criterion without data is "no calls" or "no data", never 0.

use super::figures::Figures;
use crate::kpi;
use serde::Serialize;

/// Whether a criterion was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    NotMet,
    /// No call offered (or none answered, for ASA): nothing to judge.
    NoCalls,
    /// The data has nothing on it (no survey, complaint, forecast, monitored component).
    NoData,
}

/// One row of the A.4 table: a criterion's target and actual value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionRow {
    /// Stable id: `service_level`, `answer_rate`, `asa`, `availability`, `outage_recovery`,
    /// `satisfaction`, `complaints_on_time`, `forecast_accuracy`.
    pub criterion: &'static str,
    pub clause: &'static str,
    /// `>=` or `<=`.
    pub comparison: &'static str,
    pub target: f64,
    /// `ratio` (0–1), `seconds` or `minutes`.
    pub unit: &'static str,
    pub actual: Option<f64>,
    /// The rule's scoring coefficient of the actual value (9.3.2, 9.3.3).
    pub coefficient: Option<f64>,
    pub status: Status,
}

/// The rule's limit on one outage's recovery (11.2.1), in minutes.
pub const OUTAGE_LIMIT_MINUTES: f64 = 30.0;

fn row(
    criterion: &'static str,
    clause: &'static str,
    comparison: &'static str,
    target: f64,
    unit: &'static str,
    actual: Option<f64>,
    empty: Status,
) -> CriterionRow {
    let status = match actual {
        None => empty,
        Some(a) if comparison == ">=" && a >= target => Status::Met,
        Some(a) if comparison == "<=" && a <= target => Status::Met,
        Some(_) => Status::NotMet,
    };
    CriterionRow {
        criterion,
        clause,
        comparison,
        target,
        unit,
        actual,
        coefficient: None,
        status,
    }
}

/// The A.4 rows of one scope and month. `center` adds availability and outage recovery
/// (`longest_outage_minutes`: the longest outage that started in the month, `Some(0)` when
/// components were monitored and none failed).
pub fn rows(f: &Figures, center: bool, longest_outage_minutes: Option<f64>) -> Vec<CriterionRow> {
    let mut out = vec![
        row(
            "service_level",
            "9.3.1",
            ">=",
            0.80,
            "ratio",
            f.service_level,
            Status::NoCalls,
        ),
        CriterionRow {
            coefficient: f.answer_rate_coefficient,
            ..row(
                "answer_rate",
                "9.3.3",
                ">=",
                0.90,
                "ratio",
                f.answer_rate,
                Status::NoCalls,
            )
        },
        CriterionRow {
            coefficient: f.asa_coefficient,
            ..row(
                "asa",
                "9.3.2",
                "<=",
                20.0,
                "seconds",
                f.asa_seconds,
                Status::NoCalls,
            )
        },
    ];
    if center {
        out.push(row(
            "availability",
            "9.4.1",
            ">=",
            0.999,
            "ratio",
            f.availability,
            Status::NoData,
        ));
        out.push(row(
            "outage_recovery",
            "11.2.1",
            "<=",
            OUTAGE_LIMIT_MINUTES,
            "minutes",
            longest_outage_minutes,
            Status::NoData,
        ));
    }
    out.push(row(
        "satisfaction",
        "9.2.1",
        ">=",
        0.80,
        "ratio",
        f.satisfaction,
        Status::NoData,
    ));
    out.push(row(
        "complaints_on_time",
        "9.2.4",
        ">=",
        0.90,
        "ratio",
        f.complaints_on_time_rate,
        Status::NoData,
    ));
    out.push(row(
        "forecast_accuracy",
        "10.3.1",
        ">=",
        0.85,
        "ratio",
        f.forecast_accuracy,
        Status::NoData,
    ));
    out
}

/// The chapter-12 (appendix C.3) operational-efficiency score of one scope and month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Efficiency {
    /// 100 when the service level meets 80 %, else 100 × SL / 80 %.
    pub service_level_score: Option<f64>,
    /// 100 × the 9.3.2 coefficient.
    pub asa_score: Option<f64>,
    /// 100 × the 9.3.3 coefficient.
    pub answer_rate_score: Option<f64>,
    /// Not scored: the rule gives no formula for utilisation (9.3.4). Always `null`.
    pub utilisation_score: Option<f64>,
    /// Shown instead: occupancy from agent states.
    pub occupancy: Option<f64>,
    /// Σ score × weight over the scored indicators (out of `weights_covered`).
    pub points: Option<f64>,
    /// The weights the points cover (15 + 10 + 10 = 35 %) of the group's 40 %.
    pub weights_covered: f64,
    pub group_weight: f64,
    /// `points` / `weights_covered` × 100: the score of what is scored.
    pub score_of_covered: Option<f64>,
}

/// Weights of the operational-efficiency group as printed (appendix C.3), in percent.
pub const WEIGHT_SERVICE_LEVEL: f64 = 15.0;
pub const WEIGHT_ASA: f64 = 10.0;
pub const WEIGHT_ANSWER_RATE: f64 = 10.0;
pub const WEIGHT_UTILISATION: f64 = 5.0;

/// The documented service-level score: 100 at or above 80 %, else proportional.
pub fn service_level_score(sl: f64) -> f64 {
    if sl >= 0.80 {
        100.0
    } else {
        100.0 * sl / 0.80
    }
}

pub fn efficiency(f: &Figures) -> Efficiency {
    let sl = f.service_level.map(service_level_score);
    let asa = f.asa_seconds.map(|s| 100.0 * kpi::asa_coefficient(s));
    let ar = f
        .answer_rate
        .map(|r| 100.0 * kpi::answer_rate_coefficient(r));
    let covered = WEIGHT_SERVICE_LEVEL + WEIGHT_ASA + WEIGHT_ANSWER_RATE;
    let points = match (sl, asa, ar) {
        (Some(sl), Some(asa), Some(ar)) => {
            Some((sl * WEIGHT_SERVICE_LEVEL + asa * WEIGHT_ASA + ar * WEIGHT_ANSWER_RATE) / 100.0)
        }
        _ => None,
    };
    Efficiency {
        service_level_score: sl,
        asa_score: asa,
        answer_rate_score: ar,
        utilisation_score: None,
        occupancy: f.occupancy,
        points,
        weights_covered: covered,
        group_weight: covered + WEIGHT_UTILISATION,
        score_of_covered: points.map(|p| p / covered * 100.0),
    }
}

/// The weights of appendix C as printed: (group label key, [(indicator label key, %)]).
pub const WEIGHTS: &[(&str, &[(&str, f64)])] = &[
    (
        "group_quality",
        &[
            ("w_conformity", 20.0),
            ("w_professionalism", 15.0),
            ("w_efficiency", 15.0),
            ("w_responsiveness", 10.0),
        ],
    ),
    (
        "group_satisfaction",
        &[
            ("w_overall", 15.0),
            ("w_targeted", 10.0),
            ("w_loyalty", 8.0),
            ("w_complaints", 12.0),
        ],
    ),
    (
        "group_operations",
        &[
            ("w_service_level", WEIGHT_SERVICE_LEVEL),
            ("w_asa", WEIGHT_ASA),
            ("w_answer_rate", WEIGHT_ANSWER_RATE),
            ("w_utilisation", WEIGHT_UTILISATION),
        ],
    ),
    (
        "group_technical",
        &[
            ("w_stability", 10.0),
            ("w_support", 8.0),
            ("w_security", 12.0),
            ("w_performance", 10.0),
        ],
    ),
];

/// The sum of every printed weight (185 %).
pub fn weights_total() -> f64 {
    WEIGHTS
        .iter()
        .flat_map(|(_, items)| items.iter().map(|(_, w)| w))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(offered: u64, within: u64, answered: u64, wait_ms: i64) -> Figures {
        Figures::from_parts(offered, within, answered, wait_ms)
    }

    #[test]
    fn exactly_80_percent_meets_the_service_level() {
        let f = figures(10, 8, 10, 0);
        let r = rows(&f, false, None);
        assert_eq!(r[0].criterion, "service_level");
        assert_eq!(r[0].status, Status::Met);
        let f = figures(1000, 799, 1000, 0);
        assert_eq!(rows(&f, false, None)[0].status, Status::NotMet);
    }

    #[test]
    fn asa_of_20_000_s_meets_and_20_001_s_does_not() {
        let met = figures(1, 1, 1, 20_000);
        let r = rows(&met, false, None);
        assert_eq!((r[2].criterion, r[2].status), ("asa", Status::Met));
        assert_eq!(r[2].coefficient, Some(1.0));
        let missed = figures(1, 1, 1, 20_001);
        let r = rows(&missed, false, None);
        assert_eq!(r[2].status, Status::NotMet);
        assert_eq!(r[2].coefficient, Some(0.8));
    }

    #[test]
    fn an_empty_month_has_no_calls_and_no_score_not_zero() {
        let f = figures(0, 0, 0, 0);
        let r = rows(&f, true, None);
        assert!(r.iter().take(3).all(|c| c.status == Status::NoCalls));
        assert!(r.iter().skip(3).all(|c| c.status == Status::NoData));
        assert_eq!(efficiency(&f).points, None);
    }

    #[test]
    fn the_service_level_score_is_proportional_below_80() {
        assert_eq!(service_level_score(0.80), 100.0);
        assert_eq!(service_level_score(0.60), 75.0);
        // SL 60 % (75), ASA 25 s (0.8 → 80), AR 85 % (0.9 → 90):
        // 75 × 0.15 + 80 × 0.10 + 90 × 0.10 = 28.25 of 35.
        let mut f = figures(100, 60, 85, 85 * 25_000);
        f.occupancy = Some(0.7);
        let e = efficiency(&f);
        assert!((e.points.unwrap() - 28.25).abs() < 1e-9);
        assert_eq!(e.weights_covered, 35.0);
        assert_eq!(e.group_weight, 40.0);
        assert_eq!(e.utilisation_score, None);
    }

    #[test]
    fn the_printed_weights_add_up_to_185() {
        assert_eq!(weights_total(), 185.0);
    }
}
