//! `/metrics`: the Prometheus text exposition of the live service.
//!
//! Counters are all-time sums since the process started, so several instances (one consumer
//! group) add up, and every ratio is computed in PromQL from summed counters. Gauges are the
//! live views (rolling windows, calls waiting, agents). Every family is declared in
//! [`catalogue`], which the metrics catalogue (docs/src/reference/metrics.md) follows.
//!
//! A scrape copies the samples out of the state under its lock ([`samples`]) and writes the
//! text after releasing it ([`write`]). The event-delay histogram and the process metrics are
//! the prometheus crate's, gathered from a registry of their own and put in their places.

use super::state::Shared;
use prometheus::{Registry, TextEncoder};
use std::sync::atomic::{AtomicUsize, Ordering};

mod alerts;
mod catalogue;
mod collect;
mod counts;
mod out;
mod table;
mod text;
mod write;

pub use catalogue::names;

/// What `/metrics` renders: the state's families, the event-delay histogram and the process
/// metrics.
pub struct Metrics {
    shared: Shared,
    /// The event-delay histogram and the process metrics.
    own: Registry,
    /// The length of the last exposition: the next one's buffer is taken that large at once,
    /// not grown (and copied) step by step.
    last_len: AtomicUsize,
}

impl Metrics {
    /// The metrics of a service: its state, the event-delay histogram and the process
    /// metrics.
    pub fn new(shared: &Shared) -> Self {
        let own = Registry::new();
        let delays = shared.lock().delays.clone();
        own.register(Box::new(delays))
            .expect("a fresh registry takes the delay histogram");
        #[cfg(target_os = "linux")]
        own.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))
        .expect("process metrics have their own names");
        Metrics {
            shared: shared.clone(),
            own,
            last_len: AtomicUsize::new(0),
        }
    }
}

/// The samples of every state family, copied out of the state under its lock: the part of a
/// scrape that holds the lock (the text is written from them after it is released).
pub struct Samples(out::Out);

/// Takes the samples of the state under its lock, and releases it.
pub fn samples(shared: &Shared) -> Samples {
    let mut out = out::Out::default();
    collect::collect(&shared.lock(), &mut out);
    Samples(out)
}

/// The text exposition of `metrics`.
pub fn render(metrics: &Metrics) -> String {
    let samples = samples(&metrics.shared);
    let own = metrics
        .own
        .gather()
        .into_iter()
        .map(|family| {
            let text = TextEncoder::new()
                .encode_to_string(std::slice::from_ref(&family))
                .expect("the text encoder writes to memory");
            (family.get_name().to_string(), text)
        })
        .collect();
    let room = metrics.last_len.load(Ordering::Relaxed) * 9 / 8;
    let text = write::write(&samples.0, own, room);
    metrics.last_len.store(text.len(), Ordering::Relaxed);
    text
}
