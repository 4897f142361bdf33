//! `callpulse replay`: runs the engine over input files (any input format) in event time, as
//! fast as the machine allows, and writes the closed period records.

use crate::adapter::Adapter;
use crate::config::Config;
use crate::engine::{Closed, Engine, Outage, Scope, Stats};
use crate::event::Event;
use crate::kpi;
use crate::output::{self, FirstRejected, Format, RecordWriter, RejectWriter};
use crate::record::PeriodRecord;
use crate::reject::{Origin, RejectReason};
use crate::source::{self, Progress, Sink};
use crate::time::{Granularity, Millis, MINUTE};
use anyhow::Context;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to replay and how to print it.
#[derive(Debug, Clone)]
pub struct Replay {
    /// Input files (`-` for stdin), read one after the other as one stream.
    pub files: Vec<String>,
    pub granularity: Granularity,
    pub format: Format,
    /// Print each record's service level by every definition too (`--sl-variants`).
    pub sl_variants: bool,
    /// Where to keep rejected lines with their reasons.
    pub rejected: Option<PathBuf>,
    /// Which scopes to print (`center`, `queue`, `agent`, `component`).
    pub scopes: Vec<String>,
    pub progress: bool,
    /// Only read and decode (a measurement aid: the rate of parsing alone).
    pub decode_only: bool,
    /// Read and decode on the engine's thread rather than on one beside it.
    pub single_thread: bool,
}

/// What a replay did.
#[derive(Debug, Clone)]
pub struct Summary {
    pub stats: Stats,
    /// Input records (non-blank lines) read; a queue_log line can give several events.
    pub records_read: u64,
    pub elapsed: Duration,
    pub records: u64,
    /// Service-level stability (9.3.1) per scope: (name, months, CV, score); month replays only.
    pub stability: Vec<(String, usize, Option<f64>, Option<f64>)>,
    /// Outages (11.2.1) as lines for people: component, start, end or "still down", duration.
    pub outages: Vec<String>,
    /// The same outages as data: those that ended, then components still down at the end of
    /// input (`end` = the watermark, `true`).
    pub outage_list: Vec<(Outage, bool)>,
    /// The first rejected lines, when no `--rejected` file keeps them.
    pub first_rejected: Vec<String>,
    /// Events of a sorting input that arrived more than its sort window out of order: handed
    /// to the engine as they came (late there when behind its watermark).
    pub past_window: u64,
}

/// The rule's limit on the recovery time of one outage (11.2.1).
const OUTAGE_LIMIT: Millis = 30 * MINUTE;

impl Summary {
    pub fn events_per_second(&self) -> f64 {
        self.stats.read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The summary printed to stderr at the end of a replay.
    pub fn write_to(&self, w: &mut dyn Write) -> std::io::Result<()> {
        let s = &self.stats;
        writeln!(
            w,
            "read {} accepted {} rejected {} duplicates {} late {} revisions {} evicted calls {} records {}",
            s.read,
            s.accepted,
            s.rejected_total(),
            s.duplicates,
            s.late,
            s.revisions,
            s.evicted_calls,
            self.records
        )?;
        if self.records_read != s.read {
            writeln!(
                w,
                "  from {} input lines (a queue_log line can give several events, a CSV header none)",
                self.records_read
            )?;
        }
        if self.past_window > 0 {
            writeln!(
                w,
                "  {} events arrived more than csv.sort_window out of order: taken as they came",
                self.past_window
            )?;
        }
        output::write_rejected_summary(
            w,
            s.rejected.iter().map(|(r, n)| (r, *n)),
            &self.first_rejected,
        )?;
        for (name, months, cv, score) in &self.stability {
            match (cv, score) {
                (Some(cv), Some(score)) => writeln!(
                    w,
                    "service-level stability {name}: CV {cv:.4} over {months} months, score {score}"
                )?,
                _ => writeln!(
                    w,
                    "service-level stability {name}: needs two months with calls"
                )?,
            }
        }
        for line in &self.outages {
            writeln!(w, "{line}")?;
        }
        writeln!(
            w,
            "{:.3} s, {:.0} events/s",
            self.elapsed.as_secs_f64(),
            self.events_per_second()
        )
    }
}

/// Runs a replay through `adapter`, writing records to `out`.
pub fn run(
    cfg: &Config,
    r: &Replay,
    adapter: &mut Adapter,
    out: &mut dyn Write,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut engine = Engine::new(&cfg.engine, &[r.granularity]);
    engine.set_agent_records(r.scopes.iter().any(|s| s == "agent"));
    // Records only: no live figure is read.
    engine.set_live_windows(false);
    let rejects = match &r.rejected {
        Some(path) => Some(RejectWriter::new(std::io::BufWriter::new(
            crate::fsmode::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ))),
        None => None,
    };
    let bar = (r.progress && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let mut sink = EngineSink {
        engine: &mut engine,
        writer: if r.sl_variants {
            RecordWriter::new(out, r.format).with_sl_variants()
        } else {
            RecordWriter::new(out, r.format)
        },
        rejects,
        printer: Printer {
            scopes: r.scopes.clone(),
            monthly: BTreeMap::new(),
            records: 0,
            first_rejected: FirstRejected::default(),
        },
        files: &r.files,
        bar,
        decode_only: r.decode_only,
    };
    let max_bytes = cfg.engine.max_event_bytes;
    let progress = if r.single_thread {
        source::read_files(&r.files, adapter, max_bytes, &mut sink)?
    } else {
        source::read_files_alongside(&r.files, adapter, max_bytes, &mut sink)?
    };
    let EngineSink {
        mut writer,
        mut rejects,
        mut printer,
        bar,
        ..
    } = sink;
    engine.flush();
    drain(
        &mut engine,
        &mut writer,
        &mut rejects,
        &mut printer,
        &r.files,
    )?;
    writer.flush().context("cannot write output")?;
    if let Some(w) = &mut rejects {
        w.flush().context("cannot write rejected lines")?;
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let outage_list = outage_list(&mut engine);
    let outages = outage_lines(engine.calendar(), &outage_list);
    let mut stats = engine.stats();
    if r.decode_only {
        stats.read = progress.records;
    }
    let stability = printer
        .monthly
        .iter()
        .map(|(name, levels)| {
            let levels: Vec<f64> = levels.values().copied().collect();
            let cv = kpi::stability_cv(&levels);
            let score = cv.map(|cv| kpi::stability_score(cv, &cfg.stability));
            (name.clone(), levels.len(), cv, score)
        })
        .collect();
    Ok(Summary {
        stats,
        records_read: progress.records,
        elapsed: started.elapsed(),
        records: printer.records,
        stability,
        outages,
        outage_list,
        first_rejected: printer.first_rejected.lines(),
        past_window: progress.past_window,
    })
}

/// The engine as the sink of the input files: records drained every few thousand lines.
struct EngineSink<'a, 'w> {
    engine: &'a mut Engine,
    writer: RecordWriter<&'w mut dyn Write>,
    rejects: Option<RejectWriter<std::io::BufWriter<std::fs::File>>>,
    printer: Printer,
    files: &'a [String],
    bar: Option<indicatif::ProgressBar>,
    /// Read and convert only (a measurement aid).
    decode_only: bool,
}

impl Sink for EngineSink<'_, '_> {
    fn event(&mut self, event: Event, origin: Origin) -> anyhow::Result<()> {
        if self.decode_only {
            std::hint::black_box(event);
        } else {
            self.engine.ingest(event, origin);
        }
        Ok(())
    }

    fn reject(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) -> anyhow::Result<()> {
        if !self.decode_only {
            self.engine.reject(reason, origin, bytes);
        }
        Ok(())
    }

    fn tick(&mut self, progress: &Progress) -> anyhow::Result<()> {
        drain(
            self.engine,
            &mut self.writer,
            &mut self.rejects,
            &mut self.printer,
            self.files,
        )?;
        if let Some(bar) = &self.bar {
            let s = self.engine.stats();
            bar.set_message(format!(
                "{}: {} records, {} events, {} rejected",
                self.files[progress.file],
                progress.records,
                s.read,
                s.rejected_total()
            ));
        }
        Ok(())
    }
}

/// Every outage that ended, then every component still down at the end of input (its end
/// the watermark, marked `true`).
fn outage_list(engine: &mut Engine) -> Vec<(Outage, bool)> {
    let mut list: Vec<(Outage, bool)> = engine
        .take_outages()
        .into_iter()
        .map(|o| (o, false))
        .collect();
    let end = engine.watermark();
    for (id, since, cause) in engine.components_down() {
        let component = engine.names().components.name(id).to_string();
        let outage = Outage {
            component,
            start: since,
            end,
            cause,
        };
        list.push((outage, true));
    }
    list
}

/// The outages for people, with their duration and whether they exceeded the rule's
/// 30 minutes.
fn outage_lines(cal: &crate::time::Calendar, list: &[(Outage, bool)]) -> Vec<String> {
    let verdict = |ms: Millis| {
        if ms > OUTAGE_LIMIT {
            "longer than 30 min (11.2.1)"
        } else {
            "within 30 min"
        }
    };
    list.iter()
        .map(|(o, still_down)| {
            if *still_down {
                format!(
                    "outage {} ({}): down since {} at the end of input, {} so far, {}",
                    o.component,
                    o.cause,
                    cal.format(o.start),
                    format_duration_hms(o.duration()),
                    verdict(o.duration())
                )
            } else {
                format!(
                    "outage {} ({}): {} to {}, {}, {}",
                    o.component,
                    o.cause,
                    cal.format(o.start),
                    cal.format(o.end),
                    format_duration_hms(o.duration()),
                    verdict(o.duration())
                )
            }
        })
        .collect()
}

fn format_duration_hms(ms: Millis) -> String {
    let s = ms / 1_000;
    format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
}

struct Printer {
    scopes: Vec<String>,
    /// Latest monthly service level by scope name and month start.
    monthly: BTreeMap<String, BTreeMap<String, f64>>,
    records: u64,
    /// The first rejected lines, shown in the summary when they are not kept in a file.
    first_rejected: FirstRejected,
}

fn drain(
    engine: &mut Engine,
    writer: &mut RecordWriter<&mut dyn Write>,
    rejects: &mut Option<RejectWriter<std::io::BufWriter<std::fs::File>>>,
    printer: &mut Printer,
    files: &[String],
) -> anyhow::Result<()> {
    for closed in engine.take_records() {
        if !printer.scopes.iter().any(|s| s == closed.scope.kind()) {
            continue;
        }
        let record = PeriodRecord::new(&closed, engine);
        track_month(printer, &closed, &record);
        writer.write(&record).context("cannot write output")?;
        printer.records += 1;
    }
    for rejection in engine.take_rejections() {
        let source = files
            .get(rejection.origin.source as usize)
            .map_or("-", String::as_str);
        match rejects {
            Some(w) => w
                .write(&rejection, source)
                .context("cannot write rejected lines")?,
            None => printer.first_rejected.offer(&rejection, source),
        }
    }
    Ok(())
}

fn track_month(printer: &mut Printer, closed: &Closed, record: &PeriodRecord) {
    if closed.period.granularity != Granularity::Month
        || !matches!(closed.scope, Scope::Center | Scope::Queue(_))
    {
        return;
    }
    let name = record.queue.clone().unwrap_or_else(|| "(center)".into());
    let months = printer.monthly.entry(name).or_default();
    match record.service_level {
        Some(sl) => {
            months.insert(record.start.clone(), sl);
        }
        None => {
            months.remove(&record.start);
        }
    }
}
