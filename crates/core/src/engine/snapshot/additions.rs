//! What follows the engine's state in a snapshot: the agents' live-view part ([`Shown`]: when
//! each agent's state began, its pause reason, its changes of the last hour, its day so far)
//! and the pause reasons of the `agent.state` events in the reorder buffer (the event's serde
//! layout has no room for them).

use crate::engine::agents::Shown;
use crate::engine::Engine;
use crate::event::{Body, Id};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The additions, as written.
#[derive(Debug, Serialize)]
pub(super) struct Written<'e> {
    agents: Vec<&'e Shown>,
    /// The buffered events with a reason, by their place in the reorder buffer's order.
    reasons: Vec<(u32, &'e Id)>,
}

/// The additions, as read.
#[derive(Debug, Deserialize)]
pub(super) struct Read {
    agents: Vec<Shown>,
    reasons: Vec<(u32, Id)>,
}

pub(super) fn of(e: &Engine) -> Written<'_> {
    let reasons = e
        .reorder
        .iter()
        .enumerate()
        .filter_map(|(i, q)| match &q.event.body {
            Body::AgentState {
                reason: Some(r), ..
            } => Some((i as u32, r)),
            _ => None,
        });
    Written {
        agents: e.agents.shown(),
        reasons: reasons.collect(),
    }
}

/// Sets the additions read on a restored engine, checked.
pub(super) fn set(e: &mut Engine, read: Read, plausible: &Range<Millis>) -> Result<(), String> {
    e.agents.set_shown(read.agents, plausible)?;
    let mut buffered = e.reorder.iter_mut().enumerate();
    for (at, reason) in read.reasons {
        let slot = buffered
            .find(|(i, _)| *i as u32 == at)
            .map(|(_, q)| &mut q.event.body);
        match slot {
            Some(Body::AgentState { reason: r, .. }) if r.is_none() => *r = Some(reason),
            _ => {
                return Err(format!(
                    "a pause reason for buffered event {at}, not an agent.state"
                ))
            }
        }
    }
    Ok(())
}
