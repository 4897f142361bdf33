//! The service's configuration from the environment, and the bare consumers' librdkafka settings.

use callpulse::config::{Config, ConfigError, Environment, KafkaConfig, RawConfig};
use callpulse::service::kafka;
use rdkafka::config::ClientConfig;

/// The service's configuration from the environment alone, as `callpulse run` without a file
/// builds it: the defaults, and `CALLPULSE_KAFKA_CLIENT_<KEY>` and the like where set.
pub(crate) fn service_config() -> anyhow::Result<Config> {
    let (raw, name) = RawConfig::read(None, &Environment::of_process())?;
    raw.validate().map_err(|problems| {
        ConfigError {
            source_name: name,
            problems,
        }
        .into()
    })
}

/// The settings of a bare consumer: exactly the service's consumer's
/// (`kafka::consumer_config`), in its own group, without partition-EOF events.
pub(crate) fn bare_config(k: &KafkaConfig, group: &str) -> ClientConfig {
    let mut c = kafka::consumer_config(k);
    c.set("group.id", group)
        .set("enable.partition.eof", "false");
    c
}

/// The bare consumers' settings, but the brokers and the group, for the output.
pub(crate) fn describe(c: &ClientConfig) -> String {
    let settings: Vec<String> = c
        .config_map()
        .into_iter()
        .filter(|(key, _)| !matches!(*key, "bootstrap.servers" | "group.id"))
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    settings.join(" ")
}
