//! `callpulse run --follow FILE`: the live service fed by a file another program appends to
//! (Asterisk's `queue_log`, a CSV export growing row by row) instead of Kafka.
//!
//! Every `input.poll_interval` (200 ms) the lines written since are read, through the input
//! format's adapter, into the engine. Caught up with the writer, the watermark follows the wall
//! clock (minus the lateness): the lines were written as things happened, so nothing older is
//! coming. Rejected lines are appended to `input.rejected_file` with their reasons. The
//! position (file identity, offset, line) is saved after every poll that applied lines, and at
//! shutdown after the engine has applied everything it holds, so a restart neither reads a line
//! twice nor skips one; after a crash, at most one poll's lines are read again.

use super::kafka::wall_clock;
use super::shutdown::Shutdown;
use super::state::Shared;
use crate::config::InputConfig;
use crate::output::RejectWriter;
use crate::reject::Origin;
use crate::source::tail::{Position, Resumed, Tail, TailLine};
use anyhow::Context as _;
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
    match &resumed {
        Resumed::Fresh => tracing::info!(path = %path.display(), "following from the start"),
        Resumed::Same => {
            tracing::info!(path = %path.display(), line = tail.position().line, "following from the saved position")
        }
        Resumed::Rotated { from } => {
            tracing::info!(path = %path.display(), rotated = %from.display(), "rotated while stopped: reading the rest of the old file first")
        }
        Resumed::Lost => {
            tracing::warn!(path = %path.display(), "the file read before is gone or shorter: following the current file from its start")
        }
    }
    let mut rejected = RejectWriter::new(std::io::BufWriter::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&input.rejected_file)
            .with_context(|| format!("cannot open {}", input.rejected_file.display()))?,
    ));
    let source = path.display().to_string();
    let resumed_file = match &resumed {
        Resumed::Same => Some(path.to_path_buf()),
        Resumed::Rotated { from } => Some(from.clone()),
        Resumed::Fresh | Resumed::Lost => None,
    };
    {
        let mut state = shared.lock();
        match resumed_file {
            // Resumed inside a file whose header names the columns: read its header again.
            Some(file) if tail.position().line > 0 && state.adapter.learns_header() => {
                let header = first_line(&file)
                    .with_context(|| format!("cannot read the header of {}", file.display()))?;
                state.adapter.start_file();
                let mut none = Vec::new();
                if let Err(reason) = state.adapter.read(&header, &mut none) {
                    tracing::warn!(file = %file.display(), %reason, "the header line read again is not usable");
                }
            }
            // Resumed inside a file: its header, if any, was read before.
            Some(_) if tail.position().line > 0 => state.adapter.headerless(),
            _ => {}
        }
        state.process.input_ready = true;
    }
    let pause = Duration::from_millis(input.poll_interval as u64);
    let mut lines: Vec<TailLine> = Vec::new();
    while !shutdown.is_triggered() {
        lines.clear();
        let caught_up = tail
            .poll(&mut lines)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let now = wall_clock();
        {
            let mut state = shared.lock();
            for line in &lines {
                if line.number == 1 {
                    // A new file (the first, or after a rotation): a CSV header comes first.
                    state.adapter.start_file();
                }
                if line.bytes.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let origin = Origin {
                    source: 0,
                    partition: 0,
                    offset: line.number as i64,
                };
                if line.too_long {
                    state.process.messages += 1;
                    state
                        .engine
                        .reject(crate::reject::RejectReason::TooLarge, origin, &line.bytes);
                } else {
                    state.feed(&line.bytes, origin, now);
                }
            }
            if caught_up {
                state.idle_advance(now);
            }
            let rejections = state.drain();
            state.keep_rejected(&rejections, now);
            state.process.dead_letters += rejections.len() as u64;
            for r in &rejections {
                rejected
                    .write(r, &source)
                    .context("cannot write rejected lines")?;
            }
        }
        if !lines.is_empty() {
            rejected.flush().context("cannot write rejected lines")?;
            save(&tail, &input.position_file)?;
        }
        if caught_up {
            std::thread::sleep(pause);
        }
    }
    // Apply what the engine holds, keep its rejections, then remember where we are.
    let rejections = {
        let mut state = shared.lock();
        state.engine.flush();
        let rejections = state.drain();
        state.keep_rejected(&rejections, wall_clock());
        state.process.dead_letters += rejections.len() as u64;
        rejections
    };
    for r in &rejections {
        rejected
            .write(r, &source)
            .context("cannot write rejected lines")?;
    }
    rejected.flush().context("cannot write rejected lines")?;
    save(&tail, &input.position_file)
}

/// The first line of `file`, without its line end.
fn first_line(file: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::BufRead;
    let mut line = Vec::new();
    std::io::BufReader::new(std::fs::File::open(file)?).read_until(b'\n', &mut line)?;
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(line)
}

fn save(tail: &Tail, file: &Path) -> anyhow::Result<()> {
    tail.position()
        .save(file)
        .with_context(|| format!("cannot save the position in {}", file.display()))
}
