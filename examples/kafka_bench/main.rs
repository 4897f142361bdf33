//! Kafka measurements of the live service against a real Kafka-protocol broker: how fast
//! `callpulse run`'s input consumes next to a bare librdkafka consumer, and how long an event
//! takes from the producer to `/metrics` and to `/api/v1/board`.
//!
//! ```sh
//! # A broker: tansu 0.6.0 keeping everything in memory (install it with `cargo install tansu
//! # --version 0.6.0 --features dynostore --locked`), or any Kafka at --brokers. tansu reads
//! # `.env` from its working directory, hence the empty one.
//! mkdir -p /tmp/tansu-bench && (cd /tmp/tansu-bench && tansu broker \
//!     --storage-engine memory://tansu/ --listener-url tcp://127.0.0.1:19092 \
//!     --advertised-listener-url tcp://127.0.0.1:19092 --cluster-id bench &)
//!
//! # Consumer throughput: bare rdkafka vs callpulse end to end, in interleaved rounds.
//! cargo run --release --example kafka_bench -- throughput --brokers 127.0.0.1:19092 \
//!     [--events 1000000] [--rounds 3] [--malformed-per-10k 5]
//!
//! # Delay from the producer to /metrics and /api/v1/board of the real binary under a steady
//! # load, with the service's default engine.lateness (30 s) unless --lateness says otherwise.
//! cargo build --release
//! cargo run --release --example kafka_bench -- latency --brokers 127.0.0.1:19092 \
//!     [--rate 10000] [--seconds 30] [--linger-ms 1] [--callpulse target/release/callpulse] \
//!     [--lateness 30s] [--board-window 60m]
//! ```
//!
//! Each run creates fresh topics named `kafka-bench-<mode>-<unix ms>` (4 partitions; its
//! `.dead-letter` topic 1; for `latency` a `.baseline` topic of 4) with the Kafka admin API.
//! Where that fails it prints the `tansu topic create` commands to run instead, and `--topic
//! NAME` then uses those topics. tansu keeps every message in memory: restart it after many
//! runs.
//!
//! Both modes take the service's librdkafka settings from the environment as `callpulse run`
//! does, `CALLPULSE_KAFKA_CLIENT_<KEY>` (such as `CALLPULSE_KAFKA_CLIENT_FETCH_WAIT_MAX_MS=50`),
//! and apply them to the bare consumers too.
//!
//! # throughput
//!
//! Produces `--events` lines of the crate's simulator (a busy center of eight queues, about 32
//! hours of event time a million, with its malformed lines; keyed by call id by
//! `callpulse::produce::LineProducer`, as `callpulse simulate --brokers` sends them) and waits
//! for their acknowledgement. Then, in interleaved
//! rounds, each in a fresh consumer group reading from the beginning, it times
//! - *bare*: a `BaseConsumer` with the service consumer's settings
//!   (`kafka_client::client_config`, and what `service::kafka::consume` adds: fetch.queue.backoff.ms
//!   20, statistics every second, read_committed, earliest; printed) that only sums the
//!   payload lengths, from `subscribe` to the N-th message;
//! - *callpulse*: `service::kafka::consume` on a thread, as `callpulse run` runs it (decode,
//!   engine, the evidence store with its checkpoints in a fresh temporary file, dead letters,
//!   offset stores), from its start until the engine has read N events
//!   (looked at every 10 ms).
//!
//! Per round: events/s (joining the group included; "to first" is that part), steady events/s
//! (from the first event), the CPU of this process and of the rest of the machine (the
//! broker), events per CPU second of this process (the least noisy figure on a shared
//! machine), the peak RSS (VmHWM, reset through /proc/self/clear_refs before the round) and,
//! for callpulse, the most events its engine held undecided at once (reorder buffer and
//! orphans; `Stats::pending`, looked at every 10 ms).
//! Then the medians, callpulse/bare, and the engine's state in the last round.
//!
//! # latency
//!
//! The load: `--rate` events/s paced by a token bucket, synthetic calls of queues `load-0..9`
//! (`call.offered`; `call.answered` a second later; `call.ended` a second after that), keyed by
//! call id, `ts` the wall clock when sent; and every 100 ms a probe, a `call.offered` of queue
//! `probe`. The producer's `linger.ms` (`--linger-ms`, 1) is part of every delay.
//! 1. Baseline (skip with `--no-baseline`), on the `.baseline` topic: a bare consumer with the
//!    service's settings first receives 20 messages sent one at a time with no load (the floor
//!    of the broker and librdkafka), then the load for `--seconds`; each probe's delay is from
//!    sending to the consumer's poll returning it.
//! 2. The service: `callpulse run --listen 127.0.0.1:0` (the `--callpulse` binary) with its
//!    default configuration (`engine.lateness` 30 s; `--lateness` sets
//!    `CALLPULSE_ENGINE_LATENESS`); once `/readyz` answers 200, the same load for `--seconds`.
//!    Two pollers, each every 5 ms (`--poll-ms`), read `/metrics`
//!    (`callpulse_calls_offered_total{queue="probe"}`) and `/api/v1/board?window=60m`
//!    (`--board-window`; the `offered` of queue `probe` in `kpis.queues[]`); when a view counts
//!    k, every probe up to k not yet seen there gets its delay from its send instant. (A count
//!    cannot tell which probe arrived when probes overtake each other across partitions; over
//!    all probes that changes little.) The service builds a board at most every 500 ms per
//!    window and serves that one in between (by design: every screen shares it), so the
//!    board's delay includes up to 500 ms of cache age; *send → board built* (from the board's
//!    `built_ms`) shows the delay without it. See `kafka_bench/visible.rs`.
//!
//! Both print the rate achieved, the CPU used while sending, p50/p90/p99/max of the delays and
//! their median per quarter of the run (rising: the consumer fell behind the load); then the
//! service's RSS (VmRSS, VmHWM of the child), and it is stopped with SIGTERM; last, a table of
//! p50/p99 of the bare consumer, /metrics and the board, and each p99 minus the bare one (the
//! goal of issue 14: at most +50 ms). The service's stderr shows up prefixed `[callpulse]`.
//!
//! Live figures follow each event at once (the provisional overlay of the reorder buffer): the
//! lateness decides only when period records are final, so it should not show in these delays.
//! Pointed at an older binary (`--callpulse`) whose counters waited for the watermark, the
//! delays are the lateness plus the rest; the pollers wait up to the lateness plus
//! `service.idle_after` plus 20 s after the end of sending for the last probes.
//!
//! Two properties of tansu 0.6.0 dominate its latency figures: it answers a Fetch only at the
//! consumer's `fetch.wait.max.ms` (librdkafka's default 500 ms) even when data arrived before,
//! and its CPU goes with the number of batches produced, so `linger.ms=1` (batches of a few
//! events) at 10,000 events/s is more than it keeps up with on 2 cores. The baseline shows
//! both; `--linger-ms 5` and `CALLPULSE_KAFKA_CLIENT_FETCH_WAIT_MAX_MS=50` take them out.
//!
//! The broker, the producer and the consumer share one machine: on a small one (the
//! development machine has 2 cores) the figures move by tens of percent from one run to the
//! next. Compare figures taken in one run.

use callpulse::sim::SimConfig;
use clap::{Args, Parser, Subcommand};
use procfs::print_load;
use std::path::PathBuf;
use std::process::ExitCode;

// callpulse's input runs in this process (`throughput`): under the binary's allocator.
#[path = "../../src/allocator.rs"]
mod allocator;
mod baseline;
mod http;
mod latency;
mod load;
mod numbers;
mod procfs;
mod report;
mod round;
mod service;
mod settings;
mod throughput;
mod topics;
mod visible;

#[derive(Parser)]
#[command(about = "Kafka throughput and latency of callpulse against a real broker")]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Consumer throughput: bare rdkafka vs callpulse end to end, in interleaved rounds.
    Throughput(ThroughputArgs),
    /// Delay from the producer to /metrics and /api/v1/board of the real binary under a steady
    /// load.
    Latency(LatencyArgs),
}

#[derive(Args)]
struct Common {
    /// Kafka bootstrap servers.
    #[arg(long)]
    brokers: String,
    /// Use this existing, empty topic (and TOPIC.dead-letter, TOPIC.baseline) instead of
    /// creating fresh ones.
    #[arg(long, value_name = "TOPIC")]
    topic: Option<String>,
    /// Partitions of the topic created.
    #[arg(long, default_value_t = 4)]
    partitions: i32,
}

#[derive(Args)]
struct ThroughputArgs {
    #[command(flatten)]
    common: Common,
    /// Events to produce and consume.
    #[arg(long, default_value_t = 1_000_000)]
    events: u64,
    /// Rounds; each runs the bare consumer, then callpulse.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Give up on a round after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Malformed lines per 10,000 events in the simulated stream (they become dead letters).
    #[arg(long, default_value_t = SimConfig::default().malformed_per_10k)]
    malformed_per_10k: u32,
}

#[derive(Args)]
struct LatencyArgs {
    #[command(flatten)]
    common: Common,
    /// Background events per second.
    #[arg(long, default_value_t = 10_000.0)]
    rate: f64,
    /// How long to send.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// The callpulse binary to run (`cargo build --release` first).
    #[arg(long, default_value = "target/release/callpulse")]
    callpulse: PathBuf,
    /// Milliseconds between probes.
    #[arg(long, default_value_t = 100)]
    probe_ms: u64,
    /// Milliseconds between reads of /metrics.
    #[arg(long, default_value_t = 5)]
    poll_ms: u64,
    /// The producer's linger.ms.
    #[arg(long, default_value_t = 1)]
    linger_ms: u64,
    /// Skip the baseline (the same load read by a bare rdkafka consumer) before the service.
    #[arg(long)]
    no_baseline: bool,
    /// The service's engine.lateness (CALLPULSE_ENGINE_LATENESS); its default (30 s) when not
    /// given.
    #[arg(long, value_name = "DURATION")]
    lateness: Option<String>,
    /// The window of /api/v1/board read (15m, 60m, today, interval).
    #[arg(long, default_value = "60m", value_parser = ["15m", "60m", "today", "interval"])]
    board_window: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.mode {
        Mode::Throughput(args) => throughput::throughput(&args),
        Mode::Latency(args) => latency::latency(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kafka_bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn header(mode: &str, brokers: &str) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("kafka_bench {mode} against {brokers}");
    println!(
        "{cores} cores shared by the broker, the producer and the consumer: figures are noisy \
         (tens of percent between runs); compare within one run. CPU figures: seconds of CPU \
         per second of wall time (1.00 = one core busy); \"rest\" is everything else on the \
         machine: the broker, and whatever else ran."
    );
    print_load();
}
