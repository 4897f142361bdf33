//! The input the tests produce: simulated lines, some malformed on purpose, written by an
//! idempotent, patient producer that reports where each line went.

use super::cluster::{Cluster, DEADLINE, INPUT};
use callpulse::sim::{SimConfig, Simulator};
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// `n` simulated JSON lines, `malformed_per_10k` of them malformed on purpose.
pub(super) fn simulated(n: usize, malformed_per_10k: u32) -> Vec<String> {
    Simulator::new(SimConfig {
        seed: 7,
        malformed_per_10k,
        ..SimConfig::default()
    })
    .take(n)
    .collect()
}

/// Where a message is: (partition, offset).
pub(super) type Position = (i32, i64);

/// Where each produced line went, by the index it was sent with.
#[derive(Default)]
struct Deliveries {
    done: Mutex<BTreeMap<usize, Result<Position, String>>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = Box<usize>;

    fn delivery(&self, result: &DeliveryResult<'_>, index: Box<usize>) {
        let outcome = match result {
            Ok(m) => Ok((m.partition(), m.offset())),
            Err((e, _)) => Err(e.to_string()),
        };
        let previous = self.done.lock().unwrap().insert(*index, outcome);
        assert!(previous.is_none(), "line {index} reported twice");
    }
}

/// The test's own producer of input lines: idempotent (a retry after a broker outage cannot
/// write a line twice) and patient (it buffers through an outage).
pub(super) struct LineProducer {
    producer: BaseProducer<Deliveries>,
    lines: Vec<String>,
}

impl LineProducer {
    pub(super) fn new(cluster: &Cluster) -> LineProducer {
        let producer = ClientConfig::new()
            .set("bootstrap.servers", cluster.bootstrap_servers())
            .set("enable.idempotence", "true")
            .set("message.timeout.ms", "600000")
            .set("reconnect.backoff.max.ms", "1000")
            .set("linger.ms", "5")
            .create_with_context(Deliveries::default())
            .expect("producer");
        LineProducer {
            producer,
            lines: Vec::new(),
        }
    }

    /// Queues `line` to `partition` if given, keyed as the event contract asks: by call id,
    /// by agent id for agent events; other lines go unkeyed.
    pub(super) fn send(&mut self, line: &str, partition: Option<i32>) {
        let index = self.lines.len();
        self.lines.push(line.to_string());
        let key = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| {
                let id = v.get("call_id").or_else(|| v.get("agent_id"))?;
                id.as_str().map(String::from)
            });
        let mut record = BaseRecord::<str, str, Box<usize>>::with_opaque_to(INPUT, Box::new(index))
            .payload(line);
        if let Some(key) = &key {
            record = record.key(key.as_str());
        }
        if let Some(p) = partition {
            record = record.partition(p);
        }
        loop {
            match self.producer.send(record) {
                Ok(()) => return,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    self.producer.poll(Duration::from_millis(10));
                }
                Err((e, _)) => panic!("cannot queue line {index}: {e}"),
            }
        }
    }

    pub(super) fn send_all(&mut self, lines: &[String]) {
        for line in lines {
            self.send(line, None);
        }
    }

    /// Waits until every line sent is acknowledged; returns each line by where it went.
    pub(super) fn flush(&self) -> BTreeMap<Position, String> {
        self.producer
            .flush(DEADLINE)
            .expect("every line acknowledged");
        let done = self.producer.context().done.lock().unwrap();
        assert_eq!(done.len(), self.lines.len(), "a delivery report is missing");
        let mut at = BTreeMap::new();
        for (index, outcome) in done.iter() {
            let position = outcome
                .clone()
                .unwrap_or_else(|e| panic!("line {index}: {e}"));
            let before = at.insert(position, self.lines[*index].clone());
            assert!(before.is_none(), "two lines at {position:?}");
        }
        at
    }
}
