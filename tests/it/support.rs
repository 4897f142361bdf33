//! Shared helpers: run the engine over JSON lines and look records up by scope and period.

use callpulse::codec::decode;
use callpulse::config::{Config, RawConfig};
use callpulse::engine::{Engine, Stats};
use callpulse::record::PeriodRecord;
use callpulse::reject::{Origin, Rejection};
use callpulse::time::Granularity;
use std::collections::BTreeMap;

pub mod kafka;
pub mod lines;
pub mod service;

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

fn collect(engine: &mut Engine, out: &mut Vec<PeriodRecord>) {
    for c in engine.take_records() {
        out.push(PeriodRecord::new(&c, engine.names(), engine.calendar()));
    }
}

/// All three granularities.
pub const ALL: &[Granularity] = &[Granularity::Interval, Granularity::Day, Granularity::Month];
