//! What the live service keeps as audit evidence, turned into rows of the evidence store
//! ([`crate::evidence`]): final interval records and revisions, alert transitions, ended
//! outages, and per interval the data-quality figures. Rows gather during a batch and are
//! appended at its end (in transactions of at most [`CHUNK`] rows), or, when the service
//! checkpoints ([`Recorder::hold`]), with the next checkpoint.
//!
//! No row is ever dropped to make room: a store that cannot be written keeps every row for
//! the next try, counts the error, and reports itself backed up ([`Recorder::backed_up`]):
//! the input then stops reading until the rows are written (backpressure). Only at shutdown,
//! when the store still cannot be written, are the rows given up; a gap row then says how
//! many ([`Recorder::give_up`]), written at once or, when the store cannot take even that, at
//! the next start from a note beside the store ([`gap_note`]).

use crate::engine::{Outage, Scope, Stats};
use crate::evidence::sign::Signer;
use crate::evidence::{Checkpoint, Entry, Kind, Store};
use crate::record::PeriodRecord;
use crate::time::{seconds, Calendar, Millis, MINUTE};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Rows appended per transaction outside checkpoints: a huge batch (a burst of closed
/// intervals) is written in steps, each one durable.
pub const CHUNK: usize = 10_000;

/// The note of rows given up that could not be recorded in the store itself: beside the
/// store, read (and turned into gap rows) when it is next opened.
pub fn gap_note(store: &Path) -> PathBuf {
    let mut p = store.as_os_str().to_owned();
    p.push(".gaps");
    PathBuf::from(p)
}

/// The evidence side of the live service.
pub struct Recorder {
    store: Store,
    path: PathBuf,
    pending: VecDeque<Entry>,
    /// The engine's counts at the last data-quality row.
    last: Stats,
    /// Rows wait for the next checkpoint instead of the end of the batch.
    holding: bool,
    /// The last write failed: rows wait, and the input must not read on.
    blocked: bool,
    /// Writes under way (shared with the shutdown, which waits for them).
    writing: Arc<AtomicUsize>,
    pub rows: u64,
    pub errors: u64,
    /// Rows given up (each recorded in a gap row).
    pub dropped: u64,
}

/// Counts a write under way while it lives.
struct Writing(Arc<AtomicUsize>);

impl Writing {
    fn new(flag: &Arc<AtomicUsize>) -> Self {
        flag.fetch_add(1, Ordering::SeqCst);
        Writing(flag.clone())
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The body of a gap row.
#[derive(Debug, Serialize, serde::Deserialize)]
struct GapRow {
    lost: u64,
    /// Rows lost by kind.
    kinds: BTreeMap<String, u64>,
    /// The span of the lost rows' `at`.
    first_at: String,
    last_at: String,
    reason: String,
}

/// The data-quality figures of one interval: what the input did between this interval's
/// close and the previous one's (processing time), and whether any call was offered in it.
#[derive(Debug, Serialize)]
struct Quality<'a> {
    interval_start: &'a str,
    events_read: u64,
    events_accepted: u64,
    rejected: BTreeMap<String, u64>,
    duplicates: u64,
    late: u64,
    revisions: u64,
    calls_offered: u64,
    /// No call was offered in the interval: a gap to explain (a closed center, or lost input).
    no_calls: bool,
}

#[derive(Debug, Serialize)]
struct OutageRow<'a> {
    component: &'a str,
    start: String,
    end: String,
    seconds: f64,
    cause: &'a str,
    within_30_minutes: bool,
}

impl Recorder {
    /// Opens the store at `path`; with `signer`, its head is signed now and every append
    /// signs the chain's head. Gap
    /// rows noted beside the store by an earlier run ([`gap_note`]) are appended first.
    pub fn open(path: &Path, signer: Option<Signer>) -> rusqlite::Result<Recorder> {
        let mut store = Store::open(path)?;
        if let Some(signer) = signer {
            store.sign_with(signer);
            // Rows appended before signing was configured are vouched for from now on.
            store.sign_head()?;
        }
        let mut r = Recorder {
            store,
            path: path.to_path_buf(),
            pending: VecDeque::new(),
            last: Stats::default(),
            holding: false,
            blocked: false,
            writing: Arc::new(AtomicUsize::new(0)),
            rows: 0,
            errors: 0,
            dropped: 0,
        };
        r.append_noted_gaps()?;
        Ok(r)
    }

    fn append_noted_gaps(&mut self) -> rusqlite::Result<()> {
        let note = gap_note(&self.path);
        let Ok(text) = std::fs::read_to_string(&note) else {
            return Ok(());
        };
        let gaps: Vec<Entry> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<(String, String)>(l).ok())
            .map(|(at, body)| Entry {
                kind: Kind::Gap,
                subject: String::new(),
                at,
                body,
            })
            .collect();
        self.store.append(&gaps)?;
        self.rows += gaps.len() as u64;
        tracing::warn!(
            gaps = gaps.len(),
            "rows lost by an earlier run recorded as gap rows"
        );
        if let Err(e) = std::fs::remove_file(&note) {
            tracing::error!(error = %e, note = %note.display(), "cannot remove the note of gaps recorded; remove it by hand or they are recorded again");
        }
        Ok(())
    }

    /// The last row written: number and hash.
    pub fn head(&self) -> (i64, &str) {
        self.store.head()
    }

    /// The fingerprint of the signing key, if the store signs.
    pub fn key_id(&self) -> Option<&str> {
        self.store.key_id()
    }

    /// How many writes are under way now: the shutdown waits for them.
    pub fn writing(&self) -> Arc<AtomicUsize> {
        self.writing.clone()
    }

    /// Rows waiting to be written.
    pub fn pending_rows(&self) -> usize {
        self.pending.len()
    }

    /// The store could not be written and rows wait: the input must not read on.
    pub fn backed_up(&self) -> bool {
        self.blocked
    }

    fn push(&mut self, kind: Kind, subject: &str, at: String, body: String) {
        self.pending.push_back(Entry {
            kind,
            subject: subject.to_string(),
            at,
            body,
        });
    }

    /// A final interval record (or a revision of one).
    pub fn interval(&mut self, record: &PeriodRecord, scope: Scope, subject: &str) {
        let body = serde_json::to_string(record).expect("a record serialises");
        let subject = match scope {
            Scope::Center => String::new(),
            _ => format!("{}:{subject}", scope.kind()),
        };
        self.push(Kind::Interval, &subject, record.start.clone(), body);
    }

    /// The data-quality row of the interval starting at `start` (its center record's first
    /// revision), with the engine's counts now.
    pub fn quality(&mut self, start: &str, stats: &Stats, calls_offered: u64) {
        let rejected = stats
            .rejected
            .iter()
            .map(|(reason, n)| {
                let before = self.last.rejected.get(reason).copied().unwrap_or(0);
                (reason.code(), n - before)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        let q = Quality {
            interval_start: start,
            events_read: stats.read - self.last.read,
            events_accepted: stats.accepted - self.last.accepted,
            rejected,
            duplicates: stats.duplicates - self.last.duplicates,
            late: stats.late - self.last.late,
            revisions: stats.revisions - self.last.revisions,
            calls_offered,
            no_calls: calls_offered == 0,
        };
        let body = serde_json::to_string(&q).expect("quality figures serialise");
        self.last = stats.clone();
        self.push(Kind::Quality, "", start.to_string(), body);
    }

    /// An outage that ended.
    pub fn outage(&mut self, o: &Outage, calendar: &Calendar) {
        let row = OutageRow {
            component: &o.component,
            start: calendar.format(o.start),
            end: calendar.format(o.end),
            seconds: seconds(o.duration()),
            cause: o.cause,
            within_30_minutes: o.duration() <= 30 * MINUTE,
        };
        let body = serde_json::to_string(&row).expect("an outage serialises");
        self.push(Kind::Outage, &o.component, row.start.clone(), body);
    }

    /// An alert transition: its name and the alert as the API shows it.
    pub fn alert(
        &mut self,
        transition: &str,
        subject: &str,
        at: Millis,
        view: serde_json::Value,
        calendar: &Calendar,
    ) {
        let mut body = serde_json::Map::new();
        body.insert("transition".into(), transition.into());
        body.insert("alert".into(), view);
        let body = serde_json::Value::Object(body).to_string();
        self.push(Kind::Alert, subject, calendar.format(at), body);
    }

    /// From now on rows wait for [`Recorder::checkpoint`]: they become durable with the
    /// engine state that produced them, so a restart from that state never writes them twice.
    pub fn hold(&mut self) {
        self.holding = true;
    }

    /// The engine's counts at the last data-quality row (kept in a checkpoint).
    pub fn quality_base(&self) -> &Stats {
        &self.last
    }

    pub fn set_quality_base(&mut self, stats: Stats) {
        self.last = stats;
    }

    /// Whether rows wait to be written.
    pub fn has_rows(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The rows waiting, in order, for a checkpoint.
    pub fn take_rows(&mut self) -> Vec<Entry> {
        self.pending.drain(..).collect()
    }

    /// Appends `rows` (from [`Recorder::take_rows`]) and `checkpoint` in one transaction.
    /// When the store cannot be written, the rows wait again, before any newer ones.
    pub fn checkpoint(&mut self, rows: Vec<Entry>, checkpoint: &mut Checkpoint) -> bool {
        let _writing = Writing::new(&self.writing);
        match self.store.checkpoint(&rows, checkpoint) {
            Ok(()) => {
                self.rows += rows.len() as u64;
                self.blocked = false;
                true
            }
            Err(e) => {
                self.errors += 1;
                self.blocked = true;
                tracing::error!(error = %e, kept = rows.len(), "cannot write a checkpoint to the evidence store; retrying with the next one");
                for row in rows.into_iter().rev() {
                    self.pending.push_front(row);
                }
                false
            }
        }
    }

    /// The checkpoint `owner` wrote last.
    pub fn load_checkpoint(&self, owner: &str) -> rusqlite::Result<Option<Checkpoint>> {
        self.store.load_checkpoint(owner)
    }

    /// Appends what gathered, in transactions of at most [`CHUNK`] rows (unless rows wait for
    /// checkpoints). A failed write keeps the rows not yet written and marks the recorder
    /// backed up until a write succeeds.
    pub fn flush(&mut self) {
        if self.holding {
            return;
        }
        if self.pending.is_empty() {
            self.blocked = false;
            return;
        }
        let _writing = Writing::new(&self.writing);
        while !self.pending.is_empty() {
            let n = self.pending.len().min(CHUNK);
            let chunk = &self.pending.make_contiguous()[..n];
            match self.store.append(chunk) {
                Ok(()) => {
                    self.rows += n as u64;
                    self.pending.drain(..n);
                    self.blocked = false;
                }
                Err(e) => {
                    self.errors += 1;
                    self.blocked = true;
                    tracing::error!(error = %e, waiting = self.pending.len(), "cannot write the evidence store; the input waits until it can");
                    return;
                }
            }
        }
    }

    /// Gives up the rows that wait (at shutdown, the store still unwritable): they are lost,
    /// and a gap row says how many. The gap row is appended when the store takes it, or else
    /// noted beside the store for the next start. Returns how many rows were given up.
    pub fn give_up(&mut self, reason: &str, now: &str) -> u64 {
        if self.pending.is_empty() || self.holding {
            return 0;
        }
        let lost = self.pending.len() as u64;
        let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
        for e in &self.pending {
            *kinds.entry(e.kind.name().to_string()).or_default() += 1;
        }
        let gap = GapRow {
            lost,
            kinds,
            first_at: self
                .pending
                .front()
                .map(|e| e.at.clone())
                .unwrap_or_default(),
            last_at: self
                .pending
                .back()
                .map(|e| e.at.clone())
                .unwrap_or_default(),
            reason: reason.to_string(),
        };
        let body = serde_json::to_string(&gap).expect("a gap serialises");
        self.pending.clear();
        self.dropped += lost;
        tracing::error!(lost, %reason, "evidence rows given up: a gap row records them");
        let row = Entry {
            kind: Kind::Gap,
            subject: String::new(),
            at: now.to_string(),
            body: body.clone(),
        };
        let _writing = Writing::new(&self.writing);
        if self.store.append(std::slice::from_ref(&row)).is_ok() {
            self.rows += 1;
            self.blocked = false;
            return lost;
        }
        let note = gap_note(&self.path);
        let line = serde_json::to_string(&(now, body)).expect("a note serialises") + "\n";
        let written = crate::fsmode::append(&note)
            .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
        match written {
            Ok(()) => {
                tracing::error!(note = %note.display(), "the gap row is noted beside the store and appended at the next start")
            }
            Err(e) => {
                tracing::error!(error = %e, note = %note.display(), lost, "the gap cannot be noted either: only this log records it")
            }
        }
        lost
    }
}
