//! Every file shipped under `config/` loads and validates, and the reference file states the
//! built-in defaults exactly.

use callpulse::adapter::csv::Mapping;
use callpulse::alert::profile::{Profile, BUILT_IN};
use callpulse::config::BUILT_IN_PROFILE;
use callpulse::config::{AgentNames, Config, Wallboard};
use std::path::Path;

#[test]
fn every_file_under_config_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut loaded = 0;
    for entry in walk(&dir) {
        if entry.extension().is_some_and(|e| e == "toml") {
            if entry.to_string_lossy().contains("profiles") {
                // Certification profiles, judged by the live service's alerts.
                Profile::load(&entry.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"));
            } else if entry.strip_prefix(&dir).unwrap().starts_with("agents") {
                // Agents' display names, read by the live service (http.agent_names).
                AgentNames::load(&entry).unwrap_or_else(|e| panic!("{e:?}"));
            } else if entry.strip_prefix(&dir).unwrap().starts_with("wallboard") {
                // The wallboard file: colour rules, flash and sound (http.wallboard).
                Wallboard::load(&entry).unwrap_or_else(|e| panic!("{e:?}"));
            } else if entry.to_string_lossy().contains("mappings") {
                // CSV column mappings, read by the csv input format.
                Mapping::load(&entry).unwrap_or_else(|e| panic!("{e}"));
            } else {
                Config::load(&entry).unwrap_or_else(|e| panic!("{e}"));
            }
            loaded += 1;
        }
    }
    assert!(loaded >= 5, "found {loaded} config files");
}

#[test]
fn the_reference_config_equals_the_built_in_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/callpulse.toml");
    let file = Config::load(&path).unwrap();
    let defaults = Config::default();
    assert_eq!(
        format!("{:?}", file.engine),
        format!("{:?}", defaults.engine)
    );
    assert_eq!(file.stability, defaults.stability);
    assert_eq!(file.kafka, defaults.kafka);
    assert_eq!(file.service, defaults.service);
    assert_eq!(file.alerts, defaults.alerts);
    assert_eq!(file.evidence, defaults.evidence);
}

#[test]
fn the_built_in_profile_is_the_shipped_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/profiles/yd-t-2823-2015.toml");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), BUILT_IN);
    let from_file = Profile::load(&path.to_string_lossy()).unwrap();
    assert_eq!(from_file, Profile::load(BUILT_IN_PROFILE).unwrap());
    assert_eq!(
        Config::default().alerts.profile.as_deref(),
        Some(BUILT_IN_PROFILE)
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
