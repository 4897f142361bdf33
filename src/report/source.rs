//! Where a report's data comes from: the evidence store, or input files run through the
//! engine (the machinery of `callpulse replay`). Both give the same [`Gathered`]: interval
//! records as the record JSON (every revision; the model keeps the latest), outages, alert
//! transitions (store only), event counts, and the provenance an auditor checks.

use super::range::Range;
use super::sums::RecordBody;
use crate::adapter::Adapter;
use crate::config::Config;
use crate::output::Format;
use crate::replay::{self, Replay};
use crate::time::{rfc3339, Granularity, Millis};
use anyhow::Context;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Whom a record is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeKey {
    Center,
    Queue(String),
    Component(String),
}

/// One interval record of the range.
#[derive(Debug, Clone)]
pub struct IntervalRow {
    /// Which store (its place among `--store`; 0 for file input): each instance's records of
    /// an interval count, they add up.
    pub store: usize,
    /// Row number in the store (0 for file input); a later row of the same revision wins.
    pub seq: i64,
    pub scope: ScopeKey,
    pub start: Millis,
    pub body: RecordBody,
}

/// One outage (11.2.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutageRow {
    pub component: String,
    pub start: Millis,
    pub end: Millis,
    pub cause: String,
    /// Still down at the end of the input (file input only): `end` is where the input ended.
    pub still_down: bool,
}

/// One alert transition of the store.
#[derive(Debug, Clone)]
pub struct AlertRow {
    pub at: Millis,
    pub transition: String,
    pub criterion: String,
    pub clause: String,
    pub name_zh: String,
    pub name_en: String,
    /// `center`, `queue` or `component`, and the queue or component.
    pub subject: String,
    pub firing_since: Option<Millis>,
    pub resolved_at: Option<Millis>,
}

/// What happened to the input: events read, accepted, rejected by reason, duplicates, late,
/// revisions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventCounts {
    pub events_read: u64,
    pub events_accepted: u64,
    pub rejected: BTreeMap<String, u64>,
    pub duplicates: u64,
    pub late: u64,
    pub revisions: u64,
}

impl EventCounts {
    fn add(&mut self, o: &EventCounts) {
        self.events_read += o.events_read;
        self.events_accepted += o.events_accepted;
        for (reason, n) in &o.rejected {
            *self.rejected.entry(reason.clone()).or_default() += n;
        }
        self.duplicates += o.duplicates;
        self.late += o.late;
        self.revisions += o.revisions;
    }
}

/// Which rows of the store a report used, and the store's last row: compare with the last
/// line of `callpulse evidence verify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreRows {
    pub path: String,
    pub rows_used: u64,
    pub first_seq: Option<i64>,
    pub first_hash: Option<String>,
    pub last_seq: Option<i64>,
    pub last_hash: Option<String>,
    pub head_seq: i64,
    pub head_hash: String,
    /// Fingerprints (SHA-256 of the Ed25519 public key, hex) of the keys that signed the
    /// store's heads, or of the key given with `--public-key`.
    pub signing_keys: Vec<String>,
}

/// One input file and the SHA-256 of its bytes as read (compressed or not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: Option<String>,
    pub bytes: Option<u64>,
}

/// Where the figures come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Provenance {
    Stores { stores: Vec<StoreRows> },
    Files { files: Vec<InputFile> },
}

/// Everything a report is built from.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub intervals: Vec<IntervalRow>,
    pub outages: Vec<OutageRow>,
    /// Alert transitions; `None` when the source keeps none (file input).
    pub alerts: Option<Vec<AlertRow>>,
    pub events: EventCounts,
    /// Start of each interval whose quality row says no call was offered (store only).
    pub no_call_intervals: Option<Vec<Millis>>,
    pub provenance: Provenance,
}

fn scope_of(subject: &str) -> ScopeKey {
    match subject.split_once(':') {
        Some(("queue", name)) => ScopeKey::Queue(name.into()),
        Some(("component", name)) => ScopeKey::Component(name.into()),
        _ => ScopeKey::Center,
    }
}

fn scope_of_body(b: &RecordBody) -> Option<ScopeKey> {
    match b.scope.as_str() {
        "center" => Some(ScopeKey::Center),
        "queue" => b.queue.clone().map(ScopeKey::Queue),
        "component" => b.component.clone().map(ScopeKey::Component),
        _ => None,
    }
}

fn time(text: &str) -> anyhow::Result<Millis> {
    rfc3339::parse(text).with_context(|| format!("bad time {text:?}"))
}

#[derive(Deserialize)]
struct OutageBody {
    component: String,
    start: String,
    end: String,
    cause: String,
}

#[derive(Deserialize)]
struct AlertBody {
    transition: String,
    alert: AlertView,
}

/// What the report reads of an alert row's `alert`, written as
/// [`crate::service::alerts::AlertView`] (the one JSON view of an alert); the scope stays text,
/// as rows of any build read.
#[derive(Deserialize)]
struct AlertView {
    criterion: String,
    clause: String,
    name_zh: String,
    name_en: String,
    scope: String,
    name: Option<String>,
    firing_since: Option<String>,
    resolved_at: Option<String>,
}

/// Reads the rows of `range` from the evidence stores at `paths`, one per instance: their
/// records of an interval add up, their events, outages and alerts are put together. An
/// interval is without calls when no store saw a call in it.
pub fn from_stores(paths: &[PathBuf], range: &Range) -> anyhow::Result<Gathered> {
    let mut all = Gathered {
        intervals: Vec::new(),
        outages: Vec::new(),
        alerts: Some(Vec::new()),
        events: EventCounts::default(),
        no_call_intervals: Some(Vec::new()),
        provenance: Provenance::Stores { stores: Vec::new() },
    };
    let mut no_calls = std::collections::BTreeSet::new();
    for (i, path) in paths.iter().enumerate() {
        let g = from_store(i, path, range)?;
        all.intervals.extend(g.intervals);
        all.outages.extend(g.outages);
        all.alerts
            .get_or_insert_with(Vec::new)
            .extend(g.alerts.unwrap_or_default());
        all.events.add(&g.events);
        no_calls.extend(g.no_call_intervals.unwrap_or_default());
        if let (Provenance::Stores { stores }, Provenance::Stores { stores: one }) =
            (&mut all.provenance, g.provenance)
        {
            stores.extend(one);
        }
    }
    for r in &all.intervals {
        if r.scope == ScopeKey::Center && r.body.offered > 0 {
            no_calls.remove(&r.start);
        }
    }
    all.outages
        .sort_by(|a, b| (a.start, &a.component).cmp(&(b.start, &b.component)));
    if let Some(alerts) = &mut all.alerts {
        alerts.sort_by_key(|a| a.at);
    }
    all.no_call_intervals = Some(no_calls.into_iter().collect());
    Ok(all)
}

/// Reads the rows of `range` from the evidence store at `path` (read-only), the `store`-th.
fn from_store(store: usize, path: &Path, range: &Range) -> anyhow::Result<Gathered> {
    if !path.is_file() {
        anyhow::bail!("no evidence store at {}", path.display());
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open the evidence store {}", path.display()))?;
    let context = || format!("cannot read the evidence store {}", path.display());
    let mut stmt = conn
        .prepare("SELECT seq, kind, subject, at, body, hash FROM evidence ORDER BY seq")
        .with_context(context)?;
    let mut rows = stmt.query([]).with_context(context)?;
    let mut g = Gathered {
        intervals: Vec::new(),
        outages: Vec::new(),
        alerts: Some(Vec::new()),
        events: EventCounts::default(),
        no_call_intervals: Some(Vec::new()),
        provenance: Provenance::Files { files: vec![] },
    };
    let mut used = StoreRows {
        path: path.display().to_string(),
        rows_used: 0,
        first_seq: None,
        first_hash: None,
        last_seq: None,
        last_hash: None,
        head_seq: 0,
        head_hash: crate::evidence::chain::GENESIS.to_string(),
        signing_keys: crate::evidence::verify::signing_keys(path).with_context(context)?,
    };
    while let Some(row) = rows.next().with_context(context)? {
        let seq: i64 = row.get(0)?;
        let kind: String = row.get(1)?;
        let subject: String = row.get(2)?;
        let at: String = row.get(3)?;
        let body: String = row.get(4)?;
        let hash: String = row.get(5)?;
        used.head_seq = seq;
        used.head_hash = hash.clone();
        let bad = || format!("evidence row {seq} ({kind})");
        let at = time(&at).with_context(bad)?;
        let is_used = match kind.as_str() {
            "interval" if range.contains(at) => {
                let body: RecordBody = serde_json::from_str(&body).with_context(bad)?;
                g.intervals.push(IntervalRow {
                    store,
                    seq,
                    scope: scope_of(&subject),
                    start: at,
                    body,
                });
                true
            }
            "quality" if range.contains(at) => {
                let q: EventCounts = serde_json::from_str(&body).with_context(bad)?;
                g.events.add(&q);
                let v: serde_json::Value = serde_json::from_str(&body).with_context(bad)?;
                if v.get("no_calls").and_then(|v| v.as_bool()) == Some(true) {
                    if let Some(list) = &mut g.no_call_intervals {
                        list.push(at);
                    }
                }
                true
            }
            "outage" => {
                let o: OutageBody = serde_json::from_str(&body).with_context(bad)?;
                let (start, end) = (time(&o.start)?, time(&o.end)?);
                let overlaps = start < range.end && end > range.start;
                if overlaps {
                    g.outages.push(OutageRow {
                        component: o.component,
                        start,
                        end,
                        cause: o.cause,
                        still_down: false,
                    });
                }
                overlaps
            }
            "alert" if range.contains(at) => {
                let a: AlertBody = serde_json::from_str(&body).with_context(bad)?;
                let opt = |t: &Option<String>| t.as_deref().map(time).transpose();
                let row = AlertRow {
                    at,
                    transition: a.transition,
                    criterion: a.alert.criterion,
                    clause: a.alert.clause,
                    name_zh: a.alert.name_zh,
                    name_en: a.alert.name_en,
                    subject: match a.alert.name {
                        Some(name) => format!("{} {name}", a.alert.scope),
                        None => a.alert.scope,
                    },
                    firing_since: opt(&a.alert.firing_since).with_context(bad)?,
                    resolved_at: opt(&a.alert.resolved_at).with_context(bad)?,
                };
                g.alerts.get_or_insert_with(Vec::new).push(row);
                true
            }
            _ => false,
        };
        if is_used {
            used.rows_used += 1;
            if used.first_seq.is_none() {
                used.first_seq = Some(seq);
                used.first_hash = Some(hash.clone());
            }
            used.last_seq = Some(seq);
            used.last_hash = Some(hash);
        }
    }
    g.provenance = Provenance::Stores { stores: vec![used] };
    Ok(g)
}

/// A `Write` that takes the JSON lines `replay` writes and keeps the records in the range.
struct RecordLines<'a> {
    range: &'a Range,
    partial: Vec<u8>,
    rows: Vec<IntervalRow>,
    error: Option<anyhow::Error>,
}

impl RecordLines<'_> {
    fn line(&mut self, line: &[u8]) -> anyhow::Result<()> {
        if line.is_empty() {
            return Ok(());
        }
        let body: RecordBody = serde_json::from_slice(line).context("a replayed record")?;
        let start = time(&body.start)?;
        if let (true, Some(scope)) = (self.range.contains(start), scope_of_body(&body)) {
            self.rows.push(IntervalRow {
                store: 0,
                seq: 0,
                scope,
                start,
                body,
            });
        }
        Ok(())
    }
}

impl Write for RecordLines<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Only the new bytes are searched: the writer may hand over a line a few bytes at a
        // time.
        let mut rest = buf;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            self.partial.extend_from_slice(&rest[..i]);
            let line = std::mem::take(&mut self.partial);
            if let Err(e) = self.line(&line) {
                self.error.get_or_insert(e);
            }
            rest = &rest[i + 1..];
        }
        self.partial.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The SHA-256 of a file's bytes, and their number.
fn sha256_of(path: &str) -> anyhow::Result<InputFile> {
    if path == "-" {
        return Ok(InputFile {
            path: "-".into(),
            sha256: None,
            bytes: None,
        });
    }
    let mut f = std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {path}"))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    let hex = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(InputFile {
        path: path.into(),
        sha256: Some(hex),
        bytes: Some(bytes),
    })
}

/// Runs `files` through the engine as `callpulse replay` does (interval records of the
/// center, queues and components) and keeps what falls in `range`. The event counts are
/// those of the whole input.
pub fn from_files(
    cfg: &Config,
    files: &[String],
    adapter: &mut Adapter,
    range: &Range,
) -> anyhow::Result<Gathered> {
    let hashed = files
        .iter()
        .map(|f| sha256_of(f))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let r = Replay {
        files: files.to_vec(),
        granularity: Granularity::Interval,
        format: Format::Json,
        sl_variants: false,
        rejected: None,
        scopes: vec!["center".into(), "queue".into(), "component".into()],
        progress: false,
        decode_only: false,
        single_thread: false,
    };
    let mut sink = RecordLines {
        range,
        partial: Vec::new(),
        rows: Vec::new(),
        error: None,
    };
    let summary = replay::run(cfg, &r, adapter, &mut sink)?;
    if let Some(e) = sink.error {
        return Err(e);
    }
    let s = &summary.stats;
    let events = EventCounts {
        events_read: s.read,
        events_accepted: s.accepted,
        rejected: s
            .rejected
            .iter()
            .map(|(reason, n)| (reason.code(), *n))
            .collect(),
        duplicates: s.duplicates,
        late: s.late,
        revisions: s.revisions,
    };
    let outages = summary
        .outage_list
        .iter()
        .filter(|(o, _)| o.start < range.end && o.end > range.start)
        .map(|(o, still_down)| OutageRow {
            component: o.component.clone(),
            start: o.start,
            end: o.end,
            cause: o.cause.to_string(),
            still_down: *still_down,
        })
        .collect();
    Ok(Gathered {
        intervals: sink.rows,
        outages,
        alerts: None,
        events,
        no_call_intervals: None,
        provenance: Provenance::Files { files: hashed },
    })
}
