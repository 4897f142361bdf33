//! The certification profiles the tests share, from `tests/fixtures/profiles/`. A test that
//! needs a variant of its own keeps it inline, saying what differs.

/// Clause 11.2.1 alone: an outage still open for more than 30 minutes fires at once.
pub const OUTAGE_ONLY: &str = include_str!("../../fixtures/profiles/outage-only.toml");

/// Clause 9.3.1 alone, per queue over 15 minutes: below 80 % fires at once from 4 calls, and
/// clears at 85 % (hysteresis 0.05).
pub const SERVICE_LEVEL_15M: &str = include_str!("../../fixtures/profiles/service-level-15m.toml");
