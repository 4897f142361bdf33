//! Asterisk `queue_log` → canonical events.
//!
//! app_queue writes one line per queue event, `epoch|callid|queue|agent|EVENT|data1|...`
//! (`NONE` where a field does not apply; older versions write fewer data fields). The adapter
//! reads one log as one stream, in order — a rotated log older file first — and keeps what it
//! must to state each fact whole:
//!
//! - `line`: a line split and checked (epoch in whole or fractional seconds, the fields the
//!   verb needs, its number fields) before anything is emitted;
//! - `calls`: each callid's attempts — `<callid>`, then `<callid>#2`, … for a caller queued
//!   again after its previous stay ended; an `ENTERQUEUE` while still waiting is an overflow;
//! - `agents`: each agent's queues, pauses, login and call, so every `agent.state` carries
//!   the agent's full queue list.
//!
//! | queue_log | canonical events |
//! |---|---|
//! | `ENTERQUEUE` | `call.offered` (a new attempt), or `call.transferred` with `to_queue` (the attempt was still waiting) |
//! | `CONNECT` | `call.ringing` at ts − ringtime s (when > 0), `call.answered`, `agent.state` `on_call` |
//! | `RINGNOANSWER`, `RINGCANCELED` | `call.ringing` at ts − ringtime ms |
//! | `COMPLETECALLER`, `COMPLETEAGENT` | `call.ended`, `agent.state` `available` (`not_ready` if paused) |
//! | `TRANSFER`, `BLINDTRANSFER`, `ATTENDEDTRANSFER` | `call.transferred`, `call.ended`, `agent.state` |
//! | `ABANDON`, `EXITWITHKEY`, `EXITWITHTIMEOUT`, `EXITEMPTY`, `WITHDRAW`, `SYSCOMPAT` | `call.abandoned`, cause `caller`, `key`, `timeout`, `no_agents`, `withdrawn`, `failed` |
//! | `AGENTLOGIN`, `AGENTLOGOFF` (and the 1.4 `AGENTCALLBACK…` forms) | `agent.state` `available`, `logged_out` |
//! | `ADDMEMBER`, `REMOVEMEMBER`, `PAUSE`, `UNPAUSE`, `PAUSEALL`, `UNPAUSEALL` | `agent.state` with the full queue list |
//! | `QUEUESTART` | open calls end (`call.abandoned` cause `failed`, or `call.ended`; an open attempt of a callid never seen entering a queue is forgotten without an event), agents on a call are freed, `system.status` `asterisk` up |
//! | `CONFIGRELOAD` | `system.status` `asterisk` up |
//! | `DID`, `INFO`, `AGENTDUMP`, `AGENTCALLED`, `PENALTY`, `RINGINUSE` | rejected `skipped:<verb>` |
//!
//! The caller id of `ENTERQUEUE` is personal data and is never read.

mod agents;
mod calls;
mod line;
mod reader;
#[cfg(test)]
mod tests;

pub use calls::FORGET_AFTER;
pub use reader::QueueLog;
