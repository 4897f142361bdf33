//! What the live agents view shows of an agent beyond what its tallies need: the instant its
//! current state began, its pause reason, its state changes of the last hour (for its
//! occupancy over the last 60 minutes) and its day so far (calls handled, talk, wrap-up).
//!
//! `since` moves when the state changes, or when the pause reason changes while not ready (a
//! new pause is a new pause); an `agent.state` that repeats the state and reason (new queues,
//! a source that restates) leaves it. The changes kept are those whose span may still reach
//! into the hour before the newest change: a change is dropped once the one after it lies
//! an hour or more before the newest (at most [`MAX_RECENT`] kept: a source flapping faster
//! than that shortens the hour it is judged over, it never grows memory).
//!
//! Everything here is read from the agent's `agent.state` events, not from its calls: the
//! service keeps no per-agent tallies, and a call's events do not all name its agent.
//!
//! Occupancy over the last 60 minutes, at live time `now`:
//!
//! ```text
//! occupancy_60m = (on_call + wrap_up) / (available + on_call + wrap_up)
//! ```
//!
//! each term the time spent in that state within `[now − 60 min, now)`, from the applied
//! (final) changes followed by the changes the overlay holds for the agent (events still in
//! the reorder buffer, in the order the watermark will apply them): the figure is, at every
//! instant, what it will be once they are applied. Not-ready and logged-out time counts in
//! neither term; `None` when the agent was in none of the three states over the hour.
//!
//! The day so far (the day of the configured time zone containing `now`):
//!
//! * `handled`: spells `on_call` that ended today (the agent left `on_call` for any state);
//!   a call in progress is not counted yet;
//! * `talk`: time `on_call` today in those spells (the one in progress left out);
//! * `wrap`: time in `wrap_up` today, the current spell included;
//!
//! so AHT = (talk + wrap) / handled (9.1.3, [`crate::kpi::aht_seconds`]) and the average
//! after-call work = wrap / handled.

use crate::event::{AgentState, Id};
use crate::time::{Millis, HOUR};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// An agent's day so far: see the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    /// The start of the day these sums are of.
    pub start: Millis,
    pub handled: u32,
    pub talk_ms: Millis,
    pub wrap_ms: Millis,
}

impl Day {
    /// Adds the spell `[from, to)` in `state`, clipped to the day, ended by a change to `next`
    /// (`None`: still going on).
    fn add(&mut self, from: Millis, to: Millis, state: AgentState, next: Option<AgentState>) {
        let ms = to.saturating_sub(from.max(self.start)).max(0);
        match (state, next) {
            (AgentState::OnCall, Some(next)) if next != AgentState::OnCall => {
                self.handled = self.handled.saturating_add(u32::from(to >= self.start));
                self.talk_ms += ms;
            }
            (AgentState::WrapUp, _) => self.wrap_ms += ms,
            _ => {}
        }
    }
}

/// The most state changes kept per agent.
pub const MAX_RECENT: usize = 512;

/// The live view's part of an agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    /// When the current state (and pause reason) began.
    pub since: Millis,
    pub reason: Option<Id>,
    /// State changes, oldest first; the last is the current state (at or before `since`).
    pub recent: Vec<(Millis, AgentState)>,
    /// The spells ended on the day of the newest change.
    pub day: Day,
}

/// The figures of the live view at one instant (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    pub occupancy_60m: Option<f64>,
    pub today: Day,
}

impl Shown {
    /// An agent first seen at `ts` in `state`.
    pub fn first(ts: Millis, state: AgentState, reason: Option<Id>) -> Shown {
        Shown {
            since: ts,
            reason,
            recent: vec![(ts, state)],
            day: Day::default(),
        }
    }

    /// The agent changed from `before` to `state` at `ts`, on the day starting at `day`.
    pub fn change(
        &mut self,
        (before, ts, day): (AgentState, Millis, Millis),
        state: AgentState,
        reason: Option<Id>,
    ) {
        if before != state || self.reason != reason {
            self.since = ts;
        }
        self.reason = reason;
        if before != state {
            if self.day.start != day {
                self.day = Day {
                    start: day,
                    ..Day::default()
                };
            }
            let began = self.recent.last().map_or(ts, |r| r.0);
            self.day.add(began, ts, before, Some(state));
            self.recent.push((ts, state));
        }
        let hour_ago = ts.saturating_sub(HOUR);
        let stale = self
            .recent
            .windows(2)
            .take_while(|w| w[1].0 <= hour_ago)
            .count();
        let over = self.recent.len().saturating_sub(MAX_RECENT);
        self.recent.drain(..stale.max(over));
    }

    /// Whether it is one a checkpoint may hold: instants within `plausible`, changes in order
    /// and at most [`MAX_RECENT`], the last one the agent's state.
    pub fn check(&self, state: AgentState, plausible: &Range<Millis>) -> Result<(), String> {
        let ordered = self.recent.windows(2).all(|w| w[0].0 <= w[1].0);
        let d = &self.day;
        let fits = self.recent.len() <= MAX_RECENT
            && plausible.contains(&self.since)
            && (d.start == 0 || plausible.contains(&d.start))
            && [d.talk_ms, d.wrap_ms]
                .iter()
                .all(|ms| (0..=2 * DAY).contains(ms))
            && self.recent.iter().all(|(t, _)| plausible.contains(t));
        match self.recent.last() {
            Some(&(_, last)) if ordered && fits && last == state => Ok(()),
            _ => Err("an agent's recent states out of range or order".into()),
        }
    }
}

/// The longest day (25 hours) and some: a day's sums beyond it are corrupt.
const DAY: Millis = 25 * HOUR;

impl Shown {
    /// The figures at `now` on the day starting at `day`, with `buffered`: the state changes
    /// the overlay holds for the agent (events still in the reorder buffer), oldest first.
    pub fn figures(&self, buffered: &[(Millis, AgentState)], now: Millis, day: Millis) -> Figures {
        let mut today = if self.day.start == day {
            self.day
        } else {
            Day {
                start: day,
                ..Day::default()
            }
        };
        // The spell going on when the buffered changes begin, then those changes.
        let mut spells: Vec<(Millis, AgentState)> =
            self.recent.last().copied().into_iter().collect();
        spells.extend_from_slice(buffered);
        for (i, &(began, state)) in spells.iter().enumerate() {
            match spells.get(i + 1) {
                Some(&(ended, next)) => today.add(began, ended.min(now), state, Some(next)),
                None => today.add(began, now, state, None),
            }
        }
        let mut timeline = self.recent.clone();
        timeline.extend_from_slice(buffered);
        Figures {
            occupancy_60m: occupancy_60m(&timeline, now),
            today,
        }
    }
}

/// Occupancy over `[now − 60 min, now)` (see the module docs) of the state changes
/// `timeline`, oldest first, the last going on at `now`.
fn occupancy_60m(timeline: &[(Millis, AgentState)], now: Millis) -> Option<f64> {
    let from = now.saturating_sub(HOUR);
    let mut busy: Millis = 0;
    let mut staffed: Millis = 0;
    for (i, &(start, state)) in timeline.iter().enumerate() {
        let end = timeline.get(i + 1).map_or(now, |n| n.0).min(now);
        let ms = end.saturating_sub(start.max(from)).max(0);
        match state {
            AgentState::OnCall | AgentState::WrapUp => {
                busy += ms;
                staffed += ms;
            }
            AgentState::Available => staffed += ms,
            AgentState::NotReady | AgentState::LoggedOut => {}
        }
    }
    (staffed > 0).then(|| busy as f64 / staffed as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MINUTE;
    use AgentState::*;

    #[test]
    fn occupancy_counts_only_the_last_hour_and_leaves_not_ready_out_of_both_terms() {
        // Available 0–30 min, on a call 30–50, not ready 50–70, wrap-up 70–80, at 90 min.
        let recent = [
            (0, Available),
            (30 * MINUTE, OnCall),
            (50 * MINUTE, NotReady),
            (70 * MINUTE, WrapUp),
            (80 * MINUTE, Available),
        ];
        // Window [30, 90): busy 20 + 10 = 30, staffed 30 + 10 available (80–90) = 40.
        assert_eq!(occupancy_60m(&recent, 90 * MINUTE), Some(0.75));
        // At exactly 60 min the window is [0, 60): busy 20, staffed 30 + 20.
        assert_eq!(occupancy_60m(&recent, 60 * MINUTE), Some(0.4));
    }

    #[test]
    fn occupancy_is_none_without_staffed_time_and_zero_with_only_available_time() {
        assert_eq!(occupancy_60m(&[(0, NotReady)], HOUR), None);
        assert_eq!(occupancy_60m(&[(0, Available)], 0), None);
        assert_eq!(occupancy_60m(&[(0, Available)], MINUTE), Some(0.0));
        assert_eq!(occupancy_60m(&[], HOUR), None);
    }

    #[test]
    fn the_overlays_buffered_changes_follow_the_applied_ones() {
        // Applied: available from 0; buffered: on a call from 40 min, wrap-up from 50 min.
        let s = Shown::first(0, Available, None);
        let buffered = [(40 * MINUTE, OnCall), (50 * MINUTE, WrapUp)];
        let f = s.figures(&buffered, 60 * MINUTE, 0);
        assert_eq!(f.occupancy_60m, Some(20.0 / 60.0));
        assert_eq!(
            (f.today.handled, f.today.talk_ms, f.today.wrap_ms),
            (1, 10 * MINUTE, 10 * MINUTE)
        );
    }

    #[test]
    fn since_moves_on_a_new_state_or_a_new_pause_reason_not_on_a_restatement() {
        let mut s = Shown::first(0, Available, None);
        s.change((Available, 10, 0), Available, None);
        assert_eq!((s.since, s.recent.len()), (0, 1));
        s.change((Available, 20, 0), NotReady, Some("lunch".into()));
        assert_eq!(s.since, 20);
        s.change((NotReady, 30, 0), NotReady, Some("lunch".into()));
        assert_eq!(s.since, 20);
        s.change((NotReady, 40, 0), NotReady, Some("training".into()));
        assert_eq!((s.since, s.reason.as_deref()), (40, Some("training")));
        assert_eq!(s.recent, [(0, Available), (20, NotReady)]);
    }

    #[test]
    fn changes_whose_span_ended_an_hour_before_the_newest_are_dropped_and_the_count_is_capped() {
        let mut s = Shown::first(0, Available, None);
        s.change((Available, 10 * MINUTE, 0), OnCall, None);
        s.change((OnCall, 20 * MINUTE, 0), Available, None);
        // At 80 min the hour starts at 20: the span 0–10 and 10–20 end by then.
        s.change((Available, 80 * MINUTE, 0), OnCall, None);
        assert_eq!(s.recent, [(20 * MINUTE, Available), (80 * MINUTE, OnCall)]);
        let mut s = Shown::first(0, Available, None);
        for i in 1..=(MAX_RECENT as i64 + 10) {
            let (before, now) = if i % 2 == 1 {
                (Available, OnCall)
            } else {
                (OnCall, Available)
            };
            s.change((before, i, 0), now, None);
        }
        assert_eq!(s.recent.len(), MAX_RECENT);
        assert_eq!(s.recent.last().map(|r| r.0), Some(MAX_RECENT as i64 + 10));
    }

    #[test]
    fn the_day_counts_calls_whose_on_call_spell_ended_today_and_wrap_up_so_far() {
        let day = 24 * HOUR;
        // On a call from 23:50 the day before to 00:05, wrap-up to 00:07, then a call from
        // 00:10 still going on at 00:20.
        let mut s = Shown::first(day - 10 * MINUTE, OnCall, None);
        s.change((OnCall, day + 5 * MINUTE, day), WrapUp, None);
        s.change((WrapUp, day + 7 * MINUTE, day), Available, None);
        s.change((Available, day + 10 * MINUTE, day), OnCall, None);
        let f = s.figures(&[], day + 20 * MINUTE, day);
        assert_eq!(
            (f.today.handled, f.today.talk_ms, f.today.wrap_ms),
            (1, 5 * MINUTE, 2 * MINUTE),
            "the call in progress is not counted, its part before midnight neither"
        );
        // The overlay ends the call in progress at 00:18 (wrap-up): it counts, with its
        // wrap-up so far.
        let f = s.figures(&[(day + 18 * MINUTE, WrapUp)], day + 20 * MINUTE, day);
        assert_eq!(
            (f.today.handled, f.today.talk_ms, f.today.wrap_ms),
            (2, 13 * MINUTE, 4 * MINUTE)
        );
        // The next day starts from nothing but the spell going on.
        let f = s.figures(&[], 2 * day + MINUTE, 2 * day);
        assert_eq!(
            f.today,
            Day {
                start: 2 * day,
                ..Day::default()
            }
        );
    }
}
