//! The simulated agents between calls: a state change reported, an agent freed, and the
//! longest-waiting caller of a queue given to a free agent of it (rung, answered a few seconds
//! later).

use super::{call_id, Action, Simulator};
use crate::event::{AgentState, Body};
use crate::time::{Millis, SECOND};

impl Simulator {
    pub(super) fn agent_state(&mut self, agent: usize, state: AgentState) {
        self.emit(Body::AgentState {
            agent: self.agents[agent].id.clone(),
            state,
            queues: Vec::new(),
            reason: None,
        });
    }

    pub(super) fn free(&mut self, agent: usize) {
        self.agents[agent].busy = false;
        self.agent_state(agent, AgentState::Available);
        let queue = self.agents[agent].queue;
        self.dispatch(queue);
    }

    /// Gives the longest-waiting caller of `queue` to a free agent, if both exist.
    pub(super) fn dispatch(&mut self, queue: usize) {
        while self.waiting[queue].front().is_some_and(|w| w.gave_up) {
            self.waiting[queue].pop_front();
        }
        let Some(agent) = self.agents.iter().position(|a| a.queue == queue && !a.busy) else {
            return;
        };
        let Some(w) = self.waiting[queue].pop_front() else {
            return;
        };
        self.agents[agent].busy = true;
        self.emit(Body::Ringing {
            call: call_id(w.call),
            agent: self.agents[agent].id.clone(),
        });
        let ring = 2 * SECOND + self.rng.below(5_000) as Millis;
        self.schedule(
            self.now + ring,
            Action::Answer {
                call: w.call,
                agent,
                customer: w.customer,
            },
        );
    }
}
