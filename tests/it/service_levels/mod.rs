//! Service levels by a contract's definition, end to end (issue 19, point 3): eight
//! hand-made calls of queue `q` through the live service, with a profile whose criteria count
//! calls otherwise than 9.3.1, to `/api/v1/kpis` (each value stamped with its definition),
//! the window gauges of `/metrics` and the alerts judged by each definition — from a followed
//! file and from Kafka, with the same scenario and the same checks ([`eight_calls`],
//! [`check_levels`]); and a profile whose stated short-abandon bound is not the engine's
//! refused at start.

// `run --follow` on a file, and the wallboard tile in Chromium.
mod file;
// The same calls produced to a tansu broker by kafka-python, keyed by call id.
mod kafka;

use crate::support::live::{at, json, metric, now_ms, poll};
use crate::support::service::Service;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub(super) const PROFILE: &str = r#"
[profile]
id = "contracts"
standard = "contract"
name_zh = "合同"
name_en = "Contracts"

[[criteria]]
id = "contract_ignored"
clause = "4.1"
name_zh = "合同服务水平"
name_en = "Contract service level"
metric = "service_level"
abandons = "ignored"
flow_outs = "out"
scope = "queue"
window = "15m"
comparison = "<"
threshold = 0.4
min_volume = 1
severity = "warning"

[[criteria]]
id = "contract_for"
clause = "4.2"
name_zh = "合同服务水平"
name_en = "Contract service level"
metric = "service_level"
abandons = "for"
short_abandon = "0s"
callbacks = "excluded"
scope = "queue"
window = "15m"
comparison = "<"
threshold = 0.5
min_volume = 1
severity = "warning"
"#;

/// Writes `profile.toml` and `callpulse.toml` into `dir`: short abandons below 5 s,
/// lateness 0, idle after 1 s, alerts judged every second by `profile`; `input` is the
/// input's own part of the file (empty for Kafka, configured by the environment). Returns
/// the configuration's path.
pub(super) fn configure(profile: &str, dir: &Path, input: &str) -> PathBuf {
    let profile_path = dir.join("profile.toml");
    std::fs::write(&profile_path, profile).unwrap();
    let config = dir.join("callpulse.toml");
    std::fs::write(
        &config,
        format!(
            "[engine]\nlateness = \"0s\"\nshort_abandon = \"5s\"\n\n{input}\
             [service]\nidle_after = \"1s\"\n\n\
             [alerts]\nprofile = {:?}\nevaluation_interval = \"1s\"\n",
            profile_path.display().to_string(),
        ),
    )
    .unwrap();
    config
}

/// Eight calls of queue `q`, offered a minute ago, each with its outcome after `wait` ms.
pub(super) fn eight_calls() -> Vec<String> {
    let t0 = now_ms() - 60_000;
    let mut lines = Vec::new();
    let outcomes: [(&str, i64); 8] = [
        ("answered", 20_000),
        ("answered", 20_001),
        ("abandoned", 4_999),
        ("abandoned", 5_000),
        ("abandoned", 20_000),
        ("abandoned", 20_001),
        ("transferred", 3_000),
        ("callback", 8_000),
    ];
    for (i, (what, wait)) in outcomes.into_iter().enumerate() {
        let (call, start) = (format!("c{i}"), t0 + i as i64);
        let end = at(start + wait);
        lines.push(format!(
            r#"{{"type":"call.offered","ts":"{}","call_id":"{call}","queue":"q"}}"#,
            at(start)
        ));
        lines.push(match what {
            "answered" => {
                format!(r#"{{"type":"call.answered","ts":"{end}","call_id":"{call}","agent_id":"a"}}"#)
            }
            "abandoned" => format!(r#"{{"type":"call.abandoned","ts":"{end}","call_id":"{call}"}}"#),
            "callback" => format!(
                r#"{{"type":"call.abandoned","ts":"{end}","call_id":"{call}","cause":"callback"}}"#
            ),
            _ => format!(
                r#"{{"type":"call.transferred","ts":"{end}","call_id":"{call}","to_queue":"other"}}"#
            ),
        });
    }
    lines.sort_by_key(|l| l[l.find("\"ts\"").unwrap()..].to_string());
    lines
}

fn level<'a>(q: &'a Value, criterion: &str) -> &'a Value {
    q["contract_service_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["criterion"] == criterion)
        .unwrap_or_else(|| panic!("no {criterion} in {q}"))
}

/// What the eight calls of [`eight_calls`] show, the checks both inputs share: in
/// `/api/v1/kpis`, 9.3.1's service level and each contract criterion's by its own
/// definition, each stamped with it; the window gauges of `/metrics` the generated rules
/// compute the same from; and in `/api/v1/alerts`, each criterion judged by its definition.
pub(super) fn check_levels(service: &Service) {
    let q = poll(service, "the eight calls of q", |last| {
        let (status, body) = service.get("/api/v1/kpis?queue=q");
        *last = body;
        if status != 200 {
            return None; // q not seen yet
        }
        let v: Value = serde_json::from_str(last).unwrap();
        let q = v["queues"][0].clone();
        (q["offered"] == 8 && q["abandoned"] == 4).then_some(q)
    });
    // Within 20 s: the answer at 20.000 s; abandons within: 4.999, 5.000 and 20.000 s; short:
    // 4.999 s only (below 5 s, not at it); one flowed out; one left with a callback request
    // (no abandon).
    assert_eq!(q["answered_within_threshold"], 1);
    assert_eq!(q["abandoned_within_threshold"], 3);
    assert_eq!(q["short_abandoned"], 1);
    // 9.3.1: 1 met of 8 less the short abandon.
    assert_eq!(q["service_level"].as_f64(), Some(1.0 / 7.0));
    assert_eq!(q["service_level_definition"], "9.3.1 short_abandon=5s");
    // Abandons within and not short (5.000, 20.000) and the flow-out leave: 1 of 8 - 1 - 2 - 1.
    let ignored = level(&q, "contract_ignored");
    assert_eq!(ignored["service_level"].as_f64(), Some(1.0 / 4.0));
    assert_eq!(ignored["counted"], 4);
    assert_eq!(
        ignored["definition"],
        "9.3.1 abandons=ignored short_abandon=5s flow_outs=out"
    );
    // No short abandons: the three abandons within are met; the callback request leaves: 4 of 7.
    let met = level(&q, "contract_for");
    assert_eq!(met["service_level"].as_f64(), Some(4.0 / 7.0));
    assert_eq!(
        met["definition"],
        "9.3.1 abandons=for short_abandon=0s callbacks=excluded"
    );

    // The window gauges the generated rules compute the same from.
    let gauge = |name: &str| metric(service, name, r#"queue="q",window="15m""#);
    assert_eq!(
        gauge("callpulse_window_calls_abandoned_within_threshold"),
        Some(3.0)
    );
    assert_eq!(gauge("callpulse_window_calls_flowed_out"), Some(1.0));
    assert_eq!(
        gauge("callpulse_window_calls_callbacks_requested"),
        Some(1.0)
    );

    // Judged by its definition: 1/4 < 0.4 fires, 4/7 is not < 0.5 (9.3.1's 1/7 would fire both).
    // Alerts are judged every second: wait for a judgement of all eight calls.
    let firing = poll(service, "the contract alert on all eight calls", |last| {
        let v = json(service, "/api/v1/alerts");
        *last = v.to_string();
        let active = v["active"].as_array().cloned().unwrap_or_default();
        // Queue `other` (where the flow-out still waits) breaches both; q is judged here.
        let active: Vec<Value> = active.into_iter().filter(|a| a["name"] == "q").collect();
        active
            .iter()
            .any(|a| {
                a["criterion"] == "contract_ignored" && a["state"] == "firing" && a["volume"] == 4
            })
            .then_some(active)
    });
    let ignored = firing
        .iter()
        .find(|a| a["criterion"] == "contract_ignored")
        .unwrap();
    assert_eq!(ignored["value"].as_f64(), Some(1.0 / 4.0), "{firing:?}");
    assert!(
        firing.iter().all(|a| a["criterion"] != "contract_for"),
        "{firing:?}"
    );
}

#[test]
fn a_stated_short_abandon_other_than_the_engines_is_refused_at_start_with_64() {
    let dir = tempfile::tempdir().unwrap();
    let profile = PROFILE.replace("short_abandon = \"0s\"", "short_abandon = \"3s\"");
    std::fs::write(dir.path().join("profile.toml"), &profile).unwrap();
    let config = dir.path().join("callpulse.toml");
    std::fs::write(
        &config,
        format!(
            "[engine]\nshort_abandon = \"5s\"\n\n[alerts]\nprofile = {:?}\n",
            dir.path().join("profile.toml").display().to_string()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args([
            "demo",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("criteria[1].short_abandon"), "{stderr}");
    assert!(stderr.contains("engine.short_abandon"), "{stderr}");
}
