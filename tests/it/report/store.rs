//! `callpulse report` from an evidence store written through the library's `Store`: the
//! rows it names, the alert history, several stores adding up, and `evidence verify` on it.

use super::{report, scope};
use callpulse::evidence::{Entry, Kind, Store};
use rusqlite::Connection;
use serde_json::Value;
use std::process::Command;

fn interval(queue: Option<&str>, start: &str, offered: u64, within: u64, revision: u32) -> Entry {
    let body = serde_json::json!({
        "queue": queue, "start": start, "offered": offered, "answered": offered,
        "answered_within_threshold": within, "abandoned": 0, "wait_seconds_sum": 5.0 * offered as f64,
        "threshold_seconds": 20.0, "revision": revision,
        "scope": if queue.is_some() { "queue" } else { "center" },
        "period_seconds": 900.0, "down_seconds": queue.map_or(Some(0.0), |_| None),
    });
    Entry {
        kind: Kind::Interval,
        subject: queue.map_or(String::new(), |q| format!("queue:{q}")),
        at: start.into(),
        body: body.to_string(),
    }
}

fn alert(
    transition: &str,
    at: &str,
    firing_since: Option<&str>,
    resolved_at: Option<&str>,
) -> Entry {
    let body = serde_json::json!({
        "transition": transition,
        "alert": {"criterion": "service_level_below_80", "clause": "9.3.1", "name_zh": "服务水平",
                  "name_en": "Service level", "scope": "queue", "name": "sales",
                  "started_at": at, "firing_since": firing_since, "resolved_at": resolved_at},
    });
    Entry {
        kind: Kind::Alert,
        subject: "queue:sales".into(),
        at: at.into(),
        body: body.to_string(),
    }
}

/// A store written through the library's `Store` (the hash chain of `callpulse run`): rows
/// before the range, in it (an interval revised, quality rows, an outage, alerts) and after.
#[test]
fn a_report_from_the_evidence_store_names_its_rows_and_alert_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.sqlite");
    let mut store = Store::open(&path).unwrap();
    let before = interval(Some("sales"), "2026-09-30T23:45:00+08:00", 50, 0, 0);
    let quality = |at: &str, offered: u64, rejected: u64| {
        Entry {
        kind: Kind::Quality,
        subject: String::new(),
        at: at.into(),
        body: serde_json::json!({"interval_start": at, "events_read": 10 + rejected,
            "events_accepted": 10, "rejected": if rejected > 0 { serde_json::json!({"invalid_json": rejected}) } else { serde_json::json!({}) },
            "duplicates": 1, "late": 0, "revisions": 0, "calls_offered": offered, "no_calls": offered == 0})
        .to_string(),
    }
    };
    let outage = Entry {
        kind: Kind::Outage,
        subject: "ivr".into(),
        at: "2026-10-02T10:00:00+08:00".into(),
        body: r#"{"component":"ivr","start":"2026-10-02T10:00:00+08:00","end":"2026-10-02T10:45:00+08:00","seconds":2700.0,"cause":"heartbeat","within_30_minutes":false}"#.into(),
    };
    store.append(&[before]).unwrap();
    store
        .append(&[
            interval(None, "2026-10-01T09:00:00+08:00", 10, 10, 0),
            interval(Some("sales"), "2026-10-01T09:00:00+08:00", 10, 10, 0),
            quality("2026-10-01T09:00:00+08:00", 10, 2),
            alert("pending", "2026-10-01T09:10:00+08:00", None, None),
            alert(
                "firing",
                "2026-10-01T09:15:00+08:00",
                Some("2026-10-01T09:15:00+08:00"),
                None,
            ),
            alert(
                "resolved",
                "2026-10-01T09:45:00+08:00",
                Some("2026-10-01T09:15:00+08:00"),
                Some("2026-10-01T09:45:00+08:00"),
            ),
            outage,
            // A revision: 10 offered, 4 within, replaces the first record of 09:00.
            interval(Some("sales"), "2026-10-01T09:00:00+08:00", 10, 4, 1),
            interval(None, "2026-10-01T09:00:00+08:00", 10, 4, 1),
            quality("2026-10-01T09:15:00+08:00", 0, 0),
            alert(
                "firing",
                "2026-10-03T08:00:00+08:00",
                Some("2026-10-03T08:00:00+08:00"),
                None,
            ),
            interval(None, "2026-10-03T08:00:00+08:00", 10, 10, 0),
        ])
        .unwrap();
    store
        .append(&[interval(
            Some("sales"),
            "2026-11-01T00:00:00+08:00",
            5,
            5,
            0,
        )])
        .unwrap();
    drop(store);
    let store_arg = path.to_str().unwrap();
    let (code, out, err) = report(&[
        "--config",
        "center.toml",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--store",
        store_arg,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    // The rows used are 2..=13; row 1 (September) and row 14 (November) are outside.
    let conn = Connection::open(&path).unwrap();
    let hash = |seq: i64| -> String {
        conn.query_row("SELECT hash FROM evidence WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert_eq!(v["provenance"]["kind"], "stores");
    let p = &v["provenance"]["stores"][0];
    assert_eq!(p["first_seq"], 2);
    assert_eq!(p["first_hash"], hash(2));
    assert_eq!(p["last_seq"], 13);
    assert_eq!(p["last_hash"], hash(13));
    assert_eq!(p["rows_used"], 12);
    assert_eq!(p["head_seq"], 14);
    assert_eq!(p["head_hash"], hash(14));
    // `evidence verify` ends with the same last row and hash.
    let verify = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(["evidence", "verify", "--store", store_arg])
        .output()
        .unwrap();
    let verified = String::from_utf8(verify.stdout).unwrap();
    assert!(
        verified.contains(&format!("row 14, hash {}", hash(14))),
        "{verified}"
    );
    // The latest revision wins: sales in October 4 + 0 within of 10 offered (not 10 + 4).
    let oct = &v["months"][0];
    let sales = scope(oct, Some("sales"));
    assert_eq!(sales["figures"]["offered"], 10);
    assert_eq!(sales["figures"]["service_level"].as_f64(), Some(0.4));
    assert_eq!(scope(oct, None)["figures"]["offered"], 20);
    // A second instance's store (here a copy): its records of each interval add up, each
    // interval still counts once in the completeness, each store has its provenance.
    let second = dir.path().join("second.sqlite");
    conn.execute("VACUUM INTO ?1", [second.to_str().unwrap()])
        .unwrap();
    let (code, out, err) = report(&[
        "--config",
        "center.toml",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--store",
        store_arg,
        "--store",
        second.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let two: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(two["provenance"]["stores"].as_array().unwrap().len(), 2);
    let oct2 = &two["months"][0];
    assert_eq!(scope(oct2, Some("sales"))["figures"]["offered"], 20);
    assert_eq!(
        oct2["completeness"]["intervals_with_records"],
        oct["completeness"]["intervals_with_records"]
    );
    // Alert history: fired twice; 30 minutes, then one still firing from 3 October 08:00 to
    // the end of the data (09:00, the end of the last hourly interval): 90 minutes in all.
    let a = &v["alerts"][0];
    assert_eq!(a["criterion"], "service_level_below_80");
    assert_eq!(a["fired"], 2);
    assert_eq!(a["still_firing"], 1);
    assert_eq!(a["firing_seconds_longest"].as_f64(), Some(3600.0));
    assert_eq!(a["firing_seconds_total"].as_f64(), Some(5400.0));
    assert_eq!(a["subjects"][0], "queue sales");
    // Quality rows: 22 events read, 2 rejected, 2 duplicates; one interval without calls.
    let k = &v["completeness"];
    assert_eq!(k["events_read"], 22);
    assert_eq!(k["rejected"]["invalid_json"], 2);
    assert_eq!(k["duplicates"], 2);
    assert_eq!(k["quality_rows_without_calls"], 1);
    assert_eq!(k["records_read"], 5);
    assert_eq!(k["records_kept"], 3);
    assert_eq!(v["outages"][0]["within_30_minutes"], false);
    // The Markdown names the rows and the command to check them.
    let (_, md, _) = report(&[
        "--config",
        "center.toml",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--store",
        store_arg,
        "--lang",
        "en",
    ]);
    assert!(
        md.contains(&hash(13)) && md.contains("callpulse evidence verify --store"),
        "{md}"
    );
    assert!(md.contains("| Service level (service_level_below_80) | 9.3.1 | 2 | 1h30m00s | 1h00m00s | 1 | queue sales |"), "{md}");
}
