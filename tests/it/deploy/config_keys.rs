//! Every `CALLPULSE_*` variable named in `deploy/` (and in the deployment documentation) is a
//! configuration key of callpulse, with values that validate; the checks can fail.

use super::files::*;
use callpulse::config::{Config, Environment, RawConfig};
use std::collections::{BTreeMap, BTreeSet};

/// Checks `vars` against callpulse's configuration: each is a key the environment overrides
/// (or `CALLPULSE_LOG`), the values validate, and each `CALLPULSE_KAFKA_CLIENT_*` is a
/// librdkafka property. Returns the validated configuration.
pub(crate) fn check_variables(
    file: &str,
    vars: &BTreeMap<String, String>,
    base: Option<&str>,
) -> Config {
    assert!(!vars.is_empty(), "{file}: no CALLPULSE_* variable");
    let env = Environment::from_pairs(vars.clone());
    let text = base.unwrap_or("");
    let (raw, used) =
        RawConfig::from_text(text, file, &env).unwrap_or_else(|e| panic!("{file}: {e}"));
    for var in vars.keys() {
        assert!(
            var == "CALLPULSE_LOG" || used.contains(var),
            "{file}: {var} is not a configuration key of callpulse"
        );
    }
    let cfg = raw
        .validate()
        .unwrap_or_else(|p| panic!("{file}: invalid configuration: {p:?}"));
    // librdkafka refuses a property it does not know when the client is made.
    let mut client = rdkafka::ClientConfig::new();
    client
        .set("group.id", "check")
        .set("bootstrap.servers", "127.0.0.1:1");
    for (k, v) in &cfg.kafka.client {
        client.set(k, v);
    }
    if let Err(e) = client.create::<rdkafka::consumer::BaseConsumer>() {
        panic!("{file}: librdkafka refuses {:?}: {e}", cfg.kafka.client);
    }
    cfg
}

/// Every `CALLPULSE_*` word of a text, for files whose variables are checked one by one.
pub(crate) fn variables_named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("CALLPULSE_") {
        let name: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.ends_with('_') {
            out.insert(name);
        }
    }
    out
}

/// Whether `var` is a variable callpulse reads: a key of the configuration, a librdkafka
/// setting (`CALLPULSE_KAFKA_CLIENT_*`) or the log filter.
pub(crate) fn is_key(var: &str) -> bool {
    if var == "CALLPULSE_LOG" {
        return true;
    }
    if let Some(setting) = var.strip_prefix("CALLPULSE_KAFKA_CLIENT_") {
        return !setting.is_empty();
    }
    // A value of the wrong type is refused naming the variable: it is a key all the same.
    match RawConfig::from_text("", "check", &Environment::from_pairs([(var, "x")])) {
        Ok((_, used)) => used.iter().any(|u| u == var),
        Err(e) => e.to_string().contains(var),
    }
}

/// The book's Deployment page (it was the README's `## Deployment` section).
fn readme_deployment_section() -> String {
    read(&root().join("docs/src/operator/deployment.md"))
}

#[test]
fn every_callpulse_variable_named_in_deploy_is_a_configuration_key() {
    let mut texts: Vec<(String, String)> = [
        deploy("Dockerfile"),
        deploy("docker-compose.yml"),
        deploy("systemd/callpulse.service"),
    ]
    .into_iter()
    .chain(
        std::fs::read_dir(deploy("kubernetes"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    )
    .map(|f| (f.display().to_string(), read(&f)))
    .collect();
    texts.push((
        "docs/src/operator/deployment.md".into(),
        readme_deployment_section(),
    ));
    let mut seen = 0;
    for (name, text) in texts {
        for var in variables_named(&text) {
            assert!(
                is_key(&var),
                "{name}: {var} is not a configuration key of callpulse"
            );
            seen += 1;
        }
    }
    assert!(seen >= 10, "{seen} variables");
    assert!(!is_key("CALLPULSE_HTTP_LISTN"));
    assert!(is_key("CALLPULSE_SERVICE_READY_MAX_LAG"));
}

pub(crate) fn listen_port(cfg: &Config) -> u16 {
    cfg.service.listen.port()
}

/// The checks above can fail: a wrong variable, a librdkafka setting that does not exist.
#[test]
#[should_panic(expected = "CALLPULSE_HTTP_LISTN is not a configuration key")]
fn a_misspelt_variable_is_refused() {
    check_variables(
        "test",
        &BTreeMap::from([(
            "CALLPULSE_HTTP_LISTN".to_string(),
            "0.0.0.0:9898".to_string(),
        )]),
        None,
    );
}

#[test]
#[should_panic(expected = "librdkafka refuses")]
fn an_unknown_librdkafka_setting_is_refused() {
    check_variables(
        "test",
        &BTreeMap::from([(
            "CALLPULSE_KAFKA_CLIENT_GROUP_INSTANCE".to_string(),
            "callpulse-0".to_string(),
        )]),
        None,
    );
}
