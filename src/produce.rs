//! Sending JSON Lines events to a Kafka topic, keyed by call id so that each call's events
//! stay in one partition, in order. Used by `simulate --brokers` for load tests.

use crate::codec::decode;
use anyhow::Context as _;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::time::{Duration, Instant};

/// What was sent.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    pub events: u64,
    pub seconds: f64,
}

/// A paced Kafka producer of event lines.
pub struct LineProducer {
    producer: BaseProducer,
    topic: String,
    /// Events per second; `None` sends as fast as the broker takes them.
    rate: Option<f64>,
    started: Instant,
    sent: u64,
}

impl LineProducer {
    /// A producer of the client settings `client` (from
    /// [`crate::kafka_client::client_config`]), batching as a bulk sender should unless the
    /// settings say otherwise.
    pub fn new(client: &ClientConfig, topic: &str, rate: Option<f64>) -> anyhow::Result<Self> {
        let mut config = client.clone();
        for (key, default) in [
            ("linger.ms", "5"),
            ("queue.buffering.max.messages", "1000000"),
        ] {
            if config.get(key).is_none() {
                config.set(key, default);
            }
        }
        let producer: BaseProducer = config
            .create()
            .context("cannot create the Kafka producer")?;
        Ok(LineProducer {
            producer,
            topic: topic.into(),
            rate: rate.filter(|r| *r > 0.0),
            started: Instant::now(),
            sent: 0,
        })
    }

    /// Sends one line, keyed by its call id when it has one; waits as the rate requires.
    pub fn send(&mut self, line: &str) -> anyhow::Result<()> {
        let key = decode(line)
            .ok()
            .and_then(|e| e.body.call_id().map(|id| id.to_string()));
        self.send_keyed(line, key.as_deref())
    }

    /// Events sent so far (not all acknowledged yet).
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Sends one line with `key`; waits as the rate requires.
    pub fn send_keyed(&mut self, line: &str, key: Option<&str>) -> anyhow::Result<()> {
        if let Some(rate) = self.rate {
            let due = Duration::from_secs_f64(self.sent as f64 / rate);
            let elapsed = self.started.elapsed();
            if due > elapsed {
                std::thread::sleep(due - elapsed);
            }
        }
        let mut record = BaseRecord::<str, str>::to(&self.topic).payload(line);
        if let Some(key) = key {
            record = record.key(key);
        }
        loop {
            match self.producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    self.producer.poll(Duration::from_millis(5));
                }
                Err((e, _)) => return Err(e).context("cannot send to Kafka"),
            }
        }
        self.producer.poll(Duration::ZERO);
        self.sent += 1;
        Ok(())
    }

    /// Waits until every event is acknowledged.
    pub fn finish(self) -> anyhow::Result<Sent> {
        self.producer
            .flush(Duration::from_secs(60))
            .context("events still unacknowledged after 60 s")?;
        Ok(Sent {
            events: self.sent,
            seconds: self.started.elapsed().as_secs_f64(),
        })
    }
}
