//! A line reader for JSON Lines input with a bounded line length: a line longer than the limit
//! is returned cut to the limit and marked, instead of growing memory without bound. Gzip input
//! is recognised by its magic bytes, so `.gz` files and compressed stdin both work.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const BUFFER: usize = 1 << 20;

/// Opens `path` (`-` for stdin), decompressing gzip transparently.
pub fn open(path: &str) -> io::Result<LineReader<Box<dyn BufRead + Send>>> {
    open_counted(path, Arc::new(AtomicU64::new(0)))
}

/// [`open`], adding the bytes read from the file (compressed, for gzip) to `count`.
pub fn open_counted(
    path: &str,
    count: Arc<AtomicU64>,
) -> io::Result<LineReader<Box<dyn BufRead + Send>>> {
    open_buffered(path, count, BUFFER)
}

/// [`open_counted`] with buffers of `buffer` bytes (a small one to read only the start).
pub fn open_buffered(
    path: &str,
    count: Arc<AtomicU64>,
    buffer: usize,
) -> io::Result<LineReader<Box<dyn BufRead + Send>>> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(Counting {
            inner: io::stdin(),
            count,
        })
    } else {
        Box::new(Counting {
            inner: File::open(Path::new(path))?,
            count,
        })
    };
    let mut buffered = BufReader::with_capacity(buffer, raw);
    let is_gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn BufRead + Send> = if is_gzip {
        Box::new(BufReader::with_capacity(
            buffer,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    Ok(LineReader::new(reader))
}

/// One line: its number (from 1), its bytes without the line end, and whether it was cut.
#[derive(Debug)]
pub struct Line<'a> {
    pub number: u64,
    pub bytes: &'a [u8],
    pub too_long: bool,
}

/// Reads lines of at most `max` bytes (longer ones are cut and flagged). A line that lies
/// whole in the reader's buffer is returned in place, without copying.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    number: u64,
    bytes_read: u64,
    /// Bytes of `inner`'s buffer handed out as the last line, consumed on the next call.
    lent: usize,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: Vec::with_capacity(4096),
            number: 0,
            bytes_read: 0,
            lent: 0,
        }
    }

    /// Bytes consumed so far (after decompression).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next line, or `None` at the end of input.
    pub fn next_line(&mut self, max: usize) -> io::Result<Option<Line<'_>>> {
        if self.lent > 0 {
            self.inner.consume(self.lent);
            self.lent = 0;
        }
        // Fast path: the whole line is in the buffer.
        let found = memchr::memchr(b'\n', fill(&mut self.inner)?);
        if let Some(i) = found.filter(|&i| i <= max + 1) {
            {
                let chunk = self.inner.fill_buf()?;
                self.lent = i + 1;
                self.bytes_read += self.lent as u64;
                self.number += 1;
                let mut line = &chunk[..i];
                if line.last() == Some(&b'\r') {
                    line = &line[..i - 1];
                }
                let too_long = line.len() > max;
                return Ok(Some(Line {
                    number: self.number,
                    bytes: &line[..line.len().min(max)],
                    too_long,
                }));
            }
        }
        self.slow_line(max)
    }

    /// A line that spans buffer refills (or is too long): copied, and cut at `max`.
    fn slow_line(&mut self, max: usize) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = fill(&mut self.inner)?;
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            let content = if done {
                &chunk[..take - 1]
            } else {
                &chunk[..take]
            };
            let room = (max + 1).saturating_sub(self.buf.len());
            if content.len() > room {
                too_long = true;
            }
            self.buf
                .extend_from_slice(&content[..content.len().min(room)]);
            self.inner.consume(take);
            self.bytes_read += take as u64;
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.buf.len() > max {
            too_long = true;
            self.buf.truncate(max);
        }
        self.number += 1;
        Ok(Some(Line {
            number: self.number,
            bytes: &self.buf,
            too_long,
        }))
    }
}

/// `fill_buf`, retried when interrupted.
fn fill<R: BufRead>(inner: &mut R) -> io::Result<&[u8]> {
    loop {
        match inner.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            _ => break,
        }
    }
    inner.fill_buf()
}

/// A reader that counts the bytes read through it.
struct Counting<R> {
    pub inner: R,
    pub count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<(u64, Vec<u8>, bool)> {
        let mut r = LineReader::new(BufReader::with_capacity(4, input));
        let mut out = Vec::new();
        while let Some(l) = r.next_line(max).unwrap() {
            out.push((l.number, l.bytes.to_vec(), l.too_long));
        }
        out
    }

    #[test]
    fn splits_lines_across_buffer_refills_and_strips_crlf() {
        let got = lines(b"abcdefgh\r\nij\n\nlast", 100);
        assert_eq!(
            got,
            vec![
                (1, b"abcdefgh".to_vec(), false),
                (2, b"ij".to_vec(), false),
                (3, b"".to_vec(), false),
                (4, b"last".to_vec(), false)
            ]
        );
    }

    #[test]
    fn long_lines_are_cut_and_flagged_and_reading_goes_on() {
        let got = lines(b"0123456789\nok\n", 5);
        assert_eq!(
            got,
            vec![(1, b"01234".to_vec(), true), (2, b"ok".to_vec(), false)]
        );
    }

    #[test]
    fn gzip_is_recognised_by_its_magic_bytes() {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl.gz");
        let mut gz = GzEncoder::new(File::create(&path).unwrap(), Compression::fast());
        gz.write_all(b"{\"a\":1}\n{\"b\":2}\n").unwrap();
        gz.finish().unwrap();
        let mut r = open(path.to_str().unwrap()).unwrap();
        assert_eq!(r.next_line(100).unwrap().unwrap().bytes, b"{\"a\":1}");
        assert_eq!(r.next_line(100).unwrap().unwrap().bytes, b"{\"b\":2}");
        assert!(r.next_line(100).unwrap().is_none());
    }
}
