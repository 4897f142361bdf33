//! Live views of call outcomes between period records: rolling windows over the last minutes
//! and exact wait-time buckets, per queue and center-wide.
//!
//! A rolling window is made of one-minute buckets of event time (the minute of the call's
//! anchor, as for periods): "the last 15 minutes" at time `t` is the minute containing `t`
//! and the 14 before it. Every bucket is a set of sums, so windows of several instances add
//! up. Wait buckets count waits `≤` each bound exactly, in milliseconds, so a bucket at the
//! service-level threshold counts what the service level counts.

use super::calls::Delta;
use super::scope::{Names, Scope};
use super::stats::MAX_STAT;
use super::tally;
use crate::kpi::counts::saved_fields;
use crate::kpi::{self, CallCounts};
use crate::time::{Millis, MINUTE, SECOND};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The longest rolling window kept, in minutes.
pub const MAX_WINDOW_MINUTES: i64 = 60;
const RING: usize = MAX_WINDOW_MINUTES as usize + 4;

/// The ring of minute sums as a sequence (serde has no arrays this long).
mod ring {
    use super::{Millis, Window, RING};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    type Ring = Box<[(i64, Window); RING]>;

    pub fn serialize<S: Serializer>(ring: &Ring, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(ring.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Ring, D::Error> {
        let minutes: Vec<(Millis, Window)> = Vec::deserialize(d)?;
        let len = minutes.len();
        minutes
            .into_boxed_slice()
            .try_into()
            .map_err(|_| D::Error::custom(format!("a ring of {len} minutes, not {RING}")))
    }
}

/// Default wait-time bucket bounds, in seconds; configured thresholds are added to them.
pub const DEFAULT_WAIT_BOUNDS_S: [i64; 12] = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];

/// The call sums of one scope over a window: the call counts (their KPIs are
/// [`CallCounts`]'s), and more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub counts: CallCounts,
    /// Conversations that ended in the window (at their end), with their talk time, and the
    /// after-call work that ended in it: the average handling time of live staffing.
    pub handled: u64,
    pub talk_sum: Millis,
    pub wrap_sum: Millis,
}

// A checkpoint keeps a window's sums in the order they were declared before the call counts
// were one part, then the calls that flowed out
// and the callbacks requested (`SNAPSHOT_FORMAT` 5).
saved_fields!(Window as SavedWindow |w| {
    offered: u64 = w.counts.offered,
    answered: u64 = w.counts.answered,
    answered_within: u64 = w.counts.answered_within,
    abandoned: u64 = w.counts.abandoned,
    abandoned_within: u64 = w.counts.abandoned_within,
    short_abandoned: u64 = w.counts.short_abandoned,
    wait_sum: Millis = w.counts.wait_ms,
    handled: u64 = w.handled,
    talk_sum: Millis = w.talk_sum,
    wrap_sum: Millis = w.wrap_sum,
    flowed_out: u64 = w.counts.flowed_out,
    callbacks_requested: u64 = w.counts.callbacks_requested,
});

impl Window {
    pub fn merge(&mut self, o: &Window) {
        self.counts += o.counts;
        self.handled += o.handled;
        self.talk_sum += o.talk_sum;
        self.wrap_sum += o.wrap_sum;
    }

    /// Clause 9.1.3: (talk + wrap-up) / conversations handled; `None` without one.
    pub fn aht_seconds(&self) -> Option<f64> {
        kpi::aht_seconds(self.talk_sum, self.wrap_sum, self.handled)
    }

    /// Whether its counts and sums are within the bounds of a tally's (see
    /// [`Tally::check_bounds`](super::Tally::check_bounds)).
    fn check_bounds(&self) -> Result<(), String> {
        let more = [self.handled];
        tally::check_counts(self.counts.counts().into_iter().chain(more))?;
        tally::check_sums([self.counts.wait_ms, self.talk_sum, self.wrap_sum])
    }
}

/// Cumulative counts of waits `≤` each bound (Prometheus `le` buckets), plus sum and count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitBuckets {
    /// Cumulative counts, one per bound of [`Live::bounds`].
    pub le: Vec<u64>,
    pub count: u64,
    pub sum: Millis,
}

impl WaitBuckets {
    /// Whether buckets read from a checkpoint can go on counting: cumulative (none above the
    /// count), the count at most [`MAX_STAT`], the sum of waits not negative nor near overflow.
    fn check_bounds(&self) -> Result<(), String> {
        tally::check_at_most([self.count], MAX_STAT)?;
        tally::check_at_most(self.le.iter().copied(), self.count)?;
        if !(0..=1 << 62).contains(&self.sum) {
            return Err(format!("a sum of waits of {} ms", self.sum));
        }
        Ok(())
    }

    /// Adds `other`'s counts (of the same bounds) to these.
    pub fn merge(&mut self, other: &WaitBuckets) {
        if self.le.len() < other.le.len() {
            self.le.resize(other.le.len(), 0);
        }
        for (a, b) in self.le.iter_mut().zip(&other.le) {
            *a += b;
        }
        self.count += other.count;
        self.sum += other.sum;
    }

    /// Counts one wait (or takes one back, `ADD` false).
    fn observe<const ADD: bool>(&mut self, bounds: &[Millis], wait: Millis) {
        if self.le.len() != bounds.len() {
            self.le.resize(bounds.len(), 0);
        }
        // Bounds are sorted: every bucket from the first that holds `wait` counts it. Plain
        // adds in this loop (it runs for every answer): each bucket is at most `count`, which
        // restore checks against `MAX_STAT`, and `count` saturates below.
        let first = bounds.partition_point(|&b| b < wait);
        for c in &mut self.le[first..] {
            *c = if ADD { *c + 1 } else { c.saturating_sub(1) };
        }
        bump::<ADD>(&mut self.count, 1);
        bump_ms::<ADD>(&mut self.sum, wait);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ScopeLive {
    /// `(minute number, sums)`; a bucket whose minute is not the one asked for is stale.
    #[serde(with = "ring")]
    ring: Box<[(i64, Window); RING]>,
    answered: WaitBuckets,
    abandoned: WaitBuckets,
}

impl Default for ScopeLive {
    fn default() -> Self {
        ScopeLive {
            ring: Box::new([(i64::MIN, Window::default()); RING]),
            answered: WaitBuckets::default(),
            abandoned: WaitBuckets::default(),
        }
    }
}

/// Rolling windows and wait buckets of the center and every queue.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Live {
    bounds: Vec<Millis>,
    scopes: FxHashMap<Scope, ScopeLive>,
}

impl Live {
    /// Wait buckets at the default bounds plus each of `extra` (thresholds), sorted, unique.
    pub fn new(extra: impl IntoIterator<Item = Millis>) -> Self {
        let mut bounds: Vec<Millis> = DEFAULT_WAIT_BOUNDS_S.iter().map(|s| s * SECOND).collect();
        bounds.extend(extra.into_iter().filter(|&b| b > 0));
        bounds.sort_unstable();
        bounds.dedup();
        Live {
            bounds,
            scopes: FxHashMap::default(),
        }
    }

    /// Empty windows with the same wait bucket bounds.
    pub fn empty_like(&self) -> Live {
        Live {
            bounds: self.bounds.clone(),
            scopes: FxHashMap::default(),
        }
    }

    /// The wait bucket bounds, in milliseconds, ascending.
    pub fn bounds(&self) -> &[Millis] {
        &self.bounds
    }

    /// Records one call delta of a queue or the center; other scopes are not tracked.
    pub fn add(
        &mut self,
        scope: Scope,
        anchor: Millis,
        delta: Delta,
        threshold: Millis,
        short_abandon: Option<Millis>,
    ) {
        self.change::<true>(scope, anchor, delta, threshold, short_abandon);
    }

    /// Takes back a delta [`Live::add`] recorded (the provisional overlay, when the event
    /// behind it is applied). A minute the ring no longer holds lost the delta already.
    pub fn retract(
        &mut self,
        scope: Scope,
        anchor: Millis,
        delta: Delta,
        threshold: Millis,
        short_abandon: Option<Millis>,
    ) {
        self.change::<false>(scope, anchor, delta, threshold, short_abandon);
    }

    fn change<const ADD: bool>(
        &mut self,
        scope: Scope,
        anchor: Millis,
        delta: Delta,
        threshold: Millis,
        short_abandon: Option<Millis>,
    ) {
        if !matches!(scope, Scope::Queue(_) | Scope::Center) {
            return;
        }
        let s = self.scopes.entry(scope).or_default();
        let minute = anchor.div_euclid(MINUTE);
        let slot = &mut s.ring[minute.rem_euclid(RING as i64) as usize];
        if slot.0 != minute {
            if slot.0 > minute || !ADD {
                // Older than the ring holds: only the wait buckets (all-time) take it.
                return change_waits::<ADD>(s, &self.bounds, delta);
            }
            *slot = (minute, Window::default());
        }
        let w = &mut slot.1;
        let n = |x: &mut u64, by: bool| bump::<ADD>(x, u64::from(by));
        let c = &mut w.counts;
        match delta {
            Delta::Offered => n(&mut c.offered, true),
            Delta::FlowedOut => n(&mut c.flowed_out, true),
            Delta::CallbackRequested => n(&mut c.callbacks_requested, true),
            Delta::Answered { wait } => {
                n(&mut c.answered, true);
                n(&mut c.answered_within, wait <= threshold);
                bump_ms::<ADD>(&mut c.wait_ms, wait);
            }
            Delta::Abandoned { wait } => {
                n(&mut c.abandoned, true);
                n(
                    &mut c.short_abandoned,
                    short_abandon.is_some_and(|s| wait < s),
                );
                n(&mut c.abandoned_within, wait <= threshold);
            }
            Delta::Handled { talk, .. } => {
                n(&mut w.handled, true);
                bump_ms::<ADD>(&mut w.talk_sum, talk);
            }
            Delta::Wrapup { wrap } => bump_ms::<ADD>(&mut w.wrap_sum, wrap),
            _ => {}
        }
        change_waits::<ADD>(s, &self.bounds, delta);
    }

    /// Whether every scope with windows has a name.
    pub fn check_ids(&self, names: &Names) -> Result<(), String> {
        self.scopes.keys().try_for_each(|&scope| names.check(scope))
    }

    /// Whether every window's counts and sums are within a tally's bounds.
    pub fn check_bounds(&self) -> Result<(), String> {
        let windows = self.scopes.values().flat_map(|s| s.ring.iter());
        windows
            .into_iter()
            .try_for_each(|(_, w)| w.check_bounds())?;
        let buckets = self
            .scopes
            .values()
            .flat_map(|s| [&s.answered, &s.abandoned]);
        buckets.into_iter().try_for_each(WaitBuckets::check_bounds)
    }

    /// The sums of `scope` over the `minutes` minutes ending with the minute containing `at`
    /// (`minutes` is capped at [`MAX_WINDOW_MINUTES`]).
    pub fn window(&self, scope: Scope, at: Millis, minutes: i64) -> Window {
        let [sum] = self.windows(scope, at, [minutes]);
        sum
    }

    /// [`Live::window`] of each of `minutes`, in one pass over the minutes of the longest.
    pub fn windows<const N: usize>(
        &self,
        scope: Scope,
        at: Millis,
        minutes: [i64; N],
    ) -> [Window; N] {
        let mut sums = [Window::default(); N];
        let Some(s) = self.scopes.get(&scope) else {
            return sums;
        };
        let lengths = minutes.map(|m| m.clamp(1, MAX_WINDOW_MINUTES));
        let longest = lengths.iter().copied().max().unwrap_or(0);
        let last = at.div_euclid(MINUTE);
        // Each minute has one slot; only the windows' minutes are looked at, newest first (the
        // ring is longer than any window, so no slot holds two of them).
        for back in 0..longest {
            let minute = last - back;
            let (held, w) = &s.ring[minute.rem_euclid(RING as i64) as usize];
            if *held == minute {
                for (sum, &length) in sums.iter_mut().zip(&lengths) {
                    if back < length {
                        sum.merge(w);
                    }
                }
            }
        }
        sums
    }

    /// The scopes with windows.
    pub(super) fn scopes(&self) -> impl Iterator<Item = Scope> + '_ {
        self.scopes.keys().copied()
    }

    /// All-time wait buckets of answered and of abandoned calls of `scope`.
    pub fn waits(&self, scope: Scope) -> Option<(&WaitBuckets, &WaitBuckets)> {
        self.scopes.get(&scope).map(|s| (&s.answered, &s.abandoned))
    }
}

fn change_waits<const ADD: bool>(s: &mut ScopeLive, bounds: &[Millis], delta: Delta) {
    match delta {
        Delta::Answered { wait } => s.answered.observe::<ADD>(bounds, wait),
        Delta::Abandoned { wait } => s.abandoned.observe::<ADD>(bounds, wait),
        _ => {}
    }
}

/// Adds `by` to a count, or takes it back (never below zero). Saturating: the all-time wait
/// buckets of a restored checkpoint may stand anywhere, and a count pinned at its maximum is
/// better than a panic.
pub(super) fn bump<const ADD: bool>(x: &mut u64, by: u64) {
    *x = if ADD {
        x.saturating_add(by)
    } else {
        x.saturating_sub(by)
    };
}

/// Adds `by` to a sum of milliseconds, or takes it back (saturating, as [`bump`]).
pub(super) fn bump_ms<const ADD: bool>(x: &mut Millis, by: Millis) {
    *x = if ADD {
        x.saturating_add(by)
    } else {
        x.saturating_sub(by)
    };
}

#[cfg(test)]
mod tests;
