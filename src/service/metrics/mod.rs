//! `/metrics`: the Prometheus text exposition of the live service, from an explicit registry.
//!
//! Counters are all-time sums since the process started, so several instances (one consumer
//! group) add up, and every ratio is computed in PromQL from summed counters. Gauges are the
//! live views (rolling windows, calls waiting, agents). Every family is declared in
//! [`catalogue`], which the metrics catalogue (docs/src/reference/metrics.md) follows.

use super::state::Shared;
use prometheus::{Encoder, Registry, TextEncoder};

mod alerts;
mod catalogue;
mod collect;
mod out;

pub use catalogue::names;
use collect::StateCollector;

/// The samples of every state family, copied out of the state under its lock: the part of a
/// scrape that holds the lock (the text is built from them after it is released).
pub struct Samples(out::Out);

/// Takes the samples of the state under its lock, and releases it.
pub fn samples(shared: &Shared) -> Samples {
    let mut out = out::Out::default();
    collect::collect(&shared.lock(), &mut out);
    Samples(out)
}

/// What `/metrics` renders: a registry of the state's families, the event-delay histogram and
/// the process metrics.
pub type Metrics = Registry;

/// The registry of a service: its state, the event-delay histogram and the process metrics.
pub fn registry(shared: &Shared) -> Registry {
    let registry = Registry::new();
    let delays = shared.lock().delays.clone();
    registry
        .register(Box::new(delays))
        .expect("a fresh registry takes the delay histogram");
    registry
        .register(Box::new(StateCollector::new(shared.clone())))
        .expect("the state collector's names are unique");
    #[cfg(target_os = "linux")]
    registry
        .register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))
        .expect("process metrics have their own names");
    registry
}

/// The text exposition of `registry`.
pub fn render(registry: &Registry) -> String {
    let mut buf = Vec::with_capacity(64 * 1024);
    TextEncoder::new()
        .encode(&registry.gather(), &mut buf)
        .expect("the text encoder writes to memory");
    String::from_utf8(buf).expect("the text exposition is UTF-8")
}
