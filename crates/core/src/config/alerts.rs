//! `[alerts]`: the certification profile the live service judges, how often, and where its
//! alerts go (Alertmanager, a webhook).

use super::Checker;
use crate::time::{Millis, SECOND};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `alerts.profile` that selects the profile built into callpulse (`alert::profile::BUILT_IN`,
/// the YD/T 2823-2015 criteria); the default.
pub const BUILT_IN_PROFILE: &str = "yd-t-2823-2015";

/// `[alerts]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAlerts {
    pub profile: String,
    pub evaluation_interval: String,
    pub keep_resolved: u64,
    pub alertmanager_urls: Vec<String>,
    pub resend_interval: String,
    pub webhook_url: String,
    pub timeout: String,
    pub external_url: String,
    pub labels: BTreeMap<String, String>,
}

impl Default for RawAlerts {
    fn default() -> Self {
        RawAlerts {
            profile: BUILT_IN_PROFILE.into(),
            evaluation_interval: "15s".into(),
            keep_resolved: 200,
            alertmanager_urls: Vec::new(),
            resend_interval: "1m".into(),
            webhook_url: String::new(),
            timeout: "5s".into(),
            external_url: String::new(),
            labels: BTreeMap::new(),
        }
    }
}

/// The alert settings, validated. The profile itself is loaded when the service starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertsConfig {
    /// The built-in profile's name or a profile file; `None`: no alerts.
    pub profile: Option<String>,
    /// How often, in live time, the criteria are judged.
    pub every: Millis,
    pub keep_resolved: usize,
    pub alertmanagers: Vec<String>,
    pub resend: Millis,
    pub webhook: Option<String>,
    pub timeout: Millis,
    /// The URL this instance is reached at, for the link in every alert (`generatorURL`);
    /// `None`: `http://<http.listen>`.
    pub external_url: Option<String>,
    pub labels: BTreeMap<String, String>,
}

/// The labels every alert carries already.
const RESERVED_LABELS: [&str; 8] = [
    "alertname",
    "criterion",
    "clause",
    "standard",
    "severity",
    "window",
    "queue",
    "component",
];

fn is_http_url(text: &str) -> bool {
    (text.starts_with("http://") || text.starts_with("https://")) && text.len() > "https://".len()
}

pub(super) fn alerts(c: &mut Checker, a: &RawAlerts) -> AlertsConfig {
    let alertmanagers: Vec<String> = a
        .alertmanager_urls
        .iter()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    for url in &alertmanagers {
        if !is_http_url(url) {
            c.problem(
                "alerts.alertmanager_urls",
                format!("must be http:// or https:// URLs, got {url:?}"),
            );
        }
    }
    let webhook = Some(a.webhook_url.trim().to_string()).filter(|u| !u.is_empty());
    if let Some(url) = &webhook {
        if !is_http_url(url) {
            c.problem(
                "alerts.webhook_url",
                format!("must be an http:// or https:// URL, got {url:?}"),
            );
        }
    }
    let external_url =
        Some(a.external_url.trim().trim_end_matches('/').to_string()).filter(|u| !u.is_empty());
    if let Some(url) = &external_url {
        if !is_http_url(url) {
            c.problem(
                "alerts.external_url",
                format!("must be an http:// or https:// URL, got {url:?}"),
            );
        }
    }
    for name in a.labels.keys() {
        let ok = name
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if !ok || name.starts_with("__") {
            c.problem(
                format!("alerts.labels.{name}"),
                "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)",
            );
        } else if RESERVED_LABELS.contains(&name.as_str()) {
            c.problem(
                format!("alerts.labels.{name}"),
                format!(
                    "is set by callpulse itself (one of {})",
                    RESERVED_LABELS.join(", ")
                ),
            );
        }
    }
    AlertsConfig {
        profile: Some(a.profile.trim().to_string()).filter(|p| !p.is_empty()),
        every: c.duration("alerts.evaluation_interval", &a.evaluation_interval, SECOND),
        keep_resolved: a.keep_resolved.min(100_000) as usize,
        alertmanagers,
        resend: c.duration("alerts.resend_interval", &a.resend_interval, SECOND),
        webhook,
        timeout: c.duration("alerts.timeout", &a.timeout, 100),
        external_url,
        labels: a.labels.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn receivers_must_be_urls_and_labels_must_not_shadow_callpulse_s_own() {
        let text =
            "[alerts]\nalertmanager_urls = [\"alertmanager:9093\"]\nwebhook_url = \"ftp://x\"\n\
                    [alerts.labels]\nseverity = \"low\"\n\"bad-name\" = \"x\"\ncenter = \"sh\"\n";
        let err = Config::parse(text, "t.toml").unwrap_err();
        let keys: Vec<_> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "alerts.alertmanager_urls",
                "alerts.webhook_url",
                "alerts.labels.bad-name",
                "alerts.labels.severity"
            ],
            "{err}"
        );
        let ok = Config::parse(
            "[alerts]\nprofile = \"\"\n[alerts.labels]\ncenter = \"sh\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(ok.alerts.profile, None, "an empty profile turns alerts off");
        assert_eq!(ok.alerts.labels["center"], "sh");
    }
}
