//! The live agents view of `GET /api/v1/agents`: every agent seen, its state now and since
//! when, its pause reason, queues, calls handled today, AHT, average after-call work and
//! occupancy over the last hour; display names from `http.agent_names`.
//!
//! "Now" is the live clock of every live view ([`State::clock`]: the newest event time, or
//! the wall clock the watermark followed while the input was idle), so `seconds_in_state`
//! agrees with `/api/v1/kpis`' `as_of`. Every figure includes the events still in the
//! reorder buffer (the provisional overlay); how the engine computes them is described in
//! `crates/core/src/engine/agents/shown.rs`.
//!
//! Order: the order a supervisor acts on, [`rank`]: not ready first, then wrap-up, on a
//! call, available and logged out; within a state the longest in it first, then by id. The
//! answer holds at most `limits.max_agents` agents (the engine keeps no more).

use super::auth::Grant;
use super::state::State;
use crate::engine::AgentNow;
use crate::event::AgentState;
use crate::kpi;
use crate::time::{seconds, Millis};
use serde::Serialize;

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct AgentsView {
    /// The live clock the times in state are measured to; `null` before the first event.
    pub as_of: Option<String>,
    /// Events before this instant have been applied (the rest are provisional).
    pub watermark: Option<String>,
    /// The queue asked for, if any.
    pub queue: Option<String>,
    pub agents: Vec<AgentRow>,
}

/// One agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentRow {
    pub id: String,
    /// From `http.agent_names`; the id when the file does not name it.
    pub name: String,
    pub state: &'static str,
    pub since: String,
    pub seconds_in_state: f64,
    pub reason: Option<String>,
    /// Its queues, by name (a limited token sees only its own).
    pub queues: Vec<String>,
    pub handled_today: u32,
    /// (talk + wrap-up today) / handled today (9.1.3); `null` with none handled.
    pub aht_seconds: Option<f64>,
    /// Wrap-up today / handled today; `null` with none handled.
    pub acw_seconds: Option<f64>,
    pub occupancy_60m: Option<f64>,
}

/// The order of states on the board: the ones a supervisor acts on first.
pub fn rank(state: AgentState) -> u8 {
    match state {
        AgentState::NotReady => 0,
        AgentState::WrapUp => 1,
        AgentState::OnCall => 2,
        AgentState::Available => 3,
        AgentState::LoggedOut => 4,
    }
}

/// The view for `grant`, of the agents of `queue` (every agent when `None`). `None` when
/// `queue` is not known.
pub fn view(state: &State, grant: &Grant, queue: Option<&str>) -> Option<AgentsView> {
    let names = state.engine.names();
    let wanted = match queue {
        Some(q) => Some(names.queues.get(q)?),
        None => None,
    };
    let at = state.clock();
    let calendar = state.engine.calendar();
    let time = |t: Millis| (t > Millis::MIN).then(|| calendar.format(t));
    let display = state.config.service.agent_names.as_ref();
    let all = if at > Millis::MIN {
        state.engine.agents_now(at)
    } else {
        Vec::new()
    };
    let mut rows: Vec<(AgentState, Millis, AgentRow)> = Vec::new();
    for a in all {
        if wanted.is_some_and(|q| !a.live.queues.contains(&q)) {
            continue;
        }
        let queues: Vec<String> = a
            .live
            .queues
            .iter()
            .map(|&q| names.queues.name(q).to_string())
            .filter(|n| grant.sees(n))
            .collect();
        if !grant.sees_all() && queues.is_empty() {
            continue;
        }
        let id = names.agents.name(a.id).to_string();
        let name = display
            .and_then(|d| d.get(&id))
            .map_or_else(|| id.clone(), str::to_string);
        let row = row(&a, id, name, queues, at, calendar);
        rows.push((a.live.state, a.live.since, row));
    }
    rows.sort_by(|a, b| (rank(a.0), a.1, &a.2.id).cmp(&(rank(b.0), b.1, &b.2.id)));
    Some(AgentsView {
        as_of: time(at),
        watermark: time(state.engine.watermark()),
        queue: queue.map(str::to_string),
        agents: rows.into_iter().map(|(_, _, r)| r).collect(),
    })
}

fn row(
    a: &AgentNow,
    id: String,
    name: String,
    queues: Vec<String>,
    at: Millis,
    calendar: &crate::time::Calendar,
) -> AgentRow {
    let day = &a.figures.today;
    let handled = u64::from(day.handled);
    AgentRow {
        id,
        name,
        state: a.live.state.name(),
        since: calendar.format(a.live.since),
        seconds_in_state: seconds(at.saturating_sub(a.live.since).max(0)),
        reason: a.live.reason.as_ref().map(|r| r.to_string()),
        queues,
        handled_today: day.handled,
        aht_seconds: kpi::aht_seconds(day.talk_ms, day.wrap_ms, handled),
        acw_seconds: (handled > 0).then(|| seconds(day.wrap_ms) / handled as f64),
        occupancy_60m: a.figures.occupancy_60m,
    }
}
