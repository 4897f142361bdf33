//! Criterion benches of `/metrics`, the Prometheus text exposition of the live service, over a
//! busy center of 50 and of 1,000 queues: an hour of calls (360 per queue, answered by one
//! agent per queue after up to 39 s, talking 1 to 3 minutes, 15 s of wrap-up), one component, the shipped alert profile (12 criteria), so that every
//! family is there, the alert window sums included.
//!
//! | group | what one iteration does |
//! |---|---|
//! | `metrics/render/<queues>` | one whole exposition, as `/metrics` answers it (the lock taken and released, the text built) |
//! | `metrics/lock_held/<queues>` | the part of it that holds the state's lock: the samples copied out |
//!
//! | `metrics/callbacks_day/…` | a day of 199,000 callback facts: see `metrics/callbacks_day.rs` |
//!
//! After the group, one more measurement (the median of 51 renders of each center, in the same
//! run) prints the 1,000-queue render against its budget of 10 ms, next to the 50-queue one.
//!
//! Run: `cargo bench --bench metrics` (`-- callbacks_day` for that group alone: the centers
//! are built either way).

#[path = "../src/allocator.rs"]
mod allocator;
#[path = "metrics/callbacks_day.rs"]
mod callbacks_day;
#[path = "support/center.rs"]
mod center;

use callpulse::service::{metrics, Shared};
use callpulse::time::{MINUTE, SECOND};
use center::T0;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::{Duration, Instant};

/// The budget of one exposition of a 1,000-queue center.
const BUDGET: Duration = Duration::from_millis(10);
const CENTERS: [i64; 2] = [50, 1_000];

/// A center of `queues` queues after an hour of calls: 360 per queue, each answered and ended.
fn busy_state(queues: i64) -> Shared {
    let shared = center::service(queues as usize);
    let mut state = shared.lock();
    let mut feed = center::Feed::default();
    let end = T0 + 60 * MINUTE;
    // 360 calls per queue in the hour.
    let step = 10 * SECOND / queues;
    let mut t = T0;
    let mut i = 0;
    while t < end {
        let queue = i % queues;
        feed.offered(&mut state, t, i, queue);
        let answer = t + (i % 40) * SECOND;
        feed.answered(&mut state, answer, i, queue, t);
        let hang = answer + (60 + i % 120) * SECOND;
        let ended = format!(r#"{{"type":"call.ended","ts":{hang},"call_id":"c{i}"}}"#);
        feed.line(&mut state, ended, t);
        let wrapped = hang + 15 * SECOND;
        feed.line(
            &mut state,
            format!(
                r#"{{"type":"call.wrapup_ended","ts":{wrapped},"call_id":"c{i}","agent_id":"a{queue}"}}"#
            ),
            t,
        );
        if i % (2 * queues) == 0 {
            feed.heartbeat(&mut state, t);
        }
        t += step;
        i += 1;
    }
    center::settle(&mut state, end);
    drop(state);
    shared
}

/// The median of `n` renders.
fn median_render(exposition: &metrics::Metrics, n: usize) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            black_box(metrics::render(exposition).len());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[n / 2]
}

fn bench(c: &mut Criterion) {
    let centers: Vec<(i64, Shared, metrics::Metrics)> = CENTERS
        .iter()
        .map(|&queues| {
            let shared = busy_state(queues);
            let exposition = metrics::Metrics::new(&shared);
            (queues, shared, exposition)
        })
        .collect();
    let mut g = c.benchmark_group("metrics");
    for (queues, shared, exposition) in &centers {
        g.bench_function(BenchmarkId::new("render", queues), |b| {
            b.iter(|| black_box(metrics::render(exposition).len()));
        });
        g.bench_function(BenchmarkId::new("lock_held", queues), |b| {
            b.iter_with_large_drop(|| metrics::samples(shared));
        });
    }
    g.finish();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut line = Vec::new();
    for (queues, _, exposition) in &centers {
        let bytes = metrics::render(exposition).len();
        let d = median_render(exposition, 51);
        line.push(format!("{queues} queues {:.2} ms ({bytes} bytes)", ms(d)));
        if *queues == 1_000 {
            line.push(format!(
                "{:.2} × the {} ms budget",
                d.as_secs_f64() / BUDGET.as_secs_f64(),
                ms(BUDGET)
            ));
        }
    }
    println!("metrics/render, median of 51: {}", line.join("; "));
}

criterion_group!(benches, bench, callbacks_day::bench);
criterion_main!(benches);
