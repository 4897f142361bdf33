//! The latency baseline: a bare consumer with the service's settings, timing the probes.

use crate::load::{send, Stamp};
use crate::settings::bare_config;
use anyhow::{bail, Context as _};
use callpulse::config::KafkaConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::BaseProducer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bare consumer of `k.topics` with the service's settings, in a fresh group, once it has
/// its partitions.
pub(crate) fn probe_consumer(k: &KafkaConfig) -> anyhow::Result<BaseConsumer> {
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
pub(crate) fn broker_floor(
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
pub(crate) fn bare_probes(
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
