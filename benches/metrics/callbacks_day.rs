//! The callback list of a whole day under `/metrics` and the callbacks API: 50 queues,
//! 149,000 calls of 50,000 customers over 14 hours (two in five unanswered), and 50,000
//! callback attempts: 199,000 facts, a thousand short of the list's capacity.
//!
//! | group | what one iteration does |
//! |---|---|
//! | `metrics/callbacks_day/lock_held` | the samples of one scrape copied out under the lock, no event since the last |
//! | `metrics/callbacks_day/api` | one `/api/v1/callbacks` answer (200 entries a queue), no event since the last |
//!
//! After the group, the median of 201 scrapes, each after one more callback attempt (a
//! change: a customer's entry moves or leaves): what a scrape holds the lock for on a floor
//! where events keep coming.

use super::center::{self, Feed, T0};
use callpulse::service::auth::Grant;
use callpulse::service::{callbacks, metrics, Shared};
use callpulse::time::{HOUR, SECOND};
use criterion::{black_box, Criterion};
use std::time::{Duration, Instant};

const QUEUES: i64 = 50;
const CALLS: i64 = 149_000;
const CUSTOMERS: i64 = 50_000;
const ATTEMPTS: i64 = 50_000;
const RESULTS: [&str; 4] = ["no_answer", "busy", "failed", "answered"];

fn callback(t: i64, queue: i64, customer: i64, result: &str) -> String {
    format!(
        r#"{{"type":"call.callback","ts":{t},"queue":"q{queue}","customer":"k{customer}","result":"{result}","agent_id":"a{queue}"}}"#
    )
}

/// The day's service, and the next instant free for a change.
fn day() -> (Shared, i64) {
    let shared = center::service(QUEUES as usize);
    let mut state = shared.lock();
    let mut feed = Feed::default();
    let start = T0 + HOUR;
    let step = 14 * HOUR / CALLS;
    let mut attempts = 0;
    for i in 0..CALLS {
        let t = start + i * step;
        let (queue, customer) = (i % QUEUES, i % CUSTOMERS);
        let offered = format!(
            r#"{{"type":"call.offered","ts":{t},"call_id":"c{i}","queue":"q{queue}","customer":"k{customer}"}}"#
        );
        feed.line(&mut state, offered, t);
        let end = t + (5 + i % 36) * SECOND;
        if i % 5 < 2 {
            let line = format!(r#"{{"type":"call.abandoned","ts":{end},"call_id":"c{i}"}}"#);
            feed.line(&mut state, line, t);
            // Most unanswered calls are tried again a minute later; some of them three times.
            for k in 0..if i % 15 == 0 { 3 } else { 1 } {
                if attempts < ATTEMPTS {
                    let at = end + (60 + k * 30) * SECOND;
                    let result = RESULTS[(i / 5 + k) as usize % RESULTS.len()];
                    feed.line(&mut state, callback(at, queue, customer, result), t);
                    attempts += 1;
                }
            }
        } else {
            feed.answered(&mut state, end, i, queue, t);
        }
    }
    let end = start + 14 * HOUR;
    center::settle(&mut state, end);
    assert_eq!(state.engine.callbacks_untracked(), 0, "every fact kept");
    drop(state);
    (shared, end)
}

pub fn bench(c: &mut Criterion) {
    let (shared, mut t) = day();
    let pending: usize = {
        let state = shared.lock();
        let lists = state.engine.callbacks();
        lists.values().map(|l| l.entries.len()).sum()
    };
    let mut g = c.benchmark_group("metrics/callbacks_day");
    g.bench_function("lock_held", |b| {
        b.iter_with_large_drop(|| metrics::samples(&shared));
    });
    g.bench_function("api", |b| {
        b.iter(|| {
            let state = shared.lock();
            black_box(
                callbacks::list(&state, &Grant::default(), None, callbacks::API_ENTRIES)
                    .queues
                    .len(),
            )
        });
    });
    g.finish();
    let mut feed = Feed::default();
    let mut times: Vec<Duration> = (0..201)
        .map(|i| {
            t += SECOND;
            let (queue, customer) = (i % QUEUES, (i * 5) % CUSTOMERS);
            let line = callback(t, queue, customer, RESULTS[i as usize % RESULTS.len()]);
            feed.line(&mut shared.lock(), line, t);
            let start = Instant::now();
            black_box(metrics::samples(&shared));
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "metrics/callbacks_day ({pending} callers pending): a scrape after one more attempt, median of 201: {:.3} ms",
        times[100].as_secs_f64() * 1e3
    );
}
