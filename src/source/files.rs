//! Input files read in order as one stream through an input format's [`Adapter`]: each line a
//! record, each record some events or a rejection, handed to a [`Sink`]. When the adapter says
//! the input is not in event-time order (a CSV export sorted by line), the events of all files
//! are collected and handed over sorted by event time, so the engine sees them as they
//! happened (memory then grows with the input: about 370 bytes per row of the Anonymous Bank
//! files).

use super::lines;
use crate::adapter::Adapter;
use crate::engine::order_of;
use crate::event::Event;
use crate::reject::{Origin, RejectReason};
use anyhow::Context as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Where the records of [`read_files`] go.
pub trait Sink {
    /// One event, with the position of the record it came from.
    fn event(&mut self, event: Event, origin: Origin) -> anyhow::Result<()>;
    /// A record the adapter rejected, with its original bytes.
    fn reject(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) -> anyhow::Result<()>;
    /// Called every [`TICK`] records, and at the end of each file.
    fn tick(&mut self, _progress: &Progress) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Records between two [`Sink::tick`] calls.
pub const TICK: u64 = 4096;

/// How far the reading has come.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// The file being read, by index into the list.
    pub file: usize,
    /// Records (non-blank lines) read so far, all files.
    pub records: u64,
    /// Events the records gave so far (before sorting, when sorting).
    pub events: u64,
    /// Records rejected so far.
    pub rejected: u64,
    /// Bytes of the files on disk read so far (compressed bytes for gzip files).
    pub bytes: Arc<AtomicU64>,
}

impl Progress {
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// The total size on disk of `files` (stdin counts 0), for a progress bar.
pub fn total_bytes(files: &[String]) -> u64 {
    files
        .iter()
        .filter(|f| f.as_str() != "-")
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// Reads `files` in order (`-` is stdin; gzip recognised by content) through `adapter`,
/// records of at most `max_bytes`; blank lines are not records. Origins are (file index,
/// line number).
pub fn read_files(
    files: &[String],
    adapter: &mut Adapter,
    max_bytes: usize,
    sink: &mut impl Sink,
) -> anyhow::Result<Progress> {
    let mut progress = Progress::default();
    let sorting = adapter.needs_sorting();
    let mut held: Vec<(Event, Origin)> = Vec::new();
    let mut scratch = Vec::new();
    for (index, file) in files.iter().enumerate() {
        progress.file = index;
        tracing::debug!(file = %crate::untrusted::Untrusted::whole(file), "reading");
        let mut reader = lines::open_counted(file, progress.bytes.clone())
            .with_context(|| format!("cannot open {file}"))?;
        adapter.start_file();
        while let Some(line) = reader
            .next_line(max_bytes)
            .with_context(|| format!("cannot read {file}"))?
        {
            if line.bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            progress.records += 1;
            let origin = Origin {
                source: index as u32,
                partition: 0,
                offset: line.number as i64,
            };
            scratch.clear();
            let result = if line.too_long {
                Err(RejectReason::TooLarge)
            } else {
                adapter.read(line.bytes, &mut scratch)
            };
            match result {
                Ok(()) => {
                    progress.events += scratch.len() as u64;
                    for event in scratch.drain(..) {
                        if sorting {
                            held.push((event, origin));
                        } else {
                            sink.event(event, origin)?;
                        }
                    }
                }
                Err(reason) => {
                    progress.rejected += 1;
                    sink.reject(reason, origin, line.bytes)?;
                }
            }
            if progress.records % TICK == 0 {
                sink.tick(&progress)?;
            }
        }
        sink.tick(&progress)?;
    }
    if sorting {
        // In the engine's event-time order (a completed call at its offer), so that nothing
        // arrives late; stable: events of one record, and records of one instant, keep their
        // order.
        // Small keys are sorted, not the events: moving events costs more than comparing.
        let mut order: Vec<_> = held
            .iter()
            .enumerate()
            .map(|(i, (event, origin))| (order_of(event), origin.source, origin.offset, i))
            .collect();
        order.sort_unstable();
        let mut slots: Vec<Option<(Event, Origin)>> = held.into_iter().map(Some).collect();
        for (.., i) in order {
            if let Some((event, origin)) = slots[i].take() {
                sink.event(event, origin)?;
            }
        }
    }
    Ok(progress)
}
