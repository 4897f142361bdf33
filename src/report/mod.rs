//! `callpulse report`: the audit report of a certified center (CMM-525-0006 6.4.2, appendix
//! A.4) and the three-month performance-data file an applicant attaches (6.1.2).
//!
//! Two sources, one aggregation path:
//!
//! ```text
//! evidence store (SQLite) ─┐  interval rows (every revision), quality, outage, alert rows
//!                          ├─► source::Gathered ─► latest revision per scope + start
//! input files ─► replay ───┘  (the engine's interval records, as JSON, in the same shape)
//!                                   │
//!                                   ▼
//!             sums::Sums added up per month (center time zone) × scope (center, queues,
//!             components) ─► model::Report: KPIs re-derived with crate::kpi (never an
//!             average of ratios), criteria (A.4), scores (chapter 12), stability (9.3.1),
//!             availability and outages, alerts, data completeness, provenance
//!                                   │
//!        ┌─────────────┬────────────┼───────────────┬──────────────┐
//!        ▼             ▼            ▼               ▼              ▼
//!   render::doc ─► markdown / html (+svg)      render::csv    render::json   submission
//!   (one document, labels from i18n)           (A.4 rows)     (the model)    (6.1.2 file)
//! ```
//!
//! Everything is deterministic: no wall clock, no random order (maps are ordered), so the same
//! data gives byte-identical reports.

pub mod criteria;
pub mod figures;
pub mod i18n;
pub mod model;
pub mod range;
pub mod render;
pub mod source;
pub mod submission;
pub mod sums;

pub use i18n::Lang;
pub use model::Report;
pub use range::Range;
pub use source::Gathered;

/// The output formats of `callpulse report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown: tables for people and for pasting into a document.
    Md,
    /// One self-contained HTML page (inline CSS and SVG charts), ready to print on A4.
    Html,
    /// The A.4 rows: one per month × scope × criterion.
    Csv,
    /// The whole model.
    Json,
}

/// Renders `report` in `format` and `lang`.
pub fn render(report: &Report, format: ReportFormat, lang: Lang) -> String {
    match format {
        ReportFormat::Md => render::markdown::render(&render::doc::build(report, lang)),
        ReportFormat::Html => render::html::render(report, &render::doc::build(report, lang), lang),
        ReportFormat::Csv => render::csv::render(report, lang),
        ReportFormat::Json => render::json::render(report),
    }
}

/// Where a report reads its data.
#[derive(Debug, Clone)]
pub enum Source {
    /// The evidence stores of `callpulse run`: one, or one per instance (they add up).
    Stores(Vec<std::path::PathBuf>),
    /// Input files run through the engine, as `callpulse replay` reads them.
    Files(Vec<String>),
}

impl Source {
    /// The source a request names: the input files, or the stores (by default the configured
    /// one, `evidence.path`, else `callpulse-evidence.sqlite`); both is a bad request.
    pub fn requested(
        stores: &[std::path::PathBuf],
        inputs: &[String],
        cfg: &crate::config::Config,
    ) -> Result<Source, ReportError> {
        if !stores.is_empty() && !inputs.is_empty() {
            return Err(ReportError::Usage(
                "--store and --input are two sources: give one".into(),
            ));
        }
        if !inputs.is_empty() {
            return Ok(Source::Files(inputs.to_vec()));
        }
        if !stores.is_empty() {
            return Ok(Source::Stores(stores.to_vec()));
        }
        let default = cfg.evidence.path.clone();
        Ok(Source::Stores(vec![default.unwrap_or_else(|| {
            crate::config::DEFAULT_EVIDENCE_PATH.into()
        })]))
    }
}

/// The report's language unless one is asked for: Chinese with the built-in (Chinese)
/// profile, English otherwise.
pub fn default_lang(cfg: &crate::config::Config) -> Lang {
    if cfg.alerts.profile.as_deref() == Some(crate::config::BUILT_IN_PROFILE) {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// Names `fingerprint` as the signing key of every store in the provenance (the key the
/// auditor gave, instead of the keys the stores name).
pub fn signed_by(report: &mut Report, fingerprint: &str) {
    if let source::Provenance::Stores { stores } = &mut report.provenance {
        for s in stores {
            s.signing_keys = vec![fingerprint.to_string()];
        }
    }
}

/// Why no report was made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A bad request (exit 64).
    #[error("{0}")]
    Usage(String),
    /// Unreadable input (exit 1).
    #[error("{0:#}")]
    Input(anyhow::Error),
}

/// Reads `source` and builds the report of `range` (only `queue` when given).
pub fn make(
    cfg: &crate::config::Config,
    range: &Range,
    source: &Source,
    adapter: &mut crate::adapter::Adapter,
    queue: Option<&str>,
) -> Result<Report, ReportError> {
    let gathered = match source {
        Source::Stores(paths) => source::from_stores(paths, range),
        Source::Files(files) => source::from_files(cfg, files, adapter, range),
    }
    .map_err(ReportError::Input)?;
    model::build(cfg, range, gathered, queue).map_err(|e| ReportError::Usage(e.to_string()))
}
