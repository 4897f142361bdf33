//! The SQLite file: schema, append-only triggers, and appends in one transaction each.

use super::chain::{hash, Entry, GENESIS};
use super::sign::{HeadSignature, Signer};
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
CREATE TABLE IF NOT EXISTS signature (
    id        INTEGER PRIMARY KEY,
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    instance  TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS signature_no_update BEFORE UPDATE ON signature
    BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
CREATE TRIGGER IF NOT EXISTS signature_no_delete BEFORE DELETE ON signature
    BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END;
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

/// Now, RFC 3339 (wall clock).
fn now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    crate::time::rfc3339::format(ms, &chrono::Utc)
}

fn insert_signature(conn: &Connection, s: &HeadSignature) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO signature (seq, hash, instance, signed_at, key_id, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        s.seq,
        s.hash,
        s.instance,
        s.signed_at,
        s.key_id,
        s.signature
    ])?;
    Ok(())
}

/// Every signature row, in the order written.
pub fn signatures(conn: &Connection) -> rusqlite::Result<Vec<HeadSignature>> {
    // A store written before signatures existed has no such table.
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'signature')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(
        "SELECT seq, hash, instance, signed_at, key_id, signature FROM signature ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(HeadSignature {
            seq: r.get(0)?,
            hash: r.get(1)?,
            instance: r.get(2)?,
            signed_at: r.get(3)?,
            key_id: r.get(4)?,
            signature: r.get(5)?,
        })
    })?;
    rows.collect()
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
    /// Signs the head of every transaction that appends rows ([`super::sign`]).
    signer: Option<Signer>,
}

impl Store {
    /// Opens (or creates) the store at `path`. A new file is created with mode 0600 (its
    /// `-wal` and `-shm` take the same), in a directory created 0700 ([`crate::fsmode`]).
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        crate::fsmode::touch(path).map_err(|e| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("cannot create {}: {e}", path.display())),
            )
        })?;
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
        Ok(Store {
            conn,
            head,
            signer: None,
        })
    }

    /// From now on every transaction that appends rows signs the head it leaves.
    pub fn sign_with(&mut self, signer: Signer) {
        self.signer = Some(signer);
    }

    /// The fingerprint of the key the store signs with, if any.
    pub fn key_id(&self) -> Option<&str> {
        self.signer.as_ref().map(|s| s.key_id.as_str())
    }

    /// Signs the current head (the last row, whoever appended it) now, unless the store is
    /// empty or nothing signs; returns whether a signature was written.
    pub fn sign_head(&mut self) -> rusqlite::Result<bool> {
        let Some(signer) = &self.signer else {
            return Ok(false);
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (seq, hash) = read_head(&tx)?;
        if seq == 0 {
            return Ok(false);
        }
        insert_signature(&tx, &signer.sign(seq, &hash, &now()))?;
        tx.commit()?;
        Ok(true)
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
        if let Some(signer) = self.signer.as_ref().filter(|_| !entries.is_empty()) {
            insert_signature(&tx, &signer.sign(seq, &prev, &now()))?;
        }
        if let Some(cp) = checkpoint {
            cp.head = seq;
            // The engine state goes in through the blob API, not as a bound parameter: SQLite
            // would copy a bound blob, then copy it again into the row's record, and the
            // state is megabytes.
            tx.execute(
                "INSERT OR REPLACE INTO checkpoint (owner, written, head, positions, service, engine)
                 VALUES (?1, ?2, ?3, ?4, ?5, zeroblob(?6))",
                params![cp.owner, cp.written, cp.head, cp.positions, cp.service, cp.engine.len() as i64],
            )?;
            let row = tx.last_insert_rowid();
            tx.blob_open(rusqlite::MAIN_DB, "checkpoint", "engine", row, false)?
                .write_at(&cp.engine, 0)?;
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
