//! An [`Event`] back to canonical JSON (schema version 1), timestamps in UTC with
//! milliseconds. `decode(encode(e)) == e` for every event (a property test holds it).

use crate::event::{Body, CompletedOutcome, Event, Unanswered};
use crate::time::Millis;
use serde_json::{json, Map, Value};

/// The canonical JSON text of `event`.
pub fn encode(event: &Event) -> String {
    let mut obj = Map::new();
    obj.insert("type".into(), json!(event.body.type_name()));
    obj.insert("ts".into(), time(event.ts));
    if let Some(id) = &event.event_id {
        obj.insert("event_id".into(), json!(id.as_str()));
    }
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            obj.insert(key.into(), value);
        }
    };
    match &event.body {
        Body::Offered {
            call,
            queue,
            channel,
            priority,
            customer,
        } => {
            put("call_id", json!(call.as_str()));
            put("queue", json!(queue.as_str()));
            put("channel", json!(channel.name()));
            put("priority", json!(priority));
            put("customer", json!(customer.as_ref().map(|c| c.as_str())));
        }
        Body::Ringing { call, agent }
        | Body::Answered { call, agent }
        | Body::WrapupEnded { call, agent } => {
            put("call_id", json!(call.as_str()));
            put("agent_id", json!(agent.as_str()));
        }
        Body::Abandoned { call, cause } => {
            put("call_id", json!(call.as_str()));
            if *cause != Unanswered::Caller {
                put("cause", json!(cause.name()));
            }
        }
        Body::Transferred { call, to_queue } => {
            put("call_id", json!(call.as_str()));
            put("to_queue", json!(to_queue.as_ref().map(|q| q.as_str())));
        }
        Body::Ended { call, resolved } => {
            put("call_id", json!(call.as_str()));
            put("resolved", json!(resolved));
        }
        Body::Completed(c) => {
            put("call_id", json!(c.call.as_str()));
            put("queue", json!(c.queue.as_str()));
            put("channel", json!(c.channel.name()));
            put("customer", json!(c.customer.as_ref().map(|c| c.as_str())));
            put("offered_at", time(c.offered_at));
            match c.outcome {
                CompletedOutcome::Answered(t) => put("answered_at", time(t)),
                CompletedOutcome::Abandoned(t) => put("abandoned_at", time(t)),
            }
            put("ended_at", c.ended_at.map_or(Value::Null, time));
            put("agent_id", json!(c.agent.as_ref().map(|a| a.as_str())));
            put("resolved", json!(c.resolved));
        }
        Body::AgentState {
            agent,
            state,
            queues,
            reason,
        } => {
            put("agent_id", json!(agent.as_str()));
            put("state", json!(state.name()));
            if !queues.is_empty() {
                put(
                    "queues",
                    json!(queues.iter().map(|q| q.as_str()).collect::<Vec<_>>()),
                );
            }
            if let Some(reason) = reason {
                put("reason", json!(reason.as_str()));
            }
        }
        Body::SystemStatus {
            component,
            up,
            reason,
        } => {
            put("component", json!(component.as_str()));
            put("status", json!(if *up { "up" } else { "down" }));
            put("reason", json!(reason));
        }
        Body::Heartbeat { component } => put("component", json!(component.as_str())),
        Body::Survey {
            call,
            queue,
            satisfied,
            score,
            survey,
        } => {
            put("call_id", json!(call.as_ref().map(|c| c.as_str())));
            put("queue", json!(queue.as_str()));
            put("satisfied", json!(satisfied));
            put("score", json!(score));
            put("survey", json!(survey.as_ref().map(|s| s.as_str())));
        }
        Body::ComplaintOpened {
            complaint,
            due,
            queue,
        } => {
            put("complaint_id", json!(complaint.as_str()));
            put("due", time(*due));
            put("queue", json!(queue.as_ref().map(|q| q.as_str())));
        }
        Body::ComplaintClosed {
            complaint,
            satisfied,
        } => {
            put("complaint_id", json!(complaint.as_str()));
            put("satisfied", json!(satisfied));
        }
        Body::Forecast {
            queue,
            interval_start,
            minutes,
            offered,
        } => {
            put("queue", json!(queue.as_str()));
            put("interval_start", time(*interval_start));
            put("interval_minutes", json!(minutes));
            put("offered", json!(offered.0));
        }
        Body::Callback {
            queue,
            customer,
            result,
            agent,
            call,
        } => {
            put("queue", json!(queue.as_str()));
            put("customer", json!(customer.as_str()));
            put("result", json!(result.name()));
            put("agent_id", json!(agent.as_ref().map(|a| a.as_str())));
            put("call_id", json!(call.as_ref().map(|c| c.as_str())));
        }
    }
    Value::Object(obj).to_string()
}

fn time(ms: Millis) -> Value {
    Value::String(
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}
