//! Dead letters: rejected events written to a Kafka topic with the reason and where they came
//! from as headers. A batch's offsets are stored only after its dead letters are
//! acknowledged, so a dead-letter topic that cannot be written holds the offsets back and
//! nothing is lost.

use crate::reject::Rejection;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;
use std::sync::Mutex;
use std::time::Duration;

/// Header names of a dead letter.
pub const REASON: &str = "callpulse.reason";
pub const SOURCE_TOPIC: &str = "callpulse.source.topic";
pub const SOURCE_PARTITION: &str = "callpulse.source.partition";
pub const SOURCE_OFFSET: &str = "callpulse.source.offset";

/// Collects the indices of the dead letters whose delivery failed.
#[derive(Default)]
pub struct Deliveries {
    failed: Mutex<Vec<(usize, String)>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = Box<usize>;

    fn delivery(&self, result: &DeliveryResult<'_>, index: Box<usize>) {
        if let Err((e, _)) = result {
            self.failed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((*index, e.to_string()));
        }
    }
}

/// The dead-letter producer.
pub struct DeadLetters {
    producer: BaseProducer<Deliveries>,
    topic: String,
    timeout: Duration,
}

/// Why dead letters were not all written.
#[derive(Debug)]
pub struct NotWritten {
    pub failed: usize,
    pub error: String,
}

impl DeadLetters {
    pub fn new(client: &ClientConfig, topic: &str) -> Result<Self, KafkaError> {
        let mut config = client.clone();
        if config.get("message.timeout.ms").is_none() {
            config.set("message.timeout.ms", "10000");
        }
        let timeout = config
            .get("message.timeout.ms")
            .and_then(|ms| ms.parse().ok())
            .map_or(Duration::from_secs(10), Duration::from_millis);
        config.set("enable.idempotence", "false");
        Ok(DeadLetters {
            producer: config.create_with_context(Deliveries::default())?,
            topic: topic.to_string(),
            timeout,
        })
    }

    /// Writes every rejection and waits for the broker's acknowledgement. Returns the
    /// rejections that could not be written (to retry) with the last error.
    pub fn write<'a>(
        &self,
        rejections: &'a [Rejection],
        sources: &[String],
    ) -> Result<(), (Vec<&'a Rejection>, NotWritten)> {
        let mut last_error = String::new();
        let mut unsent = Vec::new();
        for (i, r) in rejections.iter().enumerate() {
            let source = sources.get(r.origin.source as usize).map_or("", String::as_str);
            let (partition, offset) = (r.origin.partition.to_string(), r.origin.offset.to_string());
            let reason = r.reason.code();
            let headers = OwnedHeaders::new()
                .insert(header(REASON, &reason))
                .insert(header(SOURCE_TOPIC, source))
                .insert(header(SOURCE_PARTITION, &partition))
                .insert(header(SOURCE_OFFSET, &offset));
            let mut record = BaseRecord::<(), [u8], Box<usize>>::with_opaque_to(&self.topic, Box::new(i))
                .payload(&r.bytes[..])
                .headers(headers);
            loop {
                match self.producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        record = back;
                        self.producer.poll(Duration::from_millis(10));
                    }
                    Err((e, _)) => {
                        last_error = e.to_string();
                        unsent.push(i);
                        break;
                    }
                }
            }
        }
        let flushed = self.producer.flush(self.timeout + Duration::from_secs(1));
        if let Err(e) = &flushed {
            last_error = e.to_string();
        }
        let mut failed: Vec<usize> = std::mem::take(
            &mut *self
                .producer
                .context()
                .failed
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )
        .into_iter()
        .map(|(i, e)| {
            last_error = e;
            i
        })
        .collect();
        failed.extend(unsent);
        if failed.is_empty() && flushed.is_ok() {
            return Ok(());
        }
        if flushed.is_err() && failed.is_empty() {
            // Still queued after the timeout: treat every letter as not written (a later
            // delivery makes a duplicate dead letter, never a lost one).
            failed = (0..rejections.len()).collect();
            self.producer.purge(rdkafka::producer::PurgeConfig::default().queue().inflight());
        }
        failed.sort_unstable();
        failed.dedup();
        let n = failed.len();
        Err((
            failed.into_iter().map(|i| &rejections[i]).collect(),
            NotWritten {
                failed: n,
                error: last_error,
            },
        ))
    }
}

fn header<'a>(key: &'a str, value: &'a str) -> Header<'a, &'a str> {
    Header {
        key,
        value: Some(value),
    }
}
