//! The order to read the files of a sorting input in: by the event time of their first rows,
//! so that files given in another order (`*.txt.gz` lists `april` before `january`) reach the
//! sort window one after the other in time. Within a file any row order is the window's
//! business; across files only their starts are looked at, a few rows each.

use super::lines;
use crate::adapter::Adapter;
use crate::engine::order_of;
use crate::time::Millis;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Rows read from the start of each file to place it.
const ROWS: u64 = 64;
/// The buffers of that reading: small, the rest of the file is not needed.
const BUFFER: usize = 16 * 1024;

/// Indexes into `files`, in the order to read them: by the earliest event time among the
/// first [`ROWS`] rows of each, ties in their given order, files whose first rows give no
/// event last. A file that cannot be opened comes first (its error is reported before
/// anything is read). With
/// stdin (`-`) among them, which can be read only once, the given order.
pub fn by_first_time(files: &[String], adapter: &Adapter, max_bytes: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    if files.len() < 2 || files.iter().any(|f| f == "-") {
        return order;
    }
    let firsts: Vec<Option<Millis>> = files
        .iter()
        .map(|f| first_time(f, adapter, max_bytes))
        .collect();
    order.sort_by_key(|&i| (firsts[i].unwrap_or(Millis::MIN), i));
    order
}

/// The earliest event time among the first rows of `file`; `None` if it cannot be opened
/// (`Some(Millis::MAX)` if they give no event).
fn first_time(file: &str, adapter: &Adapter, max_bytes: usize) -> Option<Millis> {
    let mut reader = lines::open_buffered(file, Arc::new(AtomicU64::new(0)), BUFFER).ok()?;
    let mut adapter = adapter.fresh();
    adapter.start_file();
    let (mut rows, mut first, mut events) = (0, Millis::MAX, Vec::new());
    while rows < ROWS {
        let Ok(Some(line)) = reader.next_line(max_bytes) else {
            break;
        };
        if line.too_long || line.bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        rows += 1;
        events.clear();
        if adapter.read(line.bytes, &mut events).is_ok() {
            first = events
                .iter()
                .map(|e| order_of(e).0)
                .fold(first, Millis::min);
        }
    }
    Some(first)
}
