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
/// Set, to the original length in bytes, when the payload was cut to [`MAX_PAYLOAD`].
pub const TRUNCATED: &str = "callpulse.truncated";

/// Longest dead-letter payload: well under the 1 MB a broker takes by default, so an
/// oversized input (rejected as `too_large`) cannot block the dead letters for good.
pub const MAX_PAYLOAD: usize = 512 * 1024;

/// The delivery reports of dead letters: (write call, index in it, error if it failed).
#[derive(Default)]
pub struct Deliveries {
    reports: Mutex<Vec<(u64, usize, Option<String>)>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = Box<(u64, usize)>;

    fn delivery(&self, result: &DeliveryResult<'_>, id: Box<(u64, usize)>) {
        let (call, index) = *id;
        let error = result.as_ref().err().map(|(e, _)| e.to_string());
        self.reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((call, index, error));
    }
}

/// The dead-letter producer.
pub struct DeadLetters {
    producer: BaseProducer<Deliveries>,
    topic: String,
    timeout: Duration,
    /// Number of the current `write` call: reports of earlier calls are ignored.
    call: std::cell::Cell<u64>,
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
            config.set("message.timeout.ms", "5000");
        }
        let timeout = config
            .get("message.timeout.ms")
            .and_then(|ms| ms.parse().ok())
            .map_or(Duration::from_secs(5), Duration::from_millis);
        Ok(DeadLetters {
            producer: config.create_with_context(Deliveries::default())?,
            topic: topic.to_string(),
            timeout,
            call: std::cell::Cell::new(0),
        })
    }

    /// Writes every rejection and waits for the broker's acknowledgement. Returns the
    /// rejections not acknowledged (to retry) with the last error: a letter counts as written
    /// only once its delivery report says so.
    pub fn write<'a>(
        &self,
        rejections: &'a [Rejection],
        sources: &[String],
    ) -> Result<(), (Vec<&'a Rejection>, NotWritten)> {
        let call = self.call.get() + 1;
        self.call.set(call);
        let mut last_error = String::new();
        for (i, r) in rejections.iter().enumerate() {
            let source = sources
                .get(r.origin.source as usize)
                .map_or("", String::as_str);
            let (partition, offset) = (r.origin.partition.to_string(), r.origin.offset.to_string());
            let reason = r.reason.code();
            let mut headers = OwnedHeaders::new()
                .insert(header(REASON, &reason))
                .insert(header(SOURCE_TOPIC, source))
                .insert(header(SOURCE_PARTITION, &partition))
                .insert(header(SOURCE_OFFSET, &offset));
            let original = r.bytes.len().to_string();
            if r.bytes.len() > MAX_PAYLOAD {
                headers = headers.insert(header(TRUNCATED, &original));
            }
            let payload = &r.bytes[..r.bytes.len().min(MAX_PAYLOAD)];
            let mut record = BaseRecord::<(), [u8], Box<(u64, usize)>>::with_opaque_to(
                &self.topic,
                Box::new((call, i)),
            )
            .payload(payload)
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
                        break;
                    }
                }
            }
        }
        // Serve delivery reports until none is outstanding. (rdkafka's `flush` waits in
        // 100 ms steps, which would stall the input for every batch with a rejection.)
        let deadline = std::time::Instant::now() + self.timeout + Duration::from_secs(1);
        while self.producer.in_flight_count() > 0 {
            if std::time::Instant::now() > deadline {
                last_error = "dead letters unacknowledged after message.timeout.ms".into();
                // What is still queued will not be waited for: it counts as not written (a
                // later delivery makes a duplicate dead letter, never a lost one).
                self.producer
                    .purge(rdkafka::producer::PurgeConfig::default().queue().inflight());
                break;
            }
            self.producer.poll(Duration::from_millis(1));
        }
        let mut written = vec![false; rejections.len()];
        let reports = std::mem::take(
            &mut *self
                .producer
                .context()
                .reports
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for (c, i, error) in reports {
            match error {
                _ if c != call || i >= written.len() => {}
                None => written[i] = true,
                Some(e) => last_error = e,
            }
        }
        let failed: Vec<&Rejection> = rejections
            .iter()
            .zip(&written)
            .filter(|(_, ok)| !**ok)
            .map(|(r, _)| r)
            .collect();
        if failed.is_empty() {
            return Ok(());
        }
        let n = failed.len();
        Err((
            failed,
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
