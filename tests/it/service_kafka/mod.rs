//! `callpulse run` against a real Kafka-protocol broker (tansu), with kafka-python as the
//! independent client on the other side: what it produces reaches `/metrics` and
//! `/api/v1/kpis` with the right values, bad messages land in the dead-letter topic with
//! their reason, a restart resumes from the committed offsets, two instances of one group
//! split the partitions, and a real Prometheus server computes the same service level.

// Not tests: the run environment, raw produce, the known day, /metrics.
mod common;
// A restart resumes from the committed offsets; two instances split the partitions.
mod groups;
// Not tests: a real Prometheus server scraping the service.
mod prometheus;
// queue_log lines as messages: direct and produced alike, one stream per partition.
mod queue_log;
// Values in /metrics and the API, dead letters with their reason, Prometheus agrees.
mod values;
