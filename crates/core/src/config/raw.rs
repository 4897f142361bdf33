//! The configuration exactly as written in TOML, with the defaults of every key.

use super::alerts::{self, RawAlerts};
use super::evidence::{self, RawEvidence};
use super::input::{self, RawInput};
use super::limits::{self, RawLimits};
use super::service::{self, RawHttp, RawKafka, RawService};
use super::{Checker, Config, EngineConfig, Problem};
use crate::kpi::StabilityBand;
use crate::time::{MINUTE, SECOND};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole file. Unknown keys are errors: a typo must not silently fall back to a default.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub engine: RawEngine,
    /// Per-queue settings, by queue name.
    pub queues: BTreeMap<String, RawQueue>,
    pub stability: RawStability,
    pub input: RawInput,
    pub kafka: RawKafka,
    pub http: RawHttp,
    pub service: RawService,
    pub alerts: RawAlerts,
    pub evidence: RawEvidence,
    pub limits: RawLimits,
}

/// `[engine]`: durations are text such as `20s`, `15m`, `24h`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawEngine {
    pub timezone: String,
    pub interval: String,
    pub threshold: String,
    pub short_abandon: Option<String>,
    pub lateness: String,
    pub grace: String,
    pub call_timeout: String,
    pub wrapup_timeout: String,
    pub dedupe_window: String,
    pub revision_horizon: String,
    pub heartbeat_timeout: String,
    pub repeat_contact_window: String,
    pub complaint_retention: String,
    pub max_time_jump: String,
    pub max_future: String,
    pub max_event_bytes: u64,
}

impl Default for RawEngine {
    fn default() -> Self {
        RawEngine {
            timezone: "UTC".into(),
            interval: "15m".into(),
            threshold: "20s".into(),
            short_abandon: None,
            lateness: "30s".into(),
            grace: "5m".into(),
            call_timeout: "12h".into(),
            wrapup_timeout: "1h".into(),
            dedupe_window: "1h".into(),
            revision_horizon: "24h".into(),
            heartbeat_timeout: "30s".into(),
            repeat_contact_window: "24h".into(),
            complaint_retention: "90d".into(),
            max_time_jump: "6h".into(),
            max_future: "5m".into(),
            max_event_bytes: 65_536,
        }
    }
}

/// `[queues.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawQueue {
    pub threshold: Option<String>,
}

/// `[stability]`: how the coefficient of variation of monthly service levels maps to a score
/// (clause 9.3.1 gives no mapping). Bands are checked in order; the first whose `max_cv` is
/// not exceeded gives the score; above the last band the score is 0.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStability {
    pub bands: Vec<RawBand>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    pub max_cv: f64,
    pub score: f64,
}

impl Default for RawStability {
    fn default() -> Self {
        let bands = [
            (0.05, 100.0),
            (0.10, 90.0),
            (0.15, 80.0),
            (0.20, 70.0),
            (0.30, 60.0),
        ];
        RawStability {
            bands: bands
                .into_iter()
                .map(|(max_cv, score)| RawBand { max_cv, score })
                .collect(),
        }
    }
}

impl RawConfig {
    /// Checks every key and returns the typed configuration or all problems found.
    pub fn validate(&self) -> Result<Config, Vec<Problem>> {
        let mut c = Checker::default();
        let e = &self.engine;
        let engine = EngineConfig {
            timezone: c.timezone("engine.timezone", &e.timezone),
            interval_minutes: c.interval("engine.interval", &e.interval),
            threshold: c.duration("engine.threshold", &e.threshold, 1),
            queue_thresholds: self
                .queues
                .iter()
                .filter_map(|(name, q)| {
                    let text = q.threshold.as_ref()?;
                    Some((
                        name.clone(),
                        c.duration(&format!("queues.{name}.threshold"), text, 1),
                    ))
                })
                .collect(),
            short_abandon: e
                .short_abandon
                .as_ref()
                .map(|text| c.duration("engine.short_abandon", text, 1)),
            lateness: c.duration("engine.lateness", &e.lateness, 0),
            grace: c.duration("engine.grace", &e.grace, 0),
            call_timeout: c.duration("engine.call_timeout", &e.call_timeout, MINUTE),
            wrapup_timeout: c.duration("engine.wrapup_timeout", &e.wrapup_timeout, 0),
            dedupe_window: c.duration("engine.dedupe_window", &e.dedupe_window, 0),
            revision_horizon: c.duration("engine.revision_horizon", &e.revision_horizon, 0),
            heartbeat_timeout: c.duration("engine.heartbeat_timeout", &e.heartbeat_timeout, SECOND),
            repeat_window: c.duration("engine.repeat_contact_window", &e.repeat_contact_window, 0),
            complaint_retention: c.duration(
                "engine.complaint_retention",
                &e.complaint_retention,
                0,
            ),
            max_time_jump: c.duration("engine.max_time_jump", &e.max_time_jump, MINUTE),
            max_future: c.duration("engine.max_future", &e.max_future, 0),
            max_event_bytes: match e.max_event_bytes {
                n @ 64..=16_777_216 => n as usize,
                n => {
                    c.problem(
                        "engine.max_event_bytes",
                        format!("must be 64 to 16777216, got {n}"),
                    );
                    65_536
                }
            },
            limits: limits::limits(&mut c, &self.limits),
        };
        let mut stability = Vec::new();
        let mut last_cv = f64::NEG_INFINITY;
        for (i, band) in self.stability.bands.iter().enumerate() {
            let key = format!("stability.bands[{i}]");
            if !(band.max_cv.is_finite() && band.max_cv > last_cv && band.max_cv >= 0.0) {
                c.problem(
                    format!("{key}.max_cv"),
                    format!(
                        "must be finite, at least 0 and increasing, got {}",
                        band.max_cv
                    ),
                );
            }
            if !(0.0..=100.0).contains(&band.score) {
                c.problem(
                    format!("{key}.score"),
                    format!("must be 0 to 100, got {}", band.score),
                );
            }
            last_cv = band.max_cv;
            stability.push(StabilityBand {
                max_cv: band.max_cv,
                score: band.score,
            });
        }
        let input = input::input(&mut c, &self.input);
        let kafka = service::kafka(&mut c, &self.kafka);
        let service = service::service(&mut c, &self.http, &self.service);
        let alerts = alerts::alerts(&mut c, &self.alerts);
        let evidence = evidence::evidence(&mut c, &self.evidence);
        if c.problems.is_empty() {
            Ok(Config {
                engine,
                stability,
                input,
                kafka,
                service,
                alerts,
                evidence,
            })
        } else {
            Err(c.problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::default();
        assert_eq!(c.engine.threshold, 20_000);
        assert_eq!(c.engine.interval_minutes, 15);
        assert_eq!(c.engine.timezone, chrono_tz::Tz::UTC);
        assert_eq!(c.engine.short_abandon, None);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_key_and_value() {
        let text = r#"
            [engine]
            timezone = "Mars/Olympus"
            interval = "7m"
            threshold = "fast"
            [queues.vip]
            threshold = "0s"
            [stability]
            bands = [{ max_cv = 0.2, score = 100 }, { max_cv = 0.1, score = 120 }]
        "#;
        let err = Config::parse(text, "t.toml").unwrap_err();
        let keys: Vec<_> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "engine.timezone",
                "engine.interval",
                "engine.threshold",
                "queues.vip.threshold",
                "stability.bands[1].max_cv",
                "stability.bands[1].score"
            ]
        );
        let text = err.to_string();
        assert!(text.contains("\"Mars/Olympus\""), "{text}");
        assert!(text.contains("\"7m\""), "{text}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = Config::parse("[engine]\nthreshhold = \"20s\"\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("threshhold"), "{err}");
    }

    #[test]
    fn per_queue_thresholds_override_the_default() {
        let c = Config::parse("[queues.vip]\nthreshold = \"10s\"\n", "t.toml").unwrap();
        assert_eq!(c.engine.threshold_for("vip"), 10_000);
        assert_eq!(c.engine.threshold_for("other"), 20_000);
    }
}
