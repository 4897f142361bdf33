//! The systemd unit: it verifies, restarts on failure and waits longer than callpulse's
//! shutdown.

use super::config_keys::*;
use super::files::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[test]
fn the_systemd_unit_verifies_restarts_on_failure_and_waits_longer_than_the_shutdown() {
    let path = deploy("systemd/callpulse.service");
    let text = read(&path);
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with('[') || line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=').unwrap_or_else(|| panic!("{line}"));
        keys.entry(k.to_string()).or_default().push(v.to_string());
    }
    let one = |k: &str| -> &str {
        let v = keys.get(k).unwrap_or_else(|| panic!("no {k}="));
        v.last().unwrap()
    };
    assert_eq!(one("Restart"), "on-failure");
    assert_eq!(one("KillSignal"), "SIGTERM");
    let stop = seconds(one("TimeoutStopSec"));
    assert!(
        stop * 1000.0 > shutdown_timeout() as f64,
        "TimeoutStopSec {stop}s ≤ service.shutdown_timeout"
    );
    let exec = one("ExecStart");
    assert!(
        exec.starts_with("/usr/local/bin/callpulse run --config /etc/callpulse/"),
        "{exec}"
    );
    assert_ne!(one("User"), "root");
    for hardening in [
        "NoNewPrivileges",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
        "RestrictAddressFamilies",
        "SystemCallFilter",
        "CapabilityBoundingSet",
    ] {
        assert!(keys.contains_key(hardening), "no {hardening}=");
    }
    // The variables are configuration keys; the store is in the working (state) directory.
    let mut env = BTreeMap::new();
    for v in keys.get("Environment").unwrap() {
        let (k, val) = v.split_once('=').unwrap();
        env.insert(k.to_string(), val.to_string());
    }
    let cfg = check_variables("deploy/systemd/callpulse.service", &env, None);
    let store = cfg.evidence.path.unwrap();
    let dir = store.parent().unwrap();
    assert_eq!(Path::new(one("WorkingDirectory")), dir);
    assert_eq!(
        Path::new("/var/lib").join(one("StateDirectory")),
        dir,
        "systemd makes the store's folder for the user"
    );

    if !have("systemd-analyze", "systemd-analyze", &["--version"]) {
        return;
    }
    // verify wants the binary of ExecStart: point it at the one built for the tests. It exits
    // 0 on unknown keys and bad values, so any word about the unit is a failure.
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("callpulse.service");
    std::fs::write(
        &unit,
        text.replace("/usr/local/bin/callpulse", env!("CARGO_BIN_EXE_callpulse")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", unit.to_str().unwrap()])
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let about_unit: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("callpulse.service"))
        .collect();
    assert!(
        out.status.success() && about_unit.is_empty(),
        "systemd-analyze verify:\n{said}"
    );
}
