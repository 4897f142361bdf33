//! The period store: one [`Tally`] per (scope, granularity, period start), from the first
//! contribution until the revision horizon has passed.
//!
//! Lifecycle of a slot: *open* → *final* (its record emitted with revision 0 once
//! `closed_through ≥ end + grace`) → *revised* (a contribution to a final slot marks it dirty;
//! the next close step emits it again with `revision + 1`) → *dropped* (once
//! `closed_through ≥ end + grace + horizon`; later contributions are refused as `too_late`).

use super::scope::{Names, Scope};
use super::tally::Tally;
use crate::time::{Calendar, Granularity, Millis, Period};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;

type Key = (Scope, Granularity, Millis);

/// The longest span of an agent's state or a component's monitoring credited in one step
/// (31 days). The stream's time moves that far at once only when an input was silent for
/// over a month and the wall clock or another partition moves it on (or a checkpoint says
/// so): the first 31 days are credited as usual, the rest is time nobody reported (no agent
/// time, not monitored). Crediting it all would create a slot for every period of the span
/// before any closes: decades of intervals from one silent input.
pub const CREDIT_REACH: Millis = 31 * 24 * crate::time::HOUR;

/// Longer than any period of the calendar: a month of 31 days, and a change of offset.
const LONGEST_PERIOD: Millis = 32 * 24 * crate::time::HOUR;

#[derive(Debug, Serialize, Deserialize)]
struct Slot {
    period: Period,
    threshold: Millis,
    tally: Tally,
    emitted: Option<u32>,
    dirty: bool,
}

/// A period record leaving the store: final (revision 0) or revised.
#[derive(Debug, Clone)]
pub struct Closed {
    pub scope: Scope,
    pub period: Period,
    pub revision: u32,
    /// The service-level threshold that counted `answered_within` and `abandoned_within`.
    pub threshold: Millis,
    pub tally: Tally,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Store {
    /// From the configuration, never from a checkpoint (see [`Store::configure_like`]).
    #[serde(skip, default = "unset_calendar")]
    calendar: Calendar,
    granularities: Vec<Granularity>,
    grace: Millis,
    horizon: Millis,
    slots: FxHashMap<Key, Slot>,
    closing: BinaryHeap<Reverse<(Millis, Key)>>,
    dropping: BinaryHeap<Reverse<(Millis, Key)>>,
    dirty: Vec<Key>,
    closed_through: Millis,
    default_threshold: Millis,
    queue_thresholds: Vec<Millis>,
    /// All-time sums of the center, queues and components (not agents): every contribution
    /// accepted since start, whatever its period. The live service exports them as counters.
    totals: FxHashMap<Scope, Tally>,
    pub revisions: u64,
}

impl Store {
    pub fn new(
        calendar: Calendar,
        granularities: &[Granularity],
        grace: Millis,
        horizon: Millis,
        default_threshold: Millis,
    ) -> Self {
        Store {
            calendar,
            granularities: granularities.to_vec(),
            grace,
            horizon,
            slots: FxHashMap::default(),
            closing: BinaryHeap::new(),
            dropping: BinaryHeap::new(),
            dirty: Vec::new(),
            closed_through: Millis::MIN,
            default_threshold,
            queue_thresholds: Vec::new(),
            totals: FxHashMap::default(),
            revisions: 0,
        }
    }

    /// Takes the configuration of `fresh` (a new store of this process), keeping this one's
    /// state: how a restored checkpoint follows the configuration it is restored under.
    /// Queue thresholds are set again as the engine re-reads its queue names.
    pub fn configure_like(&mut self, fresh: &Store) {
        self.calendar = fresh.calendar.clone();
        self.granularities = fresh.granularities.clone();
        self.grace = fresh.grace;
        self.horizon = fresh.horizon;
        self.default_threshold = fresh.default_threshold;
        self.queue_thresholds.clear();
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Whether a contribution at `anchor` can still be recorded: the interval containing it
    /// has not passed the revision horizon. Judged on the interval whatever granularities are
    /// kept, so what is accepted does not depend on the period of the records.
    pub fn writable(&self, anchor: Millis) -> bool {
        self.live(self.calendar.period(Granularity::Interval, anchor))
    }

    /// Whether `period` is still kept (or may still be created).
    fn live(&self, period: Period) -> bool {
        period.end.saturating_add(self.grace + self.horizon) > self.closed_through
    }

    /// Sets the service-level threshold of queue `id` (queues without one use the default).
    pub fn set_queue_threshold(&mut self, id: u32, threshold: Millis) {
        let idx = id as usize;
        if self.queue_thresholds.len() <= idx {
            self.queue_thresholds
                .resize(idx + 1, self.default_threshold);
        }
        self.queue_thresholds[idx] = threshold;
    }

    /// The service-level threshold of a scope: its queue's, or the default (center-wide).
    pub fn threshold(&self, scope: Scope) -> Millis {
        match scope {
            Scope::Queue(id) => self
                .queue_thresholds
                .get(id as usize)
                .copied()
                .unwrap_or(self.default_threshold),
            _ => self.default_threshold,
        }
    }

    /// Applies `f` to the tallies of `scope` for the periods containing `anchor`; `f` also
    /// gets the scope's service-level threshold.
    pub fn add(&mut self, scope: Scope, anchor: Millis, f: impl Fn(&mut Tally, Millis)) {
        let threshold = self.threshold(scope);
        if self.writable(anchor) {
            if let Some(total) = self.total(scope) {
                f(total, threshold);
            }
        }
        for i in 0..self.granularities.len() {
            let period = self.calendar.period(self.granularities[i], anchor);
            if let Some(slot) = self.slot(scope, period) {
                f(&mut slot.tally, threshold);
            }
        }
    }

    /// Splits `[from, to)` over the periods of every granularity and applies `f` with the
    /// milliseconds that fall into each. Periods past the revision horizon are skipped.
    pub fn add_span(
        &mut self,
        scope: Scope,
        from: Millis,
        to: Millis,
        f: impl Fn(&mut Tally, Millis),
    ) {
        if to > from && self.writable(from) {
            if let Some(total) = self.total(scope) {
                f(total, to - from);
            }
        }
        for i in 0..self.granularities.len() {
            let mut t = from;
            while t < to {
                let period = self.calendar.period(self.granularities[i], t);
                let upto = period.end.min(to);
                if upto <= t {
                    debug_assert!(false, "a calendar period must contain its instant");
                    break;
                }
                if let Some(slot) = self.slot(scope, period) {
                    f(&mut slot.tally, upto - t);
                }
                t = upto;
            }
        }
    }

    /// The slot of `scope` for `period`, created if needed; `None` once the period is past
    /// the revision horizon (it is never re-created).
    fn slot(&mut self, scope: Scope, period: Period) -> Option<&mut Slot> {
        if !self.live(period) {
            return None;
        }
        let key = (scope, period.granularity, period.start);
        let threshold = self.threshold(scope);
        let grace = self.grace;
        let horizon = self.horizon;
        let slot = self.slots.entry(key).or_insert_with(|| {
            self.closing
                .push(Reverse((period.end.saturating_add(grace), key)));
            self.dropping
                .push(Reverse((period.end.saturating_add(grace + horizon), key)));
            Slot {
                period,
                threshold,
                tally: Tally::default(),
                emitted: None,
                dirty: false,
            }
        });
        if slot.emitted.is_some() && !slot.dirty {
            slot.dirty = true;
            self.dirty.push(key);
        }
        Some(slot)
    }

    /// Finalises every period with `end + grace ≤ t`, emits revisions of changed final
    /// periods, and drops periods past the horizon. Records go to `out` in close order.
    pub fn close_through(&mut self, t: Millis, out: &mut Vec<Closed>) {
        if t > self.closed_through {
            self.closed_through = t;
        }
        while let Some(&Reverse((at, key))) = self.closing.peek() {
            if at > self.closed_through {
                break;
            }
            self.closing.pop();
            if let Some(slot) = self.slots.get_mut(&key) {
                if slot.emitted.is_none() {
                    slot.emitted = Some(0);
                    slot.dirty = false;
                    out.push(closed(key.0, slot, 0));
                }
            }
        }
        for key in std::mem::take(&mut self.dirty) {
            if let Some(slot) = self.slots.get_mut(&key) {
                if let (Some(rev), true) = (slot.emitted, slot.dirty) {
                    // Saturating: a restored revision number is taken as saved, and one at
                    // the end of its integers must not overflow.
                    let rev = rev.saturating_add(1);
                    slot.emitted = Some(rev);
                    slot.dirty = false;
                    self.revisions = self.revisions.saturating_add(1);
                    out.push(closed(key.0, slot, rev));
                }
            }
        }
        while let Some(&Reverse((at, key))) = self.dropping.peek() {
            if at > self.closed_through {
                break;
            }
            self.dropping.pop();
            self.slots.remove(&key);
        }
    }

    /// The all-time tally of `scope` (kept for the center, queues and components).
    fn total(&mut self, scope: Scope) -> Option<&mut Tally> {
        (!matches!(scope, Scope::Agent(_))).then(|| self.totals.entry(scope).or_default())
    }

    /// All-time tallies, by scope.
    pub fn totals(&self) -> impl Iterator<Item = (Scope, &Tally)> {
        self.totals.iter().map(|(s, t)| (*s, t))
    }

    /// The live tally of `scope` for the period of granularity `g` containing `t`, if any.
    pub fn tally(&self, scope: Scope, g: Granularity, t: Millis) -> Option<&Tally> {
        let period = self.calendar.period(g, t);
        self.slots.get(&(scope, g, period.start)).map(|s| &s.tally)
    }

    /// Records (revision 0) of the periods of `g` not final yet, as they stand now.
    pub fn open(&self, g: Granularity) -> impl Iterator<Item = Closed> + '_ {
        self.slots
            .iter()
            .filter(move |((_, sg, _), s)| *sg == g && s.emitted.is_none())
            .map(|(key, s)| closed(key.0, s, 0))
    }

    /// Whether the period of `g` starting at `start` of `scope` has its final record.
    pub fn is_final(&self, scope: Scope, g: Granularity, start: Millis) -> bool {
        self.slots
            .get(&(scope, g, start))
            .is_some_and(|s| s.emitted.is_some())
    }

    /// Whether every scope of the slots, their queues and the totals has a name.
    pub fn check_ids(&self, names: &Names) -> Result<(), String> {
        let heaps = self.closing.iter().chain(&self.dropping).map(|r| &r.0 .1);
        let keys = self.slots.keys().chain(heaps).chain(&self.dirty);
        for scope in keys.map(|k| k.0).chain(self.totals.keys().copied()) {
            names.check(scope)?;
        }
        Ok(())
    }

    /// Whether every tally's counts and sums are within bounds ([`Tally::check_bounds`]).
    pub fn check_bounds(&self) -> Result<(), String> {
        let tallies = self.slots.values().map(|s| &s.tally);
        let mut all = tallies.chain(self.totals.values());
        all.try_for_each(Tally::check_bounds)
    }

    /// Whether every period held starts where the calendar puts the periods of a restored
    /// stream's instants (`starts`) and lasts no more than a month. A record gives its
    /// period's length, its end less its start, which overflowed for one restored as starting
    /// near the start of the integers.
    pub fn check_periods(&self, starts: Range<Millis>) -> Result<(), String> {
        let fits =
            |p: &Period| starts.contains(&p.start) && (1..=LONGEST_PERIOD).contains(&p.len());
        match self.slots.values().map(|s| s.period).find(|p| !fits(p)) {
            Some(p) => Err(format!(
                "a period from {} to {} out of range",
                p.start, p.end
            )),
            None => Ok(()),
        }
    }

    /// The instant every period ending (with the grace) by it has been closed through.
    pub fn closed_through(&self) -> Millis {
        self.closed_through
    }

    pub fn bytes(&self) -> usize {
        self.slots.values().map(|s| s.tally.bytes() + 64).sum()
    }
}

fn closed(scope: Scope, slot: &Slot, revision: u32) -> Closed {
    Closed {
        scope,
        period: slot.period,
        revision,
        threshold: slot.threshold,
        tally: slot.tally.clone(),
    }
}

/// The calendar of a store read from a checkpoint until [`Store::configure_like`] sets it.
fn unset_calendar() -> Calendar {
    Calendar::new(chrono_tz::UTC, 15)
}
