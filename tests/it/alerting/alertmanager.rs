//! A real Prometheus Alertmanager (API v2) receives the firing alert and its resolution.
//!
//! Alertmanager 0.25 never lists an alert whose `endsAt` is past in `GET /api/v2/alerts`,
//! whatever the `active`/`silenced`/`inhibited`/`unprocessed` filters say: a resolved alert
//! simply disappears from that list. So the resolution is proven positively through
//! Alertmanager's own notification pipeline: its webhook receiver (`send_resolved: true`)
//! is pointed at the test's receiver (`support::webhook`), which sees
//! Alertmanager's `"status": "resolved"`.

use super::center::*;
use crate::support::service::{get, sample, try_get};
use crate::support::webhook::Webhook;
use serde_json::Value;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// A free loopback port (bound, then released for the child to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether a required tool is there: under CI (`CI=true`) a missing one fails the test,
/// elsewhere the test is skipped with a note.
fn tool_present(path: &str, package: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{path} is needed (Debian package {package})");
    }
    eprintln!("skipping: {path} not installed (Debian package {package})");
    false
}

// ---- a real Alertmanager -----------------------------------------------------------------

/// A running Alertmanager (no clustering) on a loopback port, killed on drop.
struct Alertmanager {
    child: Child,
    base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// Starts Alertmanager with one route to a webhook receiver at `hook_url` that is also
    /// told of resolutions, and waits until `/-/ready` answers 200. `None` when the binary is
    /// missing outside CI.
    fn start(hook_url: &str) -> Option<Alertmanager> {
        if !tool_present(ALERTMANAGER, "prometheus-alertmanager") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("am.yml");
        std::fs::write(
            &config,
            format!(
                "route:\n  receiver: test\n  group_by: [alertname]\n  group_wait: 0s\n  \
                 group_interval: 1s\n  repeat_interval: 1h\n\
                 receivers:\n  - name: test\n    webhook_configs:\n      - url: {hook_url}\n        \
                 send_resolved: true\n"
            ),
        )
        .unwrap();
        let log = dir.path().join("alertmanager.log");
        // The port is free when picked, not necessarily when taken: try a few.
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(ALERTMANAGER)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--cluster.listen-address=")
                .arg("--data.retention=1h")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .expect("Alertmanager starts");
            let base = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + WAIT;
            let ready = loop {
                if child.try_wait().unwrap().is_some() {
                    break false;
                }
                if try_get(&format!("{base}/-/ready")).is_ok_and(|(s, _)| s == 200) {
                    break true;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "Alertmanager not ready within {WAIT:?}:\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            };
            if ready {
                return Some(Alertmanager {
                    child,
                    base,
                    log,
                    _dir: dir,
                });
            }
            eprintln!(
                "Alertmanager exited at start (port {port} taken?):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("Alertmanager did not start on any of 5 ports");
    }

    /// `GET /api/v2/alerts` with every filter open.
    fn alerts(&self) -> Vec<Value> {
        let (code, body) = get(&format!(
            "{}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true",
            self.base
        ));
        assert_eq!(code, 200, "{body}");
        json(&body).as_array().cloned().unwrap_or_default()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_real_alertmanager_receives_a_firing_alert_and_its_resolution() {
    let notified = Webhook::start(&[]);
    let Some(am) = Alertmanager::start(&format!("{}/alertmanager", notified.base)) else {
        return;
    };
    let started = Instant::now();
    let (center, down) = Center::with_outage(&format!("alertmanager_urls = [{:?}]", am.base));

    // Alertmanager holds it, active, with every label and annotation.
    let alert = poll(
        "the alert in Alertmanager",
        WAIT,
        || {
            am.alerts()
                .into_iter()
                .find(|a| a["labels"]["alertname"] == "outage_over_30m")
                .filter(|a| a["status"]["state"] == "active")
        },
        || format!("{}\n--- alertmanager ---\n{}", center.context(), am.log()),
    );
    assert_eq!(labels_of(&alert["labels"]), expected_labels(), "{alert}");
    check_annotations(&alert["annotations"]);
    assert!(
        alert["generatorURL"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://") && u.ends_with("/api/v1/alerts")),
        "{alert}"
    );
    assert!(time_of(&alert["startsAt"]) >= down + 1_800_000, "{alert}");
    assert!(
        time_of(&alert["endsAt"]) > time_of(&alert["startsAt"]),
        "a firing alert ends in the future: {alert}"
    );

    // callpulse's own view and gauges.
    let v = center.alerts();
    assert_eq!(v["profile"]["id"], "outage-only", "{v}");
    assert_eq!(v["profile"]["criteria"], 1, "{v}");
    let active = v["active"].as_array().unwrap();
    assert_eq!(active.len(), 1, "{v}");
    let a = &active[0];
    assert_eq!(a["state"], "firing");
    assert_eq!(a["clause"], "11.2.1");
    assert_eq!(a["scope"], "component");
    assert_eq!(a["name"], "acd");
    assert_eq!(a["threshold"], 1800.0);
    assert_eq!(a["comparison"], ">");
    assert!(a["value"].as_f64().unwrap() > 1800.0, "{v}");
    let m = center.service.get("/metrics").1;
    assert_eq!(
        sample(&m, "callpulse_alert_firing", ACD_FIRING),
        Some(1.0),
        "{m}"
    );
    let sent = center
        .service
        .wait_for("a delivery to Alertmanager", WAIT, |m| {
            sample(
                m,
                "callpulse_alert_notifications_total",
                r#"receiver="alertmanager",result="ok""#,
            )
            .filter(|n| *n > 0.0)
        });
    assert!(sent > 0.0);

    // Alertmanager notified its receiver of the firing alert.
    let first = notified.next("Alertmanager's firing notification", WAIT);
    assert_eq!(first.path, "/alertmanager");
    assert_eq!(first.body["status"], "firing", "{}", first.body);
    assert_eq!(
        labels_of(&first.body["alerts"][0]["labels"]),
        expected_labels()
    );

    // The recovery: callpulse resolves the alert and tells Alertmanager, which stops
    // listing it (endsAt is past) and notifies its receiver of the resolution.
    let up = center.outage_resolves();
    check_resolved_in_callpulse(&center, down, up);
    let resolved = loop {
        let n = notified.next("Alertmanager's resolved notification", WAIT);
        if n.body["status"] == "resolved" {
            break n;
        }
        assert_eq!(n.body["status"], "firing", "{}", n.body);
    };
    let r = &resolved.body["alerts"][0];
    assert_eq!(r["status"], "resolved", "{r}");
    assert_eq!(labels_of(&r["labels"]), expected_labels(), "{r}");
    let ends = time_of(&r["endsAt"]);
    assert!(
        ends >= up && ends <= now_ms(),
        "endsAt is the recovery: {r}"
    );
    poll(
        "Alertmanager to stop listing the resolved alert",
        WAIT,
        || {
            (!am.alerts()
                .iter()
                .any(|a| a["labels"]["alertname"] == "outage_over_30m"))
            .then_some(())
        },
        || format!("{:?}\n--- alertmanager ---\n{}", am.alerts(), am.log()),
    );
    let m = center.service.get("/metrics").1;
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_notifications_total",
            r#"receiver="alertmanager",result="error""#
        ),
        Some(0.0),
        "{m}"
    );
    eprintln!(
        "fired, delivered and resolved through Alertmanager in {} ms",
        started.elapsed().as_millis()
    );
}
