//! `callpulse run` keeps audit evidence: a real process following a file of canonical events
//! appends its final interval records, data-quality rows, the outage and the alert
//! transitions to the evidence store; `callpulse evidence verify` passes on it, and names the
//! row once the file is edited behind its back.

use crate::support::profiles::SERVICE_LEVEL_15M;
use crate::support::service::{append_lines, feed_line, sample, Service};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// 30 calls of `sales`, one a minute from 40 minutes ago: the last ten abandoned, the others
/// answered after 5 s; `acd` up, down 5 minutes in, up again 3 minutes later.
fn lines(t0: i64) -> Vec<String> {
    let minute = 60_000;
    let mut out = vec![format!(
        r#"{{"type":"system.status","ts":{t0},"component":"acd","status":"up"}}"#
    )];
    let mut events: Vec<(i64, String)> = Vec::new();
    for m in 0..30 {
        let at = t0 + m * minute + 1_000;
        events.push((
            at,
            format!(r#"{{"type":"call.offered","ts":{at},"call_id":"c{m}","queue":"sales"}}"#),
        ));
        let end = at + 5_000;
        events.push((
            end,
            if m >= 20 {
                format!(r#"{{"type":"call.abandoned","ts":{end},"call_id":"c{m}"}}"#)
            } else {
                format!(r#"{{"type":"call.answered","ts":{end},"call_id":"c{m}","agent_id":"a1"}}"#)
            },
        ));
    }
    for (at, status) in [(t0 + 5 * minute, "down"), (t0 + 8 * minute, "up")] {
        events.push((
            at,
            format!(
                r#"{{"type":"system.status","ts":{at},"component":"acd","status":"{status}"}}"#
            ),
        ));
    }
    events.sort_by_key(|(t, _)| *t);
    out.extend(events.into_iter().map(|(_, l)| l));
    out
}

fn verify(store: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(["evidence", "verify", "--store", store.to_str().unwrap()])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn run_keeps_intervals_quality_outages_and_alerts_and_verify_names_an_edited_row() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let store = dir.path().join("evidence.sqlite");
    let profile = dir.path().join("profile.toml");
    std::fs::write(&profile, SERVICE_LEVEL_15M).unwrap();
    let config = dir.path().join("callpulse.toml");
    std::fs::write(
        &config,
        format!(
            "[engine]\ninterval = \"5m\"\nlateness = \"0s\"\ngrace = \"0s\"\n\
             [service]\nidle_after = \"1s\"\n\
             [alerts]\nprofile = {:?}\nevaluation_interval = \"1s\"\n\
             [input]\nposition_file = {:?}\nrejected_file = {:?}\n",
            profile.display().to_string(),
            dir.path().join("position").display().to_string(),
            dir.path().join("rejected.tsv").display().to_string(),
        ),
    )
    .unwrap();
    let t0 = now_ms() - 40 * 60_000;
    let lines = lines(t0);
    append_lines(&events, &lines);
    let store_text = store.display().to_string();
    let service = Service::follow_configured(
        &config,
        &events,
        &[("CALLPULSE_EVIDENCE_PATH", store_text.as_str())],
    );
    // Intervals up to now close once the follower is idle: at least the 7 five-minute
    // intervals of the 35 minutes after t0, each with a center and a `sales` record.
    let rows = service.wait_for(
        "the evidence of the closed intervals",
        Duration::from_secs(60),
        |m| sample(m, "callpulse_evidence_rows_total", "").filter(|n| *n >= 20.0),
    );
    // A new store: its last row's number counts every row appended so far, or more.
    let head = sample(
        &service.get("/metrics").1,
        "callpulse_evidence_head_row",
        "",
    )
    .unwrap();
    assert!(head >= rows, "head row {head}, rows {rows}");
    let status = service.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");

    let c = Connection::open(&store).unwrap();
    let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
    let mut stmt = c
        .prepare("SELECT kind, COUNT(*) FROM evidence GROUP BY kind")
        .unwrap();
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
    {
        let (k, n) = row.unwrap();
        by_kind.insert(k, n);
    }
    assert!(by_kind["interval"] >= 14, "{by_kind:?}");
    assert!(by_kind["quality"] >= 7, "{by_kind:?}");
    assert_eq!(by_kind.get("outage"), Some(&1), "{by_kind:?}");
    assert!(by_kind["alert"] >= 2, "pending and firing: {by_kind:?}");

    let outage: String = c
        .query_row("SELECT body FROM evidence WHERE kind = 'outage'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let outage: serde_json::Value = serde_json::from_str(&outage).unwrap();
    assert_eq!(outage["component"], "acd");
    assert_eq!(outage["seconds"], 180.0);
    assert_eq!(outage["within_30_minutes"], true);

    // The sales records, latest revision of each interval, add up to the 30 calls, the last
    // ten abandoned.
    let mut stmt = c
        .prepare(
            "SELECT at, body FROM evidence WHERE kind = 'interval' AND subject = 'queue:sales'",
        )
        .unwrap();
    let mut latest: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (at, body) = row.unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let figures = (
            v["revision"].as_u64().unwrap(),
            v["offered"].as_u64().unwrap(),
            v["abandoned"].as_u64().unwrap(),
        );
        let e = latest.entry(at).or_insert(figures);
        if figures.0 >= e.0 {
            *e = figures;
        }
    }
    let offered: u64 = latest.values().map(|f| f.1).sum();
    let abandoned: u64 = latest.values().map(|f| f.2).sum();
    assert_eq!((offered, abandoned), (30, 10));

    let transitions: Vec<String> = c
        .prepare("SELECT body FROM evidence WHERE kind = 'alert' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| {
            let v: serde_json::Value = serde_json::from_str(&b.unwrap()).unwrap();
            assert_eq!(v["alert"]["criterion"], "service_level_below_80");
            v["transition"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(transitions[..2], ["pending", "firing"]);

    let read: u64 = c
        .prepare("SELECT body FROM evidence WHERE kind = 'quality'")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| {
            let v: serde_json::Value = serde_json::from_str(&b.unwrap()).unwrap();
            v["events_read"].as_u64().unwrap()
        })
        .sum();
    assert!(
        read > 0 && read <= lines.len() as u64,
        "quality rows count the events read: {read} of {}",
        lines.len()
    );

    let (code, text) = verify(&store);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.starts_with("intact: "), "{text}");

    // Someone with write access to the file changes row 5's content.
    c.execute_batch(
        "DROP TRIGGER evidence_no_update;
         UPDATE evidence SET body = body || ' ' WHERE seq = 5;",
    )
    .unwrap();
    let (code, text) = verify(&store);
    assert_eq!(code, Some(65), "{text}");
    assert!(
        text.contains("BROKEN at row 5: row 5 was changed"),
        "{text}"
    );
    let (code, _) = verify(&dir.path().join("missing.sqlite"));
    assert_eq!(code, Some(1));
}

/// A late call that changes a final interval adds the revised record as a new row: the first
/// one stays as it was, and the chain holds.
#[test]
fn a_revision_is_a_new_row_and_the_first_record_stays() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("evidence.sqlite");
    let mut state = crate::support::service::recording_state(&store);
    let t0 = callpulse::time::rfc3339::parse("2026-11-02T10:00:00Z").unwrap();
    let mut offset = 0;
    let mut feed = |state: &mut callpulse::service::State, line: String, now: i64| {
        offset += 1;
        feed_line(state, offset, &line, now);
        state.drain();
    };
    let offered = |id: &str, at: i64| {
        format!(r#"{{"type":"call.offered","ts":{at},"call_id":"{id}","queue":"sales"}}"#)
    };
    // Each line is read as it happens (the wall clock at its time).
    feed(&mut state, offered("c1", t0 + 1_000), t0 + 1_000);
    // An event 6 minutes later closes 10:00-10:05 (grace 0).
    feed(&mut state, offered("c2", t0 + 6 * 60_000), t0 + 6 * 60_000);
    // A late call of 10:02 revises it, once the engine moves on.
    feed(&mut state, offered("c3", t0 + 2 * 60_000), t0 + 6 * 60_000);
    state.idle_advance(t0 + 20 * 60_000);
    state.drain();
    drop(state);
    let c = Connection::open(&store).unwrap();
    let revisions: Vec<(u64, u64)> = c
        .prepare(
            "SELECT body FROM evidence WHERE kind = 'interval' AND subject = 'queue:sales' \
             AND at = '2026-11-02T10:00:00Z' ORDER BY seq",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| {
            let v: serde_json::Value = serde_json::from_str(&b.unwrap()).unwrap();
            (
                v["revision"].as_u64().unwrap(),
                v["offered"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        revisions,
        [(0, 1), (1, 2)],
        "the first record stays; the revision follows"
    );
    let (code, text) = verify(&store);
    assert_eq!(code, Some(0), "{text}");
}
