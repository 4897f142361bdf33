//! The one integration-test binary of callpulse: each module proves one part of the contract.

mod adapter_csv;
mod adapter_queue_log;
mod alerting;
// The library's top-level modules import each other one way, no circles (issue 16).
mod anonymous_bank;
mod architecture;
mod cli;
mod config_files;
mod crash;
mod deploy;
// The README and the book in docs/ link only to files and headings that exist (issue 16).
mod docs;
mod engine_cases;
mod evidence;
mod evidence_kept;
mod fault_injection;
mod fuzz_regressions;
mod golden;
mod http_access;
mod http_limits;
mod http_offload;
mod http_tls;
mod kafka_client_config;
mod kafka_harness;
mod limits;
// Live figures follow each event at once; the watermark decides only what is final (issue 14).
mod live_now;
// One event with a wrong clock costs itself alone, live and across a checkpoint (issue 14).
mod live_poison;
// Live sums converge to the final records and never count a call twice (issue 14).
mod live_properties;
// Outliers in a replay (no wall clock) cost themselves alone, across a restart too (issue 14).
mod live_replay;
mod log_injection;
mod oracle;
mod prometheus_rules;
mod properties;
mod rejections;
mod report;
mod service_follow;
mod service_http;
mod service_kafka;
mod staffing;
mod support;
mod wallboard;
mod wallboard_token;
