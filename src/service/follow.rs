//! `callpulse run --follow FILE`: the live service fed by a file another program appends to
//! (Asterisk's `queue_log`, a CSV export growing row by row) instead of Kafka.
//!
//! Every `input.poll_interval` (200 ms) the lines written since are read, through the input
//! format's adapter, into the engine ([`crate::source::tail`] follows rotations and
//! truncations). Caught up with the writer, the watermark follows the wall clock (minus the
//! lateness): the lines were written as things happened, so nothing older is coming. Rejected
//! lines are appended to `input.rejected_file` with their reasons, naming the file and line
//! they were read from. The position is saved after every poll that applied lines, and at
//! shutdown after the engine has applied everything it holds, so a restart neither reads a
//! line twice nor skips one; after a crash, at most one poll's lines are read again.
//! `/readyz` answers ready once the file is open and its backlog read. While the evidence
//! store cannot be written, no line is read and the position does not move
//! ([`super::backpressure`]). The rejected-lines file is created 0600 ([`crate::fsmode`]).

use super::backpressure::{finish_deadline, wait_for_evidence};
use super::shutdown::Shutdown;
use super::state::{Shared, State};
use crate::config::InputConfig;
use crate::output::RejectWriter;
use crate::reject::{Origin, RejectReason};
use crate::source::tail::{Position, Resumed, Tail, TailLine};
use crate::time::wall_clock;
use crate::untrusted::path as shown;
use anyhow::Context as _;
use std::io::{BufRead as _, Read as _};
use std::path::Path;
use std::time::Duration;

/// Follows `input.follow` until shutdown.
pub fn run(shared: Shared, input: &InputConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    let path = input
        .follow
        .as_deref()
        .context("no file to follow (input.follow)")?;
    let saved = Position::load(&input.position_file)
        .with_context(|| format!("cannot read {}", input.position_file.display()))?;
    let (mut tail, resumed) =
        Tail::start(path, saved).with_context(|| format!("cannot follow {}", path.display()))?;
    let resumed_line = tail.position()?.map_or(0, |p| p.line);
    match &resumed {
        Resumed::Fresh if !tail.is_open() => {
            tracing::warn!(path = %shown(path), "waiting for the file to appear")
        }
        Resumed::Fresh => tracing::info!(path = %shown(path), "following from the start"),
        Resumed::Same => {
            tracing::info!(path = %shown(path), line = resumed_line, "following from the saved position")
        }
        Resumed::Rotated { from, then } => tracing::info!(
            path = %shown(path),
            rotated = %shown(from),
            then = then.len(),
            "rotated while stopped: reading the rest of the rotated files first"
        ),
        Resumed::Lost => tracing::warn!(
            path = %shown(path),
            "the file read before is gone, shorter or changed: following the current file from its start"
        ),
    }
    let mut rejected = RejectWriter::new(std::io::BufWriter::new(
        crate::fsmode::append(&input.rejected_file)
            .with_context(|| format!("cannot open {}", input.rejected_file.display()))?,
    ));
    resume_header(&shared, &resumed, path, resumed_line)?;
    let pause = Duration::from_millis(input.poll_interval as u64);
    let mut lines: Vec<TailLine> = Vec::new();
    // Lines applied whose position is not saved yet (their evidence waits for the store).
    let mut unsaved = false;
    while !shutdown.is_triggered() {
        if unsaved && wait_for_evidence(&shared, || shutdown.is_triggered()) {
            break; // shutting down with the store still backed up
        }
        if unsaved {
            // The evidence of the lines read is written: their position may be saved.
            save(&tail, &input.position_file)?;
            unsaved = false;
        }
        lines.clear();
        let caught_up = tail
            .poll(&mut lines)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let now = wall_clock();
        let backed_up = {
            let mut state = shared.lock();
            for line in &lines {
                feed(&mut state, line, now);
            }
            if caught_up {
                state.idle_advance(now);
                state.process.input_ready |= tail.is_open();
            }
            write_rejections(&mut state, &mut rejected, now)?;
            state.evidence_backed_up()
        };
        if !lines.is_empty() {
            rejected.flush().context("cannot write rejected lines")?;
            // Backpressure: the position moves only once the lines' evidence is written.
            if backed_up {
                unsaved = true;
            } else {
                save(&tail, &input.position_file)?;
            }
        } else if backed_up {
            unsaved = true;
        }
        if caught_up && !backed_up {
            std::thread::sleep(pause);
        }
    }
    // Apply what the engine holds, keep its rejections and write its evidence (or record the
    // rows the store still refuses as a gap), then remember where we are.
    {
        let mut state = shared.lock();
        state.engine.flush();
        write_rejections(&mut state, &mut rejected, wall_clock())?;
        let deadline = finish_deadline(&state);
        state.finish_evidence(deadline, wall_clock());
    }
    rejected.flush().context("cannot write rejected lines")?;
    save(&tail, &input.position_file)
}

/// Feeds one line, its origin naming the file it was read from (a rotated one included).
fn feed(state: &mut State, line: &TailLine, now: i64) {
    if line.number == 1 {
        // A new file (the first, or after a rotation): a CSV header comes first.
        state.adapter.start_file();
    }
    if line.bytes.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    let name = line.file.display().to_string();
    let source = match state.sources.iter().position(|s| *s == name) {
        Some(i) => i,
        None => {
            state.sources.push(name);
            state.sources.len() - 1
        }
    };
    let origin = Origin {
        source: source as u32,
        partition: 0,
        offset: line.number as i64,
    };
    let max = state.config.engine.max_event_bytes;
    if line.too_long || line.bytes.len() > max {
        // Kept cut to the longest event: a runaway line must not fill memory.
        state.process.messages += 1;
        let kept = &line.bytes[..line.bytes.len().min(max)];
        state.engine.reject(RejectReason::TooLarge, origin, kept);
    } else {
        state.feed(&line.bytes, origin, now);
    }
}

fn write_rejections(
    state: &mut State,
    rejected: &mut RejectWriter<std::io::BufWriter<std::fs::File>>,
    now: i64,
) -> anyhow::Result<()> {
    let rejections = state.drain();
    state.keep_rejected(&rejections, now);
    state.process.dead_letters += rejections.len() as u64;
    for r in &rejections {
        let source = state
            .sources
            .get(r.origin.source as usize)
            .map_or("", String::as_str);
        rejected
            .write(r, source)
            .context("cannot write rejected lines")?;
    }
    Ok(())
}

/// A restart that resumes inside a file whose header names the columns reads that header
/// again; one whose mapping names them knows there is no header to skip.
fn resume_header(shared: &Shared, resumed: &Resumed, path: &Path, line: u64) -> anyhow::Result<()> {
    let file = match resumed {
        Resumed::Same => path,
        Resumed::Rotated { from, .. } => from.as_path(),
        Resumed::Fresh | Resumed::Lost => return Ok(()),
    };
    if line == 0 {
        return Ok(());
    }
    let mut state = shared.lock();
    if !state.adapter.learns_header() {
        state.adapter.headerless();
        return Ok(());
    }
    let header = first_line(file, state.config.engine.max_event_bytes)
        .with_context(|| format!("cannot read the header of {}", file.display()))?;
    state.adapter.start_file();
    if let Err(reason) = state.adapter.read(&header, &mut Vec::new()) {
        tracing::warn!(file = %shown(file), %reason, "the header line read again is not usable");
    }
    Ok(())
}

/// The first line of `file` (at most `max` bytes), without its line end.
fn first_line(file: &Path, max: usize) -> std::io::Result<Vec<u8>> {
    let mut line = Vec::new();
    std::io::BufReader::new(std::fs::File::open(file)?)
        .take(max as u64 + 2)
        .read_until(b'\n', &mut line)?;
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(line)
}

fn save(tail: &Tail, file: &Path) -> anyhow::Result<()> {
    let Some(position) = tail
        .position()
        .context("cannot read the followed file for its position")?
    else {
        return Ok(()); // no file opened yet: nothing to remember
    };
    position
        .save(file)
        .with_context(|| format!("cannot save the position in {}", file.display()))
}
