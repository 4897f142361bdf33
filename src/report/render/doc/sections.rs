//! The sections of the report's document, in order: each adds its heading, notes and tables.

use super::{actual, duration, num, pct, scope_name, status, target, Block, Chart};
use crate::report::criteria::{self, Status};
use crate::report::i18n::{t, Lang};
use crate::report::model::Report;
use crate::report::source::Provenance;

/// 1. Appendix A.4: target and actual per month, scope and criterion, with the service-level chart.
pub(super) fn criteria_a4(d: &mut Vec<Block>, r: &Report, lang: Lang) {
    let tr = |k| t(lang, k);
    let dash = "–";
    d.push(Block::Heading(tr("h_a4").into()));
    d.push(Block::Para(tr("a4_note").into()));
    d.push(Block::Chart(Chart::ServiceLevel));
    for m in &r.months {
        d.push(Block::Subheading(m.month.clone()));
        let head = [
            "scope",
            "criterion",
            "clause",
            "target",
            "actual",
            "coefficient",
            "result",
        ]
        .iter()
        .map(|k| tr(k).to_string())
        .collect();
        let mut rows = Vec::new();
        for s in &m.scopes {
            let f = &s.figures;
            for c in &s.criteria {
                let mut name = tr(c.criterion).to_string();
                if c.criterion == "service_level" {
                    name = format!(
                        "{name} ({} s, {})",
                        f.threshold_seconds, f.service_level_definition
                    );
                }
                rows.push(vec![
                    scope_name(lang, &s.queue),
                    name,
                    c.clause.to_string(),
                    target(c),
                    actual(lang, c),
                    c.coefficient.map_or(dash.into(), |v| format!("{v:.1}")),
                    status(lang, c.status).to_string(),
                ]);
            }
        }
        d.push(Block::Table { head, rows });
        let head = [
            "scope",
            "offered",
            "answered",
            "within",
            "abandoned",
            "aht",
            "occupancy",
        ]
        .iter()
        .map(|k| tr(k).to_string())
        .collect();
        let rows = m
            .scopes
            .iter()
            .map(|s| {
                let f = &s.figures;
                vec![
                    scope_name(lang, &s.queue),
                    f.counts.offered.to_string(),
                    f.counts.answered.to_string(),
                    f.counts.answered_within.to_string(),
                    f.counts.abandoned.to_string(),
                    num(f.aht_seconds, 1, " s", dash),
                    pct(f.occupancy, 1, tr("no_data")),
                ]
            })
            .collect();
        d.push(Block::Table { head, rows });
    }
    d.push(Block::PageBreak);
}

/// 2. Chapter 12: the scores of each month and scope, and the weights.
pub(super) fn scores(d: &mut Vec<Block>, r: &Report, lang: Lang) {
    let tr = |k| t(lang, k);
    d.push(Block::Heading(tr("h_score").into()));
    d.push(Block::Para(tr("score_note").into()));
    let head = [
        "month",
        "scope",
        "sl_score",
        "asa_score",
        "ar_score",
        "utilisation",
        "points",
        "score_of_covered",
    ]
    .iter()
    .map(|k| tr(k).to_string())
    .collect();
    let mut rows = Vec::new();
    for m in &r.months {
        for s in &m.scopes {
            let e = &s.efficiency;
            rows.push(vec![
                m.month.clone(),
                scope_name(lang, &s.queue),
                num(e.service_level_score, 1, "", tr("no_calls")),
                num(e.asa_score, 0, "", tr("no_calls")),
                num(e.answer_rate_score, 0, "", tr("no_calls")),
                format!(
                    "{} ({})",
                    tr("not_scored"),
                    pct(e.occupancy, 1, tr("no_data"))
                ),
                match e.points {
                    Some(p) => format!("{p:.2} / {}", e.weights_covered),
                    None => tr("no_calls").into(),
                },
                num(e.score_of_covered, 1, "", tr("no_calls")),
            ]);
        }
    }
    d.push(Block::Table { head, rows });
    d.push(Block::Para(tr("weights_note").into()));
    let head = ["group", "indicators", "group_sum"]
        .iter()
        .map(|k| tr(k).to_string())
        .collect();
    let rows = criteria::WEIGHTS
        .iter()
        .map(|(group, items)| {
            let list = items
                .iter()
                .map(|(k, w)| format!("{} {w}%", tr(k)))
                .collect::<Vec<_>>()
                .join(", ");
            let sum: f64 = items.iter().map(|(_, w)| w).sum();
            vec![tr(group).to_string(), list, format!("{sum}%")]
        })
        .chain(std::iter::once(vec![
            tr("weights_total").to_string(),
            String::new(),
            format!("{}%", criteria::weights_total()),
        ]))
        .collect();
    d.push(Block::Table { head, rows });
}

/// 3. The service level's stability (9.3.1): its coefficient of variation per scope and its score.
pub(super) fn stability(d: &mut Vec<Block>, r: &Report, lang: Lang) {
    let tr = |k| t(lang, k);
    let dash = "–";
    d.push(Block::Heading(tr("h_stability").into()));
    let bands = r
        .stability_bands
        .iter()
        .map(|b| format!("CV ≤ {} → {}", b.max_cv, b.score))
        .collect::<Vec<_>>()
        .join("; ");
    d.push(Block::Para(format!("{} {bands}.", tr("stability_note"))));
    let head = ["scope", "monthly_sl", "cv", "stability_score", "result"]
        .iter()
        .map(|k| tr(k).to_string())
        .collect();
    let rows = r
        .stability
        .iter()
        .map(|s| {
            let levels = s
                .monthly_service_levels
                .iter()
                .map(|(m, v)| format!("{m} {}", pct(Some(*v), 1, "")))
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                scope_name(lang, &s.queue),
                if levels.is_empty() {
                    tr("no_calls").into()
                } else {
                    levels
                },
                num(s.cv, 4, "", dash),
                num(s.score, 0, "", dash),
                if s.status == Status::NoData {
                    tr("needs_two_months").into()
                } else {
                    status(lang, s.status).into()
                },
            ]
        })
        .collect();
    d.push(Block::Table { head, rows });
    d.push(Block::PageBreak);
}

/// 4. Availability and outages (9.4.1, 11.2.1): per component and month, then each outage.
pub(super) fn availability(d: &mut Vec<Block>, r: &Report, lang: Lang) {
    let tr = |k| t(lang, k);
    let dash = "–";
    d.push(Block::Heading(tr("h_availability").into()));
    d.push(Block::Chart(Chart::Availability));
    let head = [
        "month",
        "system",
        "availability",
        "down_time",
        "outages",
        "longest",
        "result",
    ]
    .iter()
    .map(|k| tr(k).to_string())
    .collect();
    let mut rows = Vec::new();
    for m in &r.months {
        let center = m
            .scopes
            .iter()
            .find(|s| s.scope == "center")
            .map(|s| &s.figures);
        let center_availability = m.scopes.first().and_then(|s| {
            s.criteria
                .iter()
                .find(|c| c.criterion == "availability")
                .cloned()
        });
        if let (Some(f), Some(c)) = (center, center_availability) {
            rows.push(vec![
                m.month.clone(),
                tr("center_all").into(),
                actual(lang, &c),
                f.down_seconds.map_or(dash.into(), duration),
                m.components
                    .iter()
                    .map(|c| c.outages)
                    .sum::<u64>()
                    .to_string(),
                dash.into(),
                status(lang, c.status).into(),
            ]);
        }
        for c in &m.components {
            rows.push(vec![
                m.month.clone(),
                c.component.clone(),
                pct(c.availability, 3, tr("no_data")),
                c.down_seconds.map_or(dash.into(), duration),
                c.outages.to_string(),
                c.longest_outage_seconds.map_or(dash.into(), duration),
                match c.availability {
                    Some(a) if a >= 0.999 => tr("met"),
                    Some(_) => tr("not_met"),
                    None => tr("no_data"),
                }
                .into(),
            ]);
        }
    }
    d.push(Block::Table { head, rows });
    d.push(Block::Subheading(tr("h_outages").into()));
    if r.outages.is_empty() {
        d.push(Block::Para(tr("no_outages").into()));
    } else {
        let head = ["system", "start", "end", "duration", "cause", "limit_30"]
            .iter()
            .map(|k| tr(k).to_string())
            .collect();
        let rows = r
            .outages
            .iter()
            .map(|o| {
                vec![
                    o.component.clone(),
                    o.start.clone(),
                    if o.still_down {
                        format!("{} ({})", o.end, tr("still_down"))
                    } else {
                        o.end.clone()
                    },
                    duration(o.seconds),
                    o.cause.clone(),
                    if o.within_30_minutes {
                        tr("met")
                    } else {
                        tr("over_30")
                    }
                    .into(),
                ]
            })
            .collect();
        d.push(Block::Table { head, rows });
    }
}

/// 5. The alerts of the range, per criterion.
pub(super) fn alerts(d: &mut Vec<Block>, r: &Report, lang: Lang) {
    let tr = |k| t(lang, k);
    d.push(Block::Heading(tr("h_alerts").into()));
    match &r.alerts {
        None => d.push(Block::Para(tr("alerts_none_files").into())),
        Some(a) if a.is_empty() => d.push(Block::Para(tr("alerts_none").into())),
        Some(a) => {
            let head = [
                "criterion",
                "clause",
                "fired",
                "firing_total",
                "firing_longest",
                "still_firing",
                "subjects",
            ]
            .iter()
            .map(|k| tr(k).to_string())
            .collect();
            let rows = a
                .iter()
                .map(|s| {
                    vec![
                        format!(
                            "{} ({})",
                            if lang == Lang::Zh {
                                &s.name_zh
                            } else {
                                &s.name_en
                            },
                            s.criterion
                        ),
                        s.clause.clone(),
                        s.fired.to_string(),
                        duration(s.firing_seconds_total),
                        duration(s.firing_seconds_longest),
                        s.still_firing.to_string(),
                        s.subjects.join(", "),
                    ]
                })
                .collect();
            d.push(Block::Table { head, rows });
        }
    }
    d.push(Block::PageBreak);
}

/// 6. Data completeness: the intervals expected against those the data covers.
pub(super) fn completeness(d: &mut Vec<Block>, r: &Report, lang: Lang) {
    let tr = |k| t(lang, k);
    d.push(Block::Heading(tr("h_completeness").into()));
    let c = &r.completeness;
    let head = [
        "month",
        "expected",
        "with_records",
        "with_calls",
        "without_calls",
    ]
    .iter()
    .map(|k| tr(k).to_string())
    .collect();
    let rows = r
        .months
        .iter()
        .map(|m| {
            let k = &m.completeness;
            vec![
                m.month.clone(),
                k.expected_intervals.to_string(),
                k.intervals_with_records.to_string(),
                k.intervals_with_calls.to_string(),
                k.intervals_without_calls.to_string(),
            ]
        })
        .chain(std::iter::once(vec![
            tr("total").into(),
            c.expected_intervals.to_string(),
            c.intervals_with_records.to_string(),
            c.intervals_with_calls.to_string(),
            c.intervals_without_calls.to_string(),
        ]))
        .collect();
    d.push(Block::Table { head, rows });
    let mut rows = vec![
        vec![tr("events_read").into(), c.events_read.to_string()],
        vec![tr("events_accepted").into(), c.events_accepted.to_string()],
    ];
    let rejected: u64 = c.rejected.values().sum();
    rows.push(vec![tr("events_rejected").into(), rejected.to_string()]);
    for (reason, n) in &c.rejected {
        rows.push(vec![
            format!("  {} `{reason}`", tr("rejected_by")),
            n.to_string(),
        ]);
    }
    rows.push(vec![tr("duplicates").into(), c.duplicates.to_string()]);
    rows.push(vec![tr("late").into(), c.late.to_string()]);
    rows.push(vec![tr("revisions").into(), c.revisions.to_string()]);
    rows.push(vec![
        tr("records_read_kept").into(),
        format!("{} / {}", c.records_read, c.records_kept),
    ]);
    if let Some(n) = c.quality_rows_without_calls {
        rows.push(vec![tr("quality_no_calls").into(), n.to_string()]);
    }
    d.push(Block::Para(
        if c.events_cover == "range" {
            tr("events_cover_range")
        } else {
            tr("events_cover_input")
        }
        .into(),
    ));
    d.push(Block::Table {
        head: vec![tr("figure").into(), tr("count").into()],
        rows,
    });
}

/// 7. Provenance (the stores and their chain heads, or the files and their hashes) and the definitions.
pub(super) fn provenance(d: &mut Vec<Block>, r: &Report, lang: Lang) {
    let tr = |k| t(lang, k);
    let dash = "–";
    d.push(Block::Heading(tr("h_provenance").into()));
    match &r.provenance {
        Provenance::Stores { stores } => {
            let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| dash.into());
            let seq = |v: Option<i64>| v.map_or(dash.into(), |v| v.to_string());
            for s in stores {
                d.push(Block::Para(format!(
                    "{} `callpulse evidence verify --store {}`",
                    tr("provenance_store"),
                    s.path
                )));
                d.push(Block::Table {
                    head: vec![tr("figure").into(), tr("row").into(), tr("hash").into()],
                    rows: vec![
                        vec![tr("first_row").into(), seq(s.first_seq), opt(&s.first_hash)],
                        vec![tr("last_row").into(), seq(s.last_seq), opt(&s.last_hash)],
                        vec![
                            tr("head_row").into(),
                            s.head_seq.to_string(),
                            s.head_hash.clone(),
                        ],
                        vec![
                            tr("rows_used").into(),
                            s.rows_used.to_string(),
                            String::new(),
                        ],
                        vec![
                            tr("signing_key").into(),
                            String::new(),
                            if s.signing_keys.is_empty() {
                                tr("unsigned").into()
                            } else {
                                s.signing_keys.join(", ")
                            },
                        ],
                    ],
                });
            }
        }
        Provenance::Files { files } => {
            d.push(Block::Para(tr("provenance_files").into()));
            d.push(Block::Table {
                head: vec![tr("file").into(), tr("bytes").into(), "SHA-256".into()],
                rows: files
                    .iter()
                    .map(|f| {
                        vec![
                            f.path.clone(),
                            f.bytes.map_or(dash.into(), |b| b.to_string()),
                            f.sha256.clone().unwrap_or_else(|| tr("stdin").into()),
                        ]
                    })
                    .collect(),
            });
        }
    }
    d.push(Block::Heading(tr("h_definitions").into()));
    for k in ["def_month", "def_revision", "def_nodata", "def_sums"] {
        d.push(Block::Para(tr(k).into()));
    }
}
