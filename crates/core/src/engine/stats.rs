//! What the engine did with its input: the counts behind `accepted + rejected = read`.

use crate::reject::RejectReason;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counters of one engine. Every read event ends up in exactly one of `accepted` and
/// `rejected` (duplicates are accepted and also counted in `duplicates`); until then it is
/// `pending` (in the reorder buffer, or waiting for its call's offer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub read: u64,
    pub accepted: u64,
    pub rejected: BTreeMap<RejectReason, u64>,
    pub duplicates: u64,
    /// Events that arrived after the watermark had passed them (applied at once; they may
    /// revise final periods).
    pub late: u64,
    /// Records emitted again because a final period changed.
    pub revisions: u64,
    /// Calls dropped after `call_timeout` without an outcome or an end.
    pub evicted_calls: u64,
}

impl Stats {
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Read events whose fate is not decided yet.
    pub fn pending(&self) -> u64 {
        self.read - self.accepted - self.rejected_total()
    }

    pub(crate) fn reject(&mut self, reason: RejectReason) {
        *self.rejected.entry(reason).or_default() += 1;
    }

    /// Whether counts read from a checkpoint can go on counting: each at most [`MAX_STAT`]
    /// (a million events a second for two thousand years), and no more decided than read.
    pub fn check_bounds(&self) -> Result<(), String> {
        let counts = [
            self.read,
            self.accepted,
            self.duplicates,
            self.late,
            self.revisions,
            self.evicted_calls,
        ];
        let all = counts.into_iter().chain(self.rejected.values().copied());
        super::tally::check_at_most(all, MAX_STAT)?;
        let decided = self.accepted + self.rejected_total();
        if decided > self.read {
            return Err(format!("{decided} events decided of {} read", self.read));
        }
        Ok(())
    }
}

/// The largest event count a checkpoint may carry: 2⁵⁶.
pub const MAX_STAT: u64 = 1 << 56;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restored_counts_that_would_overflow_or_undercount_the_pending_are_refused() {
        let mut s = Stats {
            read: 10,
            accepted: 7,
            ..Stats::default()
        };
        s.reject(RejectReason::InvalidJson);
        assert_eq!(s.check_bounds(), Ok(()));
        s.accepted = 10;
        assert!(s
            .check_bounds()
            .unwrap_err()
            .contains("11 events decided of 10 read"));
        s.read = u64::MAX;
        assert!(s.check_bounds().unwrap_err().contains("at most"));
    }
}
