//! What the wallboard tests share: the shape every board has, and small helpers (JSON, the
//! wall clock, polling with a deadline, calls answered or abandoned at once).

use crate::support::lines::{abandoned, answered, offered};
use callpulse::time::rfc3339;
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) const WAIT: Duration = Duration::from_secs(60);

pub(crate) fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub(crate) fn utc(ms: i64) -> String {
    rfc3339::format(ms, &chrono::Utc)
}

/// Calls `check` every 200 ms until it returns `Some`, or panics after `within`.
pub(crate) fn poll<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The shape every board has; returns the queue names.
pub(crate) fn check_board(b: &Value) -> Vec<String> {
    let k = &b["kpis"];
    assert_eq!(k["window"], "15m", "{b}");
    let queues: Vec<String> = k["queues"]
        .as_array()
        .expect("kpis.queues")
        .iter()
        .map(|q| q["queue"].as_str().unwrap().to_string())
        .collect();
    for q in k["queues"].as_array().unwrap() {
        for key in [
            "service_level",
            "answer_rate",
            "asa_seconds",
            "waiting",
            "longest_wait_seconds",
            "agents_available",
            "agents_on_call",
        ] {
            assert!(q.get(key).is_some(), "queue lacks {key}: {q}");
        }
        let name = q["queue"].as_str().unwrap();
        let trend = b["trend"]["queues"][name].as_array().expect("a trend");
        assert_eq!(trend.len(), 12, "twelve 5-minute buckets: {b}");
        assert!(trend.iter().all(|p| p.get("offered").is_some()));
        let sl = &b["targets"]["queues"][name]["service_level"];
        assert_eq!(sl["clause"], "9.3.1", "{b}");
        assert_eq!(sl["comparison"], "<");
        assert_eq!(sl["threshold"], 0.8);
        assert_eq!(sl["at_risk"], 0.02, "the criterion's hysteresis");
        assert_eq!(sl["min_volume"], 20);
        assert_eq!(
            b["targets"]["queues"][name]["answer_rate"]["threshold"], 0.9,
            "the hardest of the answer-rate criteria"
        );
        assert_eq!(
            b["targets"]["queues"][name]["asa_seconds"]["threshold"], 20.0,
            "the hardest of the ASA criteria"
        );
    }
    assert!(k["center"].is_object(), "{b}");
    assert_eq!(b["trend"]["bucket_minutes"], 5);
    assert_eq!(b["trend"]["starts"].as_array().unwrap().len(), 12);
    assert_eq!(b["profile"]["id"], "yd-t-2823-2015");
    assert_eq!(b["default_lang"], "zh", "Chinese for the built-in profile");
    assert_eq!(
        b["targets"]["center"]["availability"]["threshold"], 0.999,
        "{b}"
    );
    assert!(b["alerts"].is_array(), "{b}");
    // The callback list of every queue, its oldest five callers at most.
    let callbacks = b["callbacks"]["queues"].as_array().expect("callbacks");
    let names: Vec<&str> = callbacks
        .iter()
        .map(|q| q["queue"].as_str().unwrap())
        .collect();
    let mut sorted = queues.clone();
    sorted.sort();
    assert_eq!(names, sorted, "{b}");
    for q in callbacks {
        let shown = q["entries"].as_array().unwrap().len() as u64;
        assert!(shown <= 5, "{q}");
        assert_eq!(
            q["pending"].as_u64(),
            Some(shown + q["truncated"].as_u64().unwrap())
        );
    }
    queues
}

/// `n` calls of `queue` offered at `at` (ms) and answered 5 s later (within 20 s).
pub(crate) fn quick_calls(queue: &str, first: usize, n: usize, at: i64) -> Vec<(i64, String)> {
    (first..first + n)
        .flat_map(|i| {
            let call = format!("{queue}-{i}");
            [
                (at, offered(&utc(at), &call, queue)),
                (at + 5_000, answered(&utc(at + 5_000), &call)),
            ]
        })
        .collect()
}

pub(crate) fn in_order(mut lines: Vec<(i64, String)>) -> Vec<String> {
    lines.sort_by_key(|(at, _)| *at);
    lines.into_iter().map(|(_, l)| l).collect()
}

/// `n` calls of `queue` offered at `at` (ms) and abandoned 1 s later, in order.
pub(crate) fn quick_abandons(queue: &str, n: usize, at: i64) -> Vec<String> {
    let lines = (0..n).flat_map(|i| {
        let call = format!("{queue}-gone-{i}");
        [
            (at, offered(&utc(at), &call, queue)),
            (at + 1_000, abandoned(&utc(at + 1_000), &call)),
        ]
    });
    in_order(lines.collect())
}
