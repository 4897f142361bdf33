//! Property tests: for any stream, any reordering within the lateness bound and any
//! duplication give the same results as a naive recompute-from-scratch oracle
//! ([`crate::oracle`]), and accepted + rejected = read.
//!
//! The streams are generated call by call (consistent per-call histories): offers from a small
//! pool of customers so repeat contacts occur, waits from 0 to 120 s including exactly 20 000
//! and 20 001 ms, abandons, overflows before answer, transfers after it (sometimes two: only
//! the first counts, the engine counts the second as a duplicate), ends with `resolved`
//! true/false/absent, wrap-ups, `call.completed` records, surveys. They span about two hours
//! from a start chosen so that some cross midnight of UTC or of Asia/Shanghai.
//!
//! Arrival orders:
//! * in order: sorted by the instant that places an event (`ts`, `offered_at` for a completed
//!   record), ties in lifecycle order;
//! * reordered within the lateness: every event arrives at `ts + d`, where `d` is random in
//!   `[0, lateness − (ts − offered_at)]` for a completed record and `[0, lateness]` for every
//!   other event (both ends included), ties broken at random. The engine's watermark is the
//!   highest ordering instant seen minus the lateness, and a completed record is ordered (and
//!   moves the watermark) at its `offered_at` while it arrives at its `ts` (= `ended_at`,
//!   written when the call is over), so its delay budget is what its `ts` leaves of the
//!   lateness. That is why the tests with completed records use lateness = grace = 1 h (a
//!   completed call lasts under 30 min here); the lifecycle-only tests use lateness 60 s (30 s,
//!   the default, when in order). Nothing so ordered is ever late, and the tests check it
//!   (`stats.late == 0`). With the default lateness an in-order stream with completed records
//!   has late events, and the final figures must still equal the oracle's (see (1c)).
//!
//! Each proptest runs 64 cases (`PROPTEST_CASES=n` for more); failures are not persisted (no
//! files are written).

mod against_oracle;
mod arbitrary;
mod read_counts;
pub(crate) mod running;
pub(crate) mod streams;
