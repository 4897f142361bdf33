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
}
