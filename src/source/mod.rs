//! Where events come from. For now: JSON Lines files, gzip-compressed or not, and stdin.

pub mod lines;

pub use lines::{open, Line, LineReader};

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
