//! Criterion benches of the certification alerts over a busy center: 50 queues, an hour of
//! calls (18,000), one component, the shipped profile (12 criteria).
//!
//! | group | what one iteration does |
//! |---|---|
//! | `alerts/evaluate` | one evaluation: every criterion judged for every queue (the window sums read from the engine, the lifecycle stepped); throughput in judgements |
//! | `alerts/scrape` | one `/metrics` exposition with the alert families and the window sums of 50 queues |
//!
//! Run: `cargo bench --bench alerts`.

#[path = "../src/allocator.rs"]
mod allocator;
#[path = "support/center.rs"]
mod center;

use callpulse::service::{metrics, Shared};
use callpulse::time::{Millis, MINUTE, SECOND};
use center::T0;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

const QUEUES: i64 = 50;

fn busy_state() -> (Shared, Millis) {
    let shared = center::service(QUEUES as usize);
    let mut state = shared.lock();
    let mut feed = center::Feed::default();
    let end = T0 + 60 * MINUTE;
    let mut t = T0;
    let mut i = 0;
    while t < end {
        let queue = i % QUEUES;
        feed.offered(&mut state, t, i, queue);
        feed.answered(&mut state, t + (i % 40) * SECOND, i, queue, t);
        if i % 100 == 0 {
            feed.heartbeat(&mut state, t);
        }
        t += 200;
        i += 1;
    }
    center::settle(&mut state, end);
    drop(state);
    (shared, end)
}

fn bench(c: &mut Criterion) {
    let (shared, at) = busy_state();
    let judgements = {
        let state = shared.lock();
        let criteria = &state.alerts.as_ref().unwrap().profile().criteria;
        criteria
            .iter()
            .map(|c| match c.scope {
                callpulse::alert::ScopeKind::Queue => QUEUES as u64,
                _ => 1,
            })
            .sum::<u64>()
    };
    let mut g = c.benchmark_group("alerts");
    g.throughput(Throughput::Elements(judgements));
    g.bench_function("evaluate", |b| {
        let mut state = shared.lock();
        let mut live = state.alerts.take().unwrap();
        let mut n = 0;
        b.iter(|| {
            n += 1;
            black_box(live.evaluate(&state.observed(), || state.ready().is_ok(), at + n * SECOND));
        });
        state.alerts = Some(live);
    });
    g.throughput(Throughput::Elements(1));
    let exposition = metrics::Metrics::new(&shared);
    g.bench_function("scrape", |b| {
        b.iter(|| black_box(metrics::render(&exposition).len()));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
