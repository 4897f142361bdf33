//! Canonical event lines for hand-made test inputs.

pub fn offered(ts: &str, call: &str, queue: &str) -> String {
    format!(r#"{{"type":"call.offered","ts":"{ts}","call_id":"{call}","queue":"{queue}"}}"#)
}

pub fn answered(ts: &str, call: &str) -> String {
    format!(r#"{{"type":"call.answered","ts":"{ts}","call_id":"{call}","agent_id":"a1"}}"#)
}

pub fn abandoned(ts: &str, call: &str) -> String {
    format!(r#"{{"type":"call.abandoned","ts":"{ts}","call_id":"{call}"}}"#)
}

pub fn heartbeat(ts: &str) -> String {
    format!(r#"{{"type":"system.heartbeat","ts":"{ts}","component":"acd"}}"#)
}
