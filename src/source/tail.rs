//! Following a file another program appends to (Asterisk's `queue_log`), as `tail -F` does:
//! complete lines as they are written, through rotations (the file renamed and a new one
//! created) and truncations, and from where the last run stopped.
//!
//! - **Rotation while running.** When another file appears at the path, the old one is still
//!   read — the writer keeps appending to it until it reopens its log (Asterisk's
//!   `logger reload` in logrotate's `postrotate`) — until it has been quiet for the grace
//!   period ([`ROTATION_GRACE`]); only then is its unterminated last line (if any) handed out
//!   and the new file read. Lines of the new file wait meanwhile, so that the position always
//!   names one file and the lines before it.
//! - **Truncation and replacement.** A file shorter than the offset read, or whose first bytes
//!   changed (`copytruncate` and new lines, a file deleted and created with the same inode), is
//!   read again from its start.
//! - **Restart.** The position — the followed path, the file's identity (device and inode),
//!   the byte offset after the last complete line handed out, that line's number and a
//!   fingerprint of the file's first bytes — is what a restart needs. The same file,
//!   unchanged: reading goes on at the offset. Rotated while stopped: the old file is found
//!   among the path's siblings (`queue_log.1`, `queue_log-20261128`) by its identity, its rest
//!   is read, then every sibling rotated after it (oldest first), then the file at the path
//!   from its start. A rotated file that was compressed has a new identity and cannot be
//!   found: rotate with `delaycompress`. A position saved for another path is ignored.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Longest line kept; the rest of a longer line is counted, not kept, and the line is handed
/// out marked `too_long` (the caller rejects it as `too_large`).
pub const MAX_LINE: usize = 1 << 20;

/// Bytes read per [`Tail::poll`] at most, so a large backlog is applied in steps.
const READ_STEP: usize = 4 << 20;

/// How long a rotated file must stay quiet before it is closed.
pub const ROTATION_GRACE: Duration = Duration::from_secs(5);

/// Bytes of a file's start that identify its content.
const HEAD: u64 = 64;

/// Where a followed file was left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Position {
    /// The followed path (the position of another path is not used).
    pub path: String,
    pub dev: u64,
    pub ino: u64,
    /// Bytes up to the end of the last complete line handed out.
    pub offset: u64,
    /// The number of that line (from 1) in its file.
    pub line: u64,
    /// FNV-1a of the file's first `min(64, offset)` bytes.
    pub head: u64,
}

impl Position {
    /// Reads a position file; `None` when there is none.
    pub fn load(path: &Path) -> io::Result<Option<Position>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not a position file: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes the position atomically: a new file, synced, renamed over the old one, and the
    /// folder synced so that the rename survives a power loss.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let tmp = path.with_extension("tmp");
        {
            // Owner-only, whatever the umask ([`crate::fsmode`]).
            let mut f = crate::fsmode::create(&tmp)?;
            serde_json::to_writer(&mut f, self)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// One complete line: the file it is in, its number there, its bytes (without the line end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailLine {
    pub file: PathBuf,
    pub number: u64,
    pub bytes: Vec<u8>,
    /// Longer than [`MAX_LINE`]: `bytes` holds its start only.
    pub too_long: bool,
}

/// An open file being followed.
struct Open {
    path: PathBuf,
    file: File,
    dev: u64,
    ino: u64,
    /// Offset after the last complete line handed out.
    offset: u64,
    line: u64,
    /// Bytes read after that offset, not yet ended by a newline (at most [`MAX_LINE`]).
    pending: Vec<u8>,
    /// Bytes of the pending line beyond [`MAX_LINE`], read and dropped.
    dropped: u64,
    /// Fingerprint of the first bytes, once known: (length, FNV-1a).
    head: Option<(u64, u64)>,
}

fn not_found(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound
}

impl Open {
    fn at(path: &Path, offset: u64, line: u64) -> io::Result<Open> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        file.seek(SeekFrom::Start(offset))?;
        Ok(Open {
            path: path.to_path_buf(),
            file,
            dev: meta.dev(),
            ino: meta.ino(),
            offset,
            line,
            pending: Vec::new(),
            dropped: 0,
            head: None,
        })
    }

    /// [`Open::at`] the start of `path`, or `None` while there is no file there.
    fn start_of(path: &Path) -> io::Result<Option<Open>> {
        match Open::at(path, 0, 0) {
            Ok(open) => Ok(Some(open)),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn position(&self, followed: &Path) -> io::Result<Position> {
        Ok(Position {
            path: followed.display().to_string(),
            dev: self.dev,
            ino: self.ino,
            offset: self.offset,
            line: self.line,
            head: fingerprint(&self.file, self.offset.min(HEAD))?,
        })
    }

    /// Reads what is there (up to [`READ_STEP`]) and hands out the complete lines; with
    /// `last` (the file is being closed), an unterminated last line counts too. Returns
    /// whether the end of the file was reached.
    fn read(&mut self, last: bool, out: &mut Vec<TailLine>) -> io::Result<bool> {
        let mut chunk = Vec::new();
        let n = (&mut self.file)
            .take(READ_STEP as u64)
            .read_to_end(&mut chunk)?;
        let at_end = n < READ_STEP;
        let mut rest: &[u8] = &chunk;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            self.keep(&rest[..i]);
            self.hand_out(1, out);
            rest = &rest[i + 1..];
        }
        self.keep(rest);
        if last && at_end && (!self.pending.is_empty() || self.dropped > 0) {
            self.hand_out(0, out);
        }
        Ok(at_end)
    }

    /// Adds bytes to the pending line, keeping at most [`MAX_LINE`].
    fn keep(&mut self, bytes: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.pending.len());
        let take = bytes.len().min(room);
        self.pending.extend_from_slice(&bytes[..take]);
        self.dropped += (bytes.len() - take) as u64;
    }

    /// Hands out the pending line, which ended with `newline` bytes (1, or 0 when closing).
    fn hand_out(&mut self, newline: u64, out: &mut Vec<TailLine>) {
        let consumed = self.pending.len() as u64 + self.dropped + newline;
        let mut bytes = std::mem::take(&mut self.pending);
        let too_long = self.dropped > 0;
        if !too_long && bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        self.dropped = 0;
        self.offset += consumed;
        self.line += 1;
        out.push(TailLine {
            file: self.path.clone(),
            number: self.line,
            bytes,
            too_long,
        });
    }

    /// Whether the file still holds what was read: not shorter, and the same first bytes.
    fn unchanged(&mut self, len: u64) -> io::Result<bool> {
        let read = self.offset + self.pending.len() as u64 + self.dropped;
        if len < read {
            return Ok(false);
        }
        let n = self.offset.min(HEAD);
        let now = fingerprint(&self.file, n)?;
        match self.head {
            Some((len, hash)) if len == n => Ok(hash == now),
            _ => {
                self.head = Some((n, now));
                Ok(true)
            }
        }
    }
}

/// FNV-1a of the first `n` bytes of `file`.
fn fingerprint(file: &File, n: u64) -> io::Result<u64> {
    let mut buf = vec![0u8; n as usize];
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], got as u64)? {
            0 => break,
            k => got += k,
        }
    }
    Ok(buf[..got].iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }))
}

/// A rotated file still to be read, and since when it has given nothing.
struct Rotated {
    open: Open,
    quiet_since: Instant,
}

/// A followed path.
pub struct Tail {
    path: PathBuf,
    /// The file at the path (`None` while there is none).
    open: Option<Open>,
    /// Rotated files still to be read before `open`, oldest first.
    rotated: VecDeque<Rotated>,
    grace: Duration,
}

/// What [`Tail::start`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resumed {
    /// No position (or one saved for another path): the file is read from its start.
    Fresh,
    /// The same file, from the saved offset.
    Same,
    /// The file was rotated while stopped: the rest of `from` is read first, then the files
    /// rotated after it, then the file at the path.
    Rotated { from: PathBuf, then: Vec<PathBuf> },
    /// The file read before is gone, shorter or changed: the file at the path from its start.
    Lost,
}

impl Tail {
    /// Starts following `path` from `position` (a previous run's), or from its start.
    pub fn start(path: &Path, position: Option<Position>) -> io::Result<(Tail, Resumed)> {
        Tail::start_with(path, position, ROTATION_GRACE)
    }

    /// [`Tail::start`] with another rotation grace (tests).
    pub fn start_with(
        path: &Path,
        position: Option<Position>,
        grace: Duration,
    ) -> io::Result<(Tail, Resumed)> {
        let mut tail = Tail {
            path: path.to_path_buf(),
            open: None,
            rotated: VecDeque::new(),
            grace,
        };
        let followed = path.display().to_string();
        let Some(pos) = position.filter(|p| p.path == followed) else {
            tail.open = Open::start_of(path)?;
            return Ok((tail, Resumed::Fresh));
        };
        let current = match std::fs::metadata(path) {
            Ok(meta) => Some(meta),
            Err(e) if not_found(&e) => None,
            Err(e) => return Err(e),
        };
        if current.as_ref().is_some_and(|m| same(m, &pos)) {
            let open = Open::at(path, pos.offset, pos.line)?;
            if holds(&open, &pos)? {
                tail.open = Some(open);
                return Ok((tail, Resumed::Same));
            }
            tail.open = Open::start_of(path)?;
            return Ok((tail, Resumed::Lost));
        }
        tail.open = Open::start_of(path)?;
        let Some((old, newer)) = rotated_since(path, &pos)? else {
            return Ok((tail, Resumed::Lost));
        };
        let open = Open::at(&old, pos.offset, pos.line)?;
        if !holds(&open, &pos)? {
            return Ok((tail, Resumed::Lost));
        }
        let now = Instant::now();
        tail.rotated.push_back(Rotated {
            open,
            quiet_since: now,
        });
        for p in &newer {
            tail.rotated.push_back(Rotated {
                open: Open::at(p, 0, 0)?,
                quiet_since: now,
            });
        }
        Ok((
            tail,
            Resumed::Rotated {
                from: old,
                then: newer,
            },
        ))
    }

    /// Whether a file is open (the path exists, or a rotated file is being read).
    pub fn is_open(&self) -> bool {
        self.open.is_some() || !self.rotated.is_empty()
    }

    /// The position to save after the lines handed out so far have been applied; `None`
    /// before any file was opened.
    pub fn position(&self) -> io::Result<Option<Position>> {
        match (self.rotated.front(), &self.open) {
            (Some(r), _) => r.open.position(&self.path).map(Some),
            (None, Some(o)) => o.position(&self.path).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// Reads the complete lines written since the last poll, following a rotation or a
    /// truncation. Returns whether the reading has caught up with the writer.
    pub fn poll(&mut self, out: &mut Vec<TailLine>) -> io::Result<bool> {
        if !self.rotated.is_empty() {
            return self.poll_rotated(out);
        }
        let Some(open) = &mut self.open else {
            self.open = Open::start_of(&self.path)?;
            return Ok(self.open.is_none());
        };
        // Before reading on: is the file still the one read so far?
        let len = open.file.metadata()?.len();
        if !open.unchanged(len)? {
            tracing::warn!(path = %crate::untrusted::path(&self.path), "followed file truncated or replaced; reading it from the start");
            let path = open.path.clone();
            self.open = Open::start_of(&path)?;
            return Ok(false);
        }
        if !open.read(false, out)? {
            return Ok(false);
        }
        let meta = match std::fs::metadata(&self.path) {
            Ok(meta) => meta,
            // Renamed, the new file not created yet: keep reading the old one.
            Err(e) if not_found(&e) => return Ok(true),
            Err(e) => return Err(e),
        };
        if meta.dev() != open.dev || meta.ino() != open.ino {
            tracing::info!(path = %crate::untrusted::path(&self.path), "followed file rotated");
            let Some(old) = self.open.take() else {
                return Ok(true);
            };
            self.rotated.push_back(Rotated {
                open: old,
                quiet_since: Instant::now(),
            });
            self.open = Open::start_of(&self.path)?;
            return Ok(false);
        }
        // Record the first bytes read, for the next poll's check.
        open.unchanged(meta.len())?;
        Ok(true)
    }

    /// Reads the oldest rotated file: older ones to their end at once, the newest until it has
    /// been quiet for the grace period.
    fn poll_rotated(&mut self, out: &mut Vec<TailLine>) -> io::Result<bool> {
        let newest = self.rotated.len() == 1;
        let grace = self.grace;
        let Some(r) = self.rotated.front_mut() else {
            return Ok(true);
        };
        let before = out.len();
        let at_end = r.open.read(false, out)?;
        if out.len() > before || !at_end {
            r.quiet_since = Instant::now();
            return Ok(false);
        }
        if newest && r.quiet_since.elapsed() < grace {
            // Caught up for now: its writer may still append before reopening its log.
            return Ok(true);
        }
        r.open.read(true, out)?;
        self.rotated.pop_front();
        Ok(false)
    }
}

fn same(meta: &std::fs::Metadata, pos: &Position) -> bool {
    meta.dev() == pos.dev && meta.ino() == pos.ino
}

/// Whether `open` (at `pos.offset`) still holds what `pos` was saved from: long enough, a line
/// ends just before the offset, and the same first bytes.
fn holds(open: &Open, pos: &Position) -> io::Result<bool> {
    let len = open.file.metadata()?.len();
    if len < pos.offset {
        return Ok(false);
    }
    if pos.offset > 0 {
        let mut last = [0u8];
        open.file.read_exact_at(&mut last, pos.offset - 1)?;
        if last[0] != b'\n' {
            return Ok(false);
        }
    }
    Ok(fingerprint(&open.file, pos.offset.min(HEAD))? == pos.head)
}

/// Among the rotated siblings of `path` (`<name>.*` and `<name>-*` in its folder, compressed
/// ones excepted), the file `pos` was saved from and those rotated after it, oldest first.
fn rotated_since(path: &Path, pos: &Position) -> io::Result<Option<(PathBuf, Vec<PathBuf>)>> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if not_found(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let compressed = [".gz", ".bz2", ".xz", ".zst", ".zip"];
    let mut siblings = Vec::new();
    for entry in entries {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        let rotated_name = n.len() > name.len()
            && n.starts_with(name)
            && matches!(n.as_bytes()[name.len()], b'.' | b'-');
        if !rotated_name || compressed.iter().any(|c| n.ends_with(c)) {
            continue;
        }
        let meta = entry.metadata()?;
        if meta.is_file() {
            siblings.push((meta.mtime(), meta.mtime_nsec(), entry.path(), meta));
        }
    }
    siblings.sort_by_key(|s| (s.0, s.1));
    let Some(i) = siblings.iter().position(|(.., m)| same(m, pos)) else {
        return Ok(None);
    };
    let newer = siblings[i + 1..].iter().map(|s| s.2.clone()).collect();
    Ok(Some((siblings[i].2.clone(), newer)))
}

#[cfg(test)]
mod tests;
