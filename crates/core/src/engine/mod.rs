//! The KPI engine: a plain, synchronous state machine that turns events into period records,
//! and shows what they add up to at every instant.
//!
//! Data flows one way through it:
//!
//! ```text
//! ingest ─► dedupe ─► clock ─► reorder buffer ─(watermark)─► apply ─► store ─(close)─► records
//!                       │            │                        │  calls, agents, health,
//!                       │            │                        │  complaints, surveys, forecasts
//!                       │            │                        └─► rejections (contradictions,
//!                       │            │                            too late)
//!                       │            └─► provisional overlay ─► live figures (window, waiting,
//!                       │                                       staffing, tallies, totals)
//!                       └─► bad_timestamp (a clock no other event agrees with)
//! ```
//!
//! Two times, two jobs (the whole model: `docs/src/concepts/event-time.md`):
//!
//! * **Live figures follow every event at once.** Everything a supervisor sees (the rolling
//!   windows, calls waiting, agents, components, today, the totals behind `/metrics`) is the
//!   applied state plus the [`provisional`] overlay of the events still buffered, planned
//!   exactly as they will be applied.
//! * **The watermark decides only what is final.** It is the [`clock`]'s frontier (a robust
//!   estimate of the stream's time that no single event can move) minus the allowed lateness.
//!   Events leave the reorder buffer in event-time order once the watermark passes them; one
//!   that arrives after that is applied at once (and may revise a final period). A period is
//!   final when the watermark passes its end plus the grace.
//!
//! No I/O and no async inside: callers (replay, the live service, tests) drive it with
//! [`Engine::ingest`], [`Engine::advance_to`] and [`Engine::flush`], and take its output with
//! [`Engine::take_records`] and friends.

mod agents;
mod apply;
mod call_table;
pub mod callbacks;
pub mod calls;
mod clock;
mod complaints;
mod customers;
mod dedupe;
mod health;
mod ingest;
mod limits;
pub mod live;
mod provisional;
mod reorder;
pub mod scope;
mod snapshot;
mod stats;
mod store;
pub mod tally;
mod view;
mod waits;

pub use agents::{AgentLive, AgentNow, Day as AgentDay, Figures as AgentFigures, Staffing};
pub use clock::{Settings as ClockSettings, MAX_TENTATIVE};
pub use health::Outage;
pub use live::{Live, WaitBuckets, Window};
pub use reorder::order_of;
pub use scope::{Names, Scope};
pub use snapshot::{RestoreError, SNAPSHOT_FORMAT};
pub use stats::Stats;
pub use store::Closed;
pub use tally::Tally;

use crate::config::EngineConfig;
use crate::reject::{Origin, RejectReason, Rejection};
use crate::time::{Calendar, Granularity, Millis, MINUTE};
use agents::Agents;
use call_table::CallTable;
use callbacks::Callbacks;
use calls::Contribution;
use clock::{Clock, Verdict};
use complaints::Complaints;
use customers::Customers;
use dedupe::Dedupe;
use health::Health;
use provisional::Provisional;
use reorder::{Queued, Reorder};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use store::Store;

/// The engine. See the module documentation.
///
/// It serialises as a checkpoint ([`Engine::snapshot`], [`Engine::restore`]): everything but
/// its configuration and the output not yet taken.
#[derive(Debug, Serialize, Deserialize)]
pub struct Engine {
    #[serde(skip, default = "snapshot::unset_config")]
    cfg: EngineConfig,
    store: Store,
    names: Names,
    calls: CallTable,
    customers: Customers,
    forecasts: FxHashMap<(u32, Millis, u32), f64>,
    agents: Agents,
    health: Health,
    complaints: Complaints,
    dedupe: Dedupe,
    reorder: Reorder,
    live: Live,
    clock: Clock,
    /// Whether `ingest` advances the watermark from the newest event (one ordered input) or
    /// the caller does (several partitions: see [`Engine::set_caller_watermark`]).
    #[serde(skip)]
    caller_watermark: bool,
    watermark: Millis,
    credited: Millis,
    next_boundary: Millis,
    last_sweep: Millis,
    #[serde(skip)]
    scratch: Vec<Contribution>,
    #[serde(skip)]
    records: Vec<Closed>,
    #[serde(skip)]
    rejections: Vec<Rejection>,
    #[serde(skip)]
    outages: Vec<Outage>,
    /// Origins of the events the clock refused since the last call of `take_refused`.
    #[serde(skip)]
    refused: Vec<Origin>,
    #[serde(skip)]
    clock_rejected: Vec<(reorder::Key, Verdict)>,
    /// Whether names are interned as events arrive, so the provisional overlay can show them
    /// (the live service); replay interns them when events are applied.
    #[serde(skip)]
    live_names: bool,
    /// The rolling windows and all-time wait buckets of the live figures are not kept (a
    /// replay, which reads none: see [`Engine::set_live_windows`]).
    #[serde(skip)]
    no_live_windows: bool,
    /// The provisional overlay, kept up to date event by event in the live service (stale
    /// otherwise: see [`provisional`]).
    #[serde(skip)]
    overlay: Provisional,
    /// The overlay recomputed from the buffer when a live figure is read while it is stale,
    /// until the next change.
    #[serde(skip)]
    rebuilt: OnceCell<Provisional>,
    stats: Stats,
    /// The callback list's facts: carried by a checkpoint after the rest of the state (see
    /// [`snapshot`]), so that a checkpoint without them restores too.
    #[serde(skip)]
    callbacks: Callbacks,
}

impl Engine {
    /// An engine that keeps tallies for the given granularities.
    pub fn new(cfg: &EngineConfig, granularities: &[Granularity]) -> Self {
        let calendar = cfg.calendar();
        Engine {
            store: Store::new(
                calendar,
                granularities,
                cfg.grace,
                cfg.revision_horizon,
                cfg.threshold,
            ),
            names: Names::default(),
            calls: CallTable::new(cfg.call_timeout, cfg.wrapup_timeout),
            customers: Customers::new(cfg.repeat_window, cfg.limits.customers),
            forecasts: FxHashMap::default(),
            agents: Agents::default(),
            health: Health::new(cfg.heartbeat_timeout),
            complaints: Complaints::default(),
            dedupe: Dedupe::new(cfg.dedupe_window),
            reorder: Reorder::default(),
            live: Live::new(
                std::iter::once(cfg.threshold)
                    .chain(cfg.queue_thresholds.values().copied())
                    .chain(cfg.short_abandon),
            ),
            clock: Clock::new(ClockSettings::of(cfg)),
            caller_watermark: false,
            watermark: Millis::MIN,
            credited: Millis::MIN,
            next_boundary: Millis::MIN,
            last_sweep: Millis::MIN,
            scratch: Vec::with_capacity(8),
            records: Vec::new(),
            rejections: Vec::new(),
            outages: Vec::new(),
            refused: Vec::new(),
            clock_rejected: Vec::new(),
            live_names: false,
            no_live_windows: false,
            overlay: Provisional::default(),
            rebuilt: OnceCell::new(),
            stats: Stats::default(),
            callbacks: Callbacks::default(),
            cfg: cfg.clone(),
        }
    }

    /// Whether to keep a tally per agent (agent records). On by default; a replay that prints
    /// no agent records turns it off, which saves a tally per agent and interval.
    pub fn set_agent_records(&mut self, on: bool) {
        self.agents.per_agent = on;
    }

    /// Whether to keep the live figures: the rolling windows (`Engine::window`), the wait
    /// buckets (`Engine::waits`) and the index of the calls waiting (`Engine::waiting`). On by
    /// default; a replay, which prints records and reads no live figure, turns them off and
    /// saves their upkeep on every event.
    pub fn set_live_windows(&mut self, on: bool) {
        self.no_live_windows = !on;
        self.calls.index_waiting(on);
    }

    /// Leaves the watermark to the caller: `ingest` no longer advances it from the newest
    /// event, and the caller calls [`Engine::advance_to`]. An input of several partitions
    /// needs this: read from a backlog, one partition runs ahead of another, and a watermark
    /// taken from the newest event overall would make the slower partitions' events late.
    /// The live service advances to the minimum over its partitions of each one's newest
    /// event time, minus the lateness.
    pub fn set_caller_watermark(&mut self, on: bool) {
        self.caller_watermark = on;
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    pub fn calendar(&self) -> &Calendar {
        self.store.calendar()
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    pub fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        s.revisions = self.store.revisions;
        s
    }

    /// Highest event time seen minus the allowed lateness (`Millis::MIN` before any event).
    pub fn watermark(&self) -> Millis {
        self.watermark
    }

    /// Counts an input that could not be decoded and keeps it with its reason.
    pub fn reject(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) {
        self.stats.read += 1;
        self.stats.reject(reason);
        self.rejections.push(Rejection {
            reason,
            origin,
            bytes: bytes.to_vec(),
        });
    }

    /// Moves the watermark to `watermark` (if later): releases the events before it in
    /// event-time order and closes the periods it passes. The live service calls this with the
    /// wall clock when partitions are idle.
    pub fn advance_to(&mut self, watermark: Millis) {
        if watermark <= self.watermark {
            return;
        }
        self.overlay_changing();
        self.watermark = watermark;
        while let Some(q) = self.reorder.pop_before(watermark) {
            self.close_through(q.at);
            self.apply(q);
        }
        self.close_through(watermark);
        self.expire_calls(watermark);
        if watermark.saturating_sub(self.last_sweep) >= MINUTE {
            self.sweep(watermark);
        }
    }

    /// End of input: judges the clock's tentative events, applies everything buffered, closes
    /// every period, and rejects events still waiting for an offer (`no_offer`). Agent and
    /// component time is credited up to the stream's time.
    pub fn flush(&mut self) {
        self.overlay_changing();
        let mut rejected = std::mem::take(&mut self.clock_rejected);
        self.clock.finish(&mut rejected);
        self.reject_tentative(&mut rejected);
        self.clock_rejected = rejected;
        if !self.caller_watermark {
            // The step the last tentative events would have made, had more events come.
            self.advance_to(self.clock.frontier().saturating_sub(self.cfg.lateness));
        }
        while let Some(q) = self.reorder.pop_before(Millis::MAX) {
            self.close_through(q.at);
            self.apply(q);
        }
        let latest = self.clock.frontier();
        if latest > Millis::MIN {
            self.credit_through(latest);
        }
        let mut orphans = self.calls.drain_orphans();
        orphans.sort();
        for q in orphans {
            self.reject_applied(RejectReason::NoOffer, &q);
        }
        let from = self.records.len();
        self.store.close_through(Millis::MAX, &mut self.records);
        self.sort_records(from);
        self.watermark = self.watermark.max(latest);
        self.overlay.set_stale(); // the clock's last judgement may have confirmed events
    }

    /// Final and revised period records emitted since the last call.
    pub fn take_records(&mut self) -> Vec<Closed> {
        std::mem::take(&mut self.records)
    }

    /// Rejected inputs since the last call. The origins of the clock's refusals
    /// ([`Engine::take_refused`]) are among them, and go too: an input that never asks for
    /// those (a file, the demo) does not keep them for ever.
    pub fn take_rejections(&mut self) -> Vec<Rejection> {
        self.refused.clear();
        std::mem::take(&mut self.rejections)
    }

    /// Outages that ended since the last call.
    pub fn take_outages(&mut self) -> Vec<Outage> {
        std::mem::take(&mut self.outages)
    }

    /// The service-level threshold of a scope.
    pub fn threshold(&self, scope: Scope) -> Millis {
        self.store.threshold(scope)
    }

    /// The stream's time: the clock's frontier, the newest event time the stream agrees on
    /// (`Millis::MIN` before any event).
    pub fn latest(&self) -> Millis {
        self.clock.frontier()
    }

    /// Agent and component time is in the tallies up to this instant: the engine credits it
    /// when the watermark passes an interval's end plus the grace (`Millis::MIN` before).
    pub fn credited_through(&self) -> Millis {
        self.credited
    }

    /// How much of `[start, end)` is credited: 0 before the first credit (when
    /// [`Engine::credited_through`] is still `Millis::MIN`) or before `start`.
    pub fn credited_within(&self, start: Millis, end: Millis) -> Millis {
        self.credited.min(end).saturating_sub(start).max(0)
    }

    /// Events in the reorder buffer, waiting for the watermark to pass them.
    pub fn buffered(&self) -> usize {
        self.reorder.len()
    }

    /// Events this process put into the reorder buffer so far: it grows when an ingest
    /// buffered its event (even if the clock took others out at the same time).
    pub fn buffered_total(&self) -> u64 {
        self.reorder.pushed()
    }

    /// Calls tracked now (offered and not yet finished, or waiting for their offer).
    pub fn calls_in_flight(&self) -> usize {
        self.calls.len()
    }

    /// New customers not tracked for repeat contacts because `limits.max_customers` were
    /// tracked already (their calls are counted; since this process started).
    pub fn untracked_customers(&self) -> u64 {
        self.customers.untracked()
    }

    /// Bytes held by the state that grows with traffic (calls, tallies, dedupe, buffer).
    pub fn state_bytes(&self) -> usize {
        self.calls.bytes()
            + self.store.bytes()
            + self.dedupe.len() * 9
            + self.reorder.len() * std::mem::size_of::<Queued>()
            + self.customers.len() * 64
            + self.callbacks.bytes()
    }

    /// Credits open agent and component time, counts overdue complaints, and finalises the
    /// periods that `t` passes.
    fn close_through(&mut self, t: Millis) {
        if t >= self.next_boundary {
            self.credit_through(t);
            let interval = self
                .store
                .calendar()
                .period(Granularity::Interval, t.saturating_sub(self.cfg.grace));
            self.next_boundary = interval.end.saturating_add(self.cfg.grace);
        }
        let from = self.records.len();
        self.store.close_through(t, &mut self.records);
        if self.records.len() > from {
            self.sort_records(from);
        }
    }

    fn credit_through(&mut self, t: Millis) {
        self.credited = self.credited.max(t);
        self.agents.credit_all(&mut self.store, t);
        self.health.credit_all(&mut self.store, t);
        self.complaints
            .check(&mut self.store, t, self.cfg.complaint_retention);
    }

    /// Orders one close step's records by granularity, period, scope kind and name, so the
    /// output does not depend on the order in which names were first seen.
    fn sort_records(&mut self, from: usize) {
        let names = &self.names;
        self.records[from..].sort_by(|a, b| {
            let key = |r: &Closed| {
                (
                    r.revision > 0,
                    r.period.granularity,
                    r.period.start,
                    scope_rank(r.scope),
                )
            };
            key(a)
                .cmp(&key(b))
                .then_with(|| names.of(a.scope).cmp(&names.of(b.scope)))
        });
    }

    /// Evicts calls silent for `call_timeout`, forgets finished calls after
    /// `wrapup_timeout`, and rejects events whose call was never offered.
    fn expire_calls(&mut self, w: Millis) {
        let overlay = &mut self.overlay;
        let mut expired = self.calls.expire(w, |id| overlay.call_changed(id));
        self.stats.evicted_calls += expired.evicted;
        expired.orphans.sort();
        for q in expired.orphans {
            self.reject_applied(RejectReason::NoOffer, &q);
        }
    }

    /// Expires customers, forecasts and dedupe keys (once a minute of event time).
    fn sweep(&mut self, w: Millis) {
        let day = |t| self.calendar().period(Granularity::Day, t).start;
        let today = day(w);
        let previous_day = (self.last_sweep != Millis::MIN).then(|| day(self.last_sweep));
        self.last_sweep = w;
        let keep = self.cfg.repeat_window + self.cfg.grace + self.cfg.revision_horizon;
        self.customers.expire(w.saturating_sub(keep));
        let horizon = self.cfg.grace + self.cfg.revision_horizon;
        // Saturating: restore refuses a forecast the decoder would not give (its interval then
        // ends by 2100 and a day), but an end past the integers must not panic either.
        self.forecasts.retain(|(_, start, minutes), _| {
            let end = start.saturating_add(Millis::from(*minutes) * MINUTE);
            end.saturating_add(horizon) >= w
        });
        self.dedupe.expire(w);
        // What the callback facts keep depends on the day alone, and forgetting passes over
        // a day's calls: once a day, at its first sweep, not every minute. A fact that comes
        // late for a day already swept waits for the next day's (no list of today shows it).
        if previous_day != Some(today) {
            self.callbacks.expire(today, self.cfg.call_timeout);
        }
    }
}

fn scope_rank(scope: Scope) -> u8 {
    match scope {
        Scope::Center => 0,
        Scope::Queue(_) => 1,
        Scope::Agent(_) => 2,
        Scope::Component(_) => 3,
    }
}
