//! The event lines the hand-computed cases are written in, and the one granularity most of
//! them ask for (intervals).

use callpulse::time::Granularity;

pub(super) const IV: &[Granularity] = &[Granularity::Interval];

pub(super) fn offered(ts: &str, call: &str, queue: &str) -> String {
    format!(r#"{{"type":"call.offered","ts":"{ts}","call_id":"{call}","queue":"{queue}"}}"#)
}
pub(super) fn answered(ts: &str, call: &str) -> String {
    format!(r#"{{"type":"call.answered","ts":"{ts}","call_id":"{call}","agent_id":"a1"}}"#)
}
pub(super) fn abandoned(ts: &str, call: &str) -> String {
    format!(r#"{{"type":"call.abandoned","ts":"{ts}","call_id":"{call}"}}"#)
}
pub(super) fn ended(ts: &str, call: &str, resolved: &str) -> String {
    format!(r#"{{"type":"call.ended","ts":"{ts}","call_id":"{call}"{resolved}}}"#)
}

pub(super) fn lines(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}
