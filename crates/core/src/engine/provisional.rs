//! What the events still waiting in the reorder buffer will add: the provisional part of every
//! live figure.
//!
//! The engine applies an event to its state (calls, agents, components, tallies, live
//! windows) when the watermark passes it, in event-time order, so that any arrival order
//! within the lateness gives the same *final* records. A supervisor must not wait for that:
//!
//! ```text
//!             ingest ─► clock ─► reorder buffer ──(watermark)──► apply ─► state ─► final records
//!                          │            │                          │        │
//!                          │            │          retract what the │        │
//!                          ▼            │          overlay added ◄──┘        │
//!                       note ─► provisional overlay ◄───────────────────────┘ (read only)
//!                                        │
//!                      live figure = applied state ⊕ provisional overlay
//! ```
//!
//! Each event is *noted* in the overlay as it enters the buffer: planned against its call's
//! state (the overlay's, else the applied one) with the very functions that will apply it
//! ([`super::calls::plan`], the same contributions and thresholds), its contributions added.
//! When the watermark applies the event, the engine plans it again against the applied state,
//! which now holds everything noted before it, finds the same contributions, and takes them
//! back from the overlay ([`Provisional::retract`]) as it adds them to the state. So the live
//! figures are, at every instant, what the final state will be once the watermark passes the
//! events read so far, if nothing else arrives, at a cost per event, not per read.
//!
//! Ordering matters only within a *subject* (a call, an agent, a component): events of other
//! subjects commute. An event that arrives before one of its own subject already noted (an
//! answer before its offer, across partitions) cannot be put in its place incrementally; nor
//! can a change the overlay did not plan (a late event applied at once, a call expired, an
//! event waiting for its offer). Then the overlay is *stale*: the next read recomputes it
//! from the buffer ([`Provisional::compute`]: the buffered events sorted as the watermark will
//! release them, noted one by one), and the next change keeps that one up to date again. The
//! replay, which has no live reader, never keeps it up to date: a read there always
//! recomputes.
//!
//! The clock's tentative events (stamped far ahead of the stream's time, waiting for a later
//! event to bear them out: [`super::clock`]) are left out until they are confirmed.
//!
//! What the overlay covers: call outcomes (rolling windows, wait buckets, all-time totals, the
//! interval and day tallies), calls waiting, agents' states (with since when, the pause
//! reason and the buffered changes the live agents view adds to the applied ones:
//! [`super::agents`]), components' states, survey answers. Agent and component *time* in the
//! tallies (occupancy, down time) is credited as the watermark passes, in the final state
//! only; so are complaints and forecasts, which no live figure shows before their period is
//! final.

mod check;
mod note;
mod release;

pub(super) use release::Subject;

use super::agents::AgentLive;
use super::calls::{Call, Contribution};
use super::health::Component;
use super::live::{Live, WaitBuckets};
use super::reorder::Key;
use super::scope::Scope;
use super::tally::Tally;
use crate::event::Id;
use crate::time::{Granularity, Millis};
use rustc_hash::FxHashMap;

/// The overlay of the buffered events on the applied state. See the module docs.
#[derive(Debug)]
pub struct Provisional {
    live: Live,
    /// Interval and day tallies, by (scope, granularity, period start), each with the number
    /// of contributions in it (it goes when they are all taken back).
    periods: FxHashMap<(Scope, Granularity, Millis), (Tally, u32)>,
    totals: FxHashMap<Scope, Tally>,
    /// Calls whose state the buffered events change: their state once they are applied.
    calls: FxHashMap<Id, Call>,
    /// Agents whose state the buffered events change: their newest state and queues.
    agents: FxHashMap<u32, AgentLive>,
    /// Components whose state the buffered reports change: their newest state.
    components: FxHashMap<u32, Component>,
    /// The ordering key of the newest event noted, per subject with events in the buffer.
    newest: Newest,
    /// Whether it must be recomputed from the buffer before it is read.
    stale: bool,
    /// Contributions of the event being noted (kept to spare an allocation per event).
    scratch: Vec<Contribution>,
}

/// The ordering key of the newest event noted, per subject.
#[derive(Debug, Default)]
struct Newest {
    calls: FxHashMap<Id, Key>,
    agents: FxHashMap<u32, Key>,
    components: FxHashMap<u32, Key>,
}

/// An overlay not kept: stale, recomputed when read.
impl Default for Provisional {
    fn default() -> Self {
        Provisional {
            live: Live::default(),
            periods: FxHashMap::default(),
            totals: FxHashMap::default(),
            calls: FxHashMap::default(),
            agents: FxHashMap::default(),
            components: FxHashMap::default(),
            newest: Newest::default(),
            stale: true,
            scratch: Vec::new(),
        }
    }
}

/// The granularities of the live tallies the overlay keeps (the API's intervals and today).
const KEPT: [Granularity; 2] = [Granularity::Interval, Granularity::Day];

impl Provisional {
    /// Whether it must be recomputed before it is read (and is not kept up to date).
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// The overlay's rolling windows and wait buckets (see [`Live`]).
    pub fn live(&self) -> &Live {
        &self.live
    }

    pub fn waits(&self, scope: Scope) -> Option<(&WaitBuckets, &WaitBuckets)> {
        self.live.waits(scope)
    }

    /// What the buffered events add to the tally of `scope` for the period of `g` starting at
    /// `start`.
    pub fn tally(&self, scope: Scope, g: Granularity, start: Millis) -> Option<&Tally> {
        self.periods.get(&(scope, g, start)).map(|(t, _)| t)
    }

    /// Every period tally of granularity `g` the overlay touches.
    pub fn tallies(&self, g: Granularity) -> impl Iterator<Item = (Scope, Millis, &Tally)> {
        self.periods
            .iter()
            .filter(move |((_, pg, _), _)| *pg == g)
            .map(|((scope, _, start), (t, _))| (*scope, *start, t))
    }

    pub fn total(&self, scope: Scope) -> Option<&Tally> {
        self.totals.get(&scope)
    }

    pub fn totals(&self) -> impl Iterator<Item = (Scope, &Tally)> {
        self.totals.iter().map(|(s, t)| (*s, t))
    }

    pub fn calls(&self) -> &FxHashMap<Id, Call> {
        &self.calls
    }

    pub fn agents(&self) -> &FxHashMap<u32, AgentLive> {
        &self.agents
    }

    pub fn components(&self) -> &FxHashMap<u32, Component> {
        &self.components
    }
}
