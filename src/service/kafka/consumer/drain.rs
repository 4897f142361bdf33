//! The shutdown's steps of the input loop: the last cut (with checkpoints) or the reorder
//! buffer applied (without), their dead letters and offsets, then the last commit.

use super::{Consumer, RETRY};
use crate::reject::Rejection;
use crate::service::backpressure;
use crate::service::checkpoint;
use crate::time::wall_clock;
use crate::untrusted::Untrusted;
use rdkafka::consumer::{CommitMode, Consumer as _};
use std::time::{Duration, Instant};

impl Consumer {
    /// At shutdown, every dead letter written so far: with checkpoints the last cut, without
    /// what the reorder buffer holds applied; then their dead letters and offsets. Gives back
    /// the dead letters left unwritten.
    pub(super) fn drain(&self) -> Result<(), Vec<Rejection>> {
        match self.checkpoint_every {
            Some(_) => self.last_cut(),
            None => self.flush(),
        }
    }

    /// The last cut: what is buffered stays buffered, in the checkpoint, and a restart goes
    /// on from there as if never stopped.
    fn last_cut(&self) -> Result<(), Vec<Rejection>> {
        let (rejections, cut) = {
            let mut state = self.shared.lock();
            let rejections = state.drain();
            state.keep_rejected(&rejections, wall_clock());
            let offsets = state.safe_offsets();
            (
                rejections,
                state.prepare_checkpoint(&self.owner, wall_clock(), offsets),
            )
        };
        self.write_dead_letters(&rejections)?;
        if let Some(offsets) = self.last_checkpoint(cut) {
            self.store(&offsets);
        }
        Ok(())
    }

    /// The shutdown's checkpoint, tried again until half the shutdown timeout has passed while
    /// the store refuses it (the rows then stay unwritten: a restart from the previous
    /// checkpoint reads their events again). Returns the offsets to store.
    fn last_checkpoint(
        &self,
        mut cut: Option<checkpoint::Prepared>,
    ) -> Option<Vec<(String, i32, i64)>> {
        let deadline = backpressure::finish_deadline(&self.shared.lock());
        loop {
            let offsets = self.shared.lock().commit_checkpoint(cut.take()?);
            if offsets.is_some() || Instant::now() >= deadline {
                return offsets;
            }
            std::thread::sleep(Duration::from_millis(RETRY));
            let mut state = self.shared.lock();
            let commit = state.safe_offsets();
            cut = state.prepare_checkpoint(&self.owner, wall_clock(), commit);
        }
    }

    /// Without checkpoints: applies what is still buffered, so every event read ends accepted
    /// or rejected, the rejected ones are written, and then every offset read is stored.
    fn flush(&self) -> Result<(), Vec<Rejection>> {
        let (rejections, offsets) = {
            let mut state = self.shared.lock();
            state.engine.flush();
            let rejections = state.drain();
            state.keep_rejected(&rejections, wall_clock());
            let deadline = backpressure::finish_deadline(&state);
            let lost = state.finish_evidence(deadline, wall_clock());
            // Rows given up: the offsets stay, a restart reads their events again.
            let offsets = if lost == 0 {
                state.safe_offsets()
            } else {
                Vec::new()
            };
            (rejections, offsets)
        };
        self.write_dead_letters(&rejections)?;
        self.store(&offsets);
        Ok(())
    }

    /// Logs the dead letters left unwritten (their offsets not stored) and commits the
    /// stored offsets.
    pub(super) fn close(&self, unwritten: &[Rejection]) {
        for r in unwritten {
            tracing::error!(
                reason = %r.reason,
                partition = r.origin.partition,
                offset = r.origin.offset,
                bytes = %Untrusted::whole(&String::from_utf8_lossy(&r.bytes)),
                "dead letter not written at shutdown: kept in this log, its offset not stored"
            );
        }
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) => tracing::info!("offsets committed"),
            Err(e) => tracing::info!(error = %e, "final commit"),
        }
    }
}
