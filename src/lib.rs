//! callpulse turns the raw call events of a call center (ACD/CDR) into the KPIs of the
//! YD/T 2823-2015 certification rule (CMM-525-0006), per queue and per period.
//!
//! Two crates. `callpulse-core` (`crates/core/`) holds everything that computes: events and
//! their decoding, the engine, the formulas, records, the alerts' logic, configuration; it
//! depends on no I/O runtime, so the compiler keeps the layering and its tests build alone.
//! This crate reads, serves and stores around it, and re-exports each core module under the
//! same path.
//!
//! # Layout
//!
//! In the order data flows through it (core modules marked *core*):
//!
//! | module | job |
//! |---|---|
//! | [`source`] | where events come from: JSON Lines files, gzip, stdin |
//! | [`adapter`] *core* | other input formats (Asterisk queue_log, CSV call records) → canonical events |
//! | [`codec`] *core* | bytes → [`event::Event`] or a [`reject::RejectReason`]; and back to canonical JSON |
//! | [`event`] *core* | the domain vocabulary: canonical call events, schema version 1 |
//! | [`reject`] *core* | stable reasons for rejected input, and where it came from |
//! | [`time`] *core* | instants, RFC 3339, the periods of a time zone |
//! | [`engine`] *core* | dedupe, reorder by event time, apply (per-call state, repeat contacts, agents, health, complaints), tallies per period |
//! | [`kpi`] *core* | the rule's formulas, each naming its clause |
//! | [`staffing`] *core* | Erlang C: the agents a queue needs for 80 % within its threshold, from its live load |
//! | [`record`] *core* | a closed tally → a period record with every KPI |
//! | [`alert`] *core* | certification profile → alerts: pending → firing → resolved; Prometheus rules |
//! | [`notify`] | alerts delivered to Alertmanager and a webhook, on a thread of their own |
//! | [`evidence`] | the append-only, hash-chained evidence store (SQLite) and its verification |
//! | [`output`] | records as table, JSON Lines or CSV; rejected lines with their reasons |
//! | [`convert`] | the `convert` and `produce` commands: files → canonical JSON lines, or to Kafka |
//! | [`replay`] | the `replay` command: files → engine → records |
//! | [`report`] | the `report` command: evidence store or files → months, criteria (A.4), scores, stability → md, html, csv, json; the 6.1.2 submission file |
//! | [`service`] | the live service: Kafka (or the simulator) → engine → `/metrics`, `/api/v1`, dead letters |
//! | [`produce`] | a paced Kafka producer of event lines (`simulate --brokers`) |
//! | [`kafka_client`] | the librdkafka settings every Kafka client is built from (`[kafka.client]`) |
//! | [`sim`] *core* | a call-center simulator: built-in demo data (`simulate`, `demo`) |
//! | [`config`] *core*, [`cli`] | TOML configuration validated into types; command-line options |
//! | [`problem`] *core* | what every validator reports: problems with their keys (a leaf) |
//! | [`fsmode`] | files of evidence and raw input created owner-only (0600, directories 0700) |
//! | [`untrusted`] | input text (names, bytes, file names) escaped and cut for log lines |

#![forbid(unsafe_code)]

pub use callpulse_core::{
    adapter, alert, codec, colours, config, engine, event, intern, kpi, problem, record, reject,
    sim, staffing, time,
};

pub mod cli;
pub mod convert;
pub mod evidence;
pub mod fsmode;
pub mod kafka_client;
pub mod notify;
pub mod output;
pub mod produce;
pub mod replay;
pub mod report;
pub mod service;
pub mod source;
pub mod untrusted;
