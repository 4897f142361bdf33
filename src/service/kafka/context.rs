//! The consumer's context: what librdkafka's callbacks (errors, statistics, rebalances)
//! report, and where a partition assigned to this process starts reading.

use crate::untrusted::Untrusted;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, RebalanceProtocol,
};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::statistics::Statistics;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::Offset;
use rdkafka::{ClientContext, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// What librdkafka's callbacks report, kept apart from the shared state so that a callback
/// run inside `poll` never waits for a lock the input loop holds.
#[derive(Default)]
pub(super) struct Context {
    /// Lag by (topic, partition), from the client statistics.
    pub(super) lag: Mutex<BTreeMap<(String, i32), i64>>,
    /// Set by a rebalance: the assignment changed.
    pub(super) rebalanced: Mutex<bool>,
    /// With checkpoints, where this process has read each partition through: from the
    /// checkpoint at start, then after every batch. A partition assigned (again) starts
    /// there, so nothing its engine holds is read twice.
    pub(super) resume: Mutex<BTreeMap<(String, i32), i64>>,
}

impl ClientContext for Context {
    fn error(&self, error: KafkaError, reason: &str) {
        match error {
            // Reaching a partition's end is how the service knows it caught up.
            KafkaError::PartitionEOF(_) | KafkaError::Global(RDKafkaErrorCode::PartitionEOF) => {
                tracing::debug!(%reason, "partition end")
            }
            e => tracing::warn!(error = %e, reason = %Untrusted::name(reason), "librdkafka"),
        }
    }

    fn stats(&self, stats: Statistics) {
        let mut lag = self.lag.lock().unwrap_or_else(|e| e.into_inner());
        lag.clear();
        for (topic, t) in stats.topics {
            for (p, part) in t.partitions {
                if p < 0 || part.fetch_state == "none" {
                    continue;
                }
                let l = if part.consumer_lag_stored >= 0 {
                    part.consumer_lag_stored
                } else {
                    part.consumer_lag
                };
                if l >= 0 {
                    lag.insert((topic.clone(), p), l);
                }
            }
        }
    }
}

impl ConsumerContext for Context {
    /// librdkafka's rebalance, as rdkafka does it, except that a partition this process has
    /// read (or restored from a checkpoint) starts where it was read through.
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let cooperative = matches!(
            consumer.rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
        let result = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.resume_where_read(tpl);
                self.pre_rebalance(consumer, &Rebalance::Assign(tpl));
                let done = if cooperative {
                    consumer.incremental_assign(tpl)
                } else {
                    consumer.assign(tpl)
                };
                self.post_rebalance(consumer, &Rebalance::Assign(tpl));
                done
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                self.pre_rebalance(consumer, &Rebalance::Revoke(tpl));
                let done = if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                };
                self.post_rebalance(consumer, &Rebalance::Revoke(tpl));
                done
            }
            other => {
                // As rdkafka does: give up the assignment, the group will assign again.
                let e = || Rebalance::Error(KafkaError::Rebalance(other.into()));
                self.pre_rebalance(consumer, &e());
                let done = if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                };
                self.post_rebalance(consumer, &e());
                done
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "rebalance");
        }
    }

    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            tracing::info!(
                partitions = tpl.count(),
                "partitions revoked; committing offsets"
            );
            if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
                // Nothing stored yet is not an error worth more than a note.
                tracing::info!(error = %e, "commit on revocation");
            }
        }
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Error(e) = rebalance {
            tracing::warn!(error = %e, "rebalance error");
        }
        *self.rebalanced.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }
}

impl Context {
    /// Sets the start of each partition of `tpl` that this process has read.
    fn resume_where_read(&self, tpl: &mut TopicPartitionList) {
        let resume = self.resume.lock().unwrap_or_else(|e| e.into_inner());
        if resume.is_empty() {
            return;
        }
        let assigned: Vec<(String, i32)> = tpl
            .elements()
            .iter()
            .map(|e| (e.topic().to_string(), e.partition()))
            .collect();
        for (topic, partition) in assigned {
            if let Some(&offset) = resume.get(&(topic.clone(), partition)) {
                tracing::info!(%topic, partition, offset, "starting where this instance read through");
                if let Err(e) = tpl.set_partition_offset(&topic, partition, Offset::Offset(offset))
                {
                    tracing::warn!(error = %e, %topic, partition, "cannot set the start");
                }
            }
        }
    }
}

/// Drops from `resume` (seek, read up to) the partitions whose group offset is past where
/// the checkpoint had read them: another instance read them on while this one was down, and
/// this one's state of them is stale.
pub(super) fn skip_stale(
    consumer: &BaseConsumer<Context>,
    resume: &mut BTreeMap<(String, i32), (i64, i64)>,
) {
    if resume.is_empty() {
        return;
    }
    let mut tpl = TopicPartitionList::new();
    for (topic, partition) in resume.keys() {
        tpl.add_partition(topic, *partition);
    }
    let committed = match consumer.committed_offsets(tpl, Duration::from_secs(10)) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the group's offsets to compare with the checkpoint");
            return;
        }
    };
    for e in committed.elements() {
        let key = (e.topic().to_string(), e.partition());
        if let (Offset::Offset(group), Some(&(_, ours))) = (e.offset(), resume.get(&key)) {
            if group > ours {
                tracing::warn!(
                    topic = %key.0,
                    partition = key.1,
                    checkpoint = ours,
                    group,
                    "another instance read this partition on since the checkpoint: starting from the group's offset (this instance's state of it is stale)"
                );
                resume.remove(&key);
            }
        }
    }
}
