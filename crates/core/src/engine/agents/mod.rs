//! Agent states over time: each agent's time in each state, credited to the agent, to each of
//! its queues and once to the center, split exactly at period boundaries.
//!
//! Invariant: an agent's time up to `credited` has been added to the tallies; a state change
//! at an instant before `credited` would rewrite closed time and is refused as `too_late`.
//!
//! The live agents view ([`Agents::now`]) also needs when each state began, its pause reason
//! and the changes of the last hour ([`shown`]); they are kept beside, out of the layout the
//! snapshot has always written (the snapshot adds them after it: [`Agents::shown`]).

mod shown;

pub use shown::{Day, Figures, Shown};

use super::scope::{Names, Scope};
use super::store::{Store, CREDIT_REACH};
use crate::event::{AgentState, Id};
use crate::time::{Granularity, Millis};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::ops::Range;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Agent {
    state: AgentState,
    queues: Vec<u32>,
    credited: Millis,
    #[serde(skip)]
    shown: Shown,
}

/// Every agent seen, by interned agent id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Agents {
    agents: Vec<Option<Agent>>,
    /// Whether time is also credited to each agent's own tally (agent records), not only to
    /// its queues.
    pub per_agent: bool,
}

impl Default for Agents {
    fn default() -> Self {
        Agents {
            agents: Vec::new(),
            per_agent: true,
        }
    }
}

/// An agent's state and queues as the live view shows them, with when the state began and
/// its pause reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLive {
    pub state: AgentState,
    pub queues: Vec<u32>,
    pub since: Millis,
    pub reason: Option<Id>,
    /// In the overlay: the state changes of the buffered events, oldest first (what
    /// [`Shown::figures`] adds to the applied ones); empty for the applied state.
    pub buffered: Vec<Buffered>,
}

/// A state change of a buffered event: the event's ordering key in the reorder buffer (the
/// overlay forgets the change once the watermark applies the event), its instant, the state.
pub type Buffered = ((Millis, u8, u64), Millis, AgentState);

impl AgentLive {
    /// The agent after a change to `state` at `ts`: an empty `queues` keeps the previous ones,
    /// and `since` moves only on a new state or pause reason, as [`Agents::change`] does.
    pub fn changed(
        before: Option<AgentLive>,
        (key, ts): ((Millis, u8, u64), Millis),
        state: AgentState,
        mut queues: Vec<u32>,
        reason: Option<Id>,
    ) -> Self {
        queues.sort_unstable();
        queues.dedup();
        let since = match &before {
            Some(b) if b.state == state && b.reason == reason => b.since,
            _ => ts,
        };
        let changed = before.as_ref().map_or(true, |b| b.state != state);
        let (before_queues, mut buffered) =
            before.map_or((Vec::new(), Vec::new()), |b| (b.queues, b.buffered));
        if changed {
            buffered.push((key, ts, state));
        }
        if queues.is_empty() {
            queues = before_queues;
        }
        AgentLive {
            state,
            queues,
            since,
            reason,
            buffered,
        }
    }
}

/// One agent in the live agents view, at live time `now` ([`Agents::now`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentNow {
    pub id: u32,
    pub live: AgentLive,
    /// Occupancy over the last hour and the day so far: see [`shown`].
    pub figures: Figures,
}

/// Agents in a state now, for the live view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Staffing {
    pub available: u32,
    pub on_call: u32,
    pub wrap_up: u32,
    pub not_ready: u32,
}

impl Agents {
    /// Whether a state change at `ts` is still in time for agent `id`: not before the time
    /// already credited, and (for an agent not seen yet) not past the revision horizon.
    pub fn in_time(&self, store: &Store, id: u32, ts: Millis) -> bool {
        match self.agents.get(id as usize) {
            Some(Some(a)) => ts >= a.credited,
            _ => store.writable(ts),
        }
    }

    /// Applies a state change (callers check [`Agents::in_time`] first). An empty `queues`
    /// keeps the agent's previous queues.
    pub fn change(
        &mut self,
        store: &mut Store,
        id: u32,
        ts: Millis,
        (state, reason): (AgentState, Option<Id>),
        mut queues: Vec<u32>,
    ) {
        // A queue named twice must not count the agent's time twice.
        queues.sort_unstable();
        queues.dedup();
        let idx = id as usize;
        if self.agents.len() <= idx {
            self.agents.resize(idx + 1, None);
        }
        if let Some(agent) = &mut self.agents[idx] {
            credit(store, id, agent, ts, self.per_agent);
            let day = store.calendar().period(Granularity::Day, ts).start;
            agent.shown.change((agent.state, ts, day), state, reason);
            agent.state = state;
            if !queues.is_empty() {
                agent.queues = queues;
            }
        } else {
            self.agents[idx] = Some(Agent {
                state,
                queues,
                credited: ts,
                shown: Shown::first(ts, state, reason),
            });
        }
    }

    /// Credits every agent's current state up to `t`.
    pub fn credit_all(&mut self, store: &mut Store, t: Millis) {
        for (id, agent) in self.agents.iter_mut().enumerate() {
            if let Some(agent) = agent {
                credit(store, id as u32, agent, t, self.per_agent);
            }
        }
    }

    /// Agent `id`'s applied state and queues, if it was seen.
    pub fn live(&self, id: u32) -> Option<AgentLive> {
        self.agents.get(id as usize)?.as_ref().map(Agent::live)
    }

    /// Every agent seen, at live time `now` on the day starting at `day`: its newest state
    /// (`newer`, the overlay's, wins over the applied one), when it began, its pause reason
    /// and queues, its occupancy over the last hour and its day so far. By id.
    pub fn now(
        &self,
        newer: &FxHashMap<u32, AgentLive>,
        now: Millis,
        day: Millis,
    ) -> Vec<AgentNow> {
        let mut out: Vec<AgentNow> = Vec::new();
        for (id, a) in self.agents.iter().enumerate() {
            let Some(a) = a else { continue };
            let id = id as u32;
            let overlay = newer.get(&id);
            out.push(AgentNow {
                id,
                live: overlay.cloned().unwrap_or_else(|| a.live()),
                figures: a.shown.figures(&changes(overlay), now, day),
            });
        }
        // Agents the applied state has not seen yet: their buffered events only.
        for (&id, o) in newer {
            if self.live(id).is_none() {
                out.push(AgentNow {
                    id,
                    live: o.clone(),
                    figures: Shown::default().figures(&changes(Some(o)), now, day),
                });
            }
        }
        out.sort_unstable_by_key(|a| a.id);
        out
    }

    /// Every agent's live-view part, in id order of the agents seen: what a snapshot writes
    /// after the engine's state (see the module docs).
    pub fn shown(&self) -> Vec<&Shown> {
        self.agents.iter().flatten().map(|a| &a.shown).collect()
    }

    /// Sets every agent's live-view part from a snapshot's [`Agents::shown`], checked.
    pub fn set_shown(
        &mut self,
        shown: Vec<Shown>,
        plausible: &Range<Millis>,
    ) -> Result<(), String> {
        let held = self.agents.iter().flatten().count();
        if shown.len() != held {
            return Err(format!("{} agents held, {} shown", held, shown.len()));
        }
        for (a, s) in self.agents.iter_mut().flatten().zip(shown) {
            s.check(a.state, plausible)?;
            a.shown = s;
        }
        Ok(())
    }

    /// Whether every agent and each of its queues has a name.
    pub fn check_ids(&self, names: &Names) -> Result<(), String> {
        if self.agents.len() > names.agents.len() {
            return Err(format!(
                "{} agents held, {} agent names",
                self.agents.len(),
                names.agents.len()
            ));
        }
        let queues = self.agents.iter().flatten().flat_map(|a| &a.queues);
        queues.copied().try_for_each(|q| names.check_queue(q))
    }

    /// Whether every agent's time is credited up to an instant where a restored stream's may
    /// lie (`credited`: an agent's first event, or the engine's time credited since). One
    /// near the start of the integers overflowed the calendar as the agent's time was
    /// credited from it.
    pub fn check_bounds(&self, credited: Range<Millis>) -> Result<(), String> {
        let mut all = self.agents.iter().flatten().map(|a| a.credited);
        match all.find(|t| !credited.contains(t)) {
            Some(t) => Err(format!("an agent's time credited at {t} out of range")),
            None => Ok(()),
        }
    }

    /// Agents by current state: per queue (an agent of several queues counts in each), and
    /// center-wide (each agent once). `newer` holds the state some agents will have once the
    /// events still buffered are applied (the provisional overlay), and wins.
    pub fn staffing(&self, newer: &FxHashMap<u32, AgentLive>) -> (Vec<Staffing>, Staffing) {
        let mut queues: Vec<Staffing> = Vec::new();
        let mut center = Staffing::default();
        let mut count = |state: AgentState, of: &[u32]| {
            center.count(state);
            for &q in of {
                let q = q as usize;
                if queues.len() <= q {
                    queues.resize(q + 1, Staffing::default());
                }
                queues[q].count(state);
            }
        };
        for (id, a) in self.agents.iter().enumerate() {
            if let (Some(a), false) = (a, newer.contains_key(&(id as u32))) {
                count(a.state, &a.queues);
            }
        }
        for a in newer.values() {
            count(a.state, &a.queues);
        }
        (queues, center)
    }
}

/// The instants and states of the overlay's buffered changes of an agent.
fn changes(overlay: Option<&AgentLive>) -> Vec<(Millis, AgentState)> {
    let buffered = overlay.map_or(&[][..], |o| &o.buffered);
    buffered.iter().map(|&(_, ts, state)| (ts, state)).collect()
}

impl Agent {
    fn live(&self) -> AgentLive {
        AgentLive {
            state: self.state,
            queues: self.queues.clone(),
            since: self.shown.since,
            reason: self.shown.reason.clone(),
            buffered: Vec::new(),
        }
    }
}

impl Staffing {
    fn count(&mut self, state: AgentState) {
        match state {
            AgentState::Available => self.available += 1,
            AgentState::OnCall => self.on_call += 1,
            AgentState::WrapUp => self.wrap_up += 1,
            AgentState::NotReady => self.not_ready += 1,
            AgentState::LoggedOut => {}
        }
    }
}

/// Logged-out time is nobody's: it is not credited.
fn credit(store: &mut Store, id: u32, agent: &mut Agent, t: Millis, per_agent: bool) {
    if t <= agent.credited {
        return;
    }
    if agent.state != AgentState::LoggedOut {
        let state = agent.state as usize;
        let add = |tally: &mut super::tally::Tally, ms: Millis| tally.agent_ms[state] += ms;
        let (from, to) = (
            agent.credited,
            t.min(agent.credited.saturating_add(CREDIT_REACH)),
        );
        if per_agent {
            store.add_span(Scope::Agent(id), from, to, add);
        }
        store.add_span(Scope::Center, from, to, add);
        for &q in &agent.queues {
            store.add_span(Scope::Queue(q), from, to, add);
        }
    }
    agent.credited = t;
}

#[cfg(test)]
mod tests;
