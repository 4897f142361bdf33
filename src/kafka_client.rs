//! The one librdkafka client configuration of every Kafka client callpulse makes: the
//! consumer and the dead-letter producer of `run`, `produce`, and `simulate --brokers`. The
//! `[kafka.client]` table (TLS, SASL, timeouts…, also from `CALLPULSE_KAFKA_CLIENT_*`) is
//! passed through as written, so a setting that secures `run` secures the others too.

use crate::config::KafkaConfig;
use rdkafka::config::ClientConfig;

/// The librdkafka settings of `k`: the passed-through `kafka.client` table and the brokers.
/// Callers add only what is their own (a group id, a producer's batching), never security.
pub fn client_config(k: &KafkaConfig) -> ClientConfig {
    let mut c = ClientConfig::new();
    for (key, value) in &k.client {
        c.set(key, value);
    }
    c.set("bootstrap.servers", &k.brokers);
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn the_client_table_and_the_brokers_are_both_set() {
        let text = "[kafka]\nbrokers = \"k1:9093\"\n[kafka.client]\n\"security.protocol\" = \"SASL_SSL\"\n";
        let cfg = Config::parse(text, "t.toml").unwrap();
        let c = client_config(&cfg.kafka);
        assert_eq!(c.get("security.protocol"), Some("SASL_SSL"));
        assert_eq!(c.get("bootstrap.servers"), Some("k1:9093"));
    }
}
