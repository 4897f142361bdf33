//! `callpulse run --follow FILE --input-format queue_log`: a real process following an
//! Asterisk queue_log as it grows. Lines appended while it runs reach `/metrics` at once;
//! rejected lines land in the rejected file with their reason; after SIGTERM, lines appended
//! and a rotation done while it was stopped are read exactly once by the next run.

use crate::support::service::{append_lines as append, sample, Service};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WAIT: Duration = Duration::from_secs(30);

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn enter(t: u64, call: &str) -> String {
    format!("{t}|{call}|sales|NONE|ENTERQUEUE||0123456789|1")
}
fn connect(t: u64, call: &str, hold: u64) -> String {
    format!("{t}|{call}|sales|PJSIP/alice|CONNECT|{hold}|{call}.9|2")
}
fn abandon(t: u64, call: &str, wait: u64) -> String {
    format!("{t}|{call}|sales|NONE|ABANDON|1|1|{wait}")
}

fn offered(s: &Service) -> Option<f64> {
    sample(
        &s.get("/metrics").1,
        "callpulse_calls_offered_total",
        "queue=\"sales\"",
    )
}

#[test]
fn a_followed_queue_log_is_applied_as_it_grows_and_a_restart_reads_each_line_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("queue_log");
    let position = dir.path().join("position.json");
    let rejected = dir.path().join("rejected.tsv");
    let t0 = now() - 60;
    append(&log, &[enter(t0, "c1"), connect(t0 + 5, "c1", 5)]);
    let args = [
        "run",
        "--input-format",
        "queue_log",
        "--follow",
        log.to_str().unwrap(),
        "--position-file",
        position.to_str().unwrap(),
    ];
    let envs = [
        ("CALLPULSE_INPUT_REJECTED_FILE", rejected.to_str().unwrap()),
        ("CALLPULSE_INPUT_POLL_INTERVAL", "200ms"),
        ("CALLPULSE_ENGINE_LATENESS", "0s"),
    ];
    let first = Service::start(&args, &envs);
    first.wait_for("the first call", WAIT, |m| {
        (sample(m, "callpulse_calls_offered_total", "queue=\"sales\"") == Some(1.0)).then_some(())
    });

    // Appended while running: counted at once (the delay is printed, never asserted).
    let appended = Instant::now();
    append(&log, &[enter(now(), "c2"), "garbage without fields".into()]);
    first.wait_for("the appended call", WAIT, |m| {
        (sample(m, "callpulse_calls_offered_total", "queue=\"sales\"") == Some(2.0)).then_some(())
    });
    eprintln!(
        "appended line counted in /metrics after {} ms",
        appended.elapsed().as_millis()
    );
    let m = first.get("/metrics").1;
    assert_eq!(sample(&m, "callpulse_input_records_total", ""), Some(4.0));
    assert_eq!(
        sample(
            &m,
            "callpulse_events_rejected_total",
            "reason=\"missing_field:event\""
        ),
        Some(1.0),
        "{m}"
    );
    assert!(first.terminate(WAIT).success());
    let kept = std::fs::read_to_string(&rejected).unwrap();
    assert!(
        kept.starts_with("missing_field:event\t") && kept.contains("garbage without fields"),
        "{kept}"
    );

    // While stopped: two more lines, then a rotation and two lines in the new file.
    let t1 = now();
    append(&log, &[enter(t1, "c3"), abandon(t1 + 3, "c3", 3)]);
    std::fs::rename(&log, dir.path().join("queue_log.1")).unwrap();
    append(&log, &[enter(t1 + 4, "c4"), connect(t1 + 6, "c4", 2)]);

    let second = Service::start(&args, &envs);
    second.wait_for("the calls written while stopped", WAIT, |m| {
        (sample(m, "callpulse_calls_abandoned_total", "queue=\"sales\"") == Some(1.0)
            && sample(m, "callpulse_calls_answered_total", "queue=\"sales\"") == Some(1.0))
        .then_some(())
    });
    let m = second.get("/metrics").1;
    // Exactly the four lines written while it was stopped: none of the first run's again.
    assert_eq!(
        sample(&m, "callpulse_input_records_total", ""),
        Some(4.0),
        "{m}"
    );
    assert_eq!(offered(&second), Some(2.0));
    assert!(second.terminate(WAIT).success());
}

/// A row of the Anonymous Bank layout for a call that entered the queue at `local` (a
/// date-time in Asia/Jerusalem), waited `wait` s and was served for 60 s.
fn bank_row(id: u32, local: chrono::NaiveDateTime, wait: i64) -> String {
    let t = |d: chrono::NaiveDateTime| d.format("%-H:%M:%S").to_string();
    let served = local + chrono::Duration::seconds(wait);
    format!(
        "AA0101\t{id}\t0\t0\tPS\t{}\t{}\t{}\t5\t{}\t{}\t{wait}\tAGENT\t{}\t{}\t60\tDORIT",
        local.format("%y%m%d"),
        t(local - chrono::Duration::seconds(5)),
        t(local),
        t(local),
        t(served),
        t(served),
        t(served + chrono::Duration::seconds(60)),
    )
}

#[test]
fn a_followed_csv_export_reads_its_header_again_when_a_restart_resumes_inside_it() {
    use chrono::TimeZone as _;
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("calls.tsv");
    let position = dir.path().join("position.json");
    let rejected = dir.path().join("rejected.tsv");
    // The bank's mapping, for a live export in time order (a live stream is never sorted).
    let bank = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/mappings/anonymous-bank-1999.toml"),
    )
    .unwrap();
    let live = bank.replace("sort = true", "sort = false");
    assert_ne!(live, bank);
    let mapping = dir.path().join("bank-live.toml");
    std::fs::write(&mapping, live).unwrap();
    let local = |ago: i64| {
        chrono_tz::Asia::Jerusalem
            .timestamp_opt(now() as i64 - ago, 0)
            .unwrap()
            .naive_local()
    };
    let header = "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver";
    append(&export, &[header.to_string(), bank_row(1, local(600), 10)]);
    let args = [
        "run",
        "--input-format",
        "csv",
        "--mapping",
        mapping.to_str().unwrap(),
        "--follow",
        export.to_str().unwrap(),
        "--position-file",
        position.to_str().unwrap(),
    ];
    let envs = [
        ("CALLPULSE_INPUT_REJECTED_FILE", rejected.to_str().unwrap()),
        ("CALLPULSE_ENGINE_TIMEZONE", "Asia/Jerusalem"),
    ];
    let answered = |s: &Service| {
        sample(
            &s.get("/metrics").1,
            "callpulse_calls_answered_total",
            "queue=\"PS\"",
        )
    };
    let first = Service::start(&args, &envs);
    first.wait_for("the first row", WAIT, |m| {
        (sample(m, "callpulse_calls_answered_total", "queue=\"PS\"") == Some(1.0)).then_some(())
    });
    assert!(first.terminate(WAIT).success());

    append(&export, &[bank_row(2, local(300), 30)]);
    let second = Service::start(&args, &envs);
    second.wait_for("the row written while stopped", WAIT, |m| {
        (sample(m, "callpulse_calls_answered_total", "queue=\"PS\"") == Some(1.0)).then_some(())
    });
    let m = second.get("/metrics").1;
    // One record, the new row: the header was read again (not counted), nothing rejected.
    assert_eq!(
        sample(&m, "callpulse_input_records_total", ""),
        Some(1.0),
        "{m}"
    );
    assert!(!m.contains("callpulse_events_rejected_total{"), "{m}");
    assert_eq!(
        sample(&m, "callpulse_answer_wait_seconds_total", "queue=\"PS\""),
        Some(30.0)
    );
    assert_eq!(answered(&second), Some(1.0));
    assert!(second.terminate(WAIT).success());
    assert_eq!(std::fs::read_to_string(&rejected).unwrap_or_default(), "");
}
