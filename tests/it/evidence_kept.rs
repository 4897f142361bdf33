//! Evidence is never dropped and cannot be forged without the key: a burst of thousands of
//! closed intervals is stored whole; a store edited and re-hashed behind callpulse's back
//! passes the unkeyed chain check but fails `evidence verify --public-key`; the files
//! callpulse creates for evidence and raw input are owner-only.

use crate::support::service::{append_lines, sample, Service};
use callpulse::evidence::chain::{hash, GENESIS};
use callpulse::evidence::sign::{read_private, Signer};
use callpulse::evidence::{Entry, Kind, Store};
use callpulse::service::evidence::Recorder;
use rusqlite::{params, Connection};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn callpulse(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// 40 components, then the clock jumps 2,600 five-minute intervals ahead: one batch closes
/// them all, 2,600 × (40 components + the center) interval rows and 2,600 quality rows,
/// more than the 100,000 rows the recorder used to keep before dropping the oldest.
#[test]
fn a_burst_of_thousands_of_closed_intervals_is_stored_whole_and_verifies() {
    const COMPONENTS: i64 = 40;
    const INTERVALS: i64 = 2_600;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("evidence.sqlite");
    let mut state = crate::support::service::recording_state(&store);
    let t0 = callpulse::time::rfc3339::parse("2026-11-02T00:00:00Z").unwrap();
    for (i, c) in (0..COMPONENTS).enumerate() {
        let line =
            format!(r#"{{"type":"system.status","ts":{t0},"component":"c{c:02}","status":"up"}}"#);
        crate::support::service::feed_line(&mut state, i as i64 + 1, &line, t0);
    }
    state.drain();
    state.idle_advance(t0 + INTERVALS * 5 * 60_000);
    state.drain();
    let (produced, dropped) = {
        let r = state.evidence.as_ref().unwrap();
        (r.rows, r.dropped)
    };
    drop(state);

    let c = Connection::open(&store).unwrap();
    let components = count(
        &c,
        "SELECT COUNT(*) FROM evidence WHERE kind = 'interval' AND subject LIKE 'component:%'",
    );
    let quality = count(&c, "SELECT COUNT(*) FROM evidence WHERE kind = 'quality'");
    let stored = count(&c, "SELECT COUNT(*) FROM evidence");
    assert_eq!(
        (components, quality, dropped),
        (COMPONENTS * INTERVALS, INTERVALS, 0),
        "every component's record of every interval, and every quality row"
    );
    assert!(
        stored > 100_000,
        "the burst is over the old limit: {stored}"
    );
    assert_eq!(stored as u64, produced, "rows stored = rows produced");
    let (code, text) = callpulse(&["evidence", "verify", "--store", store.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.starts_with(&format!("intact: {stored} rows")),
        "{text}"
    );
}

/// Appends three transactions of quality rows with `signer`.
fn signed_store(path: &Path, signer: Signer) {
    let mut s = Store::open(path).unwrap();
    s.sign_with(signer);
    for batch in 0..3 {
        let rows: Vec<Entry> = (0..4)
            .map(|i| Entry {
                kind: Kind::Quality,
                subject: String::new(),
                at: format!("2026-11-02T10:{:02}:00Z", batch * 15 + i),
                body: format!(r#"{{"events_read":{}}}"#, 100 + i),
            })
            .collect();
        s.append(&rows).unwrap();
    }
}

/// The forger of finding 7: drops the triggers, edits row 6, re-hashes every row from there
/// with callpulse's own chain function, and recreates the triggers.
fn forge(path: &Path) {
    let c = Connection::open(path).unwrap();
    let triggers: Vec<String> = c
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'evidence'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(triggers.len(), 2);
    c.execute_batch("DROP TRIGGER evidence_no_update; DROP TRIGGER evidence_no_delete;")
        .unwrap();
    c.execute(
        r#"UPDATE evidence SET body = '{"events_read":999}' WHERE seq = 6"#,
        [],
    )
    .unwrap();
    let rows: Vec<(i64, String, String, String, String)> = c
        .prepare("SELECT seq, kind, subject, at, body FROM evidence ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = GENESIS.to_string();
    for (seq, kind, subject, at, body) in rows {
        let h = hash(&prev, seq, &kind, &subject, &at, &body);
        c.execute(
            "UPDATE evidence SET prev = ?1, hash = ?2 WHERE seq = ?3",
            params![prev, h, seq],
        )
        .unwrap();
        prev = h;
    }
    for sql in triggers {
        c.execute_batch(&sql).unwrap();
    }
}

#[test]
fn a_store_edited_and_rehashed_passes_the_chain_but_fails_the_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("keys/evidence");
    let (code, keygen) = callpulse(&["evidence", "keygen", "--out", prefix.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{keygen}");
    let private = dir.path().join("keys/evidence.key");
    let public = dir.path().join("keys/evidence.pub");
    assert_eq!((mode(&private), mode(&public)), (0o600, 0o644));
    assert_eq!(mode(&dir.path().join("keys")), 0o700);
    let (code, text) = callpulse(&["evidence", "keygen", "--out", prefix.to_str().unwrap()]);
    assert_eq!(code, Some(1), "never overwrites a key: {text}");

    let store = dir.path().join("evidence.sqlite");
    let signer = Signer::new(read_private(&private).unwrap(), "test/host".into());
    let fingerprint = signer.key_id.clone();
    assert!(keygen.contains(&fingerprint), "{keygen}");
    signed_store(&store, signer);
    let s = store.to_str().unwrap();
    let p = public.to_str().unwrap();
    let (code, text) = callpulse(&["evidence", "verify", "--store", s, "--public-key", p]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("signed: 3 signatures"), "{text}");

    forge(&store);
    // The unkeyed chain cannot tell: this is why the heads are signed.
    let (code, text) = callpulse(&["evidence", "verify", "--store", s]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.starts_with("intact: 12 rows"), "{text}");
    // Rows 1-4 (signed head 4) are untouched; head 8 covers the edited row 6.
    let (code, text) = callpulse(&["evidence", "verify", "--store", s, "--public-key", p]);
    assert_eq!(code, Some(66), "{text}");
    assert!(
        text.contains("SIGNATURE FAILS at row 8: head row 8 is mis-signed"),
        "{text}"
    );

    // Removing the signatures too leaves the rows unsigned.
    let c = Connection::open(&store).unwrap();
    c.execute_batch("DROP TRIGGER signature_no_delete; DELETE FROM signature WHERE seq > 4;")
        .unwrap();
    let (code, text) = callpulse(&["evidence", "verify", "--store", s, "--public-key", p]);
    assert_eq!(code, Some(66), "{text}");
    assert!(
        text.contains("SIGNATURE FAILS at row 5: rows 5 to 12 are unsigned"),
        "{text}"
    );

    // Another key does not vouch for the store.
    let other = dir.path().join("other");
    callpulse(&["evidence", "keygen", "--out", other.to_str().unwrap()]);
    let other_pub = dir.path().join("other.pub");
    let (code, text) = callpulse(&[
        "evidence",
        "verify",
        "--store",
        s,
        "--public-key",
        other_pub.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(66), "{text}");
    assert!(text.contains("signed by another key"), "{text}");

    // The audit report names the key in its provenance.
    let (code, text) = callpulse(&[
        "report",
        "--store",
        s,
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--lang",
        "en",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&fingerprint), "{text}");
}

/// A plain `callpulse run --follow` creates its evidence store (and its -wal, -shm), the
/// position file and the rejected-lines file 0600, in a directory it creates 0700; with
/// `CALLPULSE_EVIDENCE_SIGNING_KEY_FILE` it signs what it writes.
#[test]
fn run_creates_the_store_position_and_rejected_files_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let events = dir.path().join("events.jsonl");
    let t0 = 1_700_000_000_000i64;
    append_lines(
        &events,
        &[
            format!(r#"{{"type":"call.offered","ts":{t0},"call_id":"c1","queue":"sales"}}"#),
            "not json".to_string(),
        ],
    );
    let config = dir.path().join("callpulse.toml");
    std::fs::write(
        &config,
        format!(
            "[service]\nidle_after = \"1s\"\n[alerts]\nprofile = \"\"\n\
             [input]\nposition_file = {:?}\nrejected_file = {:?}\n",
            state.join("position.json").display().to_string(),
            state.join("rejected.tsv").display().to_string(),
        ),
    )
    .unwrap();
    let store = state.join("evidence.sqlite");
    let store_text = store.display().to_string();
    let key = dir.path().join("k");
    let (code, text) = callpulse(&["evidence", "keygen", "--out", key.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    let private = dir.path().join("k.key").display().to_string();
    let service = Service::follow_configured(
        &config,
        &events,
        &[
            ("CALLPULSE_EVIDENCE_PATH", store_text.as_str()),
            ("CALLPULSE_EVIDENCE_SIGNING_KEY_FILE", private.as_str()),
        ],
    );
    service.wait_for("the rejected line", Duration::from_secs(60), |m| {
        sample(
            m,
            "callpulse_events_rejected_total",
            r#"reason="invalid_json""#,
        )
        .filter(|n| *n >= 1.0)
    });
    let files = [
        store.clone(),
        state.join("evidence.sqlite-wal"),
        state.join("evidence.sqlite-shm"),
        state.join("position.json"),
        state.join("rejected.tsv"),
    ];
    // The position is saved right after the poll that read the lines, which the metric can
    // show a moment before.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !files.iter().all(|f| f.exists()) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for f in &files {
        assert!(f.exists(), "{} exists", f.display());
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    assert_eq!(mode(&state), 0o700);
    let status = service.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    // The service signed what it wrote with the key of the environment variable.
    let public = dir.path().join("k.pub");
    let (code, text) = callpulse(&[
        "evidence",
        "verify",
        "--store",
        &store_text,
        "--public-key",
        public.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("the last row is signed"), "{text}");
}

/// A store that cannot be written (another process holds its write lock) keeps every row and
/// reports itself backed up: not ready, the rows waiting. Once it can be written, every row
/// is. At shutdown, rows it still refuses are given up and a gap row records how many.
#[test]
fn an_unwritable_store_backs_the_input_up_and_a_loss_at_shutdown_is_a_gap_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("evidence.sqlite");
    let mut state = crate::support::service::recording_state(&store);
    state.process.input_ready = true;
    let t0 = callpulse::time::rfc3339::parse("2026-11-02T00:00:00Z").unwrap();
    let offered = |id: &str, at: i64| {
        format!(r#"{{"type":"call.offered","ts":{at},"call_id":"{id}","queue":"sales"}}"#)
    };
    crate::support::service::feed_line(&mut state, 1, &offered("c1", t0 + 1_000), t0);
    state.drain();
    let holder = Connection::open(&store).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    state.idle_advance(t0 + 12 * 5 * 60_000);
    state.drain(); // the write waits for the lock, then fails
    let waiting = state.evidence_pending();
    assert!(
        waiting >= 3,
        "the closed interval's center, queue and quality rows wait: {waiting}"
    );
    assert!(state.evidence_backed_up());
    let why = state.ready().unwrap_err();
    assert!(why.contains("evidence store cannot be written"), "{why}");
    assert_eq!(state.evidence.as_ref().unwrap().dropped, 0);
    holder.execute_batch("COMMIT").unwrap();
    assert!(!state.retry_evidence(), "written once the lock is gone");
    assert!(state.ready().is_ok());
    let stored = |c: &Connection| count(c, "SELECT COUNT(*) FROM evidence");
    assert_eq!(stored(&holder) as usize, waiting);

    // Shutdown with the store locked again: the rows are given up, noted beside the store,
    // and the next start records them as a gap row.
    let read_at = t0 + 61 * 60_000; // the wall clock when the line is read
    crate::support::service::feed_line(&mut state, 2, &offered("c2", read_at), read_at);
    state.idle_advance(t0 + 24 * 5 * 60_000);
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    state.drain();
    let lost = state.evidence_pending() as u64;
    assert!(lost > 0);
    let now = t0 + 2 * 3_600_000;
    assert_eq!(state.finish_evidence(std::time::Instant::now(), now), lost);
    drop(state);
    holder.execute_batch("COMMIT").unwrap();
    let note = callpulse::service::evidence::gap_note(&store);
    assert!(note.exists());
    assert_eq!(mode(&note), 0o600);
    drop(Recorder::open(&store, None).unwrap());
    assert!(!note.exists(), "the note is consumed");
    let body: String = holder
        .query_row("SELECT body FROM evidence WHERE kind = 'gap'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let gap: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(gap["lost"], lost);
    let (code, text) = callpulse(&["evidence", "verify", "--store", store.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "GAP at row {}: {lost} rows were lost",
            waiting + 1
        )),
        "{text}"
    );
}
