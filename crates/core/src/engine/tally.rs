//! [`Tally`]: the additive counts of one scope (center, queue, agent or component) over one
//! period. Every field is a sum, so tallies of intervals, of partitions or of instances merge
//! by addition ([`Tally::merge`]); ratios are derived only when a record is written.

use crate::event::{AgentState, Id};
use crate::kpi::counts::saved_fields;
use crate::kpi::CallCounts;
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::waits::{Waits, WAIT_HIST_MAX_MS};

/// Satisfaction answers: responses and satisfied ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers {
    pub responses: u64,
    pub satisfied: u64,
}

impl Answers {
    pub fn add(&mut self, satisfied: bool) {
        self.responses += 1;
        self.satisfied += u64::from(satisfied);
    }

    /// Takes back one answer [`Answers::add`] counted.
    pub fn remove(&mut self, satisfied: bool) {
        self.responses = self.responses.saturating_sub(1);
        self.satisfied = self.satisfied.saturating_sub(u64::from(satisfied));
    }

    fn merge(&mut self, o: &Answers) {
        self.responses += o.responses;
        self.satisfied += o.satisfied;
    }
}

/// The sums of one scope over one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Calls offered to the scope's queue (center: each call once, at its first offer),
    /// answered, answered within the scope's threshold, abandoned, short abandons, and the
    /// total wait (queue + ring) of answered calls.
    pub counts: CallCounts,
    /// Unanswered because the system ended the wait (timeout, no agents, withdrawn, failed);
    /// not abandons.
    pub timed_out: u64,
    /// Total wait of those calls.
    pub timed_out_wait_sum: Millis,
    /// Arrived in this queue from another before answer; also counted in `offered`.
    pub flowed_in: u64,
    /// Total wait of abandoned calls.
    pub abandon_wait_sum: Millis,
    pub answered_waits: Waits,
    pub abandoned_waits: Waits,
    /// Answered calls the agent transferred.
    pub transferred: u64,
    /// Conversations that ended in the period, with their talk time.
    pub handled: u64,
    pub talk_sum: Millis,
    /// After-call work finished in the period.
    pub wrapups: u64,
    pub wrap_sum: Millis,
    /// Ended calls with a `resolved` mark, and those marked `true`.
    pub resolution_marked: u64,
    pub resolved: u64,
    /// Offers of a customer already offered within the repeat window.
    pub repeat_contacts: u64,
    /// Agent time by state, in milliseconds, indexed like [`AgentState::ALL`].
    pub agent_ms: [Millis; 5],
    /// Down time (component scope: its own; center: while any component was down).
    pub down_ms: Millis,
    /// Whether any component reported during the period (availability is unknown otherwise).
    pub monitored: bool,
    pub satisfaction: Answers,
    /// Satisfaction by targeted survey (9.2.2).
    pub surveys: BTreeMap<Id, Answers>,
    pub complaints_opened: u64,
    pub complaints_on_time: u64,
    pub complaints_overdue: u64,
    pub complaints_closed: u64,
    pub complaint_satisfaction: Answers,
    /// Forecast volume for the period, when a forecast covered it.
    pub forecast: Option<f64>,
}

// A checkpoint keeps a tally as its sums in the order they were declared before the call
// counts were one part, the callbacks requested last (`SNAPSHOT_FORMAT` 5).
saved_fields!(Tally as SavedTally |t| {
    offered: u64 = t.counts.offered,
    answered: u64 = t.counts.answered,
    answered_within: u64 = t.counts.answered_within,
    abandoned: u64 = t.counts.abandoned,
    abandoned_within: u64 = t.counts.abandoned_within,
    short_abandoned: u64 = t.counts.short_abandoned,
    timed_out: u64 = t.timed_out,
    timed_out_wait_sum: Millis = t.timed_out_wait_sum,
    flowed_out: u64 = t.counts.flowed_out,
    flowed_in: u64 = t.flowed_in,
    wait_sum: Millis = t.counts.wait_ms,
    abandon_wait_sum: Millis = t.abandon_wait_sum,
    answered_waits: Waits = t.answered_waits,
    abandoned_waits: Waits = t.abandoned_waits,
    transferred: u64 = t.transferred,
    handled: u64 = t.handled,
    talk_sum: Millis = t.talk_sum,
    wrapups: u64 = t.wrapups,
    wrap_sum: Millis = t.wrap_sum,
    resolution_marked: u64 = t.resolution_marked,
    resolved: u64 = t.resolved,
    repeat_contacts: u64 = t.repeat_contacts,
    agent_ms: [Millis; 5] = t.agent_ms,
    down_ms: Millis = t.down_ms,
    monitored: bool = t.monitored,
    satisfaction: Answers = t.satisfaction,
    surveys: BTreeMap<Id, Answers> = t.surveys,
    complaints_opened: u64 = t.complaints_opened,
    complaints_on_time: u64 = t.complaints_on_time,
    complaints_overdue: u64 = t.complaints_overdue,
    complaints_closed: u64 = t.complaints_closed,
    complaint_satisfaction: Answers = t.complaint_satisfaction,
    forecast: Option<f64> = t.forecast,
    callbacks_requested: u64 = t.counts.callbacks_requested,
});

impl Tally {
    pub fn agent_ms(&self, state: AgentState) -> Millis {
        self.agent_ms[state as usize]
    }

    /// Counts one satisfaction answer, and in its targeted survey's, if any.
    pub fn add_answer(&mut self, satisfied: bool, survey: Option<&Id>) {
        self.satisfaction.add(satisfied);
        if let Some(name) = survey {
            self.surveys.entry(name.clone()).or_default().add(satisfied);
        }
    }

    /// Takes back an answer [`Tally::add_answer`] counted (a survey left with none goes).
    pub fn remove_answer(&mut self, satisfied: bool, survey: Option<&Id>) {
        self.satisfaction.remove(satisfied);
        if let Some(name) = survey {
            if let Some(a) = self.surveys.get_mut(name) {
                a.remove(satisfied);
                if a.responses == 0 {
                    self.surveys.remove(name);
                }
            }
        }
    }

    /// Adds every sum of `o` to this tally.
    pub fn merge(&mut self, o: &Tally) {
        self.counts += o.counts;
        self.timed_out += o.timed_out;
        self.timed_out_wait_sum += o.timed_out_wait_sum;
        self.flowed_in += o.flowed_in;
        self.abandon_wait_sum += o.abandon_wait_sum;
        self.answered_waits.merge(&o.answered_waits);
        self.abandoned_waits.merge(&o.abandoned_waits);
        self.transferred += o.transferred;
        self.handled += o.handled;
        self.talk_sum += o.talk_sum;
        self.wrapups += o.wrapups;
        self.wrap_sum += o.wrap_sum;
        self.resolution_marked += o.resolution_marked;
        self.resolved += o.resolved;
        self.repeat_contacts += o.repeat_contacts;
        for (a, b) in self.agent_ms.iter_mut().zip(o.agent_ms) {
            *a += b;
        }
        self.down_ms += o.down_ms;
        self.monitored |= o.monitored;
        self.satisfaction.merge(&o.satisfaction);
        for (name, a) in &o.surveys {
            self.surveys.entry(name.clone()).or_default().merge(a);
        }
        self.complaints_opened += o.complaints_opened;
        self.complaints_on_time += o.complaints_on_time;
        self.complaints_overdue += o.complaints_overdue;
        self.complaints_closed += o.complaints_closed;
        self.complaint_satisfaction.merge(&o.complaint_satisfaction);
        self.forecast = match (self.forecast, o.forecast) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
    }

    /// Whether every count is at most [`MAX_COUNT`] and every sum of milliseconds within
    /// ±[`MAX_SUM`] (a restored checkpoint: far beyond any real tally, far enough from the
    /// integer limits that adding to them cannot overflow).
    pub fn check_bounds(&self) -> Result<(), String> {
        let a = |x: &Answers| [x.responses, x.satisfied];
        let surveys = self.surveys.values().flat_map(a);
        let more = [
            self.timed_out,
            self.flowed_in,
            self.transferred,
            self.handled,
            self.wrapups,
            self.resolution_marked,
            self.resolved,
            self.repeat_contacts,
            self.complaints_opened,
            self.complaints_on_time,
            self.complaints_overdue,
            self.complaints_closed,
        ];
        let answers = a(&self.satisfaction)
            .into_iter()
            .chain(a(&self.complaint_satisfaction));
        let counts = self.counts.counts().into_iter().chain(more);
        check_counts(counts.chain(answers).chain(surveys))?;
        let sums = [
            self.timed_out_wait_sum,
            self.counts.wait_ms,
            self.abandon_wait_sum,
            self.talk_sum,
            self.wrap_sum,
            self.down_ms,
        ];
        check_sums(sums.into_iter().chain(self.agent_ms))
    }

    /// Heap and inline bytes held, for memory accounting.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Tally>()
            + self.answered_waits.heap_bytes()
            + self.abandoned_waits.heap_bytes()
            + self.surveys.len() * 64
    }
}

/// The largest count a restored tally may hold (10¹² and more).
pub const MAX_COUNT: u64 = 1 << 40;
/// The largest sum of milliseconds, either sign, a restored tally may hold (2 million years).
pub const MAX_SUM: Millis = 1 << 56;

/// Whether every count is at most [`MAX_COUNT`].
pub fn check_counts(counts: impl IntoIterator<Item = u64>) -> Result<(), String> {
    check_at_most(counts, MAX_COUNT)
}

/// Whether every count is at most `most` (the bound of counts that live longer than a
/// period: the engine's event counters, the all-time wait buckets).
pub fn check_at_most(counts: impl IntoIterator<Item = u64>, most: u64) -> Result<(), String> {
    match counts.into_iter().find(|&c| c > most) {
        Some(c) => Err(format!("count {c} out of range (at most {most})")),
        None => Ok(()),
    }
}

/// Whether every sum of milliseconds is within ±[`MAX_SUM`].
pub fn check_sums(sums: impl IntoIterator<Item = Millis>) -> Result<(), String> {
    match sums.into_iter().find(|s| s.unsigned_abs() > MAX_SUM as u64) {
        Some(s) => Err(format!("sum {s} ms out of range (at most ±{MAX_SUM})")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_keeps_the_call_counts_where_they_were_before_they_were_one_part_callbacks_last()
    {
        let mut t = Tally {
            counts: CallCounts {
                offered: 1,
                answered: 2,
                answered_within: 3,
                abandoned: 4,
                abandoned_within: 5,
                short_abandoned: 6,
                flowed_out: 9,
                callbacks_requested: 39,
                wait_ms: 11,
            },
            timed_out: 7,
            timed_out_wait_sum: 8,
            flowed_in: 10,
            abandon_wait_sum: 12,
            transferred: 15,
            handled: 16,
            talk_sum: 17,
            wrapups: 18,
            wrap_sum: 19,
            resolution_marked: 20,
            resolved: 21,
            repeat_contacts: 22,
            agent_ms: [23, 24, 25, 26, 27],
            down_ms: 28,
            monitored: true,
            satisfaction: Answers {
                responses: 30,
                satisfied: 29,
            },
            complaints_opened: 32,
            complaints_on_time: 33,
            complaints_overdue: 34,
            complaints_closed: 35,
            complaint_satisfaction: Answers {
                responses: 37,
                satisfied: 36,
            },
            forecast: Some(38.5),
            ..Tally::default()
        };
        t.answered_waits.record(13_000);
        t.abandoned_waits.record(14_000);
        t.add_answer(true, Some(&"billing".into()));
        let bytes = postcard::to_stdvec(&t).unwrap();
        // The fields in the order they were declared, flat (postcard writes a struct as its
        // fields in order, as it writes a tuple).
        let flat = (
            (
                1u64, 2u64, 3u64, 4u64, 5u64, 6u64, 7u64, 8i64, 9u64, 10u64, 11i64, 12i64,
            ),
            (&t.answered_waits, &t.abandoned_waits),
            (15u64, 16u64, 17i64, 18u64, 19i64, 20u64, 21u64, 22u64),
            (
                [23i64, 24, 25, 26, 27],
                28i64,
                true,
                &t.satisfaction,
                &t.surveys,
            ),
            (
                32u64,
                33u64,
                34u64,
                35u64,
                &t.complaint_satisfaction,
                Some(38.5f64),
                39u64,
            ),
        );
        assert_eq!(bytes, postcard::to_stdvec(&flat).unwrap());
        assert_eq!(postcard::from_bytes::<Tally>(&bytes).unwrap(), t);
    }

    #[test]
    fn merge_adds_every_sum() {
        let mut a = Tally {
            counts: CallCounts {
                offered: 2,
                ..CallCounts::default()
            },
            forecast: Some(1.5),
            ..Tally::default()
        };
        a.surveys.insert(
            "billing".into(),
            Answers {
                responses: 1,
                satisfied: 1,
            },
        );
        let mut b = a.clone();
        b.answered_waits.record(1_000);
        a.merge(&b);
        assert_eq!(a.counts.offered, 4);
        assert_eq!(a.forecast, Some(3.0));
        assert_eq!(a.surveys["billing"].responses, 2);
        assert_eq!(a.answered_waits.count(), 1);
    }
}
