//! Shared helpers: run the engine over JSON lines, or over input files through an adapter as
//! `callpulse replay` does, and look records up by scope and period.

use callpulse::adapter::Adapter;
use callpulse::codec::decode;
use callpulse::config::{Config, RawConfig};
use callpulse::engine::{Engine, Stats};
use callpulse::event::Event;
use callpulse::record::PeriodRecord;
use callpulse::reject::{Origin, RejectReason, Rejection};
use callpulse::source::{self, Progress, Sink};
use callpulse::time::Granularity;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub mod browser;
pub mod golden;
pub mod kafka;
pub mod lines;
pub mod live;
pub mod profiles;
pub mod service;
pub mod sse;
pub mod webhook;

/// A configuration from TOML text (panics on invalid text: tests write valid configs).
pub fn config(toml_text: &str) -> Config {
    let raw: RawConfig = toml::from_str(toml_text).expect("test config parses");
    raw.validate().expect("test config is valid")
}

/// What one run produced.
pub struct Run {
    /// Every record in emission order, revisions included.
    pub emitted: Vec<PeriodRecord>,
    pub stats: Stats,
    pub rejections: Vec<Rejection>,
    pub outages: Vec<callpulse::engine::Outage>,
}

impl Run {
    /// The latest revision of each (scope, name, period, start).
    pub fn finals(&self) -> BTreeMap<(String, String, String), PeriodRecord> {
        let mut out = BTreeMap::new();
        for r in &self.emitted {
            let name = r
                .queue
                .clone()
                .or(r.agent.clone())
                .or(r.component.clone())
                .unwrap_or_default();
            let key = (
                format!("{}:{}", r.scope, name),
                r.period.to_string(),
                r.start.clone(),
            );
            out.insert(key, r.clone());
        }
        out
    }

    /// The final record of `who` (`center`, `queue:NAME`, `agent:NAME`, `component:NAME`)
    /// for the period of granularity `g` starting at `start` (RFC 3339 as printed).
    pub fn get(&self, who: &str, g: &str, start: &str) -> PeriodRecord {
        let who = if who == "center" {
            "center:".to_string()
        } else {
            who.to_string()
        };
        self.finals()
            .get(&(who.clone(), g.to_string(), start.to_string()))
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "no {g} record for {who} at {start}; have {:?}",
                    self.finals().keys().collect::<Vec<_>>()
                )
            })
    }

    pub fn rejected(&self, reason: &str) -> u64 {
        self.stats
            .rejected
            .iter()
            .filter(|(r, _)| r.to_string() == reason)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Runs the engine over `lines` (JSON, one event each) with `cfg`, keeping `granularities`.
pub fn run(cfg: &Config, granularities: &[Granularity], lines: &[&str]) -> Run {
    let mut engine = Engine::new(&cfg.engine, granularities);
    let mut emitted = Vec::new();
    let mut rejections = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let origin = Origin {
            source: 0,
            partition: 0,
            offset: i as i64 + 1,
        };
        match decode(line) {
            Ok(event) => engine.ingest(event, origin),
            Err(reason) => engine.reject(reason, origin, line.as_bytes()),
        }
        collect(&mut engine, &mut emitted);
        rejections.extend(engine.take_rejections());
    }
    engine.flush();
    collect(&mut engine, &mut emitted);
    rejections.extend(engine.take_rejections());
    let outages = engine.take_outages();
    Run {
        emitted,
        stats: engine.stats(),
        rejections,
        outages,
    }
}

/// What a replay of input files through an adapter produced: the engine's run, and what the
/// adapter made of the files.
pub struct Replayed {
    pub run: Run,
    /// Records read (non-blank lines, CSV headers included), events the adapter gave, records
    /// it rejected.
    pub progress: Progress,
    /// Events the adapter gave, per file.
    pub events_per_file: Vec<u64>,
    /// The events the adapter gave with their origins, in the order the engine took them.
    pub events: Vec<(Event, Origin)>,
    /// The records the adapter rejected, in reading order (the engine's own rejections are
    /// in `run.rejections` only).
    pub rejected: Vec<(RejectReason, Origin)>,
}

impl Replayed {
    /// Records that gave an event or were rejected: every record but a CSV header.
    pub fn data_records(&self) -> u64 {
        let with_events: BTreeSet<(u32, i64)> = self
            .events
            .iter()
            .map(|(_, o)| (o.source, o.offset))
            .collect();
        (with_events.len() + self.rejected.len()) as u64
    }

    /// How many records the adapter rejected, by reason.
    pub fn rejected_by_reason(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (reason, _) in &self.rejected {
            *out.entry(reason.to_string()).or_default() += 1;
        }
        out
    }
}

/// Replays `files` (read one after the other as one stream) through `adapter` with `cfg`,
/// keeping `granularities`: the library's own loop, `source::read_files` (headers, blank
/// lines, sorting by event time when the adapter needs it), into the engine.
pub fn replay_files(
    cfg: &Config,
    adapter: &mut Adapter,
    files: &[impl AsRef<Path>],
    granularities: &[Granularity],
) -> Replayed {
    let files: Vec<String> = files
        .iter()
        .map(|f| f.as_ref().to_str().expect("a UTF-8 path").to_string())
        .collect();
    let mut sink = EngineSink {
        engine: Engine::new(&cfg.engine, granularities),
        emitted: Vec::new(),
        rejections: Vec::new(),
        events_per_file: vec![0; files.len()],
        events: Vec::new(),
        rejected: Vec::new(),
    };
    let progress = source::read_files(&files, adapter, cfg.engine.max_event_bytes, &mut sink)
        .expect("the files read");
    sink.engine.flush();
    sink.drain();
    let EngineSink {
        mut engine,
        emitted,
        rejections,
        events_per_file,
        events,
        rejected,
    } = sink;
    Replayed {
        run: Run {
            emitted,
            stats: engine.stats(),
            rejections,
            outages: engine.take_outages(),
        },
        progress,
        events_per_file,
        events,
        rejected,
    }
}

/// The engine as the sink of `source::read_files`, keeping what it is given.
struct EngineSink {
    engine: Engine,
    emitted: Vec<PeriodRecord>,
    rejections: Vec<Rejection>,
    events_per_file: Vec<u64>,
    events: Vec<(Event, Origin)>,
    rejected: Vec<(RejectReason, Origin)>,
}

impl EngineSink {
    fn drain(&mut self) {
        collect(&mut self.engine, &mut self.emitted);
        self.rejections.extend(self.engine.take_rejections());
    }
}

impl Sink for EngineSink {
    fn event(&mut self, event: Event, origin: Origin) -> anyhow::Result<()> {
        self.events_per_file[origin.source as usize] += 1;
        self.events.push((event.clone(), origin));
        self.engine.ingest(event, origin);
        Ok(())
    }

    fn reject(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) -> anyhow::Result<()> {
        self.rejected.push((reason, origin));
        self.engine.reject(reason, origin, bytes);
        Ok(())
    }

    fn tick(&mut self, _progress: &Progress) -> anyhow::Result<()> {
        self.drain();
        Ok(())
    }
}

fn collect(engine: &mut Engine, out: &mut Vec<PeriodRecord>) {
    for c in engine.take_records() {
        out.push(PeriodRecord::new(&c, engine));
    }
}

/// All three granularities.
pub const ALL: &[Granularity] = &[Granularity::Interval, Granularity::Day, Granularity::Month];
