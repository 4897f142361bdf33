//! `callpulse evidence verify`: walks the chain and names the first row that does not hold.
//!
//! Row by row, in sequence order:
//! - its `prev` must be the previous row's `hash` and its `seq` the next number; otherwise a
//!   row was removed before it (the numbers jump) or inserted (its `prev` is the hash of the
//!   row two back, or its number repeats one);
//! - its `hash` must be the hash of its own content; otherwise it was changed.
//!
//! Whoever changes a row and computes its hash again breaks the next row's `prev`: the row
//! named is then the changed one, found by its neighbour. Removing rows at the end leaves a
//! valid shorter chain: compare the head (the last row's number and hash, printed by
//! `verify`) with one kept elsewhere, such as the audit report.

use super::chain::{hash, GENESIS};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// What the walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every row holds: how many, and the last one's number and hash.
    Intact {
        rows: u64,
        head_seq: i64,
        head: String,
    },
    /// The first row that does not hold, and what is wrong.
    Broken { seq: i64, problem: String },
}

struct Row {
    seq: i64,
    kind: String,
    subject: String,
    at: String,
    body: String,
    prev: String,
    hash: String,
}

/// Verifies the store at `path`, read-only.
pub fn verify(path: &Path) -> rusqlite::Result<Verdict> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt =
        conn.prepare("SELECT seq, kind, subject, at, body, prev, hash FROM evidence ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut count = 0u64;
    // The previous row's number and hash, and the one before it.
    let (mut last_seq, mut last_hash) = (0i64, GENESIS.to_string());
    let mut before_last: Option<String> = None;
    while let Some(r) = rows.next()? {
        let row = Row {
            seq: r.get(0)?,
            kind: r.get(1)?,
            subject: r.get(2)?,
            at: r.get(3)?,
            body: r.get(4)?,
            prev: r.get(5)?,
            hash: r.get(6)?,
        };
        let own = hash(
            &row.prev,
            row.seq,
            &row.kind,
            &row.subject,
            &row.at,
            &row.body,
        );
        if row.prev != last_hash {
            let (seq, problem) = if before_last.as_deref() == Some(row.prev.as_str()) {
                let problem = format!(
                    "row {last_seq} was inserted: row {} chains to the row before it",
                    row.seq
                );
                (last_seq, problem)
            } else if own == row.hash && row.seq > last_seq + 1 {
                let problem = format!(
                    "rows {} to {} were removed: row {last_seq} is followed by row {}",
                    last_seq + 1,
                    row.seq - 1,
                    row.seq
                );
                (last_seq + 1, problem)
            } else if own == row.hash {
                let problem = format!(
                    "row {last_seq} was changed: row {} chains to a different hash",
                    row.seq
                );
                (last_seq, problem)
            } else {
                let problem = format!(
                    "row {} was changed: neither its content nor its link matches",
                    row.seq
                );
                (row.seq, problem)
            };
            return Ok(Verdict::Broken { seq, problem });
        }
        if row.seq != last_seq + 1 {
            return Ok(Verdict::Broken {
                seq: row.seq,
                problem: format!(
                    "row {} follows row {last_seq}: the numbers were changed",
                    row.seq
                ),
            });
        }
        if own != row.hash {
            return Ok(Verdict::Broken {
                seq: row.seq,
                problem: format!(
                    "row {} was changed: its content does not match its hash",
                    row.seq
                ),
            });
        }
        before_last = Some(std::mem::replace(&mut last_hash, row.hash));
        last_seq = row.seq;
        count += 1;
    }
    Ok(Verdict::Intact {
        rows: count,
        head_seq: last_seq,
        head: last_hash,
    })
}
