//! The state the live service shares between its input (a Kafka consumer, a followed file or
//! the demo simulator) and its HTTP handlers: the engine, recent records, and what the process did.
//! The input locks it once per batch of messages; a handler locks it once per request.

use super::alerts::{self, LiveAlerts};
use super::evidence::Recorder;
use super::partitions::Partition;
use crate::adapter::Adapter;
use crate::codec::Decoder;
use crate::config::Config;
use crate::engine::{Engine, Outage, Scope, Tally};
use crate::event::Event;
use crate::record::PeriodRecord;
use crate::reject::Rejection;
use crate::time::{Granularity, Millis, Period};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

mod feed;

pub use feed::Fed;

/// Outages and rejected inputs kept for the API.
const KEEP_RECENT: usize = 100;

/// The state of one service, behind a mutex.
#[derive(Clone)]
pub struct Shared(Arc<Mutex<State>>);

impl Shared {
    pub fn new(state: State) -> Self {
        Shared(Arc::new(Mutex::new(state)))
    }

    /// Locks the state; a panic elsewhere while it was held does not make it unusable.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the process did, beside the engine's own counts.
#[derive(Debug, Default)]
pub struct Process {
    /// Input messages (or simulated lines) taken, whatever became of them.
    pub messages: u64,
    pub dead_letters: u64,
    pub dead_letter_errors: u64,
    /// Assigned partitions by (topic, partition).
    pub partitions: BTreeMap<(String, i32), Partition>,
    /// The input is connected and has an assignment (the demo always has).
    pub input_ready: bool,
    /// The consumer group has assigned partitions (possibly none) at least once.
    pub assigned: bool,
    /// Dead letters could not be written: offsets do not advance until they are.
    pub dead_letters_blocked: bool,
    /// Most recent wall-clock advance of the watermark for an idle input.
    pub idle_advanced_to: Option<Millis>,
    /// Checkpoints written, and the size of the last one's engine state.
    pub checkpoints: u64,
    pub checkpoint_bytes: u64,
    /// Messages read and watermark at the last checkpoint: an idle input takes no new one.
    pub last_cut: Option<(u64, Millis)>,
}

impl Process {
    /// The partition `partition` of `topic`, found without making an owned key: this runs
    /// for every message, and an instance is assigned a handful of partitions (the group's
    /// partitions at most), so a pass over them costs less than a `String` per message.
    pub fn partition_mut(&mut self, topic: &str, partition: i32) -> Option<&mut Partition> {
        self.partitions
            .iter_mut()
            .find(|((t, p), _)| *p == partition && t == topic)
            .map(|(_, part)| part)
    }
}

/// The shared state: the engine and what the service keeps beside it.
pub struct State {
    pub engine: Engine,
    /// Reads input records (canonical JSON unless another input format is configured).
    pub adapter: Adapter,
    /// The adapter of each Kafka partition, by (source, partition): made from `adapter`.
    partition_adapters: BTreeMap<(u32, i32), Adapter>,
    /// Events of the record being fed (reused).
    scratch: Vec<Event>,
    pub config: Config,
    pub process: Process,
    /// Names of the inputs, by `Origin::source`.
    pub sources: Vec<String>,
    /// Final interval records (latest revision) by (start, scope), for `/api/v1/intervals`.
    intervals: BTreeMap<(Millis, Scope), PeriodRecord>,
    /// The newest final interval of each scope, for criteria judged on `last_interval`.
    pub(super) last_closed: FxHashMap<Scope, (Period, Tally)>,
    /// The certification alerts, when a profile is configured.
    pub alerts: Option<LiveAlerts>,
    /// The audit evidence store, when one is configured.
    pub evidence: Option<Recorder>,
    outages: VecDeque<Outage>,
    rejected: VecDeque<(Rejection, Millis)>,
    pub started: Instant,
    /// Delay from event time to applied, seconds (observed per batch, exported as histogram).
    pub delays: prometheus::Histogram,
    /// Bumped after every batch that changed what the live figures show (see
    /// [`State::changes`]): the wallboard's streams push a board when it moves.
    changed: tokio::sync::watch::Sender<u64>,
    /// What the last batch left: events read, watermark, stream time.
    last_seen: (u64, Millis, Millis),
}

/// Buckets of the event-time → applied delay histogram, in seconds.
pub const DELAY_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

impl State {
    pub fn new(config: Config, sources: Vec<String>) -> Self {
        let mut engine = Engine::new(
            &config.engine,
            &[Granularity::Interval, Granularity::Day, Granularity::Month],
        );
        engine.set_agent_records(false);
        engine.set_live_names(true);
        let delays = prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new(
                "callpulse_event_delay_seconds",
                "Delay from an event's time to its arrival in the engine.",
            )
            .buckets(DELAY_BUCKETS.to_vec()),
        )
        .expect("static histogram options are valid");
        State {
            adapter: Adapter::Canonical(Decoder {
                max_bytes: config.engine.max_event_bytes,
            }),
            partition_adapters: BTreeMap::new(),
            scratch: Vec::new(),
            engine,
            config,
            process: Process::default(),
            sources,
            intervals: BTreeMap::new(),
            last_closed: FxHashMap::default(),
            alerts: None,
            evidence: None,
            outages: VecDeque::new(),
            rejected: VecDeque::new(),
            started: Instant::now(),
            delays,
            changed: tokio::sync::watch::Sender::new(0),
            last_seen: (0, Millis::MIN, Millis::MIN),
        }
    }

    /// Judges the certification criteria of `alerts` as the live clock advances.
    pub fn with_alerts(mut self, alerts: LiveAlerts) -> Self {
        self.alerts = Some(alerts);
        self
    }

    /// Keeps audit evidence in `recorder`'s store.
    pub fn with_evidence(mut self, recorder: Recorder) -> Self {
        self.evidence = Some(recorder);
        self
    }

    /// Reads input records with `adapter` instead of as canonical JSON.
    pub fn with_adapter(mut self, adapter: Adapter) -> Self {
        self.adapter = adapter;
        self
    }

    /// After a batch: keeps the records that closed and the outages that ended, and returns
    /// the rejections to be written as dead letters.
    pub fn drain(&mut self) -> Vec<Rejection> {
        self.note_change();
        for closed in self.engine.take_records() {
            if closed.period.granularity != Granularity::Interval {
                continue;
            }
            let record = PeriodRecord::new(&closed, &self.engine);
            if let Some(ev) = &mut self.evidence {
                let name = self.engine.names().of(closed.scope);
                ev.interval(&record, closed.scope, name.map_or("", |n| n.as_str()));
                if closed.scope == Scope::Center && closed.revision == 0 {
                    ev.quality(
                        &record.start,
                        &self.engine.stats(),
                        closed.tally.counts.offered,
                    );
                }
            }
            self.intervals
                .insert((closed.period.start, closed.scope), record);
            let newest = self
                .last_closed
                .get(&closed.scope)
                .map_or(true, |(p, _)| p.start <= closed.period.start);
            if newest {
                self.last_closed
                    .insert(closed.scope, (closed.period, closed.tally));
            }
        }
        let horizon = self
            .engine
            .watermark()
            .saturating_sub(self.config.service.keep_intervals);
        while let Some(entry) = self.intervals.first_entry() {
            if entry.key().0 >= horizon {
                break;
            }
            entry.remove();
        }
        for outage in self.engine.take_outages() {
            if self.outages.len() == KEEP_RECENT {
                self.outages.pop_front();
            }
            tracing::warn!(
                component = %crate::untrusted::Untrusted::name(&outage.component),
                cause = outage.cause,
                seconds = outage.duration() as f64 / 1_000.0,
                "outage ended"
            );
            if let Some(ev) = &mut self.evidence {
                ev.outage(&outage, self.engine.calendar());
            }
            self.outages.push_back(outage);
        }
        if let Some(mut live) = self.alerts.take() {
            let at = self.clock();
            if live.due(at) {
                let transitions = live.evaluate(&self.observed(), || self.ready().is_ok(), at);
                if let Some(ev) = &mut self.evidence {
                    let calendar = self.engine.calendar();
                    for t in &transitions {
                        let a = t.alert();
                        let view = serde_json::to_value(alerts::view(a, calendar))
                            .expect("an alert view serialises");
                        let subject = format!("{}:{}", a.criterion, a.name);
                        ev.alert(t.name(), &subject, at, view, calendar);
                    }
                }
            }
            self.alerts = Some(live);
        }
        if let Some(ev) = &mut self.evidence {
            ev.flush();
        }
        self.engine.take_rejections()
    }

    /// A receiver that sees a new value after each batch that changed the live figures.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Bumps [`State::changes`] if the batch read an event or moved time.
    fn note_change(&mut self) {
        let e = &self.engine;
        let now = (e.stats().read, e.watermark(), e.latest());
        if now != self.last_seen {
            self.last_seen = now;
            self.changed.send_modify(|v| *v += 1);
        }
    }

    /// What the alerts judge: the engine and the newest final interval of each scope.
    pub fn observed(&self) -> alerts::Observed<'_> {
        alerts::Observed {
            engine: &self.engine,
            last_closed: &self.last_closed,
        }
    }

    /// Keeps the most recent rejections for the API (the demo's dead letters).
    pub fn keep_rejected(&mut self, rejections: &[Rejection], now: Millis) {
        for r in rejections {
            if self.rejected.len() == KEEP_RECENT {
                self.rejected.pop_front();
            }
            self.rejected.push_back((r.clone(), now));
        }
    }

    /// Advances the watermark with the wall clock while the input is idle and caught up.
    pub fn idle_advance(&mut self, now: Millis) {
        self.engine.set_wall_clock(Some(now));
        let to = now
            .saturating_sub(self.config.engine.lateness)
            .min(self.process.reread_floor());
        if to > self.engine.watermark() {
            self.engine.advance_to(to);
            self.process.idle_advanced_to = Some(to);
        }
    }

    /// The live clock: the newest event time, or the wall clock the watermark was advanced
    /// to while the input was idle.
    pub fn clock(&self) -> Millis {
        let advanced = self
            .process
            .idle_advanced_to
            .map_or(Millis::MIN, |t| t + self.config.engine.lateness);
        self.engine.latest().max(advanced)
    }

    /// Final interval records (latest revision) with `from ≤ start < to`, by start and
    /// scope; [`super::intervals::rows`] adds the intervals not final yet.
    pub fn final_intervals(
        &self,
        from: Millis,
        to: Millis,
    ) -> impl Iterator<Item = (&(Millis, Scope), &PeriodRecord)> {
        let lo = (from, Scope::Center);
        self.intervals
            .range(lo..)
            .take_while(move |((start, _), _)| *start < to)
    }

    pub fn outages(&self) -> impl Iterator<Item = &Outage> {
        self.outages.iter()
    }

    pub fn rejected(&self) -> impl Iterator<Item = &(Rejection, Millis)> {
        self.rejected.iter()
    }

    /// Whether `/readyz` answers ready: the input has its partitions, each has reached its
    /// end once or lags by at most `ready_max_lag`, and dead letters are flowing.
    pub fn ready(&self) -> Result<(), String> {
        if !self.process.input_ready {
            return Err("the input is not ready yet: no partitions assigned, the followed file not open, or the demo's backfill not applied".into());
        }
        if self.process.dead_letters_blocked {
            return Err("dead letters cannot be written; offsets are held".into());
        }
        if self.evidence_backed_up() {
            return Err(format!(
                "the evidence store cannot be written: {} rows wait, the input is paused until they are written",
                self.evidence_pending()
            ));
        }
        let max = self.config.service.ready_max_lag as i64;
        let behind: Vec<String> = self
            .process
            .partitions
            .iter()
            .filter(|(_, p)| match p.lag {
                Some(lag) => lag > max,
                None => !p.reached_end,
            })
            .map(|((t, p), s)| {
                format!(
                    "{t}[{p}] lag {}",
                    s.lag.map_or("unknown".into(), |l| l.to_string())
                )
            })
            .collect();
        if behind.is_empty() {
            Ok(())
        } else {
            Err(format!("catching up: {}", behind.join(", ")))
        }
    }
}
