//! The stream's clock: how far event time has come, estimated so that no single event can
//! move it for everyone.
//!
//! The engine's watermark is this clock's frontier minus the lateness. Taken as the newest
//! event seen, as it once was, one event with a wrong clock poisoned it: a device rebooted
//! without NTP sends a heartbeat stamped 1970 and every later event looks 56 years ahead; one
//! event stamped 2099 or 30 days ahead makes every later event late. So an event moves the
//! frontier only when the stream bears it out:
//!
//! ```text
//!              frontier             frontier + jump
//!   ──────────────┼─────────────────────┼─────────────────────────────────────► event time
//!    behind:      │ near: moves the      │ far ahead: *tentative* — taken into the buffer,
//!    in order or  │ frontier at once     │ but the frontier waits for the next event:
//!    late, as     │                      │  · a later event at or past it (less `jump`)
//!    always       │                      │    confirms it: the frontier moves to it
//!                 │                      │  · `quorum` events at the frontier after it
//!                 │                      │    contradict it: it leaves the buffer,
//!                 │                      │    rejected as `bad_timestamp`
//! ```
//!
//! * An event no later than `frontier + jump` (`engine.max_time_jump`) moves the frontier at
//!   once. A later one is *tentative*: it waits in the reorder buffer like any event (it lies
//!   ahead of the watermark, so nothing of it is final), but does not move the frontier.
//! * The next event at or past `T − jump` confirms a tentative event `T`: the stream has
//!   reached its time (a night without calls, a backlog of another partition). For an
//!   in-order stream the frontier thus moves one event later than it would have, over the
//!   same events, and the records are the same.
//! * Each event at or ahead of the frontier (the stream's present, not a straggler) counts
//!   against every tentative event; one that `quorum` such events contradict is taken out of
//!   the buffer and rejected (`bad_timestamp`): it costs itself alone.
//! * Before the first event there is no frontier, so the first event is tentative too. A
//!   later event confirms a tentative one only within [`REACH`] (31 days) of it; a tentative
//!   event that the frontier, once confirmed, leaves behind by more than that (a first
//!   heartbeat stamped 1970, then the real time) is taken for a wrong clock too, and rejected
//!   as `too_late`: it lies far beyond any revision horizon.
//! * At the end of input, tentative events that nothing contradicted count; the others are
//!   rejected.
//! * With a wall clock (the live modes) an event stamped more than `max_future` ahead of it is
//!   rejected at once, and one within `jump` of it is near whatever the frontier says.
//!
//! Limits: two outliers in a row, the second later than the first, read as the stream moving
//! on (the second confirms the first); tentative events are at most [`MAX_TENTATIVE`] (past
//! it the oldest is rejected).

use super::reorder::Key;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// The most tentative events at once.
pub const MAX_TENTATIVE: usize = 1_024;

/// How far past a tentative event a later one may lie and still bear it out.
pub const REACH: Millis = 31 * 24 * crate::time::HOUR;

/// How the clock judges: from the engine configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// `engine.max_time_jump`.
    pub jump: Millis,
    /// Events at the frontier that reject a tentative event.
    pub quorum: u32,
    /// `engine.max_future`.
    pub max_future: Millis,
}

impl Settings {
    /// The clock of an engine configured by `cfg`.
    pub fn of(cfg: &crate::config::EngineConfig) -> Settings {
        Settings {
            jump: cfg.max_time_jump,
            quorum: crate::config::TIME_QUORUM,
            max_future: cfg.max_future,
        }
    }
}

/// Why the clock takes a tentative event back out of the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// `quorum` events at the frontier contradicted it: `bad_timestamp`.
    Contradicted,
    /// The frontier left it behind by more than [`REACH`]: `too_late`.
    Stale,
}

/// What the clock made of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Near the frontier or behind it: in event time now.
    Current,
    /// Far ahead: in the buffer, but the frontier waits for the stream to bear it out.
    Tentative,
    /// Beyond the wall clock: rejected.
    Refused,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Tentative {
    at: Millis,
    key: Key,
    /// Events at the frontier since it came.
    contradicted: u32,
}

/// The robust event-time frontier. See the module documentation.
#[derive(Debug, Serialize, Deserialize)]
pub struct Clock {
    /// Newest confirmed event time (`Millis::MIN` before the first).
    frontier: Millis,
    tentative: Vec<Tentative>,
    #[serde(skip, default = "unset_settings")]
    settings: Settings,
    /// The wall clock of a live input, set before each batch (`None` in replay).
    #[serde(skip)]
    wall: Option<Millis>,
    /// Tentative events confirmed so far: each brings events into the stream's time that the
    /// provisional overlay left out.
    #[serde(skip)]
    confirmed: u64,
}

fn unset_settings() -> Settings {
    Settings {
        jump: Millis::MAX,
        quorum: u32::MAX,
        max_future: Millis::MAX,
    }
}

impl Clock {
    pub fn new(settings: Settings) -> Self {
        Clock {
            frontier: Millis::MIN,
            tentative: Vec::new(),
            settings,
            wall: None,
            confirmed: 0,
        }
    }

    /// Takes the settings of `fresh`, keeping this clock's state (a restored checkpoint).
    pub fn configure_like(&mut self, fresh: &Self) {
        self.settings = fresh.settings;
        self.set_wall(fresh.wall);
    }

    /// Sets the wall clock of a live input (see the module docs); `None` in replay. A
    /// frontier beyond what the wall clock allows (restored from a machine whose clock was
    /// wrong) is dropped: the next events set it again.
    pub fn set_wall(&mut self, now: Option<Millis>) {
        self.wall = now;
        if let Some(now) = now {
            if self.frontier > now.saturating_add(self.settings.max_future) {
                self.frontier = Millis::MIN;
            }
        }
    }

    /// Whether an event at `at`, held in the reorder buffer and not tentative, agrees with the
    /// frontier: no more than [`REACH`] ahead of it (a restored checkpoint is checked so).
    pub fn bears(&self, at: Millis) -> bool {
        self.frontier == Millis::MIN || at <= self.frontier.saturating_add(REACH)
    }

    /// Keeps only the tentative events `held` says are still waiting (a restored checkpoint:
    /// each must name an event of the reorder buffer), each where its key says its event sorts
    /// (as the clock was told when it came). One said to lie elsewhere, near the end of the
    /// integers, moved the stream's time there once nothing contradicted it.
    pub fn retain_tentative(&mut self, held: impl Fn(Key) -> bool) {
        self.tentative.retain(|t| held(t.key));
        for t in &mut self.tentative {
            t.at = t.key.0;
        }
    }

    /// Newest confirmed event time, `Millis::MIN` before the first.
    pub fn frontier(&self) -> Millis {
        self.frontier
    }

    /// The ordering keys of the tentative events.
    pub fn tentative_keys(&self) -> impl Iterator<Item = Key> + '_ {
        self.tentative.iter().map(|t| t.key)
    }

    /// How many tentative events were confirmed so far (it grows when one is).
    pub fn confirmed(&self) -> u64 {
        self.confirmed
    }

    /// Tentative events, waiting for the stream to bear them out.
    #[cfg(test)]
    pub fn tentative(&self) -> usize {
        self.tentative.len()
    }

    /// Judges the event at `at` (with reorder key `key`); the tentative events this takes
    /// back go to `rejected`, with the reason.
    pub fn observe(&mut self, at: Millis, key: Key, rejected: &mut Vec<(Key, Verdict)>) -> Seen {
        let s = self.settings;
        if self
            .wall
            .is_some_and(|now| at > now.saturating_add(s.max_future))
        {
            return Seen::Refused;
        }
        self.reach(at);
        if self.near(at) {
            let current = at >= self.frontier;
            self.frontier = self.frontier.max(at);
            if current {
                self.contradict(rejected);
            }
            self.leave_behind(rejected);
            return Seen::Current;
        }
        self.leave_behind(rejected);
        self.tentative.push(Tentative {
            at,
            key,
            contradicted: 0,
        });
        if self.tentative.len() > MAX_TENTATIVE {
            rejected.push((self.tentative.remove(0).key, Verdict::Contradicted));
        }
        Seen::Tentative
    }

    /// End of input: tentative events that nothing contradicted count (the frontier moves
    /// to the newest), the others are rejected; so is one more than [`REACH`] ahead of a
    /// frontier (no later event can bear it out now, and taking it would move the stream's
    /// time, and the time credited to agents and components, by more than a month at once).
    pub fn finish(&mut self, rejected: &mut Vec<(Key, Verdict)>) {
        let frontier = self.frontier;
        let within =
            |t: &Tentative| frontier == Millis::MIN || t.at <= frontier.saturating_add(REACH);
        let (kept, contradicted): (Vec<_>, Vec<_>) = std::mem::take(&mut self.tentative)
            .into_iter()
            .partition(|t| t.contradicted == 0 && within(t));
        rejected.extend(contradicted.iter().map(|t| (t.key, Verdict::Contradicted)));
        if let Some(newest) = kept.iter().map(|t| t.at).max() {
            self.frontier = self.frontier.max(newest);
            self.confirmed = self.confirmed.saturating_add(kept.len() as u64);
        }
        self.tentative = kept;
        self.leave_behind(rejected);
        self.tentative.clear();
    }

    /// Whether an event at `at` is near enough to move the frontier at once.
    fn near(&self, at: Millis) -> bool {
        let jump = self.settings.jump;
        (self.frontier != Millis::MIN && at <= self.frontier.saturating_add(jump))
            || self.wall.is_some_and(|now| at >= now.saturating_sub(jump))
    }

    /// An event at `at` confirms every tentative event it reaches: one it lies at or past
    /// (less `jump`), and within [`REACH`] of. (One far past a tentative event says nothing
    /// of it: either may be the outlier.)
    fn reach(&mut self, at: Millis) {
        let s = self.settings;
        let mut confirmed = self.frontier;
        self.tentative.retain(|t| {
            let reached = at.saturating_add(s.jump) >= t.at && at.saturating_sub(t.at) <= REACH;
            if reached {
                confirmed = confirmed.max(t.at);
                self.confirmed = self.confirmed.saturating_add(1);
            }
            !reached
        });
        self.frontier = confirmed;
    }

    /// Rejects the tentative events the frontier has left behind by more than [`REACH`].
    fn leave_behind(&mut self, rejected: &mut Vec<(Key, Verdict)>) {
        if self.frontier == Millis::MIN {
            return;
        }
        let floor = self.frontier.saturating_sub(REACH);
        self.tentative.retain(|t| {
            let stale = t.at < floor;
            if stale {
                rejected.push((t.key, Verdict::Stale));
            }
            !stale
        });
    }

    /// One more event at the frontier disagrees with every tentative event still ahead (each
    /// lies more than `jump` ahead): reject those it makes `quorum`.
    fn contradict(&mut self, rejected: &mut Vec<(Key, Verdict)>) {
        let quorum = self.settings.quorum;
        let frontier = self.frontier;
        self.tentative.retain_mut(|t| {
            if t.at <= frontier {
                return true;
            }
            t.contradicted = t.contradicted.saturating_add(1);
            if t.contradicted >= quorum {
                rejected.push((t.key, Verdict::Contradicted));
                return false;
            }
            true
        });
    }
}

#[cfg(test)]
mod tests;
