//! Certification alerts end to end: a real `callpulse run --follow` process judging a small
//! profile at the live clock and delivering to a real Prometheus Alertmanager (API v2) and to
//! a JSON webhook; and `/api/v1/alerts` with its gauges through the router, on a state fed by
//! hand, judged by the shipped YD/T 2823-2015 profile.
//!
//! The process scenarios follow the wall clock: the followed file holds, from the start, a
//! `system.status` line saying a component went down 31 minutes ago; once the idle input lets
//! the live clock follow the wall clock, the outage has lasted more than the 30 minutes of
//! clause 11.2.1 and the alert fires; a `system.status` up line appended (stamped 2 s ahead of
//! the wall clock) resolves it. Nothing waits a fixed time: every step polls with a deadline.
//!
//! Alertmanager 0.25 never lists an alert whose `endsAt` is past in `GET /api/v2/alerts`,
//! whatever the `active`/`silenced`/`inhibited`/`unprocessed` filters say: a resolved alert
//! simply disappears from that list. So the resolution is proven positively through
//! Alertmanager's own notification pipeline: its webhook receiver (`send_resolved: true`)
//! is pointed at the test's receiver (`support::webhook`), which sees Alertmanager's `"status": "resolved"`.

use crate::support::profiles::OUTAGE_ONLY;
use crate::support::service::{feed_line, get, route_get as get_router, sample, try_get, Followed};
use crate::support::webhook::Webhook;
use axum::http::StatusCode;
use callpulse::alert::Profile;
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::{Shared, State};
use callpulse::time::rfc3339;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const WAIT: Duration = Duration::from_secs(60);
const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// The series of the outage alert of component `acd` in `/metrics`.
const ACD_FIRING: &str =
    r#"criterion="outage_over_30m",clause="11.2.1",queue="",component="acd",severity="critical""#;

// ---- helpers ---------------------------------------------------------------------------

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn utc(ms: i64) -> String {
    rfc3339::format(ms, &chrono::Utc)
}

fn status(ts_ms: i64, component: &str, up: bool) -> String {
    let (status, reason) = if up {
        ("up", "")
    } else {
        ("down", r#","reason":"link lost""#)
    };
    format!(
        r#"{{"type":"system.status","ts":"{}","component":"{component}","status":"{status}"{reason}}}"#,
        utc(ts_ms)
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Calls `check` until it returns `Some` (every 100 ms), or panics after `within` with
/// `context()`.
fn poll<T>(
    what: &str,
    within: Duration,
    mut check: impl FnMut() -> Option<T>,
    context: impl Fn() -> String,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}\n{}", context());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

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

// ---- callpulse following a file, judging the outage profile ------------------------------

/// A `callpulse run --follow` process with the outage profile, and the file it follows.
/// A followed file with the outage profile (see [`Followed`]).
struct Center(Followed);

impl std::ops::Deref for Center {
    type Target = Followed;
    fn deref(&self) -> &Followed {
        &self.0
    }
}

impl Center {
    /// Starts callpulse on a followed file holding `lines`; `alerts` is added to its
    /// `[alerts]` section (receivers), whose labels are `center = "test"`.
    fn start(alerts: &str, lines: &[String]) -> Center {
        let alerts = format!(
            "resend_interval = \"1s\"\ntimeout = \"2s\"\n{alerts}\n\n[alerts.labels]\ncenter = \"test\""
        );
        Center(Followed::start(OUTAGE_ONLY, &alerts, lines))
    }

    /// `/api/v1/alerts` as JSON.
    fn alerts(&self) -> Value {
        let (code, body) = self.service.get("/api/v1/alerts");
        assert_eq!(code, 200, "{body}");
        json(&body)
    }

    /// The log and the alerts, for a failure message.
    fn context(&self) -> String {
        format!(
            "--- /api/v1/alerts ---\n{}\n--- callpulse log ---\n{}",
            self.service.get("/api/v1/alerts").1,
            self.service.log()
        )
    }

    /// Starts callpulse (see [`Center::start`]) on a file holding the outage of `acd` that
    /// began 31 minutes ago, and waits for the alert to fire; returns when the outage began.
    ///
    /// The line is in the file before the start: read at the first poll, before the idle
    /// input moves the watermark to the wall clock. Appended later, it would be behind the
    /// components' health clock and rejected as `too_late`.
    fn with_outage(alerts: &str) -> (Center, i64) {
        let down = now_ms() - 31 * 60 * 1_000;
        let center = Center::start(alerts, &[status(down, "acd", false)]);
        poll(
            "the outage alert to fire in callpulse",
            WAIT,
            || {
                let v = center.alerts();
                let firing = v["active"]
                    .as_array()?
                    .iter()
                    .any(|a| a["criterion"] == "outage_over_30m" && a["state"] == "firing");
                firing.then_some(())
            },
            || center.context(),
        );
        (center, down)
    }

    /// Writes the recovery of `acd`, stamped now, and waits until the alert resolved (on the
    /// live view, as soon as the line is read); returns when the recovery happened (ms).
    fn outage_resolves(&self) -> i64 {
        let up = now_ms();
        self.append(&[status(up, "acd", true)]);
        poll(
            "the outage alert to resolve in callpulse",
            WAIT,
            || {
                let v = self.alerts();
                (v["active"].as_array()?.is_empty() && !v["resolved"].as_array()?.is_empty())
                    .then_some(())
            },
            || self.context(),
        );
        up
    }
}

/// The labels every delivered outage alert of `acd` carries, exactly.
fn expected_labels() -> BTreeMap<String, String> {
    [
        ("alertname", "outage_over_30m"),
        ("criterion", "outage_over_30m"),
        ("clause", "11.2.1"),
        ("standard", "YD/T 2823-2015"),
        ("severity", "critical"),
        ("window", "now"),
        ("component", "acd"),
        ("center", "test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn labels_of(v: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

/// The four annotations, in both languages, naming the component and the threshold.
fn check_annotations(annotations: &Value) {
    for key in ["summary", "summary_zh", "description", "description_zh"] {
        assert!(
            annotations[key].as_str().is_some_and(|s| !s.is_empty()),
            "annotation {key}: {annotations}"
        );
    }
    let description = annotations["description"].as_str().unwrap();
    assert!(
        description.contains("component acd") && description.contains("above 1800s"),
        "{description}"
    );
    assert!(
        annotations["summary_zh"]
            .as_str()
            .unwrap()
            .contains("11.2.1"),
        "{annotations}"
    );
}

/// A timestamp of an alert view or an Alertmanager alert, in ms.
fn time_of(v: &Value) -> i64 {
    rfc3339::parse(v.as_str().unwrap_or_else(|| panic!("a time, got {v}")))
        .unwrap_or_else(|| panic!("an RFC 3339 time, got {v}"))
}

/// Checks what callpulse itself says of the resolved outage alert.
fn check_resolved_in_callpulse(center: &Center, down: i64, up: i64) {
    let v = center.alerts();
    let r = &v["resolved"][0];
    assert_eq!(r["criterion"], "outage_over_30m", "{v}");
    assert_eq!(r["state"], "resolved", "{v}");
    assert_eq!(r["name"], "acd", "{v}");
    assert_eq!(r["window"], "now", "{v}");
    let started = time_of(&r["started_at"]);
    let resolved = time_of(&r["resolved_at"]);
    // The breach is seen at the first evaluation after the outage passed 30 minutes (here:
    // at once, it was written 31 minutes late); it resolves at the first evaluation at or
    // after the recovery.
    assert!(started >= down + 1_800_000, "{v}");
    assert!(resolved >= up && resolved >= started, "{v}");
    let duration = r["duration_seconds"].as_f64().unwrap();
    assert!(
        (duration - (resolved - started) as f64 / 1_000.0).abs() < 1e-6,
        "duration_seconds runs from the breach to the resolution: {v}"
    );
    // The outage itself, recovered after more than 30 minutes: a final record, once the
    // watermark passes the recovery (the alert resolved on the live view before that).
    let outages = poll(
        "the outage to be final",
        WAIT,
        || {
            let (code, body) = center.service.get("/api/v1/outages");
            assert_eq!(code, 200);
            let v = json(&body);
            (!v.as_array()?.is_empty()).then_some(v)
        },
        || center.context(),
    );
    let body = outages.to_string();
    let o = &outages[0];
    assert_eq!(o["component"], "acd", "{body}");
    assert_eq!(o["within_30_minutes"], false, "{body}");
    let seconds = o["seconds"].as_f64().unwrap();
    assert!(
        seconds >= 1_800.0 && (seconds - (up - down) as f64 / 1_000.0).abs() < 1e-6,
        "{body}"
    );
    let m = center.service.get("/metrics").1;
    assert_eq!(sample(&m, "callpulse_alert_firing", ACD_FIRING), Some(0.0));
    for transition in ["pending", "firing", "resolved"] {
        assert_eq!(
            sample(
                &m,
                "callpulse_alert_transitions_total",
                &format!(r#"criterion="outage_over_30m",transition="{transition}""#)
            ),
            Some(1.0),
            "{transition}: {m}"
        );
    }
}

// ---- the tests ---------------------------------------------------------------------------

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

#[test]
fn the_webhook_receives_each_firing_and_resolved_alert_once() {
    let hook = Webhook::start(&[]);
    let (center, down) = Center::with_outage(&format!("webhook_url = \"{}/hook\"", hook.base));

    let firing = hook.next("the firing webhook", WAIT);
    assert_eq!(firing.path, "/hook");
    let b = &firing.body;
    assert_eq!(b["status"], "firing", "{b}");
    assert_eq!(b["alert"]["state"], "firing", "{b}");
    assert_eq!(b["alert"]["criterion"], "outage_over_30m", "{b}");
    assert_eq!(b["alert"]["name"], "acd", "{b}");
    assert!(b["alert"]["resolved_at"].is_null(), "{b}");
    assert!(b["alert"]["value"].as_f64().unwrap() > 1800.0, "{b}");
    assert_eq!(labels_of(&b["labels"]), expected_labels(), "{b}");
    check_annotations(&b["annotations"]);

    let up = center.outage_resolves();
    let resolved = hook.next("the resolved webhook", WAIT);
    let b = &resolved.body;
    assert_eq!(b["status"], "resolved", "{b}");
    assert_eq!(b["alert"]["state"], "resolved", "{b}");
    assert_eq!(labels_of(&b["labels"]), expected_labels(), "{b}");
    assert_eq!(b["alert"]["value"], 0.0, "the outage is over: {b}");
    assert!(time_of(&b["alert"]["resolved_at"]) >= up, "{b}");
    assert!(b["alert"]["duration_seconds"].as_f64().is_some(), "{b}");
    check_resolved_in_callpulse(&center, down, up);

    // Exactly two deliveries: the counter of successful ones says 2, and the receiver has
    // seen nothing else (firing alerts are resent to Alertmanager only, never to the hook).
    center
        .service
        .wait_for("two webhook deliveries counted", WAIT, |m| {
            (sample(
                m,
                "callpulse_alert_notifications_total",
                r#"receiver="webhook",result="ok""#,
            ) == Some(2.0))
            .then_some(())
        });
    let m = center.service.get("/metrics").1;
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_notifications_total",
            r#"receiver="webhook",result="error""#
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_notifications_total",
            r#"receiver="alertmanager",result="ok""#
        ),
        Some(0.0),
        "no Alertmanager configured"
    );
    let extra = hook.pending();
    assert!(extra.is_empty(), "more webhook calls: {extra:?}");
}

#[test]
fn a_webhook_that_fails_is_retried_until_it_accepts_in_order() {
    // The first two attempts fail: the firing alert is kept and sent again at later ticks,
    // and the resolution, written only after, still arrives after it.
    let hook = Webhook::start(&[StatusCode::INTERNAL_SERVER_ERROR; 2]);
    let (center, _) = Center::with_outage(&format!("webhook_url = \"{}/hook\"", hook.base));
    let mut attempts = Vec::new();
    let delivered = loop {
        let r = hook.next("the firing webhook, retried", WAIT);
        assert_eq!(r.body["status"], "firing", "{}", r.body);
        attempts.push(r.answered);
        if r.answered == 200 {
            break r;
        }
    };
    assert_eq!(attempts, [500, 500, 200]);
    assert_eq!(delivered.body["alert"]["state"], "firing");
    center.outage_resolves();
    let resolved = hook.next("the resolved webhook", WAIT);
    assert_eq!(resolved.body["status"], "resolved", "{}", resolved.body);
    assert_eq!(resolved.answered, 200);
    center
        .service
        .wait_for("the deliveries counted", WAIT, |m| {
            let count = |result: &str| {
                sample(
                    m,
                    "callpulse_alert_notifications_total",
                    &format!(r#"receiver="webhook",result="{result}""#),
                )
            };
            (count("ok") == Some(2.0) && count("error") == Some(2.0)).then_some(())
        });
    let extra = hook.pending();
    assert!(extra.is_empty(), "more webhook calls: {extra:?}");
}

// ---- handlers: /api/v1/alerts and the gauges, without a process -----------------------------

/// A service state judging the shipped profile (no receivers: no delivery thread).
fn state_with_profile(profile: &str) -> State {
    let cfg = crate::support::config(&format!(
        "[engine]\nlateness = \"0s\"\n[alerts]\nprofile = \"{profile}\"\n"
    ));
    let alerts = cfg.alerts.clone();
    let state = State::new(cfg, vec!["test".into()]);
    match &alerts.profile {
        None => state,
        Some(name) => {
            let profile = Profile::load(name).unwrap();
            let live = LiveAlerts::new(profile, &alerts, "http://x/api/v1/alerts".into()).unwrap();
            assert!(live.notifier.is_none(), "no receiver configured");
            state.with_alerts(live)
        }
    }
}

/// 25 calls offered to `sales` from 10:00:00, one every 4 s: every fifth answered after 5 s,
/// the others abandoned after 30 s (service level 0.2, answer rate 0.2); and heartbeats of
/// `acd` every 10 s until `until_min` minutes past 10:00. In event-time order.
fn sales_calls_and_heartbeats(until_min: i64) -> Vec<(i64, String)> {
    let t0 = rfc3339::parse("2026-11-02T10:00:00Z").unwrap();
    let mut lines = Vec::new();
    for i in 0..25 {
        let at = t0 + i * 4_000;
        let call = format!("c{i:02}");
        lines.push((
            at,
            format!(
                r#"{{"type":"call.offered","ts":"{}","call_id":"{call}","queue":"sales"}}"#,
                utc(at)
            ),
        ));
        if i % 5 == 0 {
            lines.push((
                at + 5_000,
                format!(
                    r#"{{"type":"call.answered","ts":"{}","call_id":"{call}","agent_id":"a1"}}"#,
                    utc(at + 5_000)
                ),
            ));
        } else {
            lines.push((
                at + 30_000,
                format!(
                    r#"{{"type":"call.abandoned","ts":"{}","call_id":"{call}"}}"#,
                    utc(at + 30_000)
                ),
            ));
        }
    }
    for s in (0..=until_min * 60).step_by(10) {
        let at = t0 + s * 1_000;
        lines.push((
            at,
            format!(
                r#"{{"type":"system.heartbeat","ts":"{}","component":"acd"}}"#,
                utc(at)
            ),
        ));
    }
    lines.sort_by_key(|(at, _)| *at);
    lines
}

/// The sales service-level alert among the active ones, if any.
fn sales_sl(v: &Value) -> Option<Value> {
    v["active"]
        .as_array()?
        .iter()
        .find(|a| a["criterion"] == "service_level_below_80" && a["name"] == "sales")
        .cloned()
}

#[tokio::test]
async fn the_alerts_api_and_gauges_show_a_service_level_breach_pending_then_firing_after_5_minutes()
{
    let shared = Shared::new(state_with_profile("yd-t-2823-2015"));
    let mut first_pending: Option<i64> = None;
    let mut first_firing: Option<i64> = None;
    let mut offered = 0;
    // Feed line by line, draining after each (as the inputs do after each batch), and look at
    // the API after each line: the live clock is the newest event time.
    for (i, (at, line)) in sales_calls_and_heartbeats(8).into_iter().enumerate() {
        {
            let mut state = shared.lock();
            feed_line(&mut state, i as i64, &line, at);
            let rejected = state.drain();
            assert!(rejected.is_empty(), "{line}: {rejected:?}");
        }
        offered += u64::from(line.contains("call.offered"));
        let (status, body) = get_router(&shared, "/api/v1/alerts").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v = json(&body);
        match sales_sl(&v) {
            None => assert!(first_firing.is_none(), "it stays firing: {body}"),
            Some(a) if a["state"] == "pending" => {
                assert!(first_firing.is_none(), "{body}");
                first_pending.get_or_insert(time_of(&a["started_at"]));
                // It needs 20 calls offered to be judged at all.
                assert!(offered >= 20, "judged on {offered} calls: {body}");
            }
            Some(a) => {
                assert_eq!(a["state"], "firing", "{body}");
                first_firing.get_or_insert(time_of(&a["firing_since"]));
            }
        }
    }
    let pending = first_pending.expect("the service-level alert went pending");
    let firing = first_firing.expect("the service-level alert fired");
    let hold = firing - pending;
    // Evaluated every 15 s of live time, which moves by at most 10 s between lines here.
    assert!(
        (300_000..300_000 + 15_000 + 10_000).contains(&hold),
        "fired {hold} ms after it went pending"
    );

    let (_, body) = get_router(&shared, "/api/v1/alerts").await;
    let v = json(&body);
    assert_eq!(v["profile"]["id"], "yd-t-2823-2015", "{body}");
    assert_eq!(v["profile"]["standard"], "YD/T 2823-2015", "{body}");
    assert_eq!(v["as_of"], "2026-11-02T10:08:00Z", "{body}");
    let a = sales_sl(&v).unwrap();
    assert_eq!(a["state"], "firing", "{body}");
    assert_eq!(a["clause"], "9.3.1");
    assert_eq!(a["scope"], "queue");
    assert_eq!(a["window"], "15m");
    assert_eq!(a["comparison"], "<");
    assert_eq!(a["threshold"], 0.8);
    assert_eq!(a["clear_level"], 0.82, "threshold + hysteresis 0.02");
    assert_eq!(a["for_seconds"], 300.0);
    assert_eq!(a["severity"], "critical");
    assert_eq!(a["value"], 0.2, "5 of 25 answered within 20 s: {body}");
    assert_eq!(a["volume"], 25);
    assert!(a["resolved_at"].is_null() && a["duration_seconds"].is_null());
    assert_eq!(time_of(&a["started_at"]), pending);
    assert_eq!(time_of(&a["firing_since"]), firing);
    // The answer-rate criteria breach too, but hold 10 minutes: still pending.
    for id in [
        "answer_rate_below_90",
        "answer_rate_below_80",
        "answer_rate_below_70",
    ] {
        let r = v["active"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["criterion"] == id && a["name"] == "sales")
            .unwrap_or_else(|| panic!("{id} is active: {body}"));
        assert_eq!(r["state"], "pending", "{id}: {body}");
        assert_eq!(r["value"], 0.2, "{id}: {body}");
    }
    assert_eq!(v["resolved"], serde_json::json!([]), "{body}");

    let (status, m) = get_router(&shared, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let series = |criterion: &str, clause: &str, queue: &str, component: &str, severity: &str| {
        format!(
            r#"criterion="{criterion}",clause="{clause}",queue="{queue}",component="{component}",severity="{severity}""#
        )
    };
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_firing",
            &series("service_level_below_80", "9.3.1", "sales", "", "critical")
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_firing",
            &series("answer_rate_below_90", "9.3.3", "sales", "", "warning")
        ),
        Some(0.0),
        "pending is not firing: {m}"
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_alert_firing",
            &series("outage_over_30m", "11.2.1", "", "acd", "critical")
        ),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_window_calls_offered",
            r#"queue="sales",window="15m""#
        ),
        Some(offered as f64),
        "{m}"
    );
    assert_eq!(offered, 25);
    assert_eq!(
        sample(
            &m,
            "callpulse_window_calls_answered_within_threshold",
            r#"queue="sales",window="15m""#
        ),
        Some(5.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_window_calls_offered",
            r#"queue="sales",window="60m""#
        ),
        Some(25.0),
        "{m}"
    );
    for transition in ["pending", "firing"] {
        assert_eq!(
            sample(
                &m,
                "callpulse_alert_transitions_total",
                &format!(r#"criterion="service_level_below_80",transition="{transition}""#)
            ),
            Some(1.0),
            "{transition}: {m}"
        );
    }
    assert!(
        !m.contains("callpulse_alert_notifications_total{"),
        "no receivers, no delivery counters: {m}"
    );
    if let Some(complaints) = crate::support::service::promtool_check(&m) {
        assert_eq!(complaints, "", "promtool check metrics");
    }
}

#[tokio::test]
async fn with_no_profile_the_alerts_api_answers_404_and_no_alert_gauge_is_exported() {
    let state = state_with_profile("");
    assert!(state.config.alerts.profile.is_none());
    assert!(state.alerts.is_none());
    let shared = Shared::new(state);
    {
        let mut state = shared.lock();
        for (i, (at, line)) in sales_calls_and_heartbeats(1).into_iter().enumerate() {
            feed_line(&mut state, i as i64, &line, at);
            state.drain();
        }
    }
    let (status, body) = get_router(&shared, "/api/v1/alerts").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("alerts.profile"));
    let (_, m) = get_router(&shared, "/metrics").await;
    assert!(
        sample(&m, "callpulse_calls_offered_total", r#"queue="sales""#).is_some(),
        "{m}"
    );
    assert!(!m.contains("callpulse_alert_firing{"), "{m}");
    assert!(!m.contains("callpulse_window_calls_offered{"), "{m}");
}

/// Regression: the first evaluation, before the engine has credited any interval (its
/// credited instant is still `Millis::MIN`, as in `callpulse run` on Kafka while a partition
/// has delivered nothing and holds the watermark), used to overflow computing the month's
/// monitored time and kill the input thread.
#[tokio::test]
async fn alerts_are_judged_before_the_first_interval_is_credited() {
    let shared = Shared::new(state_with_profile("yd-t-2823-2015"));
    {
        let mut state = shared.lock();
        // The Kafka input's mode: the watermark moves only when the input advances it.
        state.engine.set_caller_watermark(true);
        let line =
            r#"{"type":"call.offered","ts":"2026-11-02T10:00:00Z","call_id":"c1","queue":"sales"}"#;
        let now = rfc3339::parse("2026-11-02T10:00:00Z").unwrap();
        feed_line(&mut state, 0, line, now);
        assert!(state.drain().is_empty());
        assert_eq!(
            state.engine.credited_through(),
            i64::MIN,
            "nothing credited yet"
        );
        let live = state.alerts.as_ref().unwrap();
        assert!(live.alerts.known().count() > 0, "the criteria were judged");
    }
    let (status, metrics) = get_router(&shared, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sample(
            &metrics,
            "callpulse_center_window_monitored_seconds",
            r#"window="month""#
        ),
        Some(0.0)
    );
}
