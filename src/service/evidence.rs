//! What the live service keeps as audit evidence, turned into rows of the evidence store
//! ([`crate::evidence`]): final interval records and revisions, alert transitions, ended
//! outages, and per interval the data-quality figures. Rows gather during a batch and are
//! appended in one transaction at its end, or, when the service checkpoints
//! ([`Recorder::hold`]), with the next checkpoint; a store that cannot be written keeps them
//! for the next try (up to [`MAX_PENDING`]), counts the error and says so in the log.

use crate::engine::{Outage, Scope, Stats};
use crate::evidence::{Checkpoint, Entry, Kind, Store};
use crate::record::PeriodRecord;
use crate::time::{seconds, Calendar, Millis, MINUTE};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

/// Rows kept while the store cannot be written; older ones are dropped (and counted).
pub const MAX_PENDING: usize = 100_000;

/// The evidence side of the live service.
pub struct Recorder {
    store: Store,
    pending: VecDeque<Entry>,
    /// The engine's counts at the last data-quality row.
    last: Stats,
    /// Rows wait for the next checkpoint instead of the end of the batch.
    holding: bool,
    pub rows: u64,
    pub errors: u64,
    pub dropped: u64,
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
    pub fn open(path: &Path) -> rusqlite::Result<Recorder> {
        Ok(Recorder {
            store: Store::open(path)?,
            pending: VecDeque::new(),
            last: Stats::default(),
            holding: false,
            rows: 0,
            errors: 0,
            dropped: 0,
        })
    }

    /// The last row written: number and hash.
    pub fn head(&self) -> (i64, &str) {
        self.store.head()
    }

    fn push(&mut self, kind: Kind, subject: &str, at: String, body: String) {
        if self.pending.len() == MAX_PENDING {
            self.pending.pop_front();
            self.dropped += 1;
            tracing::error!(
                "evidence store unwritable for too long: the oldest waiting row was dropped"
            );
        }
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
        match self.store.checkpoint(&rows, checkpoint) {
            Ok(()) => {
                self.rows += rows.len() as u64;
                true
            }
            Err(e) => {
                self.errors += 1;
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

    /// Appends what gathered, in one transaction (unless rows wait for checkpoints).
    pub fn flush(&mut self) {
        if self.pending.is_empty() || self.holding {
            return;
        }
        match self.store.append(self.pending.make_contiguous()) {
            Ok(()) => {
                self.rows += self.pending.len() as u64;
                self.pending.clear();
            }
            Err(e) => {
                self.errors += 1;
                tracing::error!(error = %e, kept = self.pending.len(), "cannot write the evidence store; retrying after the next batch");
            }
        }
    }
}
