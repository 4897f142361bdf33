//! Fault injection against the live Kafka input (`callpulse::service::kafka::consume`): Kafka
//! failing under the service must neither lose an event nor feed one to the engine twice.
//!
//! These tests use librdkafka's mock cluster (`rdkafka::mocking::MockCluster`) only because
//! it can inject faults (brokers down, request errors) on demand; it runs in process and
//! needs nothing installed. The tests against a real broker (tansu, `support::kafka`) prove
//! the protocol-level behaviour; these prove the service's reaction to failures.
//!
//! Every wait polls with a generous deadline and fails with the state it saw instead of
//! hanging; no assertion depends on how fast anything happens.

// A backlog in several partitions is applied, not rejected as too late.
mod backlog;
// Not tests: the checks after the fact (dead letters against the input, read once).
mod checks;
// Not tests: the mock cluster, the service's configuration, offsets, waiting.
mod cluster;
// A dead-letter topic refusing writes holds the offsets back until it accepts.
mod dead_letter_topic;
// Every broker down while reading: no event lost, none read twice.
mod outage;
// Not tests: simulated input lines and the producer that writes them.
mod producer;
// Not tests: the Kafka input on its own thread.
mod service;
