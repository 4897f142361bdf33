//! The engine as bytes and back: the state part of a checkpoint of the live service.
//!
//! Everything that decides future records is kept: open calls and their buffered orphan
//! events, open and recently closed periods with their tallies and revision numbers, the
//! reorder buffer, the dedupe window, agents, components, complaints, customers, forecasts,
//! live windows, names, counts and the watermark. The configuration is not: a restored engine
//! runs under the configuration it is restored into. Output not yet taken (records,
//! rejections, outages) is not either; take it before [`Engine::snapshot`].
//!
//! The bytes are postcard: compact, and exact for every number. They carry
//! [`SNAPSHOT_FORMAT`] and the build's version, and only the same pair is restored.
//!
//! After the engine's state come two sections of their own: [`additions`] (the agents'
//! live-view part and the pause reasons of buffered `agent.state` events, which the event's
//! serde layout has no room for), then the callback list's facts ([`super::callbacks`]). A
//! state without the callback section restores with an empty list.

use super::Engine;
use crate::config::EngineConfig;
use crate::reject::Origin;
use crate::time::Millis;

/// The layout of the engine's state; raised whenever a serialised type changes.
/// 2: the live windows' minute sums carry handled calls, talk and wrap-up (live staffing).
/// 3: the clock (a robust frontier and its suspects) replaces the newest event time.
/// 4: dedupe keys in generations by their anchor (the event's own time), not by arrival.
/// 5: tallies and the live windows' minute sums carry the callbacks requested, and the
///    windows the calls that flowed out (service-level definitions that take them out); after
///    the state, the agents' live-view part ([`additions`]) and the callback list.
pub const SNAPSHOT_FORMAT: u32 = 5;

/// What precedes the state: it names the layout, and the calendar the state's periods were
/// cut by (periods of another time zone or interval length cannot be carried over).
fn header(cfg: &EngineConfig) -> String {
    format!(
        "callpulse {} engine state {SNAPSHOT_FORMAT}, periods of {} min in {}",
        env!("CARGO_PKG_VERSION"),
        cfg.interval_minutes,
        cfg.timezone.name()
    )
}

/// The instants a restored stream may hold: the decoder takes [1970, 2100), and a year either
/// side covers the lateness and a wall clock that moved the watermark.
const PLAUSIBLE: std::ops::Range<Millis> = -YEAR..crate::codec::decode::MAX_TS + YEAR;
const YEAR: Millis = 366 * 24 * crate::time::HOUR;

/// Why a snapshot cannot be restored.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("the checkpoint holds {found:?}; this build and configuration need {expected:?}")]
    Version { found: String, expected: String },
    #[error("the checkpoint cannot be read: {0}")]
    Corrupt(#[from] postcard::Error),
    /// The bytes read, but what they hold contradicts itself (an id beyond its name table).
    #[error("the checkpoint holds an invalid state: {0}")]
    Invalid(String),
}

/// The configuration of an engine read from bytes, until [`Engine::restore`] replaces it.
pub(super) fn unset_config() -> EngineConfig {
    crate::config::Config::default().engine
}

impl Engine {
    /// The engine's state as bytes. Output not yet taken is not included: call it after
    /// [`Engine::take_records`], [`Engine::take_rejections`] and [`Engine::take_outages`].
    pub fn snapshot(&self) -> Vec<u8> {
        debug_assert!(
            self.records.is_empty() && self.rejections.is_empty() && self.outages.is_empty(),
            "output taken before a snapshot"
        );
        let state = (
            header(&self.cfg),
            self,
            additions::of(self),
            &self.callbacks,
        );
        // Sized first, then written once: a vector grown by doubling would hold up to twice
        // the state's bytes, and copy them at every step, for each checkpoint.
        let size =
            postcard::experimental::serialized_size(&state).expect("the engine state serialises");
        postcard::to_io(&state, Vec::with_capacity(size)).expect("the engine state serialises")
    }

    /// A snapshot without the reorder buffer, for an input that can read the buffered events
    /// again (Kafka: a checkpoint seeks each partition back to them). Returns it with the
    /// origin and the ordering instant of each buffered event (its time, or a completed
    /// call's offer; the watermark must not pass it before the event is taken again): the
    /// restored engine takes them again
    /// with [`Engine::ingest_again`]. Cheap where the whole snapshot is not: the buffer holds
    /// about rate × lateness events.
    pub fn snapshot_unread(&mut self) -> (Vec<u8>, Vec<(Origin, Millis)>) {
        let buffer = std::mem::take(&mut self.reorder);
        let unread = buffer.iter().map(|q| (q.origin, q.at)).collect();
        let bytes = self.snapshot();
        self.reorder = buffer;
        (bytes, unread)
    }

    /// Replaces this engine's state with the one of `bytes` (from [`Engine::snapshot`]),
    /// keeping this engine's configuration and settings. On an error nothing changes.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), RestoreError> {
        // The header first: a state of another layout must not be read as this one.
        let (found, state): (String, &[u8]) = postcard::take_from_bytes(bytes)?;
        let expected = header(&self.cfg);
        if found != expected {
            return Err(RestoreError::Version { found, expected });
        }
        let (mut saved, rest): (Engine, &[u8]) = postcard::take_from_bytes(state)?;
        // The state is checked before the sections after it are read: a state that cannot be
        // taken is refused for what is wrong with it.
        saved.repair().map_err(RestoreError::Invalid)?;
        let (more, callbacks): (additions::Read, &[u8]) = postcard::take_from_bytes(rest)?;
        if !callbacks.is_empty() {
            saved.callbacks = postcard::from_bytes(callbacks)?;
            saved
                .callbacks
                .check(&saved.names)
                .map_err(RestoreError::Invalid)?;
        }
        additions::set(&mut saved, more, &PLAUSIBLE).map_err(RestoreError::Invalid)?;
        saved.store.configure_like(&self.store);
        saved.calls.configure_like(&self.calls);
        saved.customers.configure_like(&self.customers);
        saved.dedupe.configure_like(&self.dedupe);
        saved.health.configure_like(&self.health);
        saved.clock.configure_like(&self.clock);
        saved.agents.per_agent = self.agents.per_agent;
        saved.no_live_windows = self.no_live_windows;
        saved.live_names = self.live_names;
        // The live windows' wait buckets follow the configured thresholds: other thresholds,
        // fresh windows (they cover the last hour only).
        if saved.live.bounds() != self.live.bounds() {
            saved.live = std::mem::take(&mut self.live);
        }
        saved.caller_watermark = self.caller_watermark;
        saved.cfg = self.cfg.clone();
        for id in 0..saved.names.queues.len() as u32 {
            let threshold = saved.cfg.threshold_for(saved.names.queues.name(id));
            saved.store.set_queue_threshold(id, threshold);
        }
        *self = saved;
        Ok(())
    }

    /// Makes a state read from bytes safe to run: indices derived from other parts are
    /// rebuilt (the reorder buffer's heap and free slots, the name maps, the clock's tentative
    /// events that the buffer no longer holds, and where each lies), and every id is checked
    /// against the names. A valid snapshot runs on exactly as it would have.
    fn repair(&mut self) -> Result<(), String> {
        // Where an event sorts is derived from the event.
        for q in self.reorder.iter_mut() {
            (q.at, q.rank) = super::reorder::order_of(&q.event);
        }
        self.reorder.rebuild();
        self.calls.rebuild_waiting();
        let reorder = &self.reorder;
        self.clock.retain_tentative(|key| reorder.contains(key));
        // A buffered event the clock did not take as tentative lies within its reach: one far
        // ahead would move the stream's time (and credit agents' and components' time) over
        // all the years between when it is applied.
        let tentative: rustc_hash::FxHashSet<_> = self.clock.tentative_keys().collect();
        if let Some(q) = reorder
            .iter()
            .find(|q| !tentative.contains(&q.key()) && !self.clock.bears(q.at))
        {
            return Err(format!(
                "a buffered event at {} far ahead of the stream's time {}",
                q.at,
                self.clock.frontier()
            ));
        }
        self.check_instants()?;
        self.names.reindex()?;
        let names = &self.names;
        self.store.check_ids(names)?;
        self.live.check_ids(names)?;
        self.calls.check_ids(names)?;
        self.agents.check_ids(names)?;
        self.health.check_ids(names)?;
        self.complaints.check_ids(names)?;
        self.customers.check_ids(names)?;
        self.callbacks.check(names)?;
        self.store.check_bounds()?;
        self.store.check_periods(PLAUSIBLE)?;
        self.live.check_bounds()?;
        self.stats.check_bounds()?;
        self.customers.check_bounds()?;
        self.complaints.check_bounds()?;
        self.health.check_bounds(PLAUSIBLE)?;
        self.agents.check_bounds(PLAUSIBLE)?;
        self.calls.check_bounds()?;
        self.dedupe.check_bounds(PLAUSIBLE)?;
        self.check_forecasts()
    }

    /// Whether every forecast is one the decoder gives: of a queue with a name, its interval
    /// starting within [1970, 2100) and lasting 1 to 1,440 minutes, 0 to 10⁹ calls. The sweep
    /// forgets a forecast once the watermark passes its interval's end plus the horizon, an
    /// end that overflowed for a start near the end of the integers (the fuzzer's
    /// `regressions/snapshot/forecast-start-near-the-integer-limit`).
    fn check_forecasts(&self) -> Result<(), String> {
        use crate::codec::decode::{INSTANTS, MAX_INTERVAL_MINUTES, MAX_VOLUME};
        for (&(q, start, minutes), &offered) in &self.forecasts {
            self.names.check_queue(q)?;
            if !(INSTANTS.contains(&start)
                && (1..=MAX_INTERVAL_MINUTES).contains(&Millis::from(minutes))
                && (0.0..=MAX_VOLUME).contains(&offered))
            {
                return Err(format!(
                    "a forecast of {offered} calls from {start} for {minutes} min out of range"
                ));
            }
        }
        Ok(())
    }

    /// Whether the stream's instants lie where events can ([`PLAUSIBLE`]). One near the ends
    /// of the integers overflows the calendar's arithmetic as soon as the engine moves on (the
    /// fuzzer's `regressions/snapshot/frontier-near-the-integer-limit`).
    fn check_instants(&self) -> Result<(), String> {
        let plausible = |t: Millis| t == Millis::MIN || PLAUSIBLE.contains(&t);
        let instants = [
            ("the stream's time", self.clock.frontier()),
            ("the watermark", self.watermark),
            ("the time credited", self.credited),
            // Far ahead, these would stop the crediting, the sweep or every period's close
            // without a word.
            ("the next interval's close", self.next_boundary),
            ("the last sweep", self.last_sweep),
            ("the periods closed through", self.store.closed_through()),
        ];
        let buffered = self.reorder.iter().map(|q| ("a buffered event", q.at));
        let mut all = instants.into_iter().chain(buffered);
        if let Some((what, t)) = all.find(|(_, t)| !plausible(*t)) {
            return Err(format!("{what} at {t} out of range"));
        }
        // Every event kept (buffered, or waiting for its call's offer) is one the decoder
        // takes: its instants within [1970, 2100), its fields consistent.
        let decoder = crate::codec::Decoder::default();
        let decodes = |q: &&super::reorder::Queued| {
            decoder
                .decode(crate::codec::encode(&q.event).as_bytes())
                .is_ok()
        };
        match self
            .reorder
            .iter()
            .chain(self.calls.orphaned())
            .find(|q| !decodes(q))
        {
            Some(q) => Err(format!(
                "a kept event at {} the decoder refuses",
                q.event.ts
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decoder;
    use crate::config::Config;
    use crate::record::PeriodRecord;
    use crate::reject::Origin;
    use crate::sim::{SimConfig, Simulator};
    use crate::time::Granularity;

    const GRANULARITIES: [Granularity; 3] =
        [Granularity::Interval, Granularity::Day, Granularity::Month];

    /// Everything an engine put out: records, outages, rejections (reason and line), counts.
    #[derive(Debug, Default, PartialEq)]
    struct Output {
        records: Vec<PeriodRecord>,
        outages: Vec<super::super::Outage>,
        rejections: Vec<(String, u64)>,
    }

    impl Output {
        fn take(&mut self, engine: &mut Engine) {
            for closed in engine.take_records() {
                let r = PeriodRecord::new(&closed, engine);
                self.records.push(r);
            }
            self.outages.extend(engine.take_outages());
            for r in engine.take_rejections() {
                self.rejections
                    .push((r.reason.code(), r.origin.offset as u64));
            }
        }
    }

    fn engine(cfg: &Config) -> Engine {
        let mut e = Engine::new(&cfg.engine, &GRANULARITIES);
        e.set_agent_records(true);
        e
    }

    /// Feeds `lines` to one engine, replaced at each of `cuts` (line numbers) by a new engine
    /// restored from a snapshot of the old one, as a restarted process would be.
    fn run(lines: &[String], cuts: &[usize]) -> (Output, crate::engine::Stats) {
        run_with(lines, cuts, false)
    }

    /// [`run`]; `unread`: each snapshot leaves the reorder buffer out
    /// ([`Engine::snapshot_unread`]) and the restored engine is fed the lines of the events it
    /// held again, in offset order, as a Kafka input seeking back to them would.
    fn run_with(lines: &[String], cuts: &[usize], unread: bool) -> (Output, crate::engine::Stats) {
        let cfg = Config::default();
        let decoder = Decoder {
            max_bytes: cfg.engine.max_event_bytes,
        };
        let mut engine = engine(&cfg);
        let mut out = Output::default();
        for (i, line) in lines.iter().enumerate() {
            if cuts.contains(&i) {
                out.take(&mut engine);
                let (bytes, again) = if unread {
                    engine.snapshot_unread()
                } else {
                    (engine.snapshot(), Vec::new())
                };
                engine = self::engine(&cfg);
                engine.restore(&bytes).expect("a snapshot restores");
                let mut offsets: Vec<i64> = again.iter().map(|(o, _)| o.offset).collect();
                offsets.sort_unstable();
                for offset in offsets {
                    let line = &lines[offset as usize - 1];
                    let event = decoder.decode(line.as_bytes()).expect("a buffered event");
                    let origin = Origin {
                        source: 0,
                        partition: 0,
                        offset,
                    };
                    engine.ingest_again(event, origin);
                }
            }
            let origin = Origin {
                source: 0,
                partition: 0,
                offset: i as i64 + 1,
            };
            match decoder.decode(line.as_bytes()) {
                Ok(event) => engine.ingest(event, origin),
                Err(reason) => engine.reject(reason, origin, line.as_bytes()),
            }
            if i % 500 == 0 {
                out.take(&mut engine);
            }
        }
        engine.flush();
        out.take(&mut engine);
        (out, engine.stats())
    }

    /// A simulated day with bad lines and outages, where every 50th line comes again 100
    /// lines later (a producer's retry): duplicates that straddle the cuts.
    fn simulated() -> Vec<String> {
        let sim: Vec<String> = Simulator::new(SimConfig {
            seed: 11,
            malformed_per_10k: 50,
            mean_time_between_outages: crate::time::HOUR,
            ..SimConfig::default()
        })
        .take(40_000)
        .collect();
        let mut lines = Vec::with_capacity(sim.len() + sim.len() / 50);
        for (i, line) in sim.iter().enumerate() {
            lines.push(line.clone());
            if i >= 100 && i % 50 == 0 {
                lines.push(sim[i - 100].clone());
            }
        }
        lines
    }

    #[test]
    fn an_engine_restored_from_snapshots_puts_out_what_an_uninterrupted_one_does() {
        let lines = simulated();
        let (whole, whole_stats) = run(&lines, &[]);
        assert!(whole.records.len() > 500, "{} records", whole.records.len());
        assert!(!whole.outages.is_empty(), "the stream has outages");
        assert!(!whole.rejections.is_empty(), "the stream has bad lines");
        assert!(whole_stats.duplicates > 500, "{whole_stats:?}");
        // Cuts mid-call, mid-interval, mid-outage, and one right at the start.
        let (cut, cut_stats) = run(&lines, &[1, 4_321, 17_777, 17_778, 30_001, 39_999]);
        assert_eq!(cut_stats, whole_stats);
        assert_eq!(cut.outages, whole.outages);
        assert_eq!(cut.rejections, whole.rejections);
        assert_eq!(cut.records.len(), whole.records.len());
        for (a, b) in cut.records.iter().zip(&whole.records) {
            assert_eq!(a, b);
        }
    }

    #[test]
    fn a_snapshot_without_the_buffer_restored_and_fed_its_events_again_puts_out_the_same() {
        let lines = simulated();
        let (whole, whole_stats) = run(&lines, &[]);
        let cuts = [1, 4_321, 17_777, 17_778, 30_001, 39_999];
        let mut e = engine(&Config::default());
        let decoder = Decoder {
            max_bytes: Config::default().engine.max_event_bytes,
        };
        for line in &lines[..4_321] {
            if let Ok(event) = decoder.decode(line.as_bytes()) {
                e.ingest(event, Origin::default());
            }
        }
        assert!(
            e.buffered() > 10,
            "a cut leaves events out: {}",
            e.buffered()
        );
        let (cut, cut_stats) = run_with(&lines, &cuts, true);
        assert_eq!(cut_stats, whole_stats);
        assert_eq!(cut.outages, whole.outages);
        assert_eq!(cut.records.len(), whole.records.len());
        for (a, b) in cut.records.iter().zip(&whole.records) {
            assert_eq!(a, b);
        }
        let sorted = |r: &[(String, u64)]| {
            let mut r = r.to_vec();
            r.sort_unstable();
            r
        };
        assert_eq!(sorted(&cut.rejections), sorted(&whole.rejections));
    }

    #[test]
    fn a_snapshot_of_another_build_or_damaged_bytes_is_refused_and_nothing_changes() {
        let cfg = Config::default();
        let mut source = engine(&cfg);
        let decoder = Decoder {
            max_bytes: cfg.engine.max_event_bytes,
        };
        for (i, line) in simulated().iter().take(2_000).enumerate() {
            if let Ok(event) = decoder.decode(line.as_bytes()) {
                source.ingest(
                    event,
                    Origin {
                        source: 0,
                        partition: 0,
                        offset: i as i64,
                    },
                );
            }
            source.take_records();
            source.take_rejections();
            source.take_outages();
        }
        let bytes = source.snapshot();

        let mut other = postcard::to_stdvec(&"callpulse 0.0.0 engine state 0").unwrap();
        other.extend_from_slice(&bytes[postcard::to_stdvec(&header(&cfg.engine)).unwrap().len()..]);
        let mut target = engine(&cfg);
        let before = target.stats();
        assert!(matches!(
            target.restore(&other),
            Err(RestoreError::Version { .. })
        ));
        assert!(matches!(
            target.restore(&bytes[..bytes.len() / 2]),
            Err(RestoreError::Corrupt(_))
        ));
        assert_eq!(target.stats(), before);
        assert_eq!(target.latest(), Millis::MIN);

        let mut other_zone = cfg.clone();
        other_zone.engine.timezone = chrono_tz::Europe::London;
        let mut elsewhere = Engine::new(&other_zone.engine, &GRANULARITIES);
        assert!(matches!(
            elsewhere.restore(&bytes),
            Err(RestoreError::Version { .. })
        ));

        target.restore(&bytes).unwrap();
        assert_eq!(target.stats(), source.stats());
        assert_eq!(target.latest(), source.latest());
        assert_eq!(target.calls_in_flight(), source.calls_in_flight());
    }
}

mod additions;

#[cfg(test)]
mod corrupted;

#[cfg(test)]
mod configuration;
