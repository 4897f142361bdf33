//! The center of the process scenarios: a `callpulse run --follow` process judging the outage
//! profile (clause 11.2.1), the labels and annotations its alert must carry, and the small
//! helpers every alerting test uses (JSON, the wall clock, polling with a deadline).

use crate::support::profiles::OUTAGE_ONLY;
use crate::support::service::{sample, Followed};
use callpulse::time::rfc3339;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) const WAIT: Duration = Duration::from_secs(60);

/// The series of the outage alert of component `acd` in `/metrics`.
pub(crate) const ACD_FIRING: &str =
    r#"criterion="outage_over_30m",clause="11.2.1",queue="",component="acd",severity="critical""#;

// ---- helpers ---------------------------------------------------------------------------

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub(crate) fn utc(ms: i64) -> String {
    rfc3339::format(ms, &chrono::Utc)
}

pub(crate) fn status(ts_ms: i64, component: &str, up: bool) -> String {
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

pub(crate) fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Calls `check` until it returns `Some` (every 100 ms), or panics after `within` with
/// `context()`.
pub(crate) fn poll<T>(
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

/// A `callpulse run --follow` process with the outage profile, and the file it follows.
/// A followed file with the outage profile (see [`Followed`]).
pub(crate) struct Center(Followed);

impl std::ops::Deref for Center {
    type Target = Followed;
    fn deref(&self) -> &Followed {
        &self.0
    }
}

impl Center {
    /// Starts callpulse on a followed file holding `lines`; `alerts` is added to its
    /// `[alerts]` section (receivers), whose labels are `center = "test"`.
    pub(crate) fn start(alerts: &str, lines: &[String]) -> Center {
        let alerts = format!(
            "resend_interval = \"1s\"\ntimeout = \"2s\"\n{alerts}\n\n[alerts.labels]\ncenter = \"test\""
        );
        Center(Followed::start(OUTAGE_ONLY, &alerts, lines))
    }

    /// `/api/v1/alerts` as JSON.
    pub(crate) fn alerts(&self) -> Value {
        let (code, body) = self.service.get("/api/v1/alerts");
        assert_eq!(code, 200, "{body}");
        json(&body)
    }

    /// The log and the alerts, for a failure message.
    pub(crate) fn context(&self) -> String {
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
    pub(crate) fn with_outage(alerts: &str) -> (Center, i64) {
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
    pub(crate) fn outage_resolves(&self) -> i64 {
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
pub(crate) fn expected_labels() -> BTreeMap<String, String> {
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

pub(crate) fn labels_of(v: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

/// The four annotations, in both languages, naming the component and the threshold.
pub(crate) fn check_annotations(annotations: &Value) {
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
pub(crate) fn time_of(v: &Value) -> i64 {
    rfc3339::parse(v.as_str().unwrap_or_else(|| panic!("a time, got {v}")))
        .unwrap_or_else(|| panic!("an RFC 3339 time, got {v}"))
}

/// Checks what callpulse itself says of the resolved outage alert.
pub(crate) fn check_resolved_in_callpulse(center: &Center, down: i64, up: i64) {
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
