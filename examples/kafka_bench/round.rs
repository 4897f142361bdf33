//! One timed read of the backlog: by a bare librdkafka consumer, or by callpulse's input loop.

use crate::procfs::{proc_status_kb, reset_peak_rss, Cpu};
use crate::settings::bare_config;
use anyhow::{bail, Context as _};
use callpulse::config::{Config, KafkaConfig};
use callpulse::service::{kafka, Shared, Shutdown, State};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// One timed read of the topic.
pub(crate) struct Round {
    pub(crate) seconds: f64,
    /// From the start to the first message (joining the group, first fetch).
    pub(crate) to_first: f64,
    pub(crate) events: u64,
    /// VmHWM during the round, when it could be reset before.
    pub(crate) peak_rss: Option<u64>,
    /// CPU seconds used during the round.
    pub(crate) cpu: Cpu,
    /// The most events the engine held undecided (reorder buffer, orphans), as sampled.
    pub(crate) held: Option<u64>,
}

impl Round {
    pub(crate) fn rate(&self) -> f64 {
        self.events as f64 / self.seconds
    }

    pub(crate) fn steady_rate(&self) -> f64 {
        (self.events - 1) as f64 / (self.seconds - self.to_first).max(1e-9)
    }

    /// Events per CPU second of this process (consumer threads, librdkafka's included).
    pub(crate) fn per_cpu_second(&self) -> f64 {
        self.events as f64 / self.cpu.own
    }
}

/// The engine of the last callpulse round.
pub(crate) struct EngineEnd {
    /// When it had read the N-th event.
    pub(crate) state_bytes: usize,
    pub(crate) calls_in_flight: usize,
    /// After it stopped: rejected events by reason.
    pub(crate) rejected: Vec<(String, u64)>,
    pub(crate) late: u64,
    pub(crate) dead_letters: u64,
    /// Checkpoints written (with an evidence store) and the last one's engine state bytes.
    pub(crate) checkpoints: u64,
    pub(crate) checkpoint_bytes: u64,
}

/// Bare librdkafka: the service's client settings, polling until `n` messages.
pub(crate) fn bare_round(
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
pub(crate) fn callpulse_round(
    cfg: &Config,
    n: u64,
    timeout: Duration,
) -> anyhow::Result<(Round, EngineEnd)> {
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
