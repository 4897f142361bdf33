//! Backpressure from the evidence store: while it cannot be written, the input stops reading.
//!
//! A store that fails a write keeps every row ([`super::evidence::Recorder`]) and reports
//! itself backed up. Each input then holds still until a retry succeeds: the Kafka consumer
//! pauses its partitions (Kafka keeps the messages, the group's offsets stay where they
//! are), the file follower does not read on and does not save its position, the demo's
//! simulator waits. `/readyz` answers not ready meanwhile and
//! `callpulse_evidence_pending_rows` shows the rows that wait. At shutdown the rows are
//! written if the store takes them within half of `service.shutdown_timeout`; otherwise they
//! are given up and a gap row records them ([`State::finish_evidence`]).

use super::state::{Shared, State};
use crate::time::Millis;
use std::time::{Duration, Instant};

/// Pause between two tries of a store that cannot be written.
const RETRY: Duration = Duration::from_millis(500);

impl State {
    /// The evidence store failed its last write and rows wait: the input must not read on.
    pub fn evidence_backed_up(&self) -> bool {
        self.evidence.as_ref().is_some_and(|r| r.backed_up())
    }

    /// Rows waiting to be written to the evidence store.
    pub fn evidence_pending(&self) -> usize {
        self.evidence.as_ref().map_or(0, |r| r.pending_rows())
    }

    /// Tries the waiting rows again (outside checkpoints); returns whether the store is
    /// still backed up.
    pub fn retry_evidence(&mut self) -> bool {
        if let Some(r) = &mut self.evidence {
            r.flush();
        }
        self.evidence_backed_up()
    }

    /// At shutdown, with nothing more to read: writes every row that waits, trying until
    /// `deadline`; the rows the store still refuses then are given up, and a gap row records
    /// them. Rows held for a checkpoint are not touched (the last checkpoint takes them, or
    /// a restart reads their input again). Returns how many rows were given up.
    pub fn finish_evidence(&mut self, deadline: Instant, now: Millis) -> u64 {
        while self.retry_evidence() && Instant::now() < deadline {
            std::thread::sleep(RETRY);
        }
        if !self.evidence_backed_up() {
            return 0;
        }
        let at = crate::time::rfc3339::format(now, &chrono::Utc);
        self.evidence.as_mut().map_or(0, |r| {
            r.give_up(
                "the evidence store could not be written before shutdown",
                &at,
            )
        })
    }
}

/// Waits, retrying, until the evidence store takes the rows that wait or `stop` says so;
/// returns whether it is still backed up. For inputs that write evidence after each batch
/// (a followed file, the demo).
pub fn wait_for_evidence(shared: &Shared, stop: impl Fn() -> bool) -> bool {
    loop {
        if !shared.lock().retry_evidence() {
            return false;
        }
        if stop() {
            return true;
        }
        std::thread::sleep(RETRY);
    }
}

/// The deadline of the shutdown's last evidence write: half the shutdown timeout from now.
pub fn finish_deadline(state: &State) -> Instant {
    Instant::now() + Duration::from_millis(state.config.service.shutdown_timeout as u64 / 2)
}
