//! callpulse turns the raw call events of a call center (ACD/CDR) into the KPIs of the
//! YD/T 2823-2015 certification rule (CMM-525-0006), per queue and per period.
//!
//! # Layout
//!
//! In the order data flows through it:
//!
//! | module | job |
//! |---|---|
//! | [`source`] | where events come from: JSON Lines files, gzip, stdin |
//! | [`adapter`] | other input formats (Asterisk queue_log, CSV call records) → canonical events |
//! | [`codec`] | bytes → [`event::Event`] or a [`reject::RejectReason`]; and back to canonical JSON |
//! | [`event`] | the domain vocabulary: canonical call events, schema version 1 |
//! | [`reject`] | stable reasons for rejected input, and where it came from |
//! | [`time`] | instants, RFC 3339, the periods of a time zone |
//! | [`engine`] | dedupe, reorder by event time, apply (per-call state, repeat contacts, agents, health, complaints), tallies per period |
//! | [`kpi`] | the rule's formulas, each naming its clause |
//! | [`staffing`] | Erlang C: the agents a queue needs for 80 % within its threshold, from its live load |
//! | [`record`] | a closed tally → a period record with every KPI |
//! | [`alert`] | certification profile → alerts: pending → firing → resolved; Prometheus rules; Alertmanager |
//! | [`evidence`] | the append-only, hash-chained evidence store (SQLite) and its verification |
//! | [`output`] | records as table, JSON Lines or CSV; rejected lines with their reasons |
//! | [`convert`] | the `convert` and `produce` commands: files → canonical JSON lines, or to Kafka |
//! | [`replay`] | the `replay` command: files → engine → records |
//! | [`report`] | the `report` command: evidence store or files → months, criteria (A.4), scores, stability → md, html, csv, json; the 6.1.2 submission file |
//! | [`service`] | the live service: Kafka (or the simulator) → engine → `/metrics`, `/api/v1`, dead letters |
//! | [`produce`] | a paced Kafka producer of event lines (`simulate --brokers`) |
//! | [`kafka_client`] | the librdkafka settings every Kafka client is built from (`[kafka.client]`) |
//! | [`sim`] | a call-center simulator: built-in demo data (`simulate`, `demo`) |
//! | [`config`], [`cli`] | TOML configuration validated into types; command-line options |
//! | [`problem`] | what every validator reports: problems with their keys (a leaf) |
//! | [`fsmode`] | files of evidence and raw input created owner-only (0600, directories 0700) |
//! | [`untrusted`] | input text (names, bytes, file names) escaped and cut for log lines |

#![forbid(unsafe_code)]

pub mod adapter;
pub mod alert;
pub mod cli;
pub mod codec;
pub mod config;
pub mod convert;
pub mod engine;
pub mod event;
pub mod evidence;
pub mod fsmode;
pub mod intern;
pub mod kafka_client;
pub mod kpi;
pub mod output;
pub mod problem;
pub mod produce;
pub mod record;
pub mod reject;
pub mod replay;
pub mod report;
pub mod service;
pub mod sim;
pub mod source;
pub mod staffing;
pub mod time;
pub mod untrusted;
