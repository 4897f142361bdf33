//! Dead letters: rejected events written to a Kafka topic with the reason and where they came
//! from as headers. A batch's offsets are stored only after its dead letters are
//! acknowledged, so a dead-letter topic that cannot be written holds the offsets back and
//! nothing is lost.

use crate::reject::Rejection;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

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

/// The delivery reports of dead letters: (write call, index in it, error if it failed),
/// handed from the producer's polling thread to the writer, which waits on `arrived`.
#[derive(Default)]
pub struct Deliveries {
    reports: Mutex<Vec<(u64, usize, Option<String>)>>,
    arrived: Condvar,
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
        self.arrived.notify_all();
    }
}

/// The dead-letter producer.
///
/// Threaded: librdkafka's delivery reports are served by rdkafka's polling thread, and
/// [`DeadLetters::write`] sleeps on a condition variable until its own have all come. (A
/// `BaseProducer` polled from the input loop cannot wait for "the next report": rdkafka's
/// `poll` runs to its deadline and spins through its last millisecond, and a wait in 1 ms
/// polls spent a third of the input thread's CPU spinning while every batch with a
/// rejection waited for its acknowledgement.)
pub struct DeadLetters {
    producer: ThreadedProducer<Deliveries>,
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
        // A batch's letters are all sent before it waits for them: lingering for more would
        // only hold the input loop up.
        if config.get("linger.ms").is_none() {
            config.set("linger.ms", "0");
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
        // Letters handed to librdkafka: each gets exactly one delivery report.
        let mut sent = 0;
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
                    Ok(()) => {
                        sent += 1;
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        // The polling thread frees room as reports come.
                        record = back;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err((e, _)) => {
                        last_error = e.to_string();
                        break;
                    }
                }
            }
        }
        let reports = self.reports_of(call, sent, &mut last_error);
        let mut written = vec![false; rejections.len()];
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

    /// Waits until the `sent` letters of write call `call` are all reported, or until
    /// `message.timeout.ms` (and a second) has passed; then takes every report that came.
    fn reports_of(
        &self,
        call: u64,
        sent: usize,
        last_error: &mut String,
    ) -> Vec<(u64, usize, Option<String>)> {
        let deliveries = self.producer.context();
        let deadline = Instant::now() + self.timeout + Duration::from_secs(1);
        let mut reports = deliveries.reports.lock().unwrap_or_else(|e| e.into_inner());
        while reports.iter().filter(|(c, _, _)| *c == call).count() < sent {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                *last_error = "dead letters unacknowledged after message.timeout.ms".into();
                // What is still queued will not be waited for: it counts as not written (a
                // later delivery makes a duplicate dead letter, never a lost one). The lock
                // is let go first: the purged letters' reports take it.
                drop(reports);
                self.producer
                    .purge(rdkafka::producer::PurgeConfig::default().queue().inflight());
                reports = deliveries.reports.lock().unwrap_or_else(|e| e.into_inner());
                break;
            };
            reports = deliveries
                .arrived
                .wait_timeout(reports, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        std::mem::take(&mut *reports)
    }
}

fn header<'a>(key: &'a str, value: &'a str) -> Header<'a, &'a str> {
    Header {
        key,
        value: Some(value),
    }
}
