//! The evidence store: what an auditor asks for, kept as it happens, in one SQLite file.
//!
//! One append-only table, `evidence`: every final interval record and each later revision,
//! every alert transition, every outage, and the data-quality figures of every interval. Each
//! row is chained to the one before it by a SHA-256 hash over its content and the previous
//! row's hash ([`chain`]), so a row changed, removed or inserted afterwards breaks the chain
//! at that row; [`verify`] walks it and names the first row that does not hold. Triggers
//! refuse `UPDATE` and `DELETE`; the chain catches whoever goes around them, except one who
//! re-hashes every later row: with a signing key ([`sign`]) each append also signs the
//! chain's head, and `verify --public-key` catches that one too.
//!
//! ```text
//! State::drain ─► Entry (kind, subject, at, canonical JSON) ─► Store::append (one transaction)
//!                                                   callpulse evidence verify ─► Verdict
//! ```

pub mod chain;
pub mod sign;
pub mod store;
pub mod verify;

pub use chain::{Entry, Kind};
pub use store::{Checkpoint, Store};
pub use verify::{verify, verify_signatures, Gap, Signed, Verdict};

#[cfg(test)]
mod tests;
