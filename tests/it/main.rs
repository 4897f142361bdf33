//! The one integration-test binary of callpulse: each module proves one part of the contract.

// The live agents view: `/api/v1/agents`, per-agent `/metrics`, from a file and from Kafka.
mod agents_live;
// The CSV/TSV adapter: every quirk of the Anonymous Bank files, to hand-computed KPIs.
mod adapter_csv;
// The Asterisk queue_log adapter: a rotated log read as one stream, to hand-computed KPIs.
mod adapter_queue_log;
// Certification alerts end to end: Alertmanager, the webhook, `/api/v1/alerts` and its gauges.
mod alerting;
// The real Anonymous Bank records: read by the CSV adapter or as canonical JSON, same KPIs.
mod anonymous_bank;
// The callback list end to end: file and Kafka in, the API, /metrics and the wallboard out.
mod callbacks;
// A sorting CSV input sorted within its window: as if sorted whole, late rows kept, memory bounded.
mod sort_window;
// The library's top-level modules import each other one way, no circles (issue 16).
mod architecture;
// The command line: inputs (files, gzip, stdin), exit codes and messages.
mod cli;
// Every file under `config/` loads and validates; the reference file states the defaults.
mod config_files;
// Crash safety on Kafka: killed and restarted, the same records, no row twice, no event lost.
mod crash;
// The deployment files of `deploy/` ask only for what callpulse exports and reads, and validate.
mod deploy;
// The README and the book in docs/ link only to files and headings that exist (issue 16).
mod docs;
// Hand-computed cases for every KPI and the engine's boundaries.
mod engine_cases;
// `callpulse run` keeps audit evidence that `evidence verify` checks, naming an edited row.
mod evidence;
// Evidence is never dropped and cannot be forged without the key; its files are owner-only.
mod evidence_kept;
// Kafka failing under the live input loses no event and feeds none to the engine twice.
mod fault_injection;
// Every input the fuzzers found, and every seed, replayed through the fuzz targets on stable.
mod fuzz_regressions;
// `callpulse replay` over the fixtures prints exactly the golden files (`CALLPULSE_BLESS`).
mod golden;
// Access control by bearer token and scope, and the JSON 400 of a bad query string.
mod http_access;
// The HTTP server under a hostile network: idle floods, unfinished heads, too many streams.
mod http_limits;
// Answers that read the state are built off the async workers: probes answer during a scrape.
mod http_offload;
// HTTPS: the configured certificate served, replaced on SIGHUP, kept when the new one is broken.
mod http_tls;
// Every Kafka client callpulse makes takes the same `[kafka.client]` settings.
mod kafka_client_config;
// The Kafka test harness itself: tansu starts, and kafka_tool.py writes and reads it back.
mod kafka_harness;
// `[limits]`: the names kept cannot grow without end; beyond a limit, a stable rejection.
mod limits;
// Live figures follow each event at once; the watermark decides only what is final (issue 14).
mod live_now;
// One event with a wrong clock costs itself alone, live and across a checkpoint (issue 14).
mod live_poison;
// Live sums converge to the final records and never count a call twice (issue 14).
mod live_properties;
// Outliers in a replay (no wall clock) cost themselves alone, across a restart too (issue 14).
mod live_replay;
// Names from the input never write raw into the log: no forged lines, no huge lines.
mod log_injection;
// Not tests: the naive recompute-from-scratch oracle the property tests hold the engine to.
mod oracle;
// The generated Prometheus rules judge exactly like the built-in alerts, minute by minute.
mod prometheus_rules;
// For any stream, reordering and duplication: the oracle's figures; accepted + rejected = read.
mod properties;
// Every rejection reason from a real input: counted, kept with its bytes, the sums hold.
mod rejections;
// `callpulse report`: golden reports in every format, figures by hand, evidence, Chromium.
mod report;
// `run --follow` on a growing queue_log: live metrics, rejected lines, read once across a restart.
mod service_follow;
// /metrics and every JSON answer of a fed service, byte for byte against golden files.
mod service_golden;
// The live service's HTTP side: handlers through the router, the demo over a real socket.
mod service_http;
// Service levels by a contract's definition, file and Kafka in: the API, gauges, alerts.
mod service_levels;
// `callpulse run` on a real Kafka-protocol broker: values, dead letters, offsets, groups.
mod service_kafka;
// /api/v1/trend, file and Kafka in: 24 hours, today's met share, last week from the evidence;
// the tiles' 24-hour chart.
mod trend;
// Live staffing (Erlang C) of a followed file against the textbook formula computed here.
mod staffing;
// Not tests: the shared helpers (engine runs, the service process, SSE, webhook, golden files).
mod support;
// The wallboard: its stream, its assets and the page in a real headless Chromium.
mod wallboard;
// The wallboard with a tokens file: the page asks for the token and keeps it out of URLs.
mod wallboard_token;
