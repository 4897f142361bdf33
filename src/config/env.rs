//! Environment overrides: every key of `[engine]` can be set by `CALLPULSE_ENGINE_<KEY>`
//! (for example `CALLPULSE_ENGINE_THRESHOLD=30s`). Precedence: built-in default < file <
//! environment < command-line option. The environment is read through a function, so tests
//! pass their own.

use super::{Problem, RawConfig};
use toml::Value;

/// The sections whose keys the environment can override.
const SECTIONS: [&str; 1] = ["engine"];

/// Keys that have no default value and so do not appear in a serialised default config.
const OPTIONAL: [(&str, &str); 1] = [("engine", "short_abandon")];

/// The environment variable of a key: `CALLPULSE_ENGINE_CALL_TIMEOUT` for
/// `engine.call_timeout`.
pub fn variable(section: &str, key: &str) -> String {
    format!(
        "CALLPULSE_{}_{}",
        section.to_uppercase(),
        key.to_uppercase()
    )
}

/// Applies the overrides found by `env` to the TOML `table` of a configuration; returns the
/// variables used (or the problems of their values).
pub fn apply(
    table: &mut toml::Table,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, Vec<Problem>> {
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
            let Some(text) = env(&var) else { continue };
            let value = match default {
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
                _ => Value::String(text),
            };
            let entry = table
                .entry(section.to_string())
                .or_insert_with(|| Value::Table(toml::Table::new()));
            if let Value::Table(t) = entry {
                t.insert(key.clone(), value);
            }
            used.push(var);
        }
    }
    if problems.is_empty() {
        Ok(used)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn variables_override_the_file_key_by_key() {
        let mut table: toml::Table =
            toml::from_str("[engine]\nthreshold = \"10s\"\ninterval = \"30m\"\n").unwrap();
        let used = apply(
            &mut table,
            &env(&[
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
    fn a_bad_number_names_its_variable() {
        let mut table = toml::Table::new();
        let err = apply(
            &mut table,
            &env(&[("CALLPULSE_ENGINE_MAX_EVENT_BYTES", "lots")]),
        )
        .unwrap_err();
        assert_eq!(
            err[0].key,
            "engine.max_event_bytes (from CALLPULSE_ENGINE_MAX_EVENT_BYTES)"
        );
        assert!(err[0].message.contains("\"lots\""));
    }
}
