//! Crash safety of `callpulse run` against a real Kafka-protocol broker (tansu): a stream is
//! produced once, read by an instance that is never interrupted and by one killed with
//! SIGKILL at random points and restarted each time. Both keep their evidence store; the
//! final interval records of the two are equal, field by field, no evidence row is written
//! twice, and every event is read exactly once.

use crate::support::kafka::{produce_by_call_id, Broker};
use crate::support::service::{sample, Service};
use callpulse::sim::{SimConfig, Simulator};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const LINES: usize = 30_000;
const WAIT: Duration = Duration::from_secs(180);

/// A simulated center with bad lines and outages, in event-time order.
fn stream() -> Vec<String> {
    Simulator::new(SimConfig {
        seed: 23,
        malformed_per_10k: 20,
        mean_time_between_outages: 3_600_000,
        ..SimConfig::default()
    })
    .take(LINES)
    .collect()
}

/// `callpulse run` reading `calls` in `group`, checkpointing into `store` every 200 ms.
/// Watermarks move with event time only (no wall-clock advance), so what is final depends
/// on the stream alone; alerts, judged on the wall clock's batches, are off.
fn start(broker: &str, group: &str, store: &Path) -> Service {
    let store = store.to_str().unwrap();
    Service::start(
        &["run"],
        &[
            ("CALLPULSE_KAFKA_BROKERS", broker),
            ("CALLPULSE_KAFKA_TOPICS", "calls"),
            ("CALLPULSE_KAFKA_GROUP_ID", group),
            ("CALLPULSE_KAFKA_DEAD_LETTER_TOPIC", "dead-letters"),
            // A killed member leaves no word: the group waits for it this long at most.
            ("CALLPULSE_KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000"),
            ("CALLPULSE_KAFKA_CLIENT_MAX_POLL_INTERVAL_MS", "7000"),
            ("CALLPULSE_KAFKA_CLIENT_AUTO_COMMIT_INTERVAL_MS", "200"),
            ("CALLPULSE_ENGINE_LATENESS", "0s"),
            ("CALLPULSE_SERVICE_IDLE_AFTER", "1h"),
            ("CALLPULSE_ALERTS_PROFILE", ""),
            ("CALLPULSE_EVIDENCE_PATH", store),
            ("CALLPULSE_EVIDENCE_CHECKPOINT_INTERVAL", "200ms"),
        ],
    )
}

fn events_read(service: &Service) -> f64 {
    sample(
        &service.get("/metrics").1,
        "callpulse_events_read_total",
        "",
    )
    .unwrap_or(0.0)
}

/// The newest event time of the stream, in seconds: where the watermark stands once every
/// partition has been read to its end (lateness 0).
fn newest_event_seconds(stream: &[String]) -> f64 {
    let newest = stream
        .iter()
        .filter_map(|line| callpulse::codec::decode(line).ok())
        .map(|event| event.ts)
        .max()
        .expect("the stream has events");
    newest as f64 / 1_000.0
}

/// Waits until the instance has read the whole stream and, with every partition at its end,
/// moved its watermark to the stream's newest event (so the last interval that can close has
/// closed; SIGTERM right after the last read would race the partitions' end-of-partition
/// events and leave it open, in one run and not the other). Then stops it with SIGTERM (its
/// last checkpoint).
fn finish(service: Service, newest: f64, what: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let metrics = service.get("/metrics").1;
        let read = sample(&metrics, "callpulse_events_read_total", "").unwrap_or(0.0);
        let watermark =
            sample(&metrics, "callpulse_watermark_timestamp_seconds", "").unwrap_or(0.0);
        // Half a millisecond: the exposition's seconds are a float.
        if read >= LINES as f64 && watermark >= newest - 0.000_5 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: read {read} of {LINES}, watermark {watermark} of {newest}:\n{}",
            service.log()
        );
        sleep(Duration::from_millis(200));
    }
    assert_eq!(
        events_read(&service),
        LINES as f64,
        "{what}: each event read once"
    );
    assert!(
        service.terminate(Duration::from_secs(30)).success(),
        "{what}"
    );
}

/// The interval rows of a store: (subject, start, revision) → record, and how many rows.
fn intervals(store: &Path) -> (BTreeMap<(String, String, u64), serde_json::Value>, usize) {
    let rows = rows(store, "interval");
    let n = rows.len();
    let map = rows
        .into_iter()
        .map(|(subject, at, body)| {
            let record: serde_json::Value = serde_json::from_str(&body).unwrap();
            let revision = record["revision"].as_u64().unwrap();
            ((subject, at, revision), record)
        })
        .collect();
    (map, n)
}

/// (subject, at, body) of every row of `kind`, in order.
fn rows(store: &Path, kind: &str) -> Vec<(String, String, String)> {
    let conn = Connection::open(store).unwrap();
    let mut stmt = conn
        .prepare("SELECT subject, at, body FROM evidence WHERE kind = ?1 ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([kind], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

fn verify(store: &Path) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(["evidence", "verify", "--store", store.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn killed_with_sigkill_at_random_points_and_restarted_it_writes_the_records_of_an_uninterrupted_run(
) {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 3);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let lines = stream();
    let newest = newest_event_seconds(&lines);
    produce_by_call_id(&broker, "calls", &lines); // about 20 s
    let dir = tempfile::tempdir().unwrap();

    let whole = dir.path().join("whole.sqlite");
    finish(start(&bootstrap, "whole", &whole), newest, "uninterrupted");

    // Kill points: four random counts of events read, seeded by the clock and printed, so
    // a failure can be replayed with CRASH_SEED. The instance is killed as soon as it has
    // read past each (the metrics are polled every 10 ms).
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("crash test seed {seed} (CRASH_SEED={seed} replays it)");
    let mut rng = seed | 1;
    let mut targets: Vec<f64> = (0..4)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % (LINES as u64 - 1_000)) as f64
        })
        .collect();
    targets.sort_by(f64::total_cmp);
    let crashed = dir.path().join("crashed.sqlite");
    let mut kills = Vec::new();
    for target in &targets {
        let service = start(&bootstrap, "crashed", &crashed);
        let deadline = Instant::now() + WAIT;
        while events_read(&service) < *target {
            assert!(
                Instant::now() < deadline,
                "not past {target} (kills so far {kills:?}):\n{}",
                service.log()
            );
            sleep(Duration::from_millis(10));
        }
        kills.push(events_read(&service));
        drop(service); // SIGKILL
                       // A killed member leaves the group only when its session expires. tansu 0.6.0 takes a
                       // member that joins before that as a rebalance with the dead one still in, and never
                       // hands its partitions on, so the restart waits out the session, as a restarted pod
                       // takes its time.
        sleep(Duration::from_secs(7));
    }
    eprintln!("killed after reading {kills:?} of {LINES} events");
    finish(start(&bootstrap, "crashed", &crashed), newest, "restarted");

    verify(&whole);
    verify(&crashed);
    let (expected, expected_rows) = intervals(&whole);
    let (actual, actual_rows) = intervals(&crashed);
    assert!(expected.len() > 300, "{} interval records", expected.len());
    let missing: Vec<_> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the same intervals and revisions: {} missing, first {:?}; {} extra, first {:?}",
        missing.len(),
        missing.iter().take(5).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(5).collect::<Vec<_>>(),
    );
    for (key, record) in &expected {
        assert_eq!(&actual[key], record, "{key:?}");
    }
    assert_eq!(actual_rows, expected_rows, "no interval row written twice");

    // Outages are facts of the stream: the same rows. Data-quality rows count what each batch
    // read, which differs between runs, but there is one per interval, in both.
    let outages = rows(&whole, "outage");
    assert!(!outages.is_empty(), "the stream has outages");
    let mut crashed_outages = rows(&crashed, "outage");
    let mut sorted = outages.clone();
    sorted.sort();
    crashed_outages.sort();
    assert_eq!(crashed_outages, sorted, "each outage recorded once");
    let quality_at = |store: &Path| -> Vec<String> {
        rows(store, "quality")
            .into_iter()
            .map(|(_, at, _)| at)
            .collect()
    };
    assert_eq!(
        quality_at(&crashed),
        quality_at(&whole),
        "one quality row per interval"
    );
}
