//! Where events come from. For now: JSON Lines files, gzip-compressed or not, and stdin.

pub mod lines;

pub use lines::{open, Line, LineReader};
