//! The one integration-test binary of callpulse: each module proves one part of the contract.

mod adapter_csv;
mod adapter_queue_log;
mod alerting;
mod anonymous_bank;
mod cli;
mod config_files;
mod crash;
mod deploy;
mod engine_cases;
mod evidence;
mod fault_injection;
mod fuzz_regressions;
mod golden;
mod kafka_harness;
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
