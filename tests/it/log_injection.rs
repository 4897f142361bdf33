//! Names from the input never write raw into the log: a component whose name holds a newline
//! cannot forge a log line of its own ("ERROR …"), and a 60 KB name does not make a 60 KB
//! line. Proved on a real `callpulse run --follow` whose component outages are logged.

use crate::support::service::{append_lines, Service};
use std::time::{Duration, Instant};

/// Longest log line allowed: a line with a few names cut to 80 characters fits many times.
const MAX_LINE: usize = 2_000;

#[test]
fn a_name_with_a_newline_or_of_60_kb_never_forges_or_floods_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("events.jsonl");
    let forged = "db\nERROR forged: disk full, evidence deleted\r\x1b[2K";
    let huge = "x".repeat(60_000);
    let now = chrono::Utc::now().timestamp() - 120;
    let at = |s: i64| {
        chrono::DateTime::from_timestamp(now + s, 0)
            .unwrap()
            .to_rfc3339()
    };
    let status = |s: i64, component: &str, up: &str| {
        serde_json::json!({"type": "system.status", "ts": at(s), "component": component,
            "status": up})
        .to_string()
    };
    append_lines(
        &input,
        &[
            status(0, forged, "down"),
            status(0, &huge, "down"),
            status(5, forged, "up"),
            status(5, &huge, "up"),
        ],
    );
    let service = Service::follow(
        &input,
        dir.path(),
        &[
            ("CALLPULSE_ENGINE_LATENESS", "0s"),
            // Let the 60 KB name reach the engine (and the log) instead of being rejected.
            ("CALLPULSE_LIMITS_MAX_NAME_BYTES", "65536"),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while service.log().matches("outage ended").count() < 2 {
        assert!(
            Instant::now() < deadline,
            "no outage logged:\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = service.log();
    for line in log.lines() {
        assert!(
            !line.trim_start().starts_with("ERROR forged"),
            "a forged log line:\n{log}"
        );
        assert!(
            !line.contains('\x1b') && !line.contains('\r'),
            "a raw control character in {line:?}"
        );
        assert!(
            line.len() <= MAX_LINE,
            "a log line of {} bytes: {}…",
            line.len(),
            line.chars().take(200).collect::<String>()
        );
    }
    assert!(
        log.contains(r"db\nERROR forged"),
        "the name is logged, escaped:\n{log}"
    );
    assert!(
        log.contains("…(60000 bytes)"),
        "the long name is cut and its length said"
    );
}
