//! callpulse's core: what turns call events into the KPIs of the YD/T 2823-2015 certification
//! rule (CMM-525-0006), with no I/O runtime. No tokio, no Kafka client, no SQLite, no HTTP:
//! the `callpulse` crate reads, serves and stores around it, and re-exports every module here
//! under the same path (`callpulse::engine` is `callpulse_core::engine`).
//!
//! # Layout
//!
//! In the order data flows through it:
//!
//! | module | job |
//! |---|---|
//! | [`adapter`] | input formats (canonical JSON, Asterisk queue_log, CSV call records) → canonical events |
//! | [`codec`] | bytes → [`event::Event`] or a [`reject::RejectReason`]; and back to canonical JSON |
//! | [`event`] | the domain vocabulary: canonical call events, schema version 1 |
//! | [`reject`] | stable reasons for rejected input, and where it came from |
//! | [`time`] | instants, RFC 3339, the periods of a time zone |
//! | [`engine`] | dedupe, reorder by event time, apply (per-call state, repeat contacts, agents, health, complaints), tallies per period |
//! | [`kpi`] | the rule's formulas, each naming its clause |
//! | [`staffing`] | Erlang C: the agents a queue needs for 80 % within its threshold, from its live load |
//! | [`record`] | a closed tally → a period record with every KPI |
//! | [`alert`] | certification profile → alerts: pending → firing → resolved; Prometheus rules |
//! | [`colours`] | the wallboard's colour rules per measure (profile or wallboard file) |
//! | [`sim`] | a call-center simulator: built-in demo data (`simulate`, `demo`) |
//! | [`config`] | TOML configuration validated into types |
//! | [`problem`] | what every validator reports: problems with their keys (a leaf) |
//! | [`intern`] | names read back from a checkpoint |

#![forbid(unsafe_code)]

pub mod adapter;
pub mod alert;
pub mod codec;
pub mod colours;
pub mod config;
pub mod engine;
pub mod event;
pub mod intern;
pub mod kpi;
pub mod problem;
pub mod record;
pub mod reject;
pub mod sim;
pub mod staffing;
pub mod time;
