//! The live figures: the applied state with the provisional overlay of the events still
//! buffered (see [`super::provisional`]). Everything a supervisor sees reads through here.

use super::live::{Live, WaitBuckets, Window};
use super::provisional::Provisional;
use super::store::Closed;
use super::{AgentNow, Engine, Scope, Staffing, Tally};
use crate::time::{Granularity, Millis};
use rustc_hash::FxHashSet;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

impl Engine {
    /// The overlay of the buffered events: the one kept up to date, else recomputed (at most
    /// once per change).
    fn provisional(&self) -> &Provisional {
        if self.overlay.stale() {
            self.rebuilt.get_or_init(|| Provisional::compute(self))
        } else {
            &self.overlay
        }
    }

    /// Calls waiting now, indexed by queue id: how many, and when the longest-waiting one
    /// entered its queue. One pass over the calls in flight.
    pub fn waiting(&self) -> Vec<(u64, Option<Millis>)> {
        self.calls.waiting(self.provisional().calls())
    }

    /// Today's callback list (see [`super::callbacks`]) by queue id: the day of the center's
    /// calendar at the stream's time. Empty before any event. Kept between reads: two reads
    /// with no event between them give the same `Arc`, and a read after a few events costs
    /// what they changed.
    pub fn callback_lists(&self) -> Arc<super::callbacks::Lists> {
        let at = self.latest().max(self.watermark);
        if at == Millis::MIN {
            return Default::default();
        }
        let today = self.calendar().period(Granularity::Day, at).start;
        self.callbacks.list(today)
    }

    /// [`Engine::callback_lists`], a copy to own (of the entries listed, not of the facts).
    pub fn callbacks(&self) -> BTreeMap<u32, super::callbacks::QueueList> {
        let lists = self.callback_lists();
        lists.iter().map(|(q, l)| (*q, (**l).clone())).collect()
    }

    /// How often the callback list was joined (see [`super::callbacks::Joins`]).
    pub fn callback_joins(&self) -> super::callbacks::Joins {
        self.callbacks.joins()
    }

    /// Callback facts not kept for want of room ([`super::callbacks::CAPACITY`]).
    pub fn callbacks_untracked(&self) -> u64 {
        self.callbacks.untracked()
    }

    /// Agents by current state, indexed by queue id, and center-wide (each agent once).
    pub fn staffing(&self) -> (Vec<Staffing>, Staffing) {
        self.agents.staffing(self.provisional().agents())
    }

    /// Every agent seen, at live time `now`: its newest state (buffered events included),
    /// since when, its pause reason and queues, its occupancy over the last hour. By id.
    pub fn agents_now(&self, now: Millis) -> Vec<AgentNow> {
        let day = self.calendar().period(Granularity::Day, now).start;
        self.agents.now(self.provisional().agents(), now, day)
    }

    /// Components down now (at the stream's time): the instant each went down, and why
    /// (`status` or `heartbeat`).
    pub fn components_down(&self) -> Vec<(u32, Millis, &'static str)> {
        let at = self.latest().max(self.watermark);
        self.health.down_at(at, self.provisional().components())
    }

    /// The live tally of `scope` in the period of `g` containing `t`.
    pub fn tally(&self, scope: Scope, g: Granularity, t: Millis) -> Option<Cow<'_, Tally>> {
        let start = self.calendar().period(g, t).start;
        let applied = self.store.tally(scope, g, t);
        match (applied, self.provisional().tally(scope, g, start)) {
            (applied, None) => applied.map(Cow::Borrowed),
            (applied, Some(more)) => {
                let mut t = applied.cloned().unwrap_or_default();
                t.merge(more);
                Some(Cow::Owned(t))
            }
        }
    }

    /// Call sums of `scope` (a queue or the center) over the `minutes` minutes of event time
    /// ending with the minute containing `at`.
    pub fn window(&self, scope: Scope, at: Millis, minutes: i64) -> Window {
        let [w] = self.windows(scope, at, [minutes]);
        w
    }

    /// [`Engine::window`] of each of `minutes`, the minutes of the applied events read once.
    pub fn windows<const N: usize>(
        &self,
        scope: Scope,
        at: Millis,
        minutes: [i64; N],
    ) -> [Window; N] {
        let mut sums = self.live.windows(scope, at, minutes);
        let more = self.provisional().live().windows(scope, at, minutes);
        for (w, more) in sums.iter_mut().zip(&more) {
            w.merge(more);
        }
        sums
    }

    /// The all-time wait buckets of answered and of abandoned calls of `scope`.
    pub fn waits(&self, scope: Scope) -> Option<(WaitBuckets, WaitBuckets)> {
        let applied = self.live.waits(scope);
        let more = self.provisional().waits(scope);
        if applied.is_none() && more.is_none() {
            return None;
        }
        let mut sum = (WaitBuckets::default(), WaitBuckets::default());
        for (answered, abandoned) in applied.into_iter().chain(more) {
            sum.0.merge(answered);
            sum.1.merge(abandoned);
        }
        Some(sum)
    }

    /// The rolling windows and all-time wait buckets of the applied events only.
    pub fn live(&self) -> &Live {
        &self.live
    }

    /// All-time tallies of the center, queues and components since the engine started.
    pub fn totals(&self) -> Vec<(Scope, Cow<'_, Tally>)> {
        let p = self.provisional();
        let mut out: Vec<(Scope, Cow<'_, Tally>)> = self
            .store
            .totals()
            .map(|(scope, t)| match p.total(scope) {
                None => (scope, Cow::Borrowed(t)),
                Some(more) => {
                    let mut t = t.clone();
                    t.merge(more);
                    (scope, Cow::Owned(t))
                }
            })
            .collect();
        // A set, not a search of `out` per scope: with a lateness, the overlay holds a total
        // for every scope with buffered events (each queue of a big center, its agents).
        let mut known: FxHashSet<Scope> = out.iter().map(|(s, _)| *s).collect();
        for (scope, t) in p.totals() {
            if known.insert(scope) {
                out.push((scope, Cow::Borrowed(t)));
            }
        }
        out
    }

    /// Interval records of the intervals not final yet (revision 0, provisional): what the
    /// applied state and the overlay hold for them now.
    pub fn provisional_intervals(&self) -> Vec<Closed> {
        let g = Granularity::Interval;
        let p = self.provisional();
        let mut out: Vec<Closed> = self.store.open(g).collect();
        for c in &mut out {
            if let Some(more) = p.tally(c.scope, g, c.period.start) {
                c.tally.merge(more);
            }
        }
        for (scope, start, t) in p.tallies(g) {
            let known = out
                .iter()
                .any(|c| c.scope == scope && c.period.start == start);
            if !known && !self.store.is_final(scope, g, start) {
                out.push(Closed {
                    scope,
                    period: self.calendar().period(g, start),
                    revision: 0,
                    threshold: self.store.threshold(scope),
                    tally: t.clone(),
                });
            }
        }
        out
    }
}
