//! Where events come from: files (gzip-compressed or not) and stdin, read line by line, each
//! line read by the input format's [`Adapter`].

pub mod alongside;
pub mod file_order;
pub mod files;
pub mod lines;
pub mod tail;
pub mod window;

pub use alongside::read_files_alongside;
pub use files::{read_files, Progress, Sink};
pub use lines::{open, open_counted, Line, LineReader};

use crate::adapter::Adapter;
use crate::codec::Decoder;
use crate::engine::Engine;
use crate::event::Event;
use crate::reject::{Origin, RejectReason};

/// Decodes one input line; a line the reader had to cut is `too_large`.
pub fn decode_line(decoder: &Decoder, line: &Line) -> Result<Event, RejectReason> {
    if line.too_long {
        Err(RejectReason::TooLarge)
    } else {
        decoder.decode(line.bytes)
    }
}

/// Feeds one input line to the engine: its event, or its bytes with the reason they were
/// rejected.
pub fn feed_line(engine: &mut Engine, decoder: &Decoder, line: &Line, origin: Origin) {
    match decode_line(decoder, line) {
        Ok(event) => engine.ingest(event, origin),
        Err(reason) => engine.reject(reason, origin, line.bytes),
    }
}

/// Feeds one input record (a line, or one message) through `adapter` to the engine: the events
/// it gives, or its bytes with the reason it was rejected. `scratch` is reused between calls.
/// Returns how many events it gave.
pub fn feed_record(
    engine: &mut Engine,
    adapter: &mut Adapter,
    bytes: &[u8],
    too_long: bool,
    origin: Origin,
    scratch: &mut Vec<Event>,
) -> usize {
    if too_long {
        engine.reject(RejectReason::TooLarge, origin, bytes);
        return 0;
    }
    scratch.clear();
    match adapter.read(bytes, scratch) {
        Ok(()) => {
            let n = scratch.len();
            for event in scratch.drain(..) {
                engine.ingest(event, origin);
            }
            n
        }
        Err(reason) => {
            engine.reject(reason, origin, bytes);
            0
        }
    }
}
