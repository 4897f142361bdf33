//! The latency load: paced background calls and probes sent to Kafka while an observer measures.

use crate::procfs::Cpu;
use crate::LatencyArgs;
use anyhow::Context as _;
use callpulse::time::rfc3339;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub(crate) struct Sent {
    pub(crate) background: u64,
    pub(crate) probes: usize,
    pub(crate) seconds: f64,
}

/// Runs the load on `topic` while `observe` (on its own thread, given the probes' send
/// instants and a flag set when sending ends) measures; returns what was sent, the CPU used
/// while sending (`child`'s too) and what `observe` returned.
pub(crate) fn load_phase<T: Send + 'static>(
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
pub(crate) struct Stamp {
    ms: i64,
    text: String,
}

impl Stamp {
    pub(crate) fn now(&mut self) -> &str {
        let ms = callpulse::time::wall_clock();
        if ms != self.ms {
            self.ms = ms;
            self.text = rfc3339::format(ms, &chrono_tz::UTC);
        }
        &self.text
    }
}

pub(crate) fn send(
    producer: &BaseProducer,
    topic: &str,
    key: &str,
    line: &str,
) -> anyhow::Result<()> {
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
