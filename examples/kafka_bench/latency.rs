//! The `latency` mode: the baseline, then the service under the same load, and their delays.

use crate::baseline::{bare_probes, broker_floor, probe_consumer};
use crate::http::{http_get, sample};
use crate::load::load_phase;
use crate::numbers::{median, percentile, thousands};
use crate::procfs::{print_load, proc_status_kb};
use crate::report::{report_delays, report_load};
use crate::service::{spawn_service, wait_ready};
use crate::settings::{bare_config, describe, service_config};
use crate::topics::topics;
use crate::{header, visible, LatencyArgs};
use anyhow::{bail, Context as _};
use rdkafka::config::ClientConfig;
use rdkafka::producer::BaseProducer;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

pub(crate) fn latency(args: &LatencyArgs) -> anyhow::Result<()> {
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
