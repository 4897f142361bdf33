//! Helpers of the live-time tests: instants as event-time text, the JSON answers of a running
//! service, polling any condition until a generous deadline, `run --follow` on a file of
//! canonical events with a chosen lateness, and `run` against a Kafka topic.

use super::service::{append_lines, sample, Service};
use callpulse::time::{Millis, MINUTE, SECOND};
use serde_json::Value;
use std::path::PathBuf;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long any live condition may take to hold (never asserted as a speed).
pub const WAIT: Duration = Duration::from_secs(90);

/// The wall clock, as the service reads it.
pub fn now_ms() -> Millis {
    callpulse::time::wall_clock()
}

/// `ms` as RFC 3339 in UTC, as event lines carry it.
pub fn at(ms: Millis) -> String {
    callpulse::time::rfc3339::format(ms, &chrono::Utc)
}

/// A zone whose day began at least `ago` before `now`, and its offset from UTC: UTC, or
/// Shanghai's day (UTC+8, no daylight saving) in the first `ago` after midnight UTC, so that
/// a test's calls of the last `ago` (at most 8 hours) all fall on "today".
pub fn zone_where_today_began(now: Millis, ago: Millis) -> (&'static str, Millis) {
    assert!(
        ago <= 8 * 60 * MINUTE,
        "Shanghai's day begins 8 hours before UTC's"
    );
    if now.rem_euclid(24 * 60 * MINUTE) < ago {
        ("Asia/Shanghai", 8 * 60 * MINUTE)
    } else {
        ("UTC", 0)
    }
}

/// The start of the 15-minute interval holding `ms` (the default `engine.interval`).
pub fn interval_start(ms: Millis) -> Millis {
    ms.div_euclid(15 * MINUTE) * (15 * MINUTE)
}

pub fn agent_state(ts: Millis, agent: &str, state: &str, queue: &str) -> String {
    format!(
        r#"{{"type":"agent.state","ts":"{}","agent_id":"{agent}","state":"{state}","queues":["{queue}"]}}"#,
        at(ts)
    )
}

/// A heartbeat of `component` at `ts` (distinct components make distinct events: identical
/// lines are duplicates, dropped before the clock sees them).
pub fn heartbeat(ts: Millis, component: &str) -> String {
    format!(
        r#"{{"type":"system.heartbeat","ts":"{}","component":"{component}"}}"#,
        at(ts)
    )
}

pub fn ended(ts: Millis, call: &str) -> String {
    format!(
        r#"{{"type":"call.ended","ts":"{}","call_id":"{call}"}}"#,
        at(ts)
    )
}

/// GET `path` and parse the JSON answer (panics on a non-200 answer).
pub fn json(service: &Service, path: &str) -> Value {
    let (status, body) = service.get(path);
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// The value of `name{labels}` in `/metrics` now.
pub fn metric(service: &Service, name: &str, labels: &str) -> Option<f64> {
    sample(&service.get("/metrics").1, name, labels)
}

/// Calls `check` every 100 ms until it returns `Some`, or panics after [`WAIT`] with `what`,
/// the last thing `check` saw (`last`), and the service's log.
pub fn poll<T>(
    service: &Service,
    what: &str,
    mut check: impl FnMut(&mut String) -> Option<T>,
) -> T {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    loop {
        if let Some(v) = check(&mut last) {
            return v;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out waiting for {what}\n--- last seen ---\n{last}\n--- log ---\n{}",
                service.log()
            );
        }
        sleep(Duration::from_millis(100));
    }
}

/// The KPIs of `queue` (or of the center, `None`) in a `/api/v1/kpis` answer (`Null` when
/// absent).
pub fn scope<'a>(kpis: &'a Value, queue: Option<&str>) -> &'a Value {
    match queue {
        None => &kpis["center"],
        Some(q) => kpis["queues"]
            .as_array()
            .and_then(|qs| qs.iter().find(|s| s["queue"] == q))
            .unwrap_or(&Value::Null),
    }
}

/// The `watermark` of a `/api/v1/kpis` answer, `None` while it has none.
pub fn watermark(kpis: &Value) -> Option<Millis> {
    kpis["watermark"]
        .as_str()
        .map(|w| callpulse::time::rfc3339::parse(w).unwrap_or_else(|| panic!("a watermark: {w:?}")))
}

/// Asserts that the watermark of `kpis` is before `t` (or not set): the watermark has not
/// passed the event at `t`, so nothing shown of it can be final.
pub fn assert_watermark_before(kpis: &Value, t: Millis, what: &str) {
    if let Some(w) = watermark(kpis) {
        assert!(
            w < t,
            "{what}: the watermark {} has passed the event at {}: {kpis}",
            at(w),
            at(t)
        );
    }
}

/// `rejected_total{reason}` of `/metrics` text, 0 when absent.
pub fn rejected(metrics: &str, reason: &str) -> f64 {
    sample(
        metrics,
        "callpulse_events_rejected_total",
        &format!("reason=\"{reason}\""),
    )
    .unwrap_or(0.0)
}

/// Every `callpulse_events_rejected_total` sample of `/metrics` text, summed.
pub fn rejected_all(metrics: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with("callpulse_events_rejected_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .fold(0.0, |a, b| a + b)
}

/// `callpulse run --follow` on a file of canonical events, with `engine.lateness` set.
pub struct FollowNow {
    pub service: Service,
    events: PathBuf,
    _dir: tempfile::TempDir,
}

impl FollowNow {
    pub fn start(lateness: &str) -> FollowNow {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path().join("events.jsonl");
        std::fs::write(&events, "").unwrap();
        let position = dir.path().join("position.json");
        let rejected = dir.path().join("rejected.tsv");
        let service = Service::start(
            &[
                "run",
                "--follow",
                events.to_str().unwrap(),
                "--position-file",
                position.to_str().unwrap(),
            ],
            &[
                ("CALLPULSE_INPUT_REJECTED_FILE", rejected.to_str().unwrap()),
                ("CALLPULSE_INPUT_POLL_INTERVAL", "100ms"),
                ("CALLPULSE_ENGINE_LATENESS", lateness),
            ],
        );
        service.wait_ready(WAIT);
        FollowNow {
            service,
            events,
            _dir: dir,
        }
    }

    pub fn append(&self, lines: &[String]) {
        append_lines(&self.events, lines);
    }
}

/// Environment of a `callpulse run` reading `topic` in `group` from `broker` with
/// `engine.lateness` = `lateness`.
pub fn kafka_env<'a>(
    broker: &'a str,
    topic: &'a str,
    group: &'a str,
    lateness: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CALLPULSE_KAFKA_BROKERS", broker),
        ("CALLPULSE_KAFKA_TOPICS", topic),
        ("CALLPULSE_KAFKA_GROUP_ID", group),
        ("CALLPULSE_KAFKA_DEAD_LETTER_TOPIC", "dead-letters"),
        ("CALLPULSE_ENGINE_LATENESS", lateness),
        ("CALLPULSE_KAFKA_CLIENT_AUTO_COMMIT_INTERVAL_MS", "500"),
    ]
}

/// Sends `lines` as they are (one message each, no key) to partition `partition` of `topic`.
pub fn produce_to(bootstrap: &str, topic: &str, partition: u32, lines: &[String]) {
    let mut input = lines.join("\n");
    input.push('\n');
    super::kafka::kafka_python_with_input(
        &[
            "produce",
            "--brokers",
            bootstrap,
            "--topic",
            topic,
            "--partition",
            &partition.to_string(),
            "-",
        ],
        input.as_bytes(),
    );
}

/// Seconds as event-time milliseconds.
pub const fn secs(n: i64) -> Millis {
    n * SECOND
}
