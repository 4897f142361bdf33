//! Reading the deployment files: paths under `deploy/`, YAML through PyYAML, the tools that
//! validate them (present, or a failure under CI and a skip elsewhere), and callpulse's port,
//! shutdown timeout and durations as the tools write them.

use callpulse::config::{Config, DEFAULT_LISTEN};
use callpulse::time::Millis;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn deploy(path: &str) -> PathBuf {
    root().join("deploy").join(path)
}

pub(crate) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `true` when `program args` runs; otherwise fails under CI and says it skips elsewhere.
pub(crate) fn have(what: &str, program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{what} is missing under CI"
        );
        eprintln!("skipping: {what} not installed");
    }
    ok
}

/// Runs a command; panics with its output unless it succeeds. Returns stdout and stderr.
pub(crate) fn run(program: &str, args: &[&str]) -> (String, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{stdout}{stderr}"
    );
    (stdout, stderr)
}

pub(crate) fn pyyaml() -> bool {
    have(
        "PyYAML (python3 -m pip install PyYAML)",
        "python3",
        &[
            root()
                .join("tests/python/yaml_to_json.py")
                .to_str()
                .unwrap(),
            "--probe",
        ],
    )
}

/// Every YAML document of `path`.
pub(crate) fn yaml(path: &Path) -> Vec<Value> {
    let script = root().join("tests/python/yaml_to_json.py");
    let (out, _) = run(
        "python3",
        &[script.to_str().unwrap(), path.to_str().unwrap()],
    );
    let mut files: Vec<Value> = serde_json::from_str(&out).unwrap();
    match files.pop().unwrap()["documents"].take() {
        Value::Array(docs) => docs,
        other => panic!("{other}"),
    }
}

pub(crate) fn one_yaml(path: &Path) -> Value {
    let mut docs = yaml(path);
    assert_eq!(docs.len(), 1, "{}: one document", path.display());
    docs.pop().unwrap()
}

/// A YAML list of strings (volumes, arguments).
pub(crate) fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_else(|| panic!("not a string: {s}")))
        .collect()
}

pub(crate) fn str_of<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what}: not a string: {v}"))
}

/// The default listen port of the code (9898).
pub(crate) fn port() -> u16 {
    DEFAULT_LISTEN.rsplit_once(':').unwrap().1.parse().unwrap()
}

/// The default `service.shutdown_timeout`.
pub(crate) fn shutdown_timeout() -> Millis {
    Config::default().service.shutdown_timeout
}

/// `30s`, `1m30s`, `2min` as systemd, compose and Kubernetes write them.
pub(crate) fn seconds(text: &str) -> f64 {
    let mut total = 0.0;
    let mut number = String::new();
    let mut unit = String::new();
    let mut flush = |number: &mut String, unit: &mut String| {
        if number.is_empty() {
            return;
        }
        let n: f64 = number.parse().unwrap_or_else(|_| panic!("{text}"));
        total += n * match unit.as_str() {
            "" | "s" | "sec" => 1.0,
            "ms" => 0.001,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            u => panic!("unit {u} in {text}"),
        };
        number.clear();
        unit.clear();
    };
    for c in text.trim().chars() {
        if c.is_ascii_digit() || c == '.' {
            if !unit.is_empty() {
                flush(&mut number, &mut unit);
            }
            number.push(c);
        } else if !c.is_whitespace() {
            unit.push(c);
        }
    }
    flush(&mut number, &mut unit);
    total
}

#[test]
fn durations_read_as_the_tools_write_them() {
    assert_eq!(seconds("30s"), 30.0);
    assert_eq!(seconds("1m30s"), 90.0);
    assert_eq!(seconds("2min"), 120.0);
    assert_eq!(seconds("45"), 45.0);
}
