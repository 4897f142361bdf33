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
//!
//! Whoever re-hashes every row after the one changed leaves a chain that holds: only the
//! signatures of [`super::sign`] catch that ([`verify_signatures`], `verify --public-key`).
//! Gap rows (rows the service lost and said so) do not break the chain; they are listed.

use super::chain::{hash, GENESIS};
use super::sign::{check, fingerprint};
use super::store::signatures;
use ed25519_dalek::VerifyingKey;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::Path;

/// A gap row: rows lost, declared in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub seq: i64,
    /// When the rows were given up (the row's `at`).
    pub at: String,
    /// How many rows were lost.
    pub lost: u64,
}

/// What the signature check found (after the chain was found intact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    /// Every signature is the key's, over a head of this chain, and the last row is signed.
    Valid { signatures: usize },
    /// The first head (lowest row number) whose signature does not hold, or the first row
    /// no signature covers; and what is wrong.
    Failed { seq: i64, problem: String },
}

/// What the walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every row holds: how many, and the last one's number and hash.
    Intact {
        rows: u64,
        head_seq: i64,
        head: String,
        /// Gap rows, in order.
        gaps: Vec<Gap>,
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
    let mut gaps = Vec::new();
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
        if row.kind == "gap" {
            let lost = serde_json::from_str::<serde_json::Value>(&row.body)
                .ok()
                .and_then(|v| v.get("lost").and_then(serde_json::Value::as_u64))
                .unwrap_or(0);
            gaps.push(Gap {
                seq: row.seq,
                at: row.at.clone(),
                lost,
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
        gaps,
    })
}

/// The fingerprints of the keys that signed heads of the store at `path`, in order of first
/// use (empty when unsigned).
pub fn signing_keys(path: &Path) -> rusqlite::Result<Vec<String>> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut keys: Vec<String> = Vec::new();
    for s in signatures(&conn)? {
        if !keys.contains(&s.key_id) {
            keys.push(s.key_id);
        }
    }
    Ok(keys)
}

/// Checks the signatures of the store at `path` with `key`, for a chain [`verify`] found
/// intact up to row `head_seq`: every signature must be `key`'s and valid, over a row
/// number and hash that are the chain's, and row `head_seq` must be signed.
pub fn verify_signatures(
    path: &Path,
    key: &VerifyingKey,
    head_seq: i64,
) -> rusqlite::Result<Signed> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let ours = fingerprint(key);
    let mut first: Option<(i64, String)> = None;
    let mut signed_through = 0i64;
    let all = signatures(&conn)?;
    let mut stmt = conn.prepare("SELECT hash FROM evidence WHERE seq = ?1")?;
    for s in &all {
        let problem = if s.key_id != ours {
            Some(format!(
                "head row {} is signed by another key ({}), not {ours}",
                s.seq, s.key_id
            ))
        } else if !check(s, key) {
            Some(format!(
                "the signature of head row {} does not verify with the key: the signature row was changed or forged",
                s.seq
            ))
        } else {
            let chain: Option<String> = stmt.query_row(params![s.seq], |r| r.get(0)).optional()?;
            match chain {
                None => Some(format!(
                    "head row {} was signed but is not in the store: rows were removed",
                    s.seq
                )),
                Some(h) if h != s.hash => Some(format!(
                    "head row {} is mis-signed: the store's row {} has hash {h}, the signed head has {}: rows up to {} were changed and re-hashed after they were signed",
                    s.seq, s.seq, s.hash, s.seq
                )),
                Some(_) => None,
            }
        };
        match problem {
            Some(p) => {
                if first.as_ref().map_or(true, |(seq, _)| s.seq < *seq) {
                    first = Some((s.seq, p));
                }
            }
            None => signed_through = signed_through.max(s.seq),
        }
    }
    if let Some((seq, problem)) = first {
        return Ok(Signed::Failed { seq, problem });
    }
    if signed_through < head_seq {
        return Ok(Signed::Failed {
            seq: signed_through + 1,
            problem: format!(
                "rows {} to {head_seq} are unsigned: the last signed head is row {signed_through}",
                signed_through + 1
            ),
        });
    }
    Ok(Signed::Valid {
        signatures: all.len(),
    })
}
