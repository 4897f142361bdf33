//! The SQLite file: schema, append-only triggers, and appends in one transaction each.

use super::chain::{hash, Entry, GENESIS};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

/// Version of the schema below, kept in `meta`.
pub const SCHEMA_VERSION: &str = "1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (
    seq     INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    at      TEXT NOT NULL,
    body    TEXT NOT NULL,
    prev    TEXT NOT NULL,
    hash    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_kind_at ON evidence (kind, at);
CREATE TRIGGER IF NOT EXISTS evidence_no_update BEFORE UPDATE ON evidence
    BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
CREATE TRIGGER IF NOT EXISTS evidence_no_delete BEFORE DELETE ON evidence
    BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
";

fn read_head(conn: &Connection) -> rusqlite::Result<(i64, String)> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM evidence ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS.to_string())))
}

/// An open evidence store, appending after its last row (several processes may share it).
pub struct Store {
    conn: Connection,
    /// Sequence number and hash of the last row (0 and [`GENESIS`] when empty).
    head: (i64, String),
}

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // WAL with NORMAL: a committed transaction survives a process crash; a power loss may
        // lose the last ones, never corrupt the file.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1)",
            params![SCHEMA_VERSION],
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let head = read_head(&conn)?;
        Ok(Store { conn, head })
    }

    /// Appends `entries` in order, chained, in one transaction.
    pub fn append(&mut self, entries: &[Entry]) -> rusqlite::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        // Immediate: the write lock is taken before the head is read, so instances sharing
        // the file append one after the other and the chain stays whole.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (mut seq, mut prev) = read_head(&tx)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO evidence (seq, kind, subject, at, body, prev, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for e in entries {
                seq += 1;
                let kind = e.kind.name();
                let h = hash(&prev, seq, kind, &e.subject, &e.at, &e.body);
                insert.execute(params![seq, kind, e.subject, e.at, e.body, prev, h])?;
                prev = h;
            }
        }
        tx.commit()?;
        self.head = (seq, prev);
        Ok(())
    }

    /// Sequence number and hash of the last row.
    pub fn head(&self) -> (i64, &str) {
        (self.head.0, &self.head.1)
    }
}
