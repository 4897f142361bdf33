//! `callpulse convert` and `callpulse produce`: input files in any input format, through their
//! adapter, as canonical JSON events — written as JSON Lines, or sent to a Kafka topic keyed so
//! that each call (agent, component) stays in one partition.

use crate::adapter::Adapter;
use crate::codec::encode;
use crate::event::{Body, Event};
use crate::output::{self, FirstRejected, RejectWriter};
use crate::produce::LineProducer;
use crate::reject::{Origin, RejectReason, Rejection};
use crate::source::{self, Progress, Sink};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

/// What a conversion did.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    /// Input records (non-blank lines) read.
    pub records: u64,
    /// Canonical events written or sent.
    pub events: u64,
    /// Rejected records by reason.
    pub rejected: BTreeMap<String, u64>,
    /// The first rejected records, as `file:line reason: bytes`, when no file keeps them.
    pub first_rejected: Vec<String>,
    /// Events of a sorting input that arrived more than its sort window out of order,
    /// written as they came.
    pub past_window: u64,
    pub elapsed: Duration,
}

impl Converted {
    /// The summary printed to stderr.
    pub fn write_to(&self, w: &mut dyn Write, verb: &str) -> std::io::Result<()> {
        let rejected: u64 = self.rejected.values().sum();
        writeln!(
            w,
            "lines {} events {verb} {} rejected {rejected}",
            self.records, self.events
        )?;
        if self.past_window > 0 {
            writeln!(
                w,
                "  {} events arrived more than csv.sort_window out of order: {verb} as they came",
                self.past_window
            )?;
        }
        output::write_rejected_summary(
            w,
            self.rejected.iter().map(|(r, n)| (r, *n)),
            &self.first_rejected,
        )?;
        writeln!(
            w,
            "{:.3} s, {:.0} lines/s",
            self.elapsed.as_secs_f64(),
            self.records as f64 / self.elapsed.as_secs_f64().max(1e-9)
        )
    }
}

/// Rejected records: counted by reason, kept in a file or the first few for the summary.
struct Rejects<'a> {
    files: &'a [String],
    writer: Option<RejectWriter<Box<dyn Write>>>,
    counts: BTreeMap<String, u64>,
    first: FirstRejected,
}

impl Rejects<'_> {
    fn keep(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) -> anyhow::Result<()> {
        *self.counts.entry(reason.code()).or_default() += 1;
        let file = &self.files[origin.source as usize];
        let rejection = Rejection {
            reason,
            origin,
            bytes: bytes.to_vec(),
        };
        match &mut self.writer {
            Some(w) => w
                .write(&rejection, file)
                .context("cannot write rejected records")?,
            None => self.first.offer(&rejection, file),
        }
        Ok(())
    }

    fn finish(mut self, converted: &mut Converted) -> anyhow::Result<()> {
        if let Some(w) = &mut self.writer {
            w.flush().context("cannot write rejected records")?;
        }
        converted.rejected = self.counts;
        converted.first_rejected = self.first.lines();
        Ok(())
    }
}

fn rejects<'a>(files: &'a [String], path: Option<&std::path::Path>) -> anyhow::Result<Rejects<'a>> {
    let writer = match path {
        Some(p) => Some(RejectWriter::new(Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )) as Box<dyn Write>)),
        None => None,
    };
    Ok(Rejects {
        files,
        writer,
        counts: BTreeMap::new(),
        first: FirstRejected::default(),
    })
}

struct Writing<'a, 'w> {
    out: &'w mut dyn Write,
    rejects: Rejects<'a>,
    events: u64,
}

impl Sink for Writing<'_, '_> {
    fn event(&mut self, event: Event, _origin: Origin) -> anyhow::Result<()> {
        self.out
            .write_all(encode(&event).as_bytes())
            .and_then(|()| self.out.write_all(b"\n"))
            .context("cannot write events")?;
        self.events += 1;
        Ok(())
    }

    fn reject(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) -> anyhow::Result<()> {
        self.rejects.keep(reason, origin, bytes)
    }
}

/// `convert`: writes the canonical JSON of every event of `files` to `out`, one per line (in
/// event-time order when the adapter sorts).
pub fn convert(
    files: &[String],
    adapter: &mut Adapter,
    max_bytes: usize,
    rejected: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> anyhow::Result<Converted> {
    let started = Instant::now();
    let mut sink = Writing {
        out,
        rejects: rejects(files, rejected)?,
        events: 0,
    };
    let progress = source::read_files(files, adapter, max_bytes, &mut sink)?;
    sink.out.flush().context("cannot write events")?;
    let mut done = Converted {
        records: progress.records,
        events: sink.events,
        past_window: progress.past_window,
        elapsed: started.elapsed(),
        ..Converted::default()
    };
    sink.rejects.finish(&mut done)?;
    Ok(done)
}

/// The Kafka key of an event: its call, else its agent, else its component, so that the events
/// that belong together stay in one partition, in order.
pub fn key(event: &Event) -> Option<&str> {
    if let Some(call) = event.body.call_id() {
        return Some(call.as_str());
    }
    match &event.body {
        Body::AgentState { agent, .. } => Some(agent.as_str()),
        Body::SystemStatus { component, .. } | Body::Heartbeat { component } => {
            Some(component.as_str())
        }
        Body::Survey { call: Some(c), .. } => Some(c.as_str()),
        Body::ComplaintOpened { complaint, .. } | Body::ComplaintClosed { complaint, .. } => {
            Some(complaint.as_str())
        }
        _ => None,
    }
}

struct Sending<'a> {
    producer: LineProducer,
    rejects: Rejects<'a>,
    bar: Option<indicatif::ProgressBar>,
}

impl Sink for Sending<'_> {
    fn event(&mut self, event: Event, _origin: Origin) -> anyhow::Result<()> {
        self.producer.send_keyed(&encode(&event), key(&event))
    }

    fn reject(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) -> anyhow::Result<()> {
        self.rejects.keep(reason, origin, bytes)
    }

    fn tick(&mut self, progress: &Progress) -> anyhow::Result<()> {
        if let Some(bar) = &self.bar {
            bar.set_position(progress.bytes());
            bar.set_message(format!(
                "{} lines, {} events sent",
                progress.records,
                self.producer.sent()
            ));
        }
        Ok(())
    }
}

/// `produce`: sends the canonical JSON of every event of `files` to `producer`'s topic, with a
/// progress bar on a terminal; waits until the broker has acknowledged them all.
pub fn produce(
    files: &[String],
    adapter: &mut Adapter,
    max_bytes: usize,
    rejected: Option<&std::path::Path>,
    producer: LineProducer,
    progress: bool,
) -> anyhow::Result<Converted> {
    let started = Instant::now();
    let bar = progress.then(|| {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(source::files::total_bytes(files)),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {msg} ({eta} left)",
            )
            .expect("the progress template is valid"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let mut sink = Sending {
        producer,
        rejects: rejects(files, rejected)?,
        bar,
    };
    let progress = source::read_files(files, adapter, max_bytes, &mut sink)?;
    if let Some(bar) = &sink.bar {
        bar.set_message("waiting for the broker's acknowledgements");
    }
    let Sending {
        producer,
        rejects,
        bar,
    } = sink;
    let sent = producer.finish()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut done = Converted {
        records: progress.records,
        events: sent.events,
        past_window: progress.past_window,
        elapsed: started.elapsed(),
        ..Converted::default()
    };
    rejects.finish(&mut done)?;
    Ok(done)
}
