//! Environment overrides: every key of `[engine]`, `[kafka]`, `[http]` and `[service]` can be
//! set by `CALLPULSE_<SECTION>_<KEY>` (for example `CALLPULSE_ENGINE_THRESHOLD=30s`,
//! `CALLPULSE_KAFKA_BROKERS=kafka-1:9092,kafka-2:9092`; lists are comma-separated), and any
//! librdkafka setting by `CALLPULSE_KAFKA_CLIENT_<NAME>` with dots written as underscores
//! (`CALLPULSE_KAFKA_CLIENT_SASL_PASSWORD` sets `sasl.password`). Precedence: built-in
//! default < file < environment < command-line option. The variables are captured once into
//! an [`Environment`], so tests pass their own.

use super::{Problem, RawConfig};
use std::collections::BTreeMap;
use toml::Value;

/// The sections whose keys the environment can override.
const SECTIONS: [&str; 8] = [
    "engine", "input", "kafka", "http", "service", "alerts", "evidence", "limits",
];

/// Keys that have no default value and so do not appear in a serialised default config.
const OPTIONAL: [(&str, &str); 1] = [("engine", "short_abandon")];

/// Prefix of the variables that pass librdkafka settings through.
const CLIENT_PREFIX: &str = "CALLPULSE_KAFKA_CLIENT_";

/// The `CALLPULSE_*` variables of an environment.
#[derive(Debug, Clone, Default)]
pub struct Environment(BTreeMap<String, String>);

impl Environment {
    /// This process's variables that start with `CALLPULSE_`.
    pub fn of_process() -> Self {
        Self::from_pairs(std::env::vars().filter(|(k, _)| k.starts_with("CALLPULSE_")))
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Environment(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    pub fn get(&self, var: &str) -> Option<&str> {
        self.0.get(var).map(String::as_str)
    }
}

/// The environment variable of a key: `CALLPULSE_ENGINE_CALL_TIMEOUT` for
/// `engine.call_timeout`.
pub fn variable(section: &str, key: &str) -> String {
    format!(
        "CALLPULSE_{}_{}",
        section.to_uppercase(),
        key.to_uppercase()
    )
}

/// Applies the overrides found in `env` to the TOML `table` of a configuration; returns the
/// variables used (or the problems of their values).
pub fn apply(table: &mut toml::Table, env: &Environment) -> Result<Vec<String>, Vec<Problem>> {
    let defaults = Value::try_from(RawConfig::default()).expect("the default config serialises");
    let mut used = Vec::new();
    let mut problems = Vec::new();
    for section in SECTIONS {
        let mut keys: Vec<(String, Option<Value>)> = defaults
            .get(section)
            .and_then(Value::as_table)
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.clone(), Some(v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        keys.extend(
            OPTIONAL
                .iter()
                .filter(|(s, _)| *s == section)
                .map(|(_, k)| (k.to_string(), None)),
        );
        for (key, default) in keys {
            let var = variable(section, &key);
            let Some(text) = env.get(&var) else { continue };
            let value = match default {
                Some(Value::Table(_)) => continue,
                Some(Value::Integer(_)) => match text.trim().parse::<i64>() {
                    Ok(n) => Value::Integer(n),
                    Err(_) => {
                        problems.push(Problem {
                            key: format!("{section}.{key} (from {var})"),
                            message: format!("must be a whole number, got {text:?}"),
                        });
                        continue;
                    }
                },
                Some(Value::Boolean(_)) => match text.trim() {
                    "true" => Value::Boolean(true),
                    "false" => Value::Boolean(false),
                    _ => {
                        problems.push(Problem {
                            key: format!("{section}.{key} (from {var})"),
                            message: format!("must be true or false, got {text:?}"),
                        });
                        continue;
                    }
                },
                Some(Value::Array(_)) => Value::Array(
                    text.split(',')
                        .map(|s| Value::String(s.trim().to_string()))
                        .collect(),
                ),
                _ => Value::String(text.to_string()),
            };
            section_table(table, section).insert(key.clone(), value);
            used.push(var);
        }
    }
    for (var, value) in env.0.range(CLIENT_PREFIX.to_string()..) {
        let Some(name) = var.strip_prefix(CLIENT_PREFIX) else {
            break;
        };
        let setting = name.to_lowercase().replace('_', ".");
        let kafka = section_table(table, "kafka");
        let client = kafka
            .entry("client")
            .or_insert_with(|| Value::Table(toml::Table::new()));
        if let Value::Table(t) = client {
            t.insert(setting, Value::String(value.clone()));
            used.push(var.clone());
        }
    }
    if problems.is_empty() {
        Ok(used)
    } else {
        Err(problems)
    }
}

fn section_table<'a>(table: &'a mut toml::Table, section: &str) -> &'a mut toml::Table {
    let entry = table
        .entry(section.to_string())
        .or_insert_with(|| Value::Table(toml::Table::new()));
    if !entry.is_table() {
        *entry = Value::Table(toml::Table::new());
    }
    entry.as_table_mut().expect("made a table above")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_override_the_file_key_by_key() {
        let mut table: toml::Table =
            toml::from_str("[engine]\nthreshold = \"10s\"\ninterval = \"30m\"\n").unwrap();
        let used = apply(
            &mut table,
            &Environment::from_pairs([
                ("CALLPULSE_ENGINE_THRESHOLD", "25s"),
                ("CALLPULSE_ENGINE_SHORT_ABANDON", "5s"),
                ("CALLPULSE_ENGINE_MAX_EVENT_BYTES", "1024"),
                ("CALLPULSE_OTHER", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(used.len(), 3);
        let raw: RawConfig = table.try_into().unwrap();
        let cfg = raw.validate().unwrap();
        assert_eq!(cfg.engine.threshold, 25_000);
        assert_eq!(
            cfg.engine.interval_minutes, 30,
            "keys without a variable keep the file's value"
        );
        assert_eq!(cfg.engine.short_abandon, Some(5_000));
        assert_eq!(cfg.engine.max_event_bytes, 1024);
    }

    #[test]
    fn service_keys_lists_and_librdkafka_settings_come_from_the_environment() {
        let mut table: toml::Table =
            toml::from_str("[kafka.client]\n\"socket.timeout.ms\" = \"5000\"\n").unwrap();
        apply(
            &mut table,
            &Environment::from_pairs([
                ("CALLPULSE_KAFKA_BROKERS", "k1:9092,k2:9092"),
                ("CALLPULSE_KAFKA_TOPICS", "acd-a, acd-b"),
                ("CALLPULSE_HTTP_LISTEN", "0.0.0.0:9000"),
                ("CALLPULSE_SERVICE_READY_MAX_LAG", "50"),
                ("CALLPULSE_KAFKA_CLIENT_SECURITY_PROTOCOL", "SASL_SSL"),
                ("CALLPULSE_KAFKA_CLIENT_SASL_PASSWORD", "s3cret"),
            ]),
        )
        .unwrap();
        let raw: RawConfig = table.try_into().unwrap();
        let cfg = raw.validate().unwrap();
        assert_eq!(cfg.kafka.brokers, "k1:9092,k2:9092");
        assert_eq!(cfg.kafka.topics, ["acd-a", "acd-b"]);
        assert_eq!(cfg.service.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(cfg.service.ready_max_lag, 50);
        let client: Vec<_> = cfg.kafka.client.iter().collect();
        assert_eq!(
            client,
            [
                (&"sasl.password".to_string(), &"s3cret".to_string()),
                (&"security.protocol".to_string(), &"SASL_SSL".to_string()),
                (&"socket.timeout.ms".to_string(), &"5000".to_string()),
            ],
            "the file's settings stay beside the environment's"
        );
    }

    #[test]
    fn a_bad_number_names_its_variable() {
        let mut table = toml::Table::new();
        let err = apply(
            &mut table,
            &Environment::from_pairs([("CALLPULSE_ENGINE_MAX_EVENT_BYTES", "lots")]),
        )
        .unwrap_err();
        assert_eq!(
            err[0].key,
            "engine.max_event_bytes (from CALLPULSE_ENGINE_MAX_EVENT_BYTES)"
        );
        assert!(err[0].message.contains("\"lots\""));
    }

    #[test]
    fn a_boolean_key_takes_true_or_false_and_names_its_variable_otherwise() {
        let mut table = toml::Table::new();
        let env = Environment::from_pairs([("CALLPULSE_HTTP_AGENT_METRICS", "true")]);
        apply(&mut table, &env).unwrap();
        let raw: RawConfig = table.try_into().unwrap();
        assert!(raw.validate().unwrap().service.agent_metrics);
        let err = apply(
            &mut toml::Table::new(),
            &Environment::from_pairs([("CALLPULSE_HTTP_AGENT_METRICS", "yes")]),
        )
        .unwrap_err();
        assert_eq!(
            err[0].key,
            "http.agent_metrics (from CALLPULSE_HTTP_AGENT_METRICS)"
        );
        assert!(
            err[0].message.contains("true or false"),
            "{}",
            err[0].message
        );
    }
}
