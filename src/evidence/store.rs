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
CREATE TABLE IF NOT EXISTS checkpoint (
    owner     TEXT PRIMARY KEY,
    written   TEXT NOT NULL,
    head      INTEGER NOT NULL,
    positions TEXT NOT NULL,
    service   TEXT NOT NULL,
    engine    BLOB NOT NULL
);
";

/// A checkpoint of one instance (`owner`): what it read (`positions`, JSON), its service
/// figures (JSON) and its engine state ([`crate::engine::Engine::snapshot`]). Not part of the
/// chain: it is replaced by the next one, in the transaction that appends the rows it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub owner: String,
    /// When it was written (RFC 3339, wall clock).
    pub written: String,
    /// The last evidence row appended with it.
    pub head: i64,
    pub positions: String,
    pub service: String,
    pub engine: Vec<u8>,
}

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
        self.append_with(entries, None)
    }

    /// Appends `entries` and replaces `checkpoint`'s owner's checkpoint, in one transaction:
    /// after a crash the store holds both or neither. Its `head` is set to the last row.
    pub fn checkpoint(
        &mut self,
        entries: &[Entry],
        checkpoint: &mut Checkpoint,
    ) -> rusqlite::Result<()> {
        self.append_with(entries, Some(checkpoint))
    }

    /// The checkpoint of `owner`, if one was written.
    pub fn load_checkpoint(&self, owner: &str) -> rusqlite::Result<Option<Checkpoint>> {
        self.conn
            .query_row(
                "SELECT written, head, positions, service, engine FROM checkpoint WHERE owner = ?1",
                params![owner],
                |r| {
                    Ok(Checkpoint {
                        owner: owner.to_string(),
                        written: r.get(0)?,
                        head: r.get(1)?,
                        positions: r.get(2)?,
                        service: r.get(3)?,
                        engine: r.get(4)?,
                    })
                },
            )
            .optional()
    }

    fn append_with(
        &mut self,
        entries: &[Entry],
        checkpoint: Option<&mut Checkpoint>,
    ) -> rusqlite::Result<()> {
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
        if let Some(cp) = checkpoint {
            cp.head = seq;
            tx.execute(
                "INSERT OR REPLACE INTO checkpoint (owner, written, head, positions, service, engine)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![cp.owner, cp.written, cp.head, cp.positions, cp.service, cp.engine],
            )?;
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
