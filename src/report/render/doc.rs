//! The report as a document of headings, paragraphs and tables in one language, built once
//! from the model; Markdown and HTML only lay it out. Every label comes from [`i18n`].

use crate::report::criteria::{self, CriterionRow, Status};
use crate::report::i18n::{t, Lang};
use crate::report::model::Report;
use crate::report::source::Provenance;

/// A piece of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    Heading(String),
    Subheading(String),
    Para(String),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A chart, drawn by the HTML renderer (Markdown leaves it out).
    Chart(Chart),
    /// A good place for a printed page to end.
    PageBreak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    ServiceLevel,
    Availability,
}

/// A ratio as a percentage with `digits` decimals, or `empty`.
pub fn pct(v: Option<f64>, digits: usize, empty: &str) -> String {
    match v {
        Some(v) => format!("{:.*}%", digits, v * 100.0),
        None => empty.to_string(),
    }
}

fn num(v: Option<f64>, digits: usize, unit: &str, empty: &str) -> String {
    match v {
        Some(v) => format!("{v:.digits$}{unit}"),
        None => empty.to_string(),
    }
}

/// `1h02m03s`-style duration.
pub fn duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
}

pub fn status(lang: Lang, s: Status) -> &'static str {
    match s {
        Status::Met => t(lang, "met"),
        Status::NotMet => t(lang, "not_met"),
        Status::NoCalls => t(lang, "no_calls"),
        Status::NoData => t(lang, "no_data"),
    }
}

fn scope_name(lang: Lang, queue: &Option<String>) -> String {
    match queue {
        Some(q) => q.clone(),
        None => t(lang, "center").to_string(),
    }
}

/// The target of a criterion as people write it: `≥ 80%`, `≤ 20 s`.
pub fn target(c: &CriterionRow) -> String {
    let op = if c.comparison == ">=" { "≥" } else { "≤" };
    match c.unit {
        "ratio" => format!("{op} {}", pct(Some(c.target), 1, "").replace(".0%", "%")),
        "seconds" => format!("{op} {} s", c.target),
        _ => format!("{op} {} min", c.target),
    }
}

/// The actual value of a criterion, or why there is none.
pub fn actual(lang: Lang, c: &CriterionRow) -> String {
    let empty = status(lang, c.status);
    match c.unit {
        "ratio" if c.criterion == "availability" => pct(c.actual, 3, empty),
        "ratio" => pct(c.actual, 1, empty),
        "seconds" => num(c.actual, 1, " s", empty),
        _ => num(c.actual, 1, " min", empty),
    }
}

/// The document of `r` in `lang`.
pub fn build(r: &Report, lang: Lang) -> Vec<Block> {
    let tr = |k| t(lang, k);
    let dash = "–";
    let mut d = vec![Block::Title(tr("title").into())];
    let mut intro = format!(
        "{}: {} – {} ({}) · {}: {} {} · {}: {}",
        tr("period"),
        r.from,
        r.to,
        r.timezone,
        tr("interval"),
        r.interval_minutes,
        tr("min_unit"),
        tr("source"),
        match &r.provenance {
            Provenance::Stores { stores } => {
                let paths: Vec<&str> = stores.iter().map(|s| s.path.as_str()).collect();
                format!("{} {}", tr("source_store"), paths.join(", "))
            }
            Provenance::Files { files } => format!("{} ({})", tr("source_files"), files.len()),
        },
    );
    if let Some(q) = &r.queue {
        intro.push_str(&format!(" · {}: {q}", tr("queue")));
    }
    d.push(Block::Para(intro));
    d.push(Block::Para(tr("intro").into()));

    // 1. A.4
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
                    name = format!("{name} ({} s)", f.threshold_seconds);
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
                    f.offered.to_string(),
                    f.answered.to_string(),
                    f.answered_within_threshold.to_string(),
                    f.abandoned.to_string(),
                    num(f.aht_seconds, 1, " s", dash),
                    pct(f.occupancy, 1, tr("no_data")),
                ]
            })
            .collect();
        d.push(Block::Table { head, rows });
    }
    d.push(Block::PageBreak);

    // 2. Chapter 12
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

    // 3. Stability
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

    // 4. Availability and outages
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

    // 5. Alerts
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

    // 6. Completeness
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

    // 7. Provenance
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
    d
}
