//! Printing a latency phase: the rate achieved, the CPU used and the probe delays.

use crate::load::Sent;
use crate::numbers::{median, percentile};
use crate::procfs::Cpu;
use std::time::Duration;

/// Prints the rate achieved, the CPU used and the probe delays (in probe order); returns
/// whether the delays rose through the run (the consumer fell behind the load).
pub(crate) fn report_load(
    what: &str,
    sent: &Sent,
    cpu: &Cpu,
    delays: &[f64],
    wait: Duration,
) -> bool {
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
pub(crate) fn report_delays(what: &str, probes: usize, delays: &[f64], wait: Duration) -> bool {
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
