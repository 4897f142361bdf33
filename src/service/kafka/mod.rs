//! `callpulse run`'s input: the configured topics, read with librdkafka in a consumer group.
//!
//! With an evidence store and `evidence.checkpoint_interval` (the default), exactly-once: every
//! few seconds the engine state, the offsets it read through and the evidence rows since the
//! last cut are written in one transaction ([`super::checkpoint`]), after the cut's dead
//! letters are acknowledged. A restart restores the checkpoint and starts each of its
//! partitions where the checkpoint read it through (as does a partition assigned again). The
//! group's offsets are stored at each cut and stop before the events still in the reorder
//! buffer: an instance that takes a partition over reads those again, so none is lost.
//!
//! While the evidence store cannot be written, the partitions are paused and nothing is read
//! ([`super::backpressure`]); no evidence row is dropped.
//!
//! Without checkpoints, at-least-once: a batch of messages is applied to the engine, its
//! rejected events are written as dead letters and acknowledged, and only then are its
//! offsets stored. Stored offsets are committed every `auto.commit.interval.ms`, on partition
//! revocation and on shutdown; a restarted or rebalanced instance resumes from the committed
//! offsets.

mod consumer;
mod context;

use super::shutdown::Shutdown;
use super::state::Shared;
use crate::config::KafkaConfig;
use crate::kafka_client::client_config;
use consumer::Consumer;
use rdkafka::config::ClientConfig;

/// The consumer's settings: the shared ones, callpulse's own, and defaults that the
/// `kafka.client` table may override.
pub fn consumer_config(k: &KafkaConfig) -> ClientConfig {
    let mut c = client_config(k);
    for (key, default) in [
        // Faster than librdkafka's 1 s for a consumer that keeps up (performance notes).
        ("fetch.queue.backoff.ms", "20"),
        // Lag per partition comes from the client statistics.
        ("statistics.interval.ms", "1000"),
        ("auto.offset.reset", "earliest"),
    ] {
        if c.get(key).is_none() {
            c.set(key, default);
        }
    }
    c.set("group.id", &k.group_id)
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("isolation.level", "read_committed");
    c
}

/// Consumes until `shutdown`; returns after applying what was read and committing.
///
/// A batch's offsets are stored only up to the first event it still holds in the engine's
/// reorder buffer, and only once the batch's dead letters are acknowledged: a restart reads
/// again from the first event not yet applied.
pub fn consume(shared: Shared, k: &KafkaConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    Consumer::start(shared, k, shutdown)?.run()
}
