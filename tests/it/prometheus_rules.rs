//! The Prometheus rules `callpulse rules` generates judge exactly like the built-in engine.
//!
//! One scenario of 100 minutes (three queues, a component outage, surveys, complaints,
//! forecasts) is fed to a live state minute by minute. At each minute the built-in alerts are
//! evaluated, and the window gauges of `/metrics` are taken as Prometheus would scrape them.
//! Those samples become the input series of a `promtool test rules` file whose expected
//! alerts, at every minute and for every alert, are the ones the built-in engine fires, with
//! the same labels and annotations (value included). promtool then evaluates the generated
//! rules on the series, and ten rules that differ from the engine in one respect each (a
//! threshold made inclusive, a hysteresis removed, a minute less of hold, a minimum volume
//! moved by one) must fail the same comparison.

use crate::support::service::feed_line;
use callpulse::alert::profile::{Profile, BUILT_IN};
use callpulse::alert::{rules, Phase};
use callpulse::config::Config;
use callpulse::config::BUILT_IN_PROFILE;
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::{metrics, Shared, State};
use callpulse::time::{Millis, MINUTE, SECOND};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// 2026-11-01T00:00:00Z: a month starts, so month-to-date windows start with the scenario.
pub(crate) const T0: Millis = 1_793_491_200_000;
const MINUTES: i64 = 100;

/// promtool, or `None` outside CI when it is not installed.
fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool").arg("--version").output().is_ok();
    if !found {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "promtool is missing under CI"
        );
        eprintln!("skipping: promtool not installed");
        return None;
    }
    Some("promtool")
}

fn run_promtool(args: &[&str]) -> String {
    let out = Command::new("promtool").args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?}:\n{text}");
    text
}

/// The shipped profile with a per-queue override for `vip`, one queue where the service
/// level criterion is off, and two service levels by other definitions (every option).
fn profile() -> Profile {
    let mut text = BUILT_IN.replace(
        "# [criteria.overrides.vip]\n# threshold = 0.90\n# min_volume = 10",
        "[criteria.overrides.vip]\nthreshold = 0.90\nmin_volume = 10\n\
         [criteria.overrides.test]\nenabled = false",
    );
    assert_ne!(text, BUILT_IN, "the override example moved");
    text.push_str(CONTRACT_DEFINITIONS);
    Profile::parse(&text, "shipped+vip+contracts").unwrap()
}

/// Service levels as contracts define them: abandons ignored and flow-outs out; abandons
/// met, short abandons counted and callbacks out.
const CONTRACT_DEFINITIONS: &str = r#"
[[criteria]]
id = "contract_sl_abandons_ignored"
clause = "contract"
name_zh = "合同服务水平"
name_en = "Contract service level"
metric = "service_level"
abandons = "ignored"
flow_outs = "out"
scope = "queue"
window = "15m"
comparison = "<"
threshold = 0.95
severity = "warning"

[[criteria]]
id = "contract_sl_abandons_for"
clause = "contract"
name_zh = "合同服务水平"
name_en = "Contract service level"
metric = "service_level"
abandons = "for"
short_abandon = "0s"
callbacks = "excluded"
scope = "center"
window = "60m"
comparison = "<"
threshold = 0.95
hysteresis = 0.01
for = "2m"
severity = "warning"
"#;

fn call(
    out: &mut Vec<(Millis, String)>,
    id: &str,
    queue: &str,
    at: Millis,
    wait_s: i64,
    answered: bool,
) {
    out.push((
        at,
        format!(r#"{{"type":"call.offered","ts":{at},"call_id":"{id}","queue":"{queue}"}}"#),
    ));
    let end = at + wait_s * SECOND;
    out.push((
        end,
        if answered {
            format!(
                r#"{{"type":"call.answered","ts":{end},"call_id":"{id}","agent_id":"a-{queue}"}}"#
            )
        } else {
            format!(r#"{{"type":"call.abandoned","ts":{end},"call_id":"{id}"}}"#)
        },
    ));
    if answered {
        let hang = end + 30 * SECOND;
        out.push((
            hang,
            format!(r#"{{"type":"call.ended","ts":{hang},"call_id":"{id}"}}"#),
        ));
    }
}

/// Every event of the scenario, in time order.
pub(crate) fn scenario() -> Vec<(Millis, String)> {
    let mut ev = Vec::new();
    // Forecasts of the first eight intervals of `sales`: every other one is 40 calls instead
    // of the 60 that come, an accuracy of 0.667.
    for k in 0..8 {
        let volume = if k % 2 == 0 { 60 } else { 40 };
        let start = T0 + k * 15 * MINUTE;
        ev.push((
            T0,
            format!(
                r#"{{"type":"forecast.interval","ts":{T0},"queue":"sales","interval_start":{start},"interval_minutes":15,"offered":{volume}}}"#
            ),
        ));
    }
    ev.push((
        T0,
        format!(r#"{{"type":"system.status","ts":{T0},"component":"acd","status":"up"}}"#),
    ));
    // Down at 00:20:00: at 00:50:00 the outage has lasted exactly 1800 s, not more.
    let down = T0 + 20 * MINUTE;
    let up = T0 + 56 * MINUTE;
    ev.push((
        down,
        format!(r#"{{"type":"system.status","ts":{down},"component":"acd","status":"down"}}"#),
    ));
    ev.push((
        up,
        format!(r#"{{"type":"system.status","ts":{up},"component":"acd","status":"up"}}"#),
    ));
    for m in 0..MINUTES {
        let t = T0 + m * MINUTE;
        // sales: fast (A), then half lost (B), then 80 % of 5 calls a minute (C: exactly at
        // the threshold, inside the hysteresis), then fast again (D).
        let sales: &[(i64, bool)] = match m {
            0..=19 => &[(5, true); 4],
            20..=34 => &[(5, true), (5, true), (25, true), (30, false)],
            35..=49 => &[(5, true), (5, true), (5, true), (5, true), (25, true)],
            _ => &[(5, true); 4],
        };
        for (k, &(wait, answered)) in sales.iter().enumerate() {
            let at = t + k as i64 * 10 * SECOND;
            call(&mut ev, &format!("s{m}-{k}"), "sales", at, wait, answered);
        }
        // edge: every window exactly at the thresholds, never past them: four answered after
        // 20.000 s (within the threshold) and one abandoned. Service level 0.8 (not < 0.8),
        // answer rate 0.8 (not < 0.8, but < 0.9), ASA 20 s (not > 20 s).
        for k in 0..5 {
            let at = t + (2 + k * 10) * SECOND;
            call(
                &mut ev,
                &format!("e{m}-{k}"),
                "edge",
                at,
                if k == 4 { 30 } else { 20 },
                k != 4,
            );
        }
        // vip: four calls a minute, one slow until minute 80 (75 %, below its own 90 %), then
        // all fast: the window climbs through 91 % (inside its hysteresis) to 93 %.
        for k in 0..4 {
            let wait = if m < 80 && k == 3 { 25 } else { 4 };
            let at = t + (15 + k * 5) * SECOND;
            call(&mut ev, &format!("v{m}-{k}"), "vip", at, wait, true);
        }
        // support: four calls a minute, ASA 10 s, then 32.5 s from minute 30 to 59.
        for k in 0..4 {
            let wait = if (30..60).contains(&m) {
                [25, 40][k % 2]
            } else {
                10
            };
            let at = t + (5 + 12 * k as i64) * SECOND;
            call(&mut ev, &format!("p{m}-{k}"), "support", at, wait, true);
        }
        // test: three calls a minute, all lost, but its service-level criterion is disabled.
        // With it the center has 20 calls a minute (21 in phase C), 75 % within 20 s: its
        // day's volume reaches the minimum of 100 exactly at 00:05.
        for k in 0..3 {
            let at = t + (7 + 15 * k) * SECOND;
            call(&mut ev, &format!("t{m}-{k}"), "test", at, 50, false);
        }
        // A survey a minute, three in four satisfied, then all from minute 60: the month's
        // rate climbs from 75 % through 80 % (inside the hysteresis) to 81 %.
        ev.push((
            t + 40 * SECOND,
            format!(
                r#"{{"type":"survey.response","ts":{},"queue":"sales","satisfied":{}}}"#,
                t + 40 * SECOND,
                m >= 60 || m % 4 != 0
            ),
        ));
        // A complaint every other minute, due in 10 minutes; every third one closed late.
        if m % 2 == 0 {
            let id = format!("k{m}");
            let due = t + 10 * MINUTE;
            let closed = if (m / 2) % 3 == 0 {
                t + 15 * MINUTE
            } else {
                t + 5 * MINUTE
            };
            ev.push((
                t,
                format!(
                    r#"{{"type":"complaint.opened","ts":{t},"complaint_id":"{id}","due":{due}}}"#
                ),
            ));
            ev.push((
                closed,
                format!(r#"{{"type":"complaint.closed","ts":{closed},"complaint_id":"{id}"}}"#),
            ));
        }
    }
    ev.sort_by_key(|(t, _)| *t);
    ev
}

/// A scraped window gauge: its series text and value.
fn window_samples(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| {
            l.starts_with("callpulse_window_")
                || l.starts_with("callpulse_center_window_")
                || l.starts_with("callpulse_component_window_")
        })
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse().unwrap())
        })
        .collect()
}

/// A YAML double-quoted scalar.
fn q(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

#[test]
fn each_generated_rule_fires_at_the_same_threshold_and_hold_time_as_the_built_in_engine() {
    if promtool().is_none() {
        return;
    }
    let profile = profile();
    let mut cfg = Config::default();
    cfg.engine.lateness = 0;
    cfg.engine.grace = MINUTE;
    cfg.alerts.every = MINUTE;
    let alerts = LiveAlerts::new(
        profile.clone(),
        &cfg.alerts,
        "http://test/api/v1/alerts".into(),
    )
    .unwrap();
    let shared = Shared::new(State::new(cfg, vec!["scenario".into()]).with_alerts(alerts));
    let registry = metrics::Metrics::new(&shared);

    let events = scenario();
    let mut next = 0;
    // series → value at each minute (None: not exported then).
    let mut series: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    // minute → alertname → firing alerts as (labels, annotations).
    type Expected = Vec<(BTreeMap<String, String>, BTreeMap<String, String>)>;
    let mut expected: Vec<BTreeMap<String, Expected>> = Vec::new();
    let mut fired_criteria = std::collections::BTreeSet::new();
    for m in 0..=MINUTES {
        let now = T0 + m * MINUTE;
        {
            let mut state = shared.lock();
            while next < events.len() && events[next].0 < now {
                feed_line(&mut state, next as i64, &events[next].1, now);
                next += 1;
            }
            state.idle_advance(now);
            let rejected = state.drain();
            assert!(rejected.is_empty(), "minute {m}: {rejected:?}");
            assert_eq!(state.clock(), now);
            let live = state.alerts.as_ref().unwrap();
            let mut firing: BTreeMap<String, Expected> = BTreeMap::new();
            for a in live.alerts.active().filter(|a| a.state == Phase::Firing) {
                let (mut labels, annotations) = live.labels_of(a);
                labels.remove("alertname");
                fired_criteria.insert(a.criterion.clone());
                firing
                    .entry(a.criterion.clone())
                    .or_default()
                    .push((labels, annotations));
            }
            expected.push(firing);
        }
        let text = metrics::render(&registry);
        for (s, v) in window_samples(&text) {
            let values = series.entry(s).or_insert_with(|| vec![None; m as usize]);
            values.push(Some(v));
        }
        for values in series.values_mut() {
            values.resize(m as usize + 1, None);
        }
    }
    // Every criterion of the profile fired at some point, so every rule is put to the test.
    let ids: std::collections::BTreeSet<String> =
        profile.criteria.iter().map(|c| c.id.clone()).collect();
    assert_eq!(
        fired_criteria, ids,
        "criteria that never fired in the scenario"
    );

    let dir = tempfile::tempdir().unwrap();
    let rules_path = rules::write_file(&profile, "test", dir.path()).unwrap();
    let mut test = String::new();
    let _ = writeln!(
        test,
        "rule_files:\n  - {}\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:",
        q(&rules_path.display().to_string())
    );
    for (s, values) in &series {
        let mut seen = false;
        let text: Vec<String> = values
            .iter()
            .map(|v| match v {
                Some(v) => {
                    seen = true;
                    format!("{v}")
                }
                None if seen => "stale".to_string(),
                None => "_".to_string(),
            })
            .collect();
        let _ = writeln!(
            test,
            "      - series: {}\n        values: {}",
            q(s),
            q(&text.join(" "))
        );
    }
    let _ = writeln!(test, "    alert_rule_test:");
    for (m, firing) in expected.iter().enumerate() {
        for c in &profile.criteria {
            let _ = writeln!(test, "      - eval_time: {m}m\n        alertname: {}", c.id);
            let alerts = firing.get(&c.id).map(Vec::as_slice).unwrap_or_default();
            if alerts.is_empty() {
                let _ = writeln!(test, "        exp_alerts: []");
                continue;
            }
            let _ = writeln!(test, "        exp_alerts:");
            for (labels, annotations) in alerts {
                let _ = writeln!(test, "          - exp_labels:");
                for (k, v) in labels {
                    let _ = writeln!(test, "              {k}: {}", q(v));
                }
                let _ = writeln!(test, "            exp_annotations:");
                for (k, v) in annotations {
                    let _ = writeln!(test, "              {k}: {}", q(v));
                }
            }
        }
    }
    let test_path = dir.path().join("equivalence.test.yml");
    std::fs::write(&test_path, &test).unwrap();
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rules-equivalence");
    let _ = std::fs::create_dir_all(&keep);
    let _ = std::fs::copy(&test_path, keep.join("equivalence.test.yml"));
    let _ = std::fs::copy(&rules_path, keep.join(rules::RULES_FILE));
    run_promtool(&["test", "rules", &test_path.display().to_string()]);
    let checked = run_promtool(&["check", "rules", &rules_path.display().to_string()]);
    assert!(
        !checked.contains("FAILED") && !checked.contains("duplicate"),
        "overrides must not look like duplicate rules:\n{checked}"
    );

    // The comparison can fail: a rule that differs from the engine in one respect is caught.
    // The scenario puts values exactly on thresholds (`edge` at 0.8 and 20 s, the outage at
    // 1800 s, the center's volume at 100) and inside hysteresis bands (`sales`, `vip`,
    // satisfaction).
    let generated = std::fs::read_to_string(&rules_path).unwrap();
    for (alert, what, from, to) in [
        (
            "service_level_below_80",
            "inclusive threshold",
            "< 0.8\n",
            "<= 0.8\n",
        ),
        (
            "answer_rate_below_80",
            "inclusive threshold",
            "< 0.8\n",
            "<= 0.8\n",
        ),
        ("asa_above_20s", "inclusive threshold", "> 20\n", ">= 20\n"),
        (
            "outage_over_30m",
            "inclusive threshold",
            "> 1800\n",
            ">= 1800\n",
        ),
        (
            "service_level_below_80",
            "no hysteresis",
            "< 0.82\n",
            "< 0.8\n",
        ),
        (
            "service_level_below_80",
            "no override hysteresis",
            "< 0.92\n",
            "< 0.9\n",
        ),
        (
            "satisfaction_below_80",
            "no hysteresis",
            "< 0.81\n",
            "< 0.8\n",
        ),
        (
            "center_service_level_below_80",
            "shorter hold",
            "for: 15m\n",
            "for: 14m\n",
        ),
        (
            "center_service_level_below_80",
            "higher minimum volume",
            ">= 100\n",
            ">= 101\n",
        ),
        (
            "satisfaction_below_80",
            "lower minimum volume",
            ">= 30\n",
            ">= 29\n",
        ),
    ] {
        let start = generated
            .find(&format!("- alert: {alert}\n"))
            .unwrap_or_else(|| panic!("no rule {alert}"));
        let at = start
            + generated[start..]
                .find(from)
                .unwrap_or_else(|| panic!("{alert}: {from:?} not in its rule"));
        let mutant = format!("{}{to}{}", &generated[..at], &generated[at + from.len()..]);
        std::fs::write(&rules_path, mutant).unwrap();
        let out = Command::new("promtool")
            .args(["test", "rules", &test_path.display().to_string()])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{alert} with {what} ({to:?}) passed the comparison"
        );
    }
}

#[test]
fn the_shipped_rules_are_the_built_in_profile_generated_and_promtool_checks_them() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus");
    let profile = Profile::load(BUILT_IN_PROFILE).unwrap();
    assert_eq!(
        std::fs::read_to_string(shipped.join(rules::RULES_FILE)).unwrap(),
        rules::rules_file(&profile, BUILT_IN_PROFILE),
        "deploy/prometheus is stale: run `callpulse rules --out deploy/prometheus`"
    );
    if promtool().is_none() {
        return;
    }
    let text = run_promtool(&[
        "check",
        "rules",
        &shipped.join(rules::RULES_FILE).display().to_string(),
    ]);
    assert!(text.contains("SUCCESS"), "{text}");
}

#[test]
fn the_shipped_prometheus_and_alertmanager_configs_are_valid() {
    if promtool().is_none() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus");
    let text = run_promtool(&[
        "check",
        "config",
        &dir.join("prometheus.yml").display().to_string(),
    ]);
    assert!(text.contains("1 rule files found"), "{text}");
    let out = Command::new("amtool")
        .args([
            "check-config",
            &dir.join("alertmanager.yml").display().to_string(),
        ])
        .output()
        .expect("amtool comes with prometheus-alertmanager");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
