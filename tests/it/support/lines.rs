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

/// The calls of the service tests, on 2026-11-02 from 10:00 UTC: four of `q1` answered after
/// 5 s, 20.000 s and 20.001 s and one abandoned after 30 s (service level 0.5, answer rate
/// 0.75, ASA 45.001 s / 3); one of `q2` still waiting.
pub fn q1_threshold_calls() -> Vec<String> {
    vec![
        offered("2026-11-02T10:00:00Z", "c1", "q1"),
        offered("2026-11-02T10:00:00Z", "c2", "q1"),
        offered("2026-11-02T10:00:00Z", "c3", "q1"),
        offered("2026-11-02T10:00:00Z", "c4", "q1"),
        offered("2026-11-02T10:00:00Z", "c5", "q2"),
        answered("2026-11-02T10:00:05Z", "c3"),
        answered("2026-11-02T10:00:20Z", "c1"),
        answered("2026-11-02T10:00:20.001Z", "c2"),
        abandoned("2026-11-02T10:00:30Z", "c4"),
    ]
}
