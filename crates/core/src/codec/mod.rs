//! The canonical JSON codec: bytes of one event to an [`Event`](crate::event::Event) or a
//! [`RejectReason`](crate::reject::RejectReason), and an event back to canonical JSON.
//!
//! Pure: no I/O, no state. Decoding reads the object once into borrowed scalars
//! ([`raw`]), then checks each type's fields ([`decode`]); a bad event becomes a reason, never a
//! panic or an error that ends the run.

pub mod decode;
pub mod encode;
mod raw;

pub use decode::{decode, Decoder};
pub use encode::encode;
