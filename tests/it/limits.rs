//! `[limits]`: an input cannot grow the names the service keeps without end. Beyond a limit
//! an event is rejected with a stable reason (`limit:queues`, `limit:agents`,
//! `limit:components`, `limit:name_length`), counted and kept, while names already known keep
//! working; customers beyond theirs are counted but not tracked, and their calls accepted.
//! Live, 100,000 distinct queue names leave the whole process under the documented memory
//! bound (docs/src/operator/limits.md) and `/metrics` small.

use crate::support::service::{sample, Service};
use crate::support::{config, run};
use callpulse::time::Granularity;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The default `limits.max_queues`.
const MAX_QUEUES: usize = 200;
/// The documented bound of the whole service's memory at the default limits
/// (docs/src/operator/limits.md).
const MEMORY_BOUND_MIB: u64 = 800;
/// The documented bound of one `/metrics` exposition at the default limits.
const METRICS_BOUND_BYTES: usize = 4 << 20;

fn offered(ts: &str, call: &str, queue: &str) -> String {
    format!(r#"{{"type":"call.offered","ts":"{ts}","call_id":"{call}","queue":"{queue}"}}"#)
}

/// Writes `n` offers, each to a queue of its own (`q0`, `q1`, …), one call each, a
/// millisecond apart from `start` (Unix seconds).
fn distinct_queues(path: &std::path::Path, n: usize, start: i64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let ts = start * 1_000 + i as i64;
        writeln!(
            out,
            r#"{{"type":"call.offered","ts":{ts},"call_id":"c{i}","queue":"q{i}"}}"#
        )
        .unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn a_queue_beyond_the_limit_is_rejected_and_the_known_ones_keep_working() {
    let cfg = config("[limits]\nmax_queues = 2\n");
    let lines = [
        offered("2026-11-02T09:00:00Z", "c1", "a"),
        offered("2026-11-02T09:00:01Z", "c2", "b"),
        offered("2026-11-02T09:00:02Z", "c3", "c"),
        // A known queue after the rejection: accepted.
        offered("2026-11-02T09:00:03Z", "c4", "a"),
        // An agent's queues: one new queue more than allowed rejects the whole event.
        r#"{"type":"agent.state","ts":"2026-11-02T09:00:04Z","agent_id":"x","state":"available","queues":["a","d"]}"#.into(),
        r#"{"type":"agent.state","ts":"2026-11-02T09:00:05Z","agent_id":"x","state":"available","queues":["a","b"]}"#.into(),
        r#"{"type":"survey.response","ts":"2026-11-02T09:00:06Z","queue":"e","satisfied":true}"#.into(),
        r#"{"type":"forecast.interval","ts":"2026-11-02T09:00:07Z","queue":"f","interval_start":"2026-11-02T10:00:00Z","interval_minutes":15,"offered":3}"#.into(),
        r#"{"type":"call.transferred","ts":"2026-11-02T09:00:08Z","call_id":"c1","to_queue":"g"}"#.into(),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let r = run(&cfg, &[Granularity::Interval], &lines);
    assert_eq!(r.rejected("limit:queues"), 5, "{:?}", r.stats.rejected);
    assert_eq!(r.stats.accepted, 4);
    assert_eq!(r.stats.accepted + r.stats.rejected_total(), r.stats.read);
    let kept: Vec<String> = r
        .rejections
        .iter()
        .map(|x| format!("{} {}", x.reason, String::from_utf8_lossy(&x.bytes)))
        .collect();
    assert!(kept[0].starts_with("limit:queues {"), "{kept:?}");
    assert!(
        kept[0].contains(r#""queue":"c""#),
        "kept as canonical JSON: {kept:?}"
    );
    let q = r.get("queue:a", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(q.counts.offered, 2, "the known queue counts both its calls");
    assert!(r
        .finals()
        .keys()
        .all(|(who, _, _)| !who.ends_with(":c") && !who.ends_with(":d")));
}

#[test]
fn agents_and_components_beyond_their_limits_are_rejected_and_known_ones_keep_reporting() {
    let cfg = config("[limits]\nmax_agents = 1\nmax_components = 1\n");
    let lines = [
        r#"{"type":"agent.state","ts":"2026-11-02T09:00:00Z","agent_id":"a1","state":"available"}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:00:01Z","agent_id":"a2","state":"available"}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:00:02Z","agent_id":"a1","state":"on_call"}"#,
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:00:03Z","component":"acd"}"#,
        r#"{"type":"system.status","ts":"2026-11-02T09:00:04Z","component":"ivr","status":"down"}"#,
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:00:05Z","component":"crm"}"#,
        r#"{"type":"system.status","ts":"2026-11-02T09:00:06Z","component":"acd","status":"down"}"#,
    ];
    let r = run(&cfg, &[Granularity::Interval], &lines);
    assert_eq!(r.rejected("limit:agents"), 1, "{:?}", r.stats.rejected);
    assert_eq!(r.rejected("limit:components"), 2, "{:?}", r.stats.rejected);
    assert_eq!(r.stats.accepted, 4);
    assert_eq!(r.stats.accepted + r.stats.rejected_total(), r.stats.read);
}

#[test]
fn a_name_longer_than_max_name_bytes_is_rejected_whatever_field_it_is_in() {
    let at = "2026-11-02T09:00:00Z";
    let long = "n".repeat(257);
    let fits = "n".repeat(256);
    let lines = [
        offered(at, "c1", &long),
        offered(at, &long, "q"),
        format!(
            r#"{{"type":"call.offered","ts":"{at}","call_id":"c2","queue":"q","customer":"{long}"}}"#
        ),
        format!(r#"{{"type":"system.heartbeat","ts":"{at}","component":"{long}"}}"#),
        format!(
            r#"{{"type":"complaint.opened","ts":"{at}","complaint_id":"{long}","due":"{at}"}}"#
        ),
        offered(at, "c3", &fits),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let r = run(&config(""), &[Granularity::Interval], &lines);
    assert_eq!(r.rejected("limit:name_length"), 5, "{:?}", r.stats.rejected);
    assert_eq!(
        r.stats.accepted, 1,
        "a name of exactly max_name_bytes is fine"
    );
    assert_eq!(r.rejections.len(), 5, "every rejection is kept");
}

#[test]
fn customers_beyond_the_limit_are_counted_untracked_and_their_calls_accepted() {
    let cfg = config("[limits]\nmax_customers = 1\n");
    let call = |ts: &str, call: &str, who: &str| {
        format!(
            r#"{{"type":"call.offered","ts":"{ts}","call_id":"{call}","queue":"q","customer":"{who}"}}"#
        )
    };
    let lines = [
        call("2026-11-02T09:00:00Z", "c1", "alice"),
        call("2026-11-02T09:01:00Z", "c2", "bob"),
        call("2026-11-02T09:02:00Z", "c3", "bob"),
        call("2026-11-02T09:03:00Z", "c4", "alice"),
    ];
    let mut engine = callpulse::engine::Engine::new(&cfg.engine, &[Granularity::Interval]);
    for (i, line) in lines.iter().enumerate() {
        let origin = callpulse::reject::Origin {
            offset: i as i64,
            ..Default::default()
        };
        engine.ingest(callpulse::codec::decode(line).unwrap(), origin);
    }
    engine.flush();
    let stats = engine.stats();
    assert_eq!((stats.accepted, stats.rejected_total()), (4, 0));
    assert_eq!(engine.untracked_customers(), 2, "bob's two offers");
    let records = engine.take_records();
    let repeats: u64 = records
        .iter()
        .filter(|r| r.scope == callpulse::engine::Scope::Center)
        .map(|r| r.tally.repeat_contacts)
        .sum();
    assert_eq!(
        repeats, 1,
        "alice, tracked, repeats; bob, untracked, does not"
    );
}

/// `callpulse replay` of `n` distinct queue names: read, accepted and the `limit:queues`
/// rejections from its summary.
fn replay_distinct_queues(n: usize) -> (u64, u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("queues.jsonl");
    distinct_queues(&input, n, 1_793_610_000); // 2026-11-02T09:00:00Z
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(["replay", "--format", "json", input.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .output()
        .expect("callpulse runs");
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{summary}");
    let number_after = |label: &str| -> u64 {
        let at = summary
            .find(label)
            .unwrap_or_else(|| panic!("no {label:?} in {summary}"));
        summary[at + label.len()..]
            .split(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        number_after("read "),
        number_after("accepted "),
        number_after("rejected limit:queues: "),
    )
}

#[test]
fn a_replay_of_200_000_queue_names_keeps_the_first_max_queues_and_rejects_the_rest() {
    // 1,000,000 takes a minute in a debug build; the figures are in docs/src/operator/limits.md.
    let n = 200_000;
    let (read, accepted, rejected) = replay_distinct_queues(n);
    assert_eq!(read, n as u64);
    assert_eq!(accepted, MAX_QUEUES as u64, "the default limits.max_queues");
    assert_eq!(rejected, (n - MAX_QUEUES) as u64);
}

/// The peak resident memory of process `pid` (VmHWM), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status");
    kb * 1024
}

#[test]
fn a_hundred_thousand_queue_names_live_stay_under_the_documented_memory_bound() {
    let n = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("events.jsonl");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    distinct_queues(&input, n, now.as_secs() as i64 - 600);
    let rejected = dir.path().join("rejected.tsv");
    let service = Service::follow(&input, dir.path(), &[]);
    // Read, then applied once the wall clock moves the watermark past them.
    service.wait_for("every line applied", Duration::from_secs(300), |m| {
        let applied = sample(m, "callpulse_events_read_total", "") == Some(n as f64)
            && sample(m, "callpulse_events_pending", "") == Some(0.0);
        applied.then_some(())
    });
    let (status, metrics) = service.get("/metrics");
    assert_eq!(status, 200);
    assert_eq!(
        sample(
            &metrics,
            "callpulse_events_rejected_total",
            "reason=\"limit:queues\""
        ),
        Some((n - MAX_QUEUES) as f64)
    );
    assert_eq!(
        sample(&metrics, "callpulse_events_accepted_total", ""),
        Some(MAX_QUEUES as f64)
    );
    assert_eq!(service.get("/healthz").0, 200);
    let peak = peak_rss(service.pid());
    eprintln!(
        "100,000 queue names live: peak RSS {} MiB, /metrics {} bytes",
        peak >> 20,
        metrics.len()
    );
    assert!(
        peak < MEMORY_BOUND_MIB << 20,
        "peak RSS {} MiB, bound {MEMORY_BOUND_MIB} MiB",
        peak >> 20
    );
    assert!(
        metrics.len() < METRICS_BOUND_BYTES,
        "/metrics is {} bytes",
        metrics.len()
    );
    let kept = || {
        let text = std::fs::read_to_string(&rejected).unwrap_or_default();
        text.lines()
            .filter(|l| l.starts_with("limit:queues\t"))
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while kept() < n - MAX_QUEUES && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(kept(), n - MAX_QUEUES, "every rejection is kept");
}
