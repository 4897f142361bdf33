//! The report as a document of headings, paragraphs and tables in one language, built once
//! from the model; Markdown and HTML only lay it out. Every label comes from [`i18n`].

use crate::report::criteria::{CriterionRow, Status};
use crate::report::i18n::{t, Lang};
use crate::report::model::Report;
use crate::report::source::Provenance;

mod sections;

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

/// The document of `r` in `lang`: the title and the range, then one part per section.
pub fn build(r: &Report, lang: Lang) -> Vec<Block> {
    let tr = |k| t(lang, k);
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
    sections::criteria_a4(&mut d, r, lang);
    sections::scores(&mut d, r, lang);
    sections::stability(&mut d, r, lang);
    sections::availability(&mut d, r, lang);
    sections::alerts(&mut d, r, lang);
    sections::completeness(&mut d, r, lang);
    sections::provenance(&mut d, r, lang);
    d
}
