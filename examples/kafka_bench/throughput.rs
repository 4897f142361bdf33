//! The `throughput` mode: produce the backlog, time interleaved bare and callpulse rounds, print.

use crate::numbers::{median, thousands};
use crate::procfs::{print_load, proc_status_kb};
use crate::round::{bare_round, callpulse_round, Round};
use crate::settings::{bare_config, describe, service_config};
use crate::topics::{topics, Topics};
use crate::{header, ThroughputArgs};
use anyhow::bail;
use callpulse::produce::LineProducer;
use callpulse::sim::{QueueSpec, SimConfig, Simulator};
use callpulse::time::{HOUR, SECOND};
use rdkafka::config::ClientConfig;
use std::time::Duration;

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

/// A figure of a round, such as [`Round::rate`].
type Figure = fn(&Round) -> f64;

pub(crate) fn throughput(args: &ThroughputArgs) -> anyhow::Result<()> {
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
