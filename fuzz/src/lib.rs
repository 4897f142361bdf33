//! The bodies of callpulse's fuzz targets, one function per target, each reaching the library
//! through its public API only.
//!
//! They live in [`targets`] (one file without dependencies beyond `callpulse` and `postcard`)
//! so that the main crate's tests can include the very same file and replay every input kept
//! in `fuzz/regressions/` on stable Rust (`tests/it/fuzz_regressions.rs`).

pub mod targets;
