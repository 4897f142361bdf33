//! The chain holds on an untouched store and names the first row changed, removed or
//! inserted, by someone with write access to the file (who drops the triggers first).

use super::chain::hash;
use super::*;
use rusqlite::{params, Connection};
use std::path::Path;

fn entry(i: usize) -> Entry {
    Entry {
        kind: Kind::ALL[i % 4],
        subject: format!("q{}", i % 3),
        at: format!("2026-11-02T10:{:02}:00Z", i),
        body: format!(r#"{{"n":{i}}}"#),
    }
}

/// A store of six rows, appended in two transactions.
fn six(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("evidence.sqlite");
    let mut s = Store::open(&path).unwrap();
    s.append(&(0..4).map(entry).collect::<Vec<_>>()).unwrap();
    drop(s);
    let mut s = Store::open(&path).unwrap();
    assert_eq!(
        s.head().0,
        4,
        "a reopened store continues after its last row"
    );
    s.append(&(4..6).map(entry).collect::<Vec<_>>()).unwrap();
    path
}

/// A connection of someone who edits the file behind callpulse's back.
fn tamper(path: &Path) -> Connection {
    let c = Connection::open(path).unwrap();
    c.execute_batch("DROP TRIGGER evidence_no_update; DROP TRIGGER evidence_no_delete;")
        .unwrap();
    c
}

fn broken(path: &Path) -> (i64, String) {
    match verify(path).unwrap() {
        Verdict::Broken { seq, problem } => (seq, problem),
        v => panic!("not detected: {v:?}"),
    }
}

#[test]
fn an_untouched_store_verifies_and_rows_cannot_be_updated_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = six(dir.path());
    let Verdict::Intact {
        rows,
        head_seq,
        head,
        ..
    } = verify(&path).unwrap()
    else {
        panic!("an untouched store is intact");
    };
    assert_eq!((rows, head_seq, head.len()), (6, 6, 64));
    let c = Connection::open(&path).unwrap();
    let update = c.execute("UPDATE evidence SET body = '{}' WHERE seq = 2", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = c.execute("DELETE FROM evidence WHERE seq = 2", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[test]
fn an_edited_row_is_named_whether_or_not_its_hash_was_recomputed() {
    let dir = tempfile::tempdir().unwrap();
    let path = six(dir.path());
    let c = tamper(&path);
    c.execute(r#"UPDATE evidence SET body = '{"n":99}' WHERE seq = 3"#, [])
        .unwrap();
    let (seq, problem) = broken(&path);
    assert_eq!(seq, 3, "{problem}");
    assert!(problem.contains("changed"), "{problem}");

    // The forger also recomputes the edited row's hash: its neighbour gives it away.
    let (prev, kind, subject, at): (String, String, String, String) = c
        .query_row(
            "SELECT prev, kind, subject, at FROM evidence WHERE seq = 3",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let forged = hash(&prev, 3, &kind, &subject, &at, r#"{"n":99}"#);
    c.execute(
        "UPDATE evidence SET hash = ?1 WHERE seq = 3",
        params![forged],
    )
    .unwrap();
    let (seq, problem) = broken(&path);
    assert_eq!(seq, 3, "{problem}");
    assert!(problem.contains("row 3 was changed"), "{problem}");
}

#[test]
fn a_removed_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = six(dir.path());
    tamper(&path)
        .execute("DELETE FROM evidence WHERE seq = 3", [])
        .unwrap();
    let (seq, problem) = broken(&path);
    assert_eq!(seq, 3, "{problem}");
    assert!(problem.contains("rows 3 to 3 were removed"), "{problem}");
    // The first row too.
    let other = dir.path().join("b");
    std::fs::create_dir_all(&other).unwrap();
    let path = six(&other);
    tamper(&path)
        .execute("DELETE FROM evidence WHERE seq = 1", [])
        .unwrap();
    assert_eq!(broken(&path).0, 1);
}

#[test]
fn an_inserted_row_is_named_even_with_a_valid_link_and_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = six(dir.path());
    let c = tamper(&path);
    // Make room after row 3 and forge a row 4 that links to row 3 with a correct hash.
    c.execute("UPDATE evidence SET seq = seq + 100 WHERE seq > 3", [])
        .unwrap();
    c.execute("UPDATE evidence SET seq = seq - 99 WHERE seq > 100", [])
        .unwrap();
    let prev: String = c
        .query_row("SELECT hash FROM evidence WHERE seq = 3", [], |r| r.get(0))
        .unwrap();
    let body = r#"{"forged":true}"#;
    let h = hash(&prev, 4, "interval", "sales", "2026-11-02T10:03:30Z", body);
    c.execute(
        "INSERT INTO evidence (seq, kind, subject, at, body, prev, hash)
         VALUES (4, 'interval', 'sales', '2026-11-02T10:03:30Z', ?1, ?2, ?3)",
        params![body, prev, h],
    )
    .unwrap();
    let (seq, problem) = broken(&path);
    assert_eq!(seq, 4, "{problem}");
    assert!(problem.contains("row 4 was inserted"), "{problem}");
}

#[test]
fn two_instances_sharing_the_file_append_in_turn_and_the_chain_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite");
    let mut a = Store::open(&path).unwrap();
    let mut b = Store::open(&path).unwrap();
    for i in 0..5 {
        a.append(&[entry(i)]).unwrap();
        b.append(&[entry(i + 10), entry(i + 20)]).unwrap();
    }
    assert_eq!(b.head().0, 15);
    assert!(matches!(
        verify(&path).unwrap(),
        Verdict::Intact { rows: 15, .. }
    ));
}

#[test]
fn a_checkpoint_is_read_back_as_written_and_a_smaller_one_replaces_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("evidence.sqlite")).unwrap();
    let cp = |engine: Vec<u8>, cut: usize| Checkpoint {
        owner: "group/a".into(),
        written: "2026-12-07T10:00:00Z".into(),
        head: 0,
        positions: format!("[{cut}]"),
        service: "{}".into(),
        engine,
    };
    // Megabytes over many overflow pages, then a state shorter than the one it replaces.
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut first = cp(big, 1);
    s.checkpoint(&(0..2).map(entry).collect::<Vec<_>>(), &mut first)
        .unwrap();
    assert_eq!(first.head, 2, "the head is the last row appended with it");
    assert_eq!(s.load_checkpoint("group/a").unwrap(), Some(first));
    let mut second = cp(b"small".to_vec(), 2);
    s.checkpoint(&[entry(2)], &mut second).unwrap();
    assert_eq!(s.load_checkpoint("group/a").unwrap(), Some(second));
    assert_eq!(s.load_checkpoint("group/b").unwrap(), None);
}
