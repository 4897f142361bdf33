//! The `[limits]` of the engine: an event whose name is too long, or that would add one
//! queue, agent or component more than the configured number, is rejected before any of it is
//! applied (`limit:name_length`, `limit:queues`, `limit:agents`, `limit:components`). Names
//! already known keep working; nothing is ever forgotten to make room. Customers are capped
//! in [`super::customers`] instead: a call is never rejected for its customer.

use super::Engine;
use crate::codec::encode;
use crate::event::{Body, Event, Id};
use crate::reject::{Origin, RejectReason, Rejection};

/// Calls `f` with every identifier `event` carries.
fn each_id<'e>(event: &'e Event, mut f: impl FnMut(&'e Id)) {
    if let Some(id) = &event.event_id {
        f(id);
    }
    match &event.body {
        Body::Offered {
            call,
            queue,
            customer,
            ..
        } => {
            f(call);
            f(queue);
            customer.iter().for_each(f);
        }
        Body::Ringing { call, agent }
        | Body::Answered { call, agent }
        | Body::WrapupEnded { call, agent } => {
            f(call);
            f(agent);
        }
        Body::Abandoned { call, .. } | Body::Ended { call, .. } => f(call),
        Body::Transferred { call, to_queue } => {
            f(call);
            to_queue.iter().for_each(f);
        }
        Body::Completed(c) => {
            f(&c.call);
            f(&c.queue);
            c.customer.iter().for_each(&mut f);
            c.agent.iter().for_each(f);
        }
        Body::AgentState {
            agent,
            queues,
            reason,
            ..
        } => {
            f(agent);
            queues.iter().for_each(&mut f);
            reason.iter().for_each(f);
        }
        Body::SystemStatus { component, .. } | Body::Heartbeat { component } => f(component),
        Body::Survey {
            call,
            queue,
            survey,
            ..
        } => {
            call.iter().for_each(&mut f);
            f(queue);
            survey.iter().for_each(f);
        }
        Body::ComplaintOpened {
            complaint, queue, ..
        } => {
            f(complaint);
            queue.iter().for_each(f);
        }
        Body::ComplaintClosed { complaint, .. } => f(complaint),
        Body::Forecast { queue, .. } => f(queue),
        Body::Callback {
            queue,
            customer,
            agent,
            call,
            ..
        } => {
            f(queue);
            f(customer);
            agent.iter().for_each(&mut f);
            call.iter().for_each(f);
        }
    }
}

/// The queue names an event would add to the engine's queues (those it interns).
fn queues_of(body: &Body) -> impl Iterator<Item = &Id> {
    let (one, many): (Option<&Id>, &[Id]) = match body {
        Body::Offered { queue, .. }
        | Body::Survey { queue, .. }
        | Body::Forecast { queue, .. }
        | Body::Callback { queue, .. } => (Some(queue), &[]),
        Body::Completed(c) => (Some(&c.queue), &[]),
        Body::Transferred { to_queue, .. } => (to_queue.as_ref(), &[]),
        Body::ComplaintOpened { queue, .. } => (queue.as_ref(), &[]),
        Body::AgentState { queues, .. } => (None, queues),
        _ => (None, &[]),
    };
    one.into_iter().chain(many)
}

/// Whether every identifier of `event` is at most `max_bytes` long.
pub fn names_fit(event: &Event, max_bytes: usize) -> bool {
    let mut fit = true;
    each_id(event, |id| fit &= id.len() <= max_bytes);
    fit
}

impl Engine {
    /// Rejects `event` at ingest (before dedupe and the reorder buffer) when one of its names
    /// is longer than `limits.max_name_bytes`. Returns the event when it may go on.
    pub(super) fn admit_name_lengths(&mut self, event: Event, origin: Origin) -> Option<Event> {
        if names_fit(&event, self.cfg.limits.name_bytes) {
            return Some(event);
        }
        let reason = RejectReason::Limit("name_length");
        self.stats.reject(reason);
        self.rejections.push(Rejection {
            reason,
            origin,
            bytes: encode(&event).into_bytes(),
        });
        None
    }

    /// Whether applying `body` keeps the number of queues, agents and components within the
    /// limits; the reason when it would not. Checked before any name of the event is interned.
    pub(super) fn names_within_limits(&self, body: &Body) -> Result<(), RejectReason> {
        let limits = &self.cfg.limits;
        let known = &self.names;
        // Every event of a call passes here: while there is room for all of an event's names
        // (the usual case by far), no name needs looking up.
        let room = |len: usize, most: usize, names: usize| len.saturating_add(names) <= most;
        if room(known.queues.len(), limits.queues, queues_of(body).count())
            && room(known.agents.len(), limits.agents, 1)
            && room(known.components.len(), limits.components, 1)
        {
            return Ok(());
        }
        let mut new_queues: Vec<&Id> = Vec::new();
        for q in queues_of(body) {
            if known.queues.get(q).is_none() && !new_queues.contains(&q) {
                new_queues.push(q);
            }
        }
        if known.queues.len() + new_queues.len() > limits.queues {
            return Err(RejectReason::Limit("queues"));
        }
        match body {
            Body::AgentState { agent, .. }
                if known.agents.get(agent).is_none() && known.agents.len() >= limits.agents =>
            {
                Err(RejectReason::Limit("agents"))
            }
            Body::SystemStatus { component, .. } | Body::Heartbeat { component }
                if known.components.get(component).is_none()
                    && known.components.len() >= limits.components =>
            {
                Err(RejectReason::Limit("components"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode;

    #[test]
    fn every_identifier_of_every_event_type_is_measured() {
        let long = "x".repeat(300);
        let events = [
            format!(
                r#"{{"type":"call.offered","ts":0,"call_id":"c","queue":"q","customer":"{long}"}}"#
            ),
            format!(r#"{{"type":"call.offered","ts":0,"call_id":"c","queue":"{long}"}}"#),
            format!(r#"{{"type":"call.offered","ts":0,"call_id":"{long}","queue":"q"}}"#),
            format!(r#"{{"type":"call.answered","ts":0,"call_id":"c","agent_id":"{long}"}}"#),
            format!(r#"{{"type":"call.transferred","ts":0,"call_id":"c","to_queue":"{long}"}}"#),
            format!(
                r#"{{"type":"agent.state","ts":0,"agent_id":"a","state":"available","queues":["q","{long}"]}}"#
            ),
            format!(
                r#"{{"type":"agent.state","ts":0,"agent_id":"a","state":"not_ready","reason":"{long}"}}"#
            ),
            format!(r#"{{"type":"system.heartbeat","ts":0,"component":"{long}"}}"#),
            format!(
                r#"{{"type":"survey.response","ts":0,"queue":"q","satisfied":true,"survey":"{long}"}}"#
            ),
            format!(r#"{{"type":"complaint.closed","ts":0,"complaint_id":"{long}"}}"#),
            format!(
                r#"{{"type":"call.callback","ts":0,"queue":"q","customer":"c","result":"busy","call_id":"{long}"}}"#
            ),
            format!(
                r#"{{"type":"call.callback","ts":0,"queue":"q","customer":"{long}","result":"busy"}}"#
            ),
            format!(r#"{{"type":"system.heartbeat","ts":0,"component":"c","event_id":"{long}"}}"#),
        ];
        for text in &events {
            let event = decode(text).unwrap_or_else(|r| panic!("{r}: {text}"));
            assert!(!names_fit(&event, 256), "{text}");
            assert!(names_fit(&event, 300), "{text}");
        }
    }
}
