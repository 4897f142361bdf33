//! Input files read in order as one stream through an input format's [`Adapter`]: each line a
//! record, each record some events or a rejection, handed to a [`Sink`]. When the adapter says
//! the input is not in event-time order (a CSV export sorted by line), the files are read in
//! the order of their first event times ([`file_order`](super::file_order)) and the events go
//! through a [`Window`] of the adapter's `sort_window`, so the engine sees them as they
//! happened while memory holds one window of events, not the input.

use super::file_order;
use super::lines;
use super::window::Window;
use crate::adapter::Adapter;
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
    /// Of a sorting input: events that arrived more than the sort window behind the newest
    /// event time, handed on as they came ([`Window::past_window`]).
    pub past_window: u64,
    /// Of a sorting input: the most events its window held at once.
    pub held_max: u64,
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
/// line number). A sorting input's files are read in the order of their first event times,
/// and its events are handed on sorted within its sort window.
pub fn read_files(
    files: &[String],
    adapter: &mut Adapter,
    max_bytes: usize,
    sink: &mut impl Sink,
) -> anyhow::Result<Progress> {
    let mut progress = Progress::default();
    let mut window = adapter.sort_window().map(Window::new);
    let order = match window {
        Some(_) => file_order::by_first_time(files, adapter, max_bytes),
        None => (0..files.len()).collect(),
    };
    let mut scratch = Vec::new();
    for index in order {
        let file = &files[index];
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
                        match &mut window {
                            Some(window) => window.push(event, origin, sink)?,
                            None => sink.event(event, origin)?,
                        }
                    }
                }
                Err(reason) => {
                    progress.rejected += 1;
                    sink.reject(reason, origin, line.bytes)?;
                }
            }
            if progress.records % TICK == 0 {
                note_window(&mut progress, window.as_ref());
                sink.tick(&progress)?;
            }
        }
        note_window(&mut progress, window.as_ref());
        sink.tick(&progress)?;
    }
    if let Some(window) = &mut window {
        window.finish(sink)?;
        note_window(&mut progress, Some(window));
        tracing::debug!(
            held_max = window.held_max(),
            past_window = window.past_window(),
            "sorted within the window"
        );
    }
    Ok(progress)
}

fn note_window(progress: &mut Progress, window: Option<&Window>) {
    if let Some(window) = window {
        progress.past_window = window.past_window();
        progress.held_max = window.held_max() as u64;
    }
}
