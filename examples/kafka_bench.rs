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

use anyhow::{bail, Context as _};
use callpulse::config::{Config, ConfigError, Environment, KafkaConfig, RawConfig};
use callpulse::produce::LineProducer;
use callpulse::service::{kafka, Shared, Shutdown, State};
use callpulse::sim::{QueueSpec, SimConfig, Simulator};
use callpulse::time::{rfc3339, HOUR, SECOND};
use clap::{Args, Parser, Subcommand};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

#[path = "kafka_bench/visible.rs"]
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
        Mode::Throughput(args) => throughput(&args),
        Mode::Latency(args) => latency(&args),
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

/// The machine's load average, to see whether something else ran alongside.
fn print_load() {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!("load average (1, 5, 15 min): {}", load.join(" "));
}

/// The service's configuration from the environment alone, as `callpulse run` without a file
/// builds it: the defaults, and `CALLPULSE_KAFKA_CLIENT_<KEY>` and the like where set.
fn service_config() -> anyhow::Result<Config> {
    let (raw, name) = RawConfig::read(None, &Environment::of_process())?;
    raw.validate().map_err(|problems| {
        ConfigError {
            source_name: name,
            problems,
        }
        .into()
    })
}

/// The settings of a bare consumer: exactly the service's consumer's
/// (`kafka::consumer_config`), in its own group, without partition-EOF events.
fn bare_config(k: &KafkaConfig, group: &str) -> ClientConfig {
    let mut c = kafka::consumer_config(k);
    c.set("group.id", group)
        .set("enable.partition.eof", "false");
    c
}

/// The bare consumers' settings, but the brokers and the group, for the output.
fn describe(c: &ClientConfig) -> String {
    let settings: Vec<String> = c
        .config_map()
        .into_iter()
        .filter(|(key, _)| !matches!(*key, "bootstrap.servers" | "group.id"))
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    settings.join(" ")
}

// ---------------------------------------------------------------------------------------
// Topics

/// The topics of a run: the input, its dead-letter topic, and for the latency baseline a
/// topic of its own.
struct Topics {
    input: String,
    dead_letter: String,
    baseline: String,
}

/// `--topic` and the topics named after it, or fresh ones made here (`baseline` only when
/// asked for).
fn topics(c: &Common, mode: &str, baseline: bool) -> anyhow::Result<Topics> {
    let input = match &c.topic {
        Some(topic) => topic.clone(),
        None => format!("kafka-bench-{mode}-{}", callpulse::time::wall_clock()),
    };
    let t = Topics {
        dead_letter: format!("{input}.dead-letter"),
        baseline: format!("{input}.baseline"),
        input,
    };
    if c.topic.is_some() {
        return Ok(t);
    }
    let mut wanted = vec![(t.input.as_str(), c.partitions), (&t.dead_letter, 1)];
    if baseline {
        wanted.push((&t.baseline, c.partitions));
    }
    if let Err(e) = create_topics(&c.brokers, &wanted) {
        let host = format!("tcp://{}", c.brokers.split(',').next().unwrap_or_default());
        let commands: Vec<String> = wanted
            .iter()
            .map(|(name, n)| {
                format!("  tansu topic create --broker {host} --partitions {n} {name}")
            })
            .collect();
        bail!(
            "cannot create the topics with the Kafka admin API ({e:#}); create them with\n{}\n\
             and run again with --topic {}",
            commands.join("\n"),
            t.input
        );
    }
    let names: Vec<String> = wanted
        .iter()
        .map(|(name, n)| format!("{name} ({n})"))
        .collect();
    println!("topics (partitions): {}", names.join(", "));
    Ok(t)
}

/// Creates topics with the admin API and waits until their metadata shows every partition.
fn create_topics(brokers: &str, topics: &[(&str, i32)]) -> anyhow::Result<()> {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    let admin: AdminClient<DefaultClientContext> = config.create()?;
    let new: Vec<NewTopic> = topics
        .iter()
        .map(|(name, n)| NewTopic::new(name, *n, TopicReplication::Fixed(1)))
        .collect();
    let options = AdminOptions::new()
        .operation_timeout(Some(Duration::from_secs(10)))
        .request_timeout(Some(Duration::from_secs(15)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    for result in runtime.block_on(admin.create_topics(&new, &options))? {
        if let Err((name, code)) = result {
            bail!("{name}: {code}");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    for (name, n) in topics {
        loop {
            let meta = admin
                .inner()
                .fetch_metadata(Some(name), Duration::from_secs(5))?;
            let ready = meta
                .topics()
                .iter()
                .any(|t| t.error().is_none() && t.partitions().len() == *n as usize);
            if ready {
                break;
            }
            if Instant::now() > deadline {
                bail!("{name} has no metadata with {n} partitions after 20 s");
            }
            sleep(Duration::from_millis(100));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Throughput

/// A busy center: eight queues, about 6,750 calls an hour at the peak hour, ~8 events a call,
/// from 07:00 local time; a million events cover about 32 hours of event time.
fn busy_center() -> SimConfig {
    let queue = |name, peak_calls_per_hour, agents| QueueSpec {
        name,
        peak_calls_per_hour,
        agents,
        mean_talk: 200 * SECOND,
    };
    let default = SimConfig::default();
    SimConfig {
        seed: 7,
        start: default.start + 7 * HOUR,
        queues: vec![
            queue("sales", 1_500.0, 110),
            queue("support", 1_800.0, 130),
            queue("billing", 900.0, 68),
            queue("tech", 800.0, 60),
            queue("retention", 500.0, 38),
            queue("vip", 250.0, 21),
            queue("claims", 600.0, 46),
            queue("general", 400.0, 32),
        ],
        ..default
    }
}

/// One timed read of the topic.
struct Round {
    seconds: f64,
    /// From the start to the first message (joining the group, first fetch).
    to_first: f64,
    events: u64,
    /// VmHWM during the round, when it could be reset before.
    peak_rss: Option<u64>,
    /// CPU seconds used during the round.
    cpu: Cpu,
    /// The most events the engine held undecided (reorder buffer, orphans), as sampled.
    held: Option<u64>,
}

impl Round {
    fn rate(&self) -> f64 {
        self.events as f64 / self.seconds
    }

    fn steady_rate(&self) -> f64 {
        (self.events - 1) as f64 / (self.seconds - self.to_first).max(1e-9)
    }

    /// Events per CPU second of this process (consumer threads, librdkafka's included).
    fn per_cpu_second(&self) -> f64 {
        self.events as f64 / self.cpu.own
    }
}

/// A figure of a round, such as [`Round::rate`].
type Figure = fn(&Round) -> f64;

/// The engine of the last callpulse round.
struct EngineEnd {
    /// When it had read the N-th event.
    state_bytes: usize,
    calls_in_flight: usize,
    /// After it stopped: rejected events by reason.
    rejected: Vec<(String, u64)>,
    late: u64,
    dead_letters: u64,
    /// Checkpoints written (with an evidence store) and the last one's engine state bytes.
    checkpoints: u64,
    checkpoint_bytes: u64,
}

fn throughput(args: &ThroughputArgs) -> anyhow::Result<()> {
    let brokers = &args.common.brokers;
    header("throughput", brokers);
    let n = args.events;
    if n < 2 {
        bail!("--events must be at least 2");
    }
    let Topics {
        input: topic,
        dead_letter: dead,
        ..
    } = topics(&args.common, "throughput", false)?;

    let sim = SimConfig {
        malformed_per_10k: args.malformed_per_10k,
        ..busy_center()
    };
    let start = sim.start;
    let mut simulator = Simulator::new(sim);
    let mut producer = LineProducer::new(
        ClientConfig::new().set("bootstrap.servers", brokers),
        &topic,
        None,
    )?;
    let mut bytes = 0u64;
    for line in simulator.by_ref().take(n as usize) {
        bytes += line.len() as u64;
        producer.send(&line)?;
    }
    let sent = producer.finish()?;
    println!(
        "produced {} simulator events ({:.1} h of event time, {:.0} bytes each on average) in \
         {:.1} s ({:.0} events/s), acknowledged",
        sent.events,
        (simulator.now() - start) as f64 / HOUR as f64,
        bytes as f64 / n as f64,
        sent.seconds,
        sent.events as f64 / sent.seconds
    );

    let mut cfg = service_config()?;
    cfg.kafka.brokers = brokers.clone();
    cfg.kafka.topics = vec![topic.clone()];
    cfg.kafka.dead_letter_topic = dead;
    let timeout = Duration::from_secs(args.timeout);
    println!(
        "bare consumer settings: {}",
        describe(&bare_config(&cfg.kafka, "-"))
    );
    let run = callpulse::time::wall_clock();
    let mut bare = Vec::new();
    let mut service = Vec::new();
    let mut end = None;
    println!();
    println!(
        "{:>5}  {:<9}  {:>10}  {:>8}  {:>10}  {:>5}  {:>5}  {:>12}  {:>8}  {:>8}",
        "round",
        "consumer",
        "events/s",
        "to first",
        "steady/s",
        "CPU",
        "rest",
        "events/CPU-s",
        "peak RSS",
        "held"
    );
    for r in 1..=args.rounds {
        let group = format!("kafka-bench-{run}-bare-{r}");
        let b = bare_round(&cfg.kafka, &group, n, bytes, timeout)?;
        print_round(r, "bare", &b);
        bare.push(b);
        cfg.kafka.group_id = format!("kafka-bench-{run}-callpulse-{r}");
        let (c, e) = callpulse_round(&cfg, n, timeout)?;
        print_round(r, "callpulse", &c);
        service.push(c);
        end = Some(e);
    }
    let median_of = |rounds: &[Round], f: Figure| median(&rounds.iter().map(f).collect::<Vec<_>>());
    println!();
    println!(
        "{:<14}  {:>10}  {:>10}  {:>14}",
        "median", "bare", "callpulse", "callpulse/bare"
    );
    let figures: [(&str, Figure); 3] = [
        ("events/s", Round::rate),
        ("steady/s", Round::steady_rate),
        ("events/CPU-s", Round::per_cpu_second),
    ];
    for (name, f) in figures {
        let (b, c) = (median_of(&bare, f), median_of(&service, f));
        println!(
            "{name:<14}  {:>10}  {:>10}  {:>14.2}",
            thousands(b),
            thousands(c),
            c / b
        );
    }
    println!(
        "(events/s: from subscribe (bare) or start (callpulse) to the N-th event; steady/s: \
         from the first event; events/CPU-s: per CPU second of this process, so the broker's \
         and the producer's work are left out)"
    );
    print_load();
    if let Some(hwm) = proc_status_kb("self", "VmHWM") {
        println!(
            "peak RSS of this process, producing included: {} MB",
            hwm / 1024
        );
    }
    if let Some(e) = end {
        let rejected: Vec<String> = e.rejected.iter().map(|(r, n)| format!("{r} {n}")).collect();
        println!(
            "last callpulse round: at the N-th event state_bytes {} ({:.1} MB), calls_in_flight \
             {} (calls kept until engine.wrapup_timeout after they end count too); after it \
             stopped: late {}, dead letters written {}, rejected: {}; checkpoints {}, the last \
             one's engine state {:.1} MB",
            e.state_bytes,
            e.state_bytes as f64 / 1e6,
            e.calls_in_flight,
            e.late,
            e.dead_letters,
            rejected.join(", "),
            e.checkpoints,
            e.checkpoint_bytes as f64 / 1e6,
        );
    }
    Ok(())
}

fn print_round(r: usize, who: &str, x: &Round) {
    let rss = x
        .peak_rss
        .map_or("-".to_string(), |kb| format!("{} MB", kb / 1024));
    let held = x.held.map_or("-".to_string(), |n| thousands(n as f64));
    println!(
        "{r:>5}  {who:<9}  {:>10}  {:>6.2} s  {:>10}  {:>5.2}  {:>5.2}  {:>12}  {rss:>8}  \
         {held:>8}",
        thousands(x.rate()),
        x.to_first,
        thousands(x.steady_rate()),
        x.cpu.own / x.seconds,
        x.cpu.rest() / x.seconds,
        thousands(x.per_cpu_second()),
    );
}

/// Bare librdkafka: the service's client settings, polling until `n` messages.
fn bare_round(
    k: &KafkaConfig,
    group: &str,
    n: u64,
    bytes: u64,
    timeout: Duration,
) -> anyhow::Result<Round> {
    let reset = reset_peak_rss();
    let cpu_before = Cpu::now(None);
    let consumer: BaseConsumer = bare_config(k, group)
        .create()
        .context("cannot create the bare consumer")?;
    let started = Instant::now();
    let topics: Vec<&str> = k.topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics)?;
    let (mut count, mut sum, mut to_first) = (0u64, 0u64, None);
    while count < n {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                sum += m.payload().map_or(0, <[u8]>::len) as u64;
                count += 1;
                to_first.get_or_insert_with(|| started.elapsed());
            }
            Some(Err(e)) => eprintln!("bare consumer: {e}"),
            None => {}
        }
        if started.elapsed() > timeout {
            bail!("bare consumer: {count} of {n} messages after {timeout:?}");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = Cpu::now(None).since(cpu_before);
    if std::hint::black_box(sum) != bytes {
        eprintln!("bare consumer: read {sum} payload bytes, produced {bytes}");
    }
    let peak_rss = reset.then(|| proc_status_kb("self", "VmHWM")).flatten();
    drop(consumer);
    Ok(Round {
        seconds,
        to_first: to_first.unwrap_or_default().as_secs_f64(),
        events: n,
        peak_rss,
        cpu,
        held: None,
    })
}

/// `callpulse run`'s input loop on a thread, until the engine has read `n` events.
fn callpulse_round(cfg: &Config, n: u64, timeout: Duration) -> anyhow::Result<(Round, EngineEnd)> {
    let reset = reset_peak_rss();
    let cpu_before = Cpu::now(None);
    let mut state = State::new(cfg.clone(), cfg.kafka.topics.clone());
    // As `callpulse run` does: the configured certification profile judged live.
    if let Some(name) = &cfg.alerts.profile {
        let profile = callpulse::alert::Profile::load(name)?;
        let generator = "http://bench/api/v1/alerts".to_string();
        let alerts = callpulse::service::alerts::LiveAlerts::new(profile, &cfg.alerts, generator)?;
        state = state.with_alerts(alerts);
    }
    // As `callpulse run` does: the evidence store, checkpointed; a fresh file each round, so
    // no round restores another's checkpoint.
    let store = cfg.evidence.path.as_ref().map(|_| {
        std::env::temp_dir().join(format!(
            "kafka-bench-evidence-{}-{}.sqlite",
            std::process::id(),
            callpulse::time::wall_clock()
        ))
    });
    if let Some(path) = &store {
        state = state.with_evidence(callpulse::service::evidence::Recorder::open(path, None)?);
    }
    let shared = Shared::new(state);
    let shutdown = Shutdown::new();
    let started = Instant::now();
    let input = {
        let (shared, shutdown, k) = (shared.clone(), shutdown.clone(), cfg.kafka.clone());
        std::thread::Builder::new()
            .name("input".into())
            .spawn(move || kafka::consume(shared, &k, shutdown))?
    };
    let (mut to_first, mut held) = (None, 0);
    loop {
        let stats = shared.lock().engine.stats();
        let read = stats.read;
        held = held.max(stats.pending());
        if read > 0 {
            to_first.get_or_insert_with(|| started.elapsed());
        }
        if read >= n {
            break;
        }
        if input.is_finished() || started.elapsed() > timeout {
            shutdown.trigger();
            let result = input.join();
            bail!(
                "callpulse consumer: {read} of {n} events after {:?} ({result:?})",
                started.elapsed()
            );
        }
        sleep(Duration::from_millis(10));
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = Cpu::now(None).since(cpu_before);
    let peak_rss = reset.then(|| proc_status_kb("self", "VmHWM")).flatten();
    let (state_bytes, calls_in_flight) = {
        let state = shared.lock();
        (state.engine.state_bytes(), state.engine.calls_in_flight())
    };
    shutdown.trigger();
    match input.join() {
        Ok(result) => result?,
        Err(_) => bail!("the callpulse input thread panicked"),
    }
    let state = shared.lock();
    let stats = state.engine.stats();
    let end = EngineEnd {
        state_bytes,
        calls_in_flight,
        rejected: stats
            .rejected
            .iter()
            .map(|(reason, n)| (reason.code().to_string(), *n))
            .collect(),
        late: stats.late,
        dead_letters: state.process.dead_letters,
        checkpoints: state.process.checkpoints,
        checkpoint_bytes: state.process.checkpoint_bytes,
    };
    if let Some(path) = &store {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    let round = Round {
        seconds,
        to_first: to_first.unwrap_or_default().as_secs_f64(),
        events: n,
        peak_rss,
        cpu,
        held: Some(held),
    };
    Ok((round, end))
}

// ---------------------------------------------------------------------------------------
// Latency

/// The callpulse child; killed if still running when dropped (after an error).
struct Service {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn latency(args: &LatencyArgs) -> anyhow::Result<()> {
    let brokers = &args.common.brokers;
    header("latency", brokers);
    if !(args.rate > 0.0 && args.seconds > 0.0) {
        bail!("--rate and --seconds must be more than 0");
    }
    if !args.callpulse.is_file() {
        bail!(
            "{} not found: run `cargo build --release` first, or pass --callpulse",
            args.callpulse.display()
        );
    }
    let topics = topics(&args.common, "latency", !args.no_baseline)?;
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("linger.ms", args.linger_ms.to_string())
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .context("cannot create the Kafka producer")?;
    let defaults = service_config()?;
    let lateness = match &args.lateness {
        Some(text) => callpulse::time::parse_duration(text)
            .map_err(|e| anyhow::anyhow!("--lateness {text:?}: {e}"))?,
        None => defaults.engine.lateness,
    };
    // The pollers' patience after the end: enough for a binary that counts only behind the
    // watermark, which follows the wall clock once the input is idle.
    let wait = Duration::from_millis((lateness + defaults.service.idle_after).max(0) as u64)
        + Duration::from_secs(20);
    let mut kafka_cfg = defaults.kafka;
    kafka_cfg.brokers = brokers.clone();
    println!(
        "bare consumer settings: {}",
        describe(&bare_config(&kafka_cfg, "-"))
    );
    let fetch_wait = callpulse::kafka_client::client_config(&kafka_cfg)
        .get("fetch.wait.max.ms")
        .map_or("500 (librdkafka's default)".to_string(), str::to_string);
    println!(
        "load: {} events/s for {} s (token bucket) plus a probe every {} ms; producer \
         linger.ms={} (its batching is part of every delay below); consumers' \
         fetch.wait.max.ms {fetch_wait} (CALLPULSE_KAFKA_CLIENT_FETCH_WAIT_MAX_MS sets it)",
        args.rate, args.seconds, args.probe_ms, args.linger_ms
    );

    let mut bare_delays = None;
    if !args.no_baseline {
        kafka_cfg.topics = vec![topics.baseline.clone()];
        let consumer = probe_consumer(&kafka_cfg)?;
        let mut floor = broker_floor(&consumer, &producer, &topics.baseline, 20)?;
        floor.sort_by(f64::total_cmp);
        println!();
        println!(
            "baseline: a bare rdkafka consumer with the service's settings, on {}",
            topics.baseline
        );
        println!(
            "  no load, one message at a time, send → poll: p50 {:.1} ms, max {:.1} ms (a broker \
             that answers a fetch only at fetch.wait.max.ms shows it here)",
            percentile(&floor, 0.5),
            floor[floor.len() - 1],
        );
        let (sent, cpu, delays) = load_phase(
            &producer,
            &topics.baseline,
            args,
            None,
            move |probes, done| bare_probes(&consumer, probes, done),
        )?;
        let behind = report_load("send → poll", &sent, &cpu, &delays, Duration::from_secs(20));
        bare_delays = Some(delays);
        if behind {
            println!(
                "  the broker did not keep up: the bare consumer fell behind too, so the service's \
                 figures below measure the broker; try a larger --linger-ms (fewer, larger \
                 batches) or a lower --rate"
            );
        }
    }

    let group = format!("kafka-bench-latency-{}", callpulse::time::wall_clock());
    let mut service = spawn_service(
        &args.callpulse,
        brokers,
        &topics,
        &group,
        args.lateness.as_deref(),
    )?;
    println!();
    println!(
        "callpulse: {} run, serving http://{}/ (pid {}), on {}, engine.lateness {} s ({})",
        args.callpulse.display(),
        service.addr,
        service.child.id(),
        topics.input,
        lateness as f64 / 1e3,
        match &args.lateness {
            Some(text) => format!("CALLPULSE_ENGINE_LATENESS={text}"),
            None => "the service's default".to_string(),
        }
    );
    wait_ready(service.addr, Duration::from_secs(60))?;
    let window: &'static str = match args.board_window.as_str() {
        "15m" => "15m",
        "today" => "today",
        "interval" => "interval",
        _ => "60m",
    };
    let polling = visible::Polling {
        addr: service.addr,
        every: Duration::from_millis(args.poll_ms),
        wait,
        window,
    };
    let (sent, cpu, seen) = load_phase(
        &producer,
        &topics.input,
        args,
        Some(service.child.id()),
        move |probes, done| visible::poll(polling, probes, done),
    )?;
    let _ = report_load("send → /metrics", &sent, &cpu, &seen.metrics.delays, wait);
    let board_what = format!("send → /api/v1/board?window={window}");
    let _ = report_delays(&board_what, sent.probes, &seen.board.delays, wait);
    let builds = &seen.board.builds;
    if builds.len() > 1 {
        let gaps: Vec<f64> = builds.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
        println!(
            "  {} distinct boards read, built a median {:.0} ms apart (max {:.0}): the service \
             builds a board at most every 500 ms and serves it from its cache in between, so a \
             probe waits for the next build, on average half that gap, beyond /metrics",
            builds.len(),
            median(&gaps),
            gaps.iter().copied().fold(0.0, f64::max),
        );
    }
    for (what, polled) in [("/metrics", &seen.metrics), ("/api/v1/board", &seen.board)] {
        let mut gets = polled.get_ms.clone();
        gets.sort_by(f64::total_cmp);
        if !gets.is_empty() {
            println!(
                "  {what} was read every {} ms; a GET took p50 {:.1} ms, p99 {:.1} ms, max {:.1} \
                 ms ({} requests): the resolution of its delays",
                args.poll_ms,
                percentile(&gets, 0.5),
                percentile(&gets, 0.99),
                gets[gets.len() - 1],
                gets.len(),
            );
        }
    }
    if let Ok((200, metrics)) = http_get(service.addr, "/metrics") {
        let value = |name: &str| sample(&metrics, name, "").map_or("?".into(), thousands);
        println!(
            "  the service read {} events ({} late); calls in flight {}; engine state {} bytes",
            value("callpulse_events_read_total"),
            value("callpulse_events_late_total"),
            value("callpulse_calls_in_flight"),
            value("callpulse_engine_state_bytes"),
        );
    }
    let pid = service.child.id().to_string();
    let kb = |key| proc_status_kb(&pid, key).map_or("?".into(), |kb| format!("{} MB", kb / 1024));
    println!(
        "  service RSS: VmRSS {}, VmHWM {}",
        kb("VmRSS"),
        kb("VmHWM")
    );

    let status = Command::new("kill").args(["-TERM", &pid]).status()?;
    if !status.success() {
        bail!("kill -TERM {pid}: {status}");
    }
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(status) = service.child.try_wait()? {
            println!("  service stopped on SIGTERM: {status}");
            break;
        }
        if Instant::now() > deadline {
            bail!("the service did not stop within 40 s of SIGTERM");
        }
        sleep(Duration::from_millis(50));
    }
    print_load();
    visible::summary(
        bare_delays.as_deref(),
        &[
            ("callpulse /metrics", &seen.metrics.delays),
            ("callpulse /api/v1/board", &seen.board.delays),
        ],
    );
    Ok(())
}

/// Runs the load on `topic` while `observe` (on its own thread, given the probes' send
/// instants and a flag set when sending ends) measures; returns what was sent, the CPU used
/// while sending (`child`'s too) and what `observe` returned.
fn load_phase<T: Send + 'static>(
    producer: &BaseProducer,
    topic: &str,
    args: &LatencyArgs,
    child: Option<u32>,
    observe: impl FnOnce(&Mutex<Vec<Instant>>, &AtomicBool) -> T + Send + 'static,
) -> anyhow::Result<(Sent, Cpu, T)> {
    let probes: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let observer = {
        let (probes, done) = (probes.clone(), done.clone());
        std::thread::Builder::new()
            .name("observer".into())
            .spawn(move || observe(&probes, &done))?
    };
    let before = Cpu::now(child);
    let sent = send_load(producer, topic, args, &probes);
    let cpu = Cpu::now(child).since(before);
    done.store(true, Ordering::SeqCst);
    let flushed = producer.flush(Duration::from_secs(30));
    let observed = observer
        .join()
        .map_err(|_| anyhow::anyhow!("the observer thread panicked"))?;
    let sent = sent?;
    flushed.context("events unacknowledged 30 s after the end")?;
    Ok((sent, cpu, observed))
}

/// Prints the rate achieved, the CPU used and the probe delays (in probe order); returns
/// whether the delays rose through the run (the consumer fell behind the load).
fn report_load(what: &str, sent: &Sent, cpu: &Cpu, delays: &[f64], wait: Duration) -> bool {
    let cpu_text = if cpu.child.is_nan() {
        format!(
            "this process (producer, consumer) {:.2}",
            cpu.own / sent.seconds
        )
    } else {
        format!(
            "the service {:.2}, this process (producer, poller) {:.2}",
            cpu.child / sent.seconds,
            cpu.own / sent.seconds
        )
    };
    println!(
        "  achieved {:.0} events/s ({} in {:.2} s), {} probes; CPU while sending (cores): \
         {cpu_text}, the rest (the broker, ...) {:.2}",
        sent.background as f64 / sent.seconds,
        sent.background,
        sent.seconds,
        sent.probes,
        cpu.rest() / sent.seconds
    );
    report_delays(what, sent.probes, delays, wait)
}

/// Prints p50/p90/p99/max of the probe delays (in probe order) and their median per quarter
/// of the run; returns whether they rose through the run (the consumer fell behind the load).
fn report_delays(what: &str, probes: usize, delays: &[f64], wait: Duration) -> bool {
    if delays.len() < probes {
        println!(
            "  only {} of {} probes arrived within {} s of the end",
            delays.len(),
            probes,
            wait.as_secs()
        );
    }
    if delays.is_empty() {
        return true;
    }
    let quarters: Vec<f64> = delays
        .chunks(delays.len().div_ceil(4))
        .map(median)
        .collect();
    let (first, last) = (quarters[0], quarters[quarters.len() - 1]);
    let behind = delays.len() < probes || (last > 2.0 * first && last - first > 100.0);
    let mut sorted = delays.to_vec();
    sorted.sort_by(f64::total_cmp);
    println!(
        "  probe delay, {what} (ms): p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  (n = {})",
        percentile(&sorted, 0.50),
        percentile(&sorted, 0.90),
        percentile(&sorted, 0.99),
        sorted[sorted.len() - 1],
        sorted.len()
    );
    let quarters: Vec<String> = quarters.iter().map(|q| format!("{q:.0}")).collect();
    println!(
        "  median by quarter of the run (ms): {}{}",
        quarters.join(", "),
        if behind {
            ": rising, the consumer fell behind the load"
        } else {
            ""
        }
    );
    behind
}

/// A bare consumer of `k.topics` with the service's settings, in a fresh group, once it has
/// its partitions.
fn probe_consumer(k: &KafkaConfig) -> anyhow::Result<BaseConsumer> {
    let group = format!("kafka-bench-baseline-{}", callpulse::time::wall_clock());
    let consumer: BaseConsumer = bare_config(k, &group)
        .create()
        .context("cannot create the bare consumer")?;
    let topics: Vec<&str> = k.topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics)?;
    let joined = Instant::now();
    while consumer.assignment().map_or(0, |a| a.count()) == 0 {
        if joined.elapsed() > Duration::from_secs(30) {
            bail!("the bare consumer got no partitions within 30 s");
        }
        consumer.poll(Duration::from_millis(50));
    }
    Ok(consumer)
}

/// Sends `n` messages one at a time (queue `floor`) and times each from sending to its
/// arrival at `consumer`: the delay of the broker and librdkafka alone.
fn broker_floor(
    consumer: &BaseConsumer,
    producer: &BaseProducer,
    topic: &str,
    n: usize,
) -> anyhow::Result<Vec<f64>> {
    let mut stamp = Stamp::default();
    let mut delays = Vec::with_capacity(n);
    for i in 1..=n {
        let id = format!("floor-{i}");
        let line = format!(
            r#"{{"type":"call.offered","ts":"{}","call_id":"{id}","queue":"floor"}}"#,
            stamp.now()
        );
        let sent = Instant::now();
        send(producer, topic, &id, &line)?;
        loop {
            producer.poll(Duration::ZERO);
            if let Some(Ok(m)) = consumer.poll(Duration::from_millis(1)) {
                if m.key() == Some(id.as_bytes()) {
                    break;
                }
            }
            if sent.elapsed() > Duration::from_secs(10) {
                bail!("{id} did not reach the bare consumer within 10 s");
            }
        }
        delays.push(sent.elapsed().as_secs_f64() * 1e3);
    }
    Ok(delays)
}

/// The baseline's observer: the bare consumer reads everything and notes when each probe
/// (key `probe-K`) arrives, until sending is done and every probe arrived (or 20 s more
/// passed). Returns the delays in probe order.
fn bare_probes(
    consumer: &BaseConsumer,
    probes: &Mutex<Vec<Instant>>,
    done: &AtomicBool,
) -> Vec<f64> {
    let mut arrived: Vec<Option<Instant>> = Vec::new();
    let (mut seen, mut done_at) = (0, None);
    loop {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(10)) {
            let k = m
                .key()
                .and_then(|key| key.strip_prefix(b"probe-"))
                .and_then(|k| std::str::from_utf8(k).ok()?.parse::<usize>().ok());
            if let Some(k) = k.filter(|k| *k > 0) {
                if arrived.len() < k {
                    arrived.resize(k, None);
                }
                if arrived[k - 1].is_none() {
                    arrived[k - 1] = Some(Instant::now());
                    seen += 1;
                }
            }
        }
        if done.load(Ordering::SeqCst) {
            let since = *done_at.get_or_insert_with(Instant::now);
            let total = probes.lock().unwrap_or_else(|e| e.into_inner()).len();
            if seen >= total || since.elapsed() > Duration::from_secs(20) {
                break;
            }
        }
    }
    let sent = probes.lock().unwrap_or_else(|e| e.into_inner());
    sent.iter()
        .zip(&arrived)
        .filter_map(|(at, arrival)| {
            Some((arrival.as_ref()?.duration_since(*at)).as_secs_f64() * 1e3)
        })
        .collect()
}

/// Starts `callpulse run` and reads its address from stderr; the rest of its stderr goes to
/// ours.
fn spawn_service(
    bin: &PathBuf,
    brokers: &str,
    topics: &Topics,
    group: &str,
    lateness: Option<&str>,
) -> anyhow::Result<Service> {
    let mut command = Command::new(bin);
    command
        .args(["run", "--listen", "127.0.0.1:0"])
        .env("CALLPULSE_KAFKA_BROKERS", brokers)
        .env("CALLPULSE_KAFKA_TOPICS", &topics.input)
        .env("CALLPULSE_KAFKA_GROUP_ID", group)
        .env("CALLPULSE_KAFKA_DEAD_LETTER_TOPIC", &topics.dead_letter);
    if let Some(lateness) = lateness {
        command.env("CALLPULSE_ENGINE_LATENESS", lateness);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        const SERVING: &str = "callpulse: serving http://";
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            match line
                .strip_prefix(SERVING)
                .and_then(|rest| rest.split('/').next())
            {
                Some(addr) => {
                    let _ = tx.send(addr.to_string());
                }
                None => eprintln!("[callpulse] {line}"),
            }
        }
    });
    let mut service = Service {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .context("callpulse did not print its address within 30 s")?;
    service.addr = addr
        .parse()
        .with_context(|| format!("callpulse printed a bad address {addr:?}"))?;
    Ok(service)
}

fn wait_ready(addr: SocketAddr, within: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let answer = http_get(addr, "/readyz");
        if matches!(answer, Ok((200, _))) {
            return Ok(());
        }
        if started.elapsed() > within {
            bail!("/readyz not 200 after {within:?}: {answer:?}");
        }
        sleep(Duration::from_millis(50));
    }
}

struct Sent {
    background: u64,
    probes: usize,
    seconds: f64,
}

/// Sends the background load and the probes for `--seconds`; records each probe's send instant.
fn send_load(
    producer: &BaseProducer,
    topic: &str,
    args: &LatencyArgs,
    probes: &Mutex<Vec<Instant>>,
) -> anyhow::Result<Sent> {
    let rate = args.rate;
    // Calls of `rate / 3` a second: offered; answered one second later; ended one more later.
    let lag = ((rate / 3.0).round() as i64).max(1);
    let burst = (rate / 100.0).max(1.0);
    let probe_every = Duration::from_millis(args.probe_ms.max(1));
    let mut stamp = Stamp::default();
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(args.seconds);
    let (mut last, mut tokens) = (started, 0.0f64);
    let mut next_probe = started;
    let (mut background, mut slot, mut n_probes) = (0u64, 0i64, 0usize);
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        tokens = (tokens + rate * (now - last).as_secs_f64()).min(burst);
        last = now;
        while tokens >= 1.0 {
            let (call, phase) = (slot / 3 - (slot % 3) * lag, slot % 3);
            slot += 1;
            if call < 0 {
                continue;
            }
            let (id, ts) = (format!("L{call}"), stamp.now());
            let line = match phase {
                0 => format!(
                    r#"{{"type":"call.offered","ts":"{ts}","call_id":"{id}","queue":"load-{}"}}"#,
                    call % 10
                ),
                1 => format!(
                    r#"{{"type":"call.answered","ts":"{ts}","call_id":"{id}","agent_id":"a{}"}}"#,
                    call % 5_000
                ),
                _ => format!(r#"{{"type":"call.ended","ts":"{ts}","call_id":"{id}"}}"#),
            };
            send(producer, topic, &id, &line)?;
            tokens -= 1.0;
            background += 1;
        }
        if now >= next_probe {
            n_probes += 1;
            let id = format!("probe-{n_probes}");
            let at = Instant::now();
            let line = format!(
                r#"{{"type":"call.offered","ts":"{}","call_id":"{id}","queue":"probe"}}"#,
                stamp.now()
            );
            probes.lock().unwrap_or_else(|e| e.into_inner()).push(at);
            send(producer, topic, &id, &line)?;
            next_probe += probe_every;
        }
        producer.poll(Duration::ZERO);
        sleep(Duration::from_micros(200));
    }
    Ok(Sent {
        background,
        probes: n_probes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The wall clock as RFC 3339 UTC with milliseconds, formatted once per millisecond.
#[derive(Default)]
struct Stamp {
    ms: i64,
    text: String,
}

impl Stamp {
    fn now(&mut self) -> &str {
        let ms = callpulse::time::wall_clock();
        if ms != self.ms {
            self.ms = ms;
            self.text = rfc3339::format(ms, &chrono_tz::UTC);
        }
        &self.text
    }
}

fn send(producer: &BaseProducer, topic: &str, key: &str, line: &str) -> anyhow::Result<()> {
    let mut record = BaseRecord::to(topic).key(key).payload(line);
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                producer.poll(Duration::from_millis(1));
            }
            Err((e, _)) => return Err(e).context("cannot send to Kafka"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers

/// GET over HTTP/1.1 with `Connection: close`: (status, body).
fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok((status, body.to_string()))
}

/// The value of `name{labels}` in a Prometheus text exposition (`labels` exactly as printed,
/// or "" for none).
fn sample(text: &str, name: &str, labels: &str) -> Option<f64> {
    let key = if labels.is_empty() {
        name.to_string()
    } else {
        format!("{name}{{{labels}}}")
    };
    text.lines()
        .find_map(|line| line.strip_prefix(&key)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// A field of /proc/PID/status in kB (`pid` may be "self").
fn proc_status_kb(pid: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
}

/// CPU seconds: of this process, of one other process (the service), of the whole machine.
/// What is missing is NaN.
#[derive(Clone, Copy)]
struct Cpu {
    own: f64,
    child: f64,
    machine: f64,
}

impl Cpu {
    fn now(child: Option<u32>) -> Cpu {
        Cpu {
            own: cpu_seconds("self").unwrap_or(f64::NAN),
            child: child
                .and_then(|pid| cpu_seconds(&pid.to_string()))
                .unwrap_or(f64::NAN),
            machine: machine_cpu_seconds().unwrap_or(f64::NAN),
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            own: self.own - before.own,
            child: self.child - before.child,
            machine: self.machine - before.machine,
        }
    }

    /// Everything else on the machine: the broker, and whatever else ran.
    fn rest(&self) -> f64 {
        let child = if self.child.is_nan() { 0.0 } else { self.child };
        // The machine's and the processes' tick counts are sampled apart: keep it from going
        // below zero.
        (self.machine - self.own - child).max(0.0)
    }
}

/// Busy CPU seconds of all cores together since boot, from the first line of /proc/stat.
fn machine_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<f64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| ticks.get(i))
        .sum::<f64>();
    Some(busy / 100.0)
}

/// User + system CPU seconds of a process (`pid` may be "self"), from /proc/PID/stat
/// (clock ticks of 1/100 s, Linux's USER_HZ).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// Resets this process's VmHWM to its current RSS (Linux: `5` to /proc/self/clear_refs).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// 1234567.8 → "1,234,568".
fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 {
        out.insert(0, '-');
    }
    out
}
