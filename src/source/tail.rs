//! Following a file another program appends to (Asterisk's `queue_log`), as `tail -F` does:
//! complete lines as they are written, through rotations (the file renamed and a new one
//! created) and truncations, and from where the last run stopped.
//!
//! The position — the file's identity (device and inode), the byte offset after the last
//! complete line handed out, and that line's number — is what a restart needs: with the same
//! file, reading goes on at the offset; with another file at the path (rotated while callpulse
//! was down), the rest of the old file is read first when it is still in the same directory
//! under another name (`queue_log.1`), then the new file from its start. A rotated file that
//! was compressed (a new inode) cannot be found again: rotate with `delaycompress`.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Longest line kept whole; longer lines are handed out cut and marked (the adapter rejects
/// them as `too_large`).
const MAX_PENDING: usize = 1 << 20;

/// Bytes read per [`Tail::poll`] at most, so a large backlog is applied in steps.
const READ_STEP: usize = 4 << 20;

/// Where a followed file was left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Position {
    pub dev: u64,
    pub ino: u64,
    /// Bytes up to the end of the last complete line handed out.
    pub offset: u64,
    /// The number of that line (from 1) in its file.
    pub line: u64,
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

    /// Writes the position atomically (a new file renamed over the old one, synced).
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let tmp = path.with_extension("tmp");
        {
            let mut f = File::create(&tmp)?;
            serde_json::to_writer(&mut f, self)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }
}

/// One complete line: its number in its file and its bytes (without the line end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailLine {
    pub number: u64,
    pub bytes: Vec<u8>,
    pub too_long: bool,
}

/// An open file being followed.
struct Open {
    file: File,
    dev: u64,
    ino: u64,
    /// Offset after the last complete line handed out.
    offset: u64,
    line: u64,
    /// Bytes read after that offset, not yet ended by a newline.
    pending: Vec<u8>,
}

impl Open {
    fn at(path: &Path, offset: u64, line: u64) -> io::Result<Open> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        file.seek(SeekFrom::Start(offset))?;
        Ok(Open {
            file,
            dev: meta.dev(),
            ino: meta.ino(),
            offset,
            line,
            pending: Vec::new(),
        })
    }

    fn position(&self) -> Position {
        Position {
            dev: self.dev,
            ino: self.ino,
            offset: self.offset,
            line: self.line,
        }
    }

    /// Reads what is there (up to [`READ_STEP`]) and hands out the complete lines; with
    /// `final_read` (the file was rotated away), an unterminated last line counts too.
    /// Returns whether the end of the file was reached.
    fn read(&mut self, final_read: bool, out: &mut Vec<TailLine>) -> io::Result<bool> {
        let mut chunk = Vec::new();
        let n = (&mut self.file)
            .take(READ_STEP as u64)
            .read_to_end(&mut chunk)?;
        let at_end = n < READ_STEP;
        let mut rest: &[u8] = &chunk;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            let consumed = self.pending.len() + i + 1;
            self.pending.extend_from_slice(&rest[..i]);
            self.hand_out(consumed, out);
            rest = &rest[i + 1..];
        }
        self.pending.extend_from_slice(rest);
        if final_read && at_end && !self.pending.is_empty() {
            let consumed = self.pending.len();
            self.hand_out(consumed, out);
        }
        Ok(at_end)
    }

    fn hand_out(&mut self, consumed: usize, out: &mut Vec<TailLine>) {
        let mut bytes = std::mem::take(&mut self.pending);
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let too_long = bytes.len() > MAX_PENDING;
        bytes.truncate(MAX_PENDING);
        self.offset += consumed as u64;
        self.line += 1;
        out.push(TailLine {
            number: self.line,
            bytes,
            too_long,
        });
    }
}

/// A followed path.
pub struct Tail {
    path: PathBuf,
    /// The file read now (`None` while the path does not exist).
    open: Option<Open>,
    /// A rotated file still to be read to its end before `open` (after a restart).
    rotated: Option<Open>,
}

/// What [`Tail::start`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resumed {
    /// No position: the file is read from its start.
    Fresh,
    /// The same file, from the saved offset.
    Same,
    /// The file was rotated while stopped; the rest of the old one is read first from `from`.
    Rotated { from: PathBuf },
    /// The file was rotated and the old one is gone (or was truncated): read from the start.
    Lost,
}

impl Tail {
    /// Starts following `path` from `position` (a previous run's), or from its start.
    pub fn start(path: &Path, position: Option<Position>) -> io::Result<(Tail, Resumed)> {
        let mut tail = Tail {
            path: path.to_path_buf(),
            open: None,
            rotated: None,
        };
        let Some(pos) = position else {
            tail.open = Open::at(path, 0, 0).ok();
            return Ok((tail, Resumed::Fresh));
        };
        let current = std::fs::metadata(path).ok();
        if let Some(meta) = current.as_ref().filter(|m| same(m, &pos)) {
            if meta.len() >= pos.offset {
                tail.open = Some(Open::at(path, pos.offset, pos.line)?);
                return Ok((tail, Resumed::Same));
            }
            tail.open = Some(Open::at(path, 0, 0)?);
            return Ok((tail, Resumed::Lost));
        }
        tail.open = Open::at(path, 0, 0).ok();
        match find_by_identity(path, &pos)? {
            Some(old) => {
                tail.rotated = Some(Open::at(&old, pos.offset, pos.line)?);
                Ok((tail, Resumed::Rotated { from: old }))
            }
            None => Ok((tail, Resumed::Lost)),
        }
    }

    /// The position to save after the lines handed out so far have been applied.
    pub fn position(&self) -> Position {
        match (&self.rotated, &self.open) {
            (Some(r), _) => r.position(),
            (None, Some(o)) => o.position(),
            (None, None) => Position::default(),
        }
    }

    /// Reads the complete lines written since the last poll, following a rotation or a
    /// truncation. Returns whether the reading has caught up with the writer.
    pub fn poll(&mut self, out: &mut Vec<TailLine>) -> io::Result<bool> {
        if let Some(old) = &mut self.rotated {
            if !old.read(true, out)? {
                return Ok(false);
            }
            self.rotated = None;
            if !out.is_empty() {
                return Ok(false);
            }
        }
        let Some(open) = &mut self.open else {
            self.open = Open::at(&self.path, 0, 0).ok();
            return Ok(self.open.is_none());
        };
        let at_end = open.read(false, out)?;
        if !at_end {
            return Ok(false);
        }
        match std::fs::metadata(&self.path) {
            // Rotated: the old file has been read to its end; the new one starts.
            Ok(meta) if meta.dev() != open.dev || meta.ino() != open.ino => {
                open.read(true, out)?;
                tracing::info!(path = %self.path.display(), "followed file rotated");
                self.open = Open::at(&self.path, 0, 0).ok();
                Ok(false)
            }
            // Truncated in place (copytruncate): start again from the top.
            Ok(meta) if meta.len() < open.offset + open.pending.len() as u64 => {
                tracing::warn!(path = %self.path.display(), "followed file truncated; reading it from the start");
                self.open = Some(Open::at(&self.path, 0, 0)?);
                Ok(false)
            }
            // Caught up with the writer (a line still being written waits for its newline).
            _ => Ok(true),
        }
    }
}

fn same(meta: &std::fs::Metadata, pos: &Position) -> bool {
    meta.dev() == pos.dev && meta.ino() == pos.ino
}

/// A file in `path`'s directory with the identity of `pos` (the followed file, renamed).
fn find_by_identity(path: &Path, pos: &Position) -> io::Result<Option<PathBuf>> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if let Ok(meta) = entry.metadata() {
            if meta.is_file() && same(&meta, pos) {
                return Ok(Some(entry.path()));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    fn poll(t: &mut Tail) -> Vec<(u64, String)> {
        let mut all = Vec::new();
        loop {
            let mut out = Vec::new();
            let caught_up = t.poll(&mut out).unwrap();
            all.extend(
                out.into_iter()
                    .map(|l| (l.number, String::from_utf8(l.bytes).unwrap())),
            );
            if caught_up {
                return all;
            }
        }
    }

    fn lines(v: &[(u64, &str)]) -> Vec<(u64, String)> {
        v.iter().map(|(n, s)| (*n, s.to_string())).collect()
    }

    #[test]
    fn a_partial_line_waits_for_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("queue_log");
        append(&p, "a\nb");
        let (mut t, how) = Tail::start(&p, None).unwrap();
        assert_eq!(how, Resumed::Fresh);
        assert_eq!(poll(&mut t), lines(&[(1, "a")]));
        assert_eq!(t.position().offset, 2);
        append(&p, "c\r\nd\n");
        assert_eq!(poll(&mut t), lines(&[(2, "bc"), (3, "d")]));
        assert_eq!(t.position().offset, 8);
    }

    #[test]
    fn a_rotation_while_running_reads_the_old_file_to_its_end_then_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("queue_log");
        append(&p, "1\n");
        let (mut t, _) = Tail::start(&p, None).unwrap();
        assert_eq!(poll(&mut t), lines(&[(1, "1")]));
        append(&p, "2\n3");
        std::fs::rename(&p, dir.path().join("queue_log.1")).unwrap();
        append(&p, "new-1\n");
        assert_eq!(poll(&mut t), lines(&[(2, "2"), (3, "3"), (1, "new-1")]));
    }

    #[test]
    fn a_truncation_starts_the_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("queue_log");
        append(&p, "one\ntwo\n");
        let (mut t, _) = Tail::start(&p, None).unwrap();
        assert_eq!(poll(&mut t).len(), 2);
        std::fs::File::create(&p).unwrap();
        append(&p, "x\n");
        assert_eq!(poll(&mut t), lines(&[(1, "x")]));
    }

    #[test]
    fn a_restart_goes_on_at_the_saved_position_neither_twice_nor_skipping() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("queue_log");
        let saved = dir.path().join("pos");
        append(&p, "1\n2\n");
        let (mut t, _) = Tail::start(&p, None).unwrap();
        assert_eq!(poll(&mut t).len(), 2);
        t.position().save(&saved).unwrap();
        append(&p, "3\n");
        let (mut t, how) = Tail::start(&p, Position::load(&saved).unwrap()).unwrap();
        assert_eq!(how, Resumed::Same);
        assert_eq!(poll(&mut t), lines(&[(3, "3")]));
    }

    #[test]
    fn a_restart_after_a_rotation_reads_the_rest_of_the_renamed_file_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("queue_log");
        let saved = dir.path().join("pos");
        append(&p, "1\n");
        let (mut t, _) = Tail::start(&p, None).unwrap();
        assert_eq!(poll(&mut t).len(), 1);
        t.position().save(&saved).unwrap();
        drop(t);
        append(&p, "2\n");
        std::fs::rename(&p, dir.path().join("queue_log.1")).unwrap();
        append(&p, "new-1\nnew-2\n");
        let (mut t, how) = Tail::start(&p, Position::load(&saved).unwrap()).unwrap();
        assert_eq!(
            how,
            Resumed::Rotated {
                from: dir.path().join("queue_log.1")
            }
        );
        assert_eq!(poll(&mut t), lines(&[(2, "2"), (1, "new-1"), (2, "new-2")]));
    }

    #[test]
    fn a_file_that_appears_later_is_read_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("queue_log");
        let (mut t, _) = Tail::start(&p, None).unwrap();
        assert!(poll(&mut t).is_empty());
        append(&p, "first\n");
        assert_eq!(poll(&mut t), lines(&[(1, "first")]));
    }
}
