//! Writing period records (`table`, `json` lines, `csv`) and rejected inputs (tab-separated:
//! reason, source and line, the original bytes).

use crate::kpi::ServiceLevelDefinition;
use crate::record::PeriodRecord;
use crate::reject::Rejection;
use crate::untrusted::Untrusted;
use serde_json::Value;
use std::fmt::Display;
use std::io::{self, Write};
use std::str::FromStr;

/// Output format of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON object per line per (scope, period).
    Json,
    /// Comma-separated values with a header (nested fields left out).
    Csv,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("format must be table, json or csv, got {s:?}")),
        }
    }
}

/// Writes records in one format.
pub struct RecordWriter<W: Write> {
    out: W,
    format: Format,
    header_done: bool,
    /// Each record's service level by every definition of
    /// [`ServiceLevelDefinition::VARIANTS`] too (`replay --sl-variants`).
    variants: bool,
}

/// The service level of `r` by each of [`ServiceLevelDefinition::VARIANTS`], by name.
pub fn sl_variants(r: &PeriodRecord) -> Vec<(&'static str, Option<f64>)> {
    ServiceLevelDefinition::VARIANTS
        .iter()
        .map(|(name, d)| (*name, d.service_level(&r.counts)))
        .collect()
}

const TABLE_HEADER: &str = "start                          queue        offered answered  within abandon     SL     AR    ASA(s)   AHT(s)   avail  rev";

impl<W: Write> RecordWriter<W> {
    pub fn new(out: W, format: Format) -> Self {
        RecordWriter {
            out,
            format,
            header_done: false,
            variants: false,
        }
    }

    /// Writes each record's service level by every variant too: in the table as columns after
    /// the counts, in JSON and CSV as the fields `sl_variants` and `sl[NAME]`.
    pub fn with_sl_variants(mut self) -> Self {
        self.variants = true;
        self
    }

    pub fn write(&mut self, r: &PeriodRecord) -> io::Result<()> {
        match self.format {
            Format::Json if self.variants => {
                let mut v = serde_json::to_value(r)?;
                let variants: serde_json::Map<String, Value> = sl_variants(r)
                    .into_iter()
                    .map(|(name, sl)| (name.to_string(), sl.into()))
                    .collect();
                v["sl_variants"] = Value::Object(variants);
                serde_json::to_writer(&mut self.out, &v)?;
                self.out.write_all(b"\n")
            }
            Format::Json => {
                serde_json::to_writer(&mut self.out, r)?;
                self.out.write_all(b"\n")
            }
            Format::Csv => self.write_csv(r),
            Format::Table if self.variants => self.write_variants_table(r),
            Format::Table => self.write_table(r),
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn write_csv(&mut self, r: &PeriodRecord) -> io::Result<()> {
        let Value::Object(map) = serde_json::to_value(r)? else {
            unreachable!("a record serialises to an object")
        };
        let mut flat: Vec<(String, Value)> = map
            .into_iter()
            .filter(|(_, v)| !v.is_object() && !v.is_array())
            .collect();
        if self.variants {
            let variants = sl_variants(r).into_iter();
            flat.extend(variants.map(|(name, sl)| (format!("sl[{name}]"), sl.into())));
        }
        if !self.header_done {
            let header: Vec<&str> = flat.iter().map(|(k, _)| k.as_str()).collect();
            writeln!(self.out, "{}", header.join(","))?;
            self.header_done = true;
        }
        let cells: Vec<String> = flat.iter().map(|(_, v)| csv_cell(v)).collect();
        writeln!(self.out, "{}", cells.join(","))
    }

    fn write_table(&mut self, r: &PeriodRecord) -> io::Result<()> {
        if !self.header_done {
            writeln!(self.out, "{TABLE_HEADER}")?;
            self.header_done = true;
        }
        let name = match r.scope {
            "center" => "(center)".to_string(),
            _ => r
                .queue
                .clone()
                .or_else(|| r.agent.clone())
                .or_else(|| r.component.clone())
                .unwrap_or_default(),
        };
        writeln!(
            self.out,
            "{:<30} {:<12} {:>7} {:>8} {:>7} {:>7} {:>6} {:>6} {:>9} {:>8} {:>7} {:>4}",
            r.start,
            name,
            r.counts.offered,
            r.counts.answered,
            r.counts.answered_within,
            r.counts.abandoned,
            percent(r.service_level),
            percent(r.answer_rate),
            number(r.asa_seconds),
            number(r.aht_seconds),
            r.availability
                .map_or("-".into(), |a| format!("{:.2}%", a * 100.0)),
            r.revision
        )
    }
}

impl<W: Write> RecordWriter<W> {
    /// A row of the scope and period, its calls offered, then the service level by each
    /// variant, side by side.
    fn write_variants_table(&mut self, r: &PeriodRecord) -> io::Result<()> {
        let variants = sl_variants(r);
        if !self.header_done {
            let names: Vec<String> = variants.iter().map(|(n, _)| format!("{n:>18}")).collect();
            writeln!(
                self.out,
                "{:<30} {:<12} {:>7} {}",
                "start",
                "queue",
                "offered",
                names.join(" ")
            )?;
            self.header_done = true;
        }
        let values: Vec<String> = variants
            .iter()
            .map(|(_, sl)| format!("{:>18}", percent(*sl)))
            .collect();
        writeln!(
            self.out,
            "{:<30} {:<12} {:>7} {}",
            r.start,
            r.queue.as_deref().unwrap_or("(center)"),
            r.counts.offered,
            values.join(" ")
        )
    }
}

fn percent(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn number(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.1}"))
}

fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) if s.contains([',', '"', '\n']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Writes each rejected input as `reason<TAB>source:position<TAB>original bytes`.
pub struct RejectWriter<W: Write> {
    out: W,
}

impl<W: Write> RejectWriter<W> {
    pub fn new(out: W) -> Self {
        RejectWriter { out }
    }

    pub fn write(&mut self, r: &Rejection, source: &str) -> io::Result<()> {
        write!(self.out, "{}\t{}:{}\t", r.reason, source, r.origin.offset)?;
        self.out.write_all(&r.bytes)?;
        self.out.write_all(b"\n")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// How many rejected lines a summary shows when no `--rejected` file keeps them all.
pub const SHOWN_REJECTED: usize = 10;

/// The first [`SHOWN_REJECTED`] rejected inputs in the order the files were given (file, then
/// line), whatever order they were read in: a sorting input reads its files by time.
#[derive(Debug, Default)]
pub struct FirstRejected(Vec<((u32, i64), String)>);

impl FirstRejected {
    /// Keeps `r` (of the file named `source`) if it is among the first.
    pub fn offer(&mut self, r: &Rejection, source: &str) {
        let at = (r.origin.source, r.origin.offset);
        if self.0.len() >= SHOWN_REJECTED && self.0.last().is_some_and(|(last, _)| *last < at) {
            return;
        }
        let place = self.0.partition_point(|(kept, _)| *kept < at);
        self.0.insert(place, (at, rejected_line(r, source)));
        self.0.truncate(SHOWN_REJECTED);
    }

    /// The lines kept, in order.
    pub fn lines(self) -> Vec<String> {
        self.0.into_iter().map(|(_, line)| line).collect()
    }
}

/// One rejected input as a summary shows it: position, reason, the start of its bytes.
pub fn rejected_line(r: &Rejection, source: &str) -> String {
    let text = String::from_utf8_lossy(&r.bytes);
    format!(
        "  {}:{} {}: {}",
        Untrusted::whole(source),
        r.origin.offset,
        r.reason,
        Untrusted::cut(&text, 120)
    )
}

/// The rejected part of a summary: the count of each reason, then the first rejected lines
/// (those of [`rejected_line`]) when no file keeps them.
pub fn write_rejected_summary<R: Display>(
    w: &mut dyn Write,
    counts: impl IntoIterator<Item = (R, u64)>,
    first: &[String],
) -> io::Result<()> {
    for (reason, n) in counts {
        writeln!(w, "  rejected {reason}: {n}")?;
    }
    if !first.is_empty() {
        writeln!(
            w,
            "first rejected lines (keep them all with --rejected FILE):"
        )?;
        for line in first {
            writeln!(w, "{line}")?;
        }
    }
    Ok(())
}
