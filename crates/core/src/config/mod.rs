//! Configuration: a TOML file ([`raw::RawConfig`], exactly what the user wrote) validated into
//! a typed [`Config`] that the rest of callpulse trusts. Validation reports every problem at
//! once, each with its key and the bad value.

mod agent_names;
mod alerts;
mod env;
mod evidence;
mod input;
mod limits;
mod raw;
mod service;
mod tokens;
mod wallboard;

pub use agent_names::AgentNames;
pub use alerts::{AlertsConfig, BUILT_IN_PROFILE};
pub use env::{variable as env_variable, Environment};
pub use evidence::{EvidenceConfig, DEFAULT_EVIDENCE_PATH};
pub use input::{InputConfig, InputFormat};
pub use limits::Limits;
pub use raw::RawConfig;
pub use service::{HttpLimits, KafkaConfig, ServiceConfig, DEFAULT_LISTEN};
pub use tokens::{sha256_hex, Token, TokenScope, Tokens};
pub use wallboard::{OnNewAlert, Wallboard};
// The error of `Config::load`, defined in the leaf module every validator shares.
pub use crate::problem::{ConfigError, Problem};

use crate::kpi::StabilityBand;
use crate::time::{self, Calendar, Millis, MINUTE};
use chrono_tz::Tz;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use std::path::Path;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub engine: EngineConfig,
    pub stability: Vec<StabilityBand>,
    pub input: InputConfig,
    pub kafka: KafkaConfig,
    pub service: ServiceConfig,
    pub alerts: AlertsConfig,
    pub evidence: EvidenceConfig,
}

/// What the KPI engine needs: time zone and periods, thresholds, lateness and limits.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub timezone: Tz,
    pub interval_minutes: i64,
    /// The service-level threshold of every queue without an override (and center-wide).
    pub threshold: Millis,
    /// Per-queue threshold overrides.
    pub queue_thresholds: FxHashMap<String, Millis>,
    /// Abandons shorter than this leave the denominators of service level and answer rate.
    /// Off (`None`) by default: the rule has no such exclusion.
    pub short_abandon: Option<Millis>,
    /// How far behind the highest event time seen an event may still arrive in order.
    pub lateness: Millis,
    /// How long after its end a period waits for calls still waiting before it is final.
    pub grace: Millis,
    /// A call with no event for this long is evicted (counted; its offer stays counted).
    pub call_timeout: Millis,
    /// How long an ended call waits for its `call.wrapup_ended`.
    pub wrapup_timeout: Millis,
    /// How long event ids and event contents are remembered to drop duplicates.
    pub dedupe_window: Millis,
    /// How long after it closed a period can still be revised; older changes are `too_late`.
    pub revision_horizon: Millis,
    /// Missing heartbeats of a component for longer than this count as down time.
    pub heartbeat_timeout: Millis,
    /// A customer offered again within this time of an earlier call is a repeat contact.
    pub repeat_window: Millis,
    /// Complaints still open this long after their due date are forgotten.
    pub complaint_retention: Millis,
    /// An event this far ahead of the stream's time moves it only once a later event bears
    /// it out; one that [`TIME_QUORUM`] later events contradict is taken for a bad clock and
    /// rejected (`bad_timestamp`): no single event can move time for everyone.
    pub max_time_jump: Millis,
    /// Live modes: an event stamped this far ahead of the wall clock is rejected
    /// (`bad_timestamp`).
    pub max_future: Millis,
    pub max_event_bytes: usize,
    /// `[limits]`: how many names the engine keeps, and how long one may be.
    pub limits: Limits,
}

/// Events at the stream's time that reject an event stamped more than
/// `engine.max_time_jump` ahead of it.
pub const TIME_QUORUM: u32 = 3;

impl EngineConfig {
    pub fn calendar(&self) -> Calendar {
        Calendar::new(self.timezone, self.interval_minutes)
    }

    /// The service-level threshold of `queue`.
    pub fn threshold_for(&self, queue: &str) -> Millis {
        self.queue_thresholds
            .get(queue)
            .copied()
            .unwrap_or(self.threshold)
    }
}

impl Default for Config {
    fn default() -> Self {
        RawConfig::default()
            .validate()
            .expect("the built-in defaults are valid")
    }
}

impl Config {
    /// Reads and validates a TOML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let (raw, name) = RawConfig::read(Some(path), &Environment::default())?;
        raw.validate().map_err(|problems| ConfigError {
            source_name: name,
            problems,
        })
    }

    /// Parses and validates TOML text; `name` names it in errors.
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let (raw, _) = RawConfig::from_text(text, name, &Environment::default())?;
        raw.validate().map_err(|problems| ConfigError {
            source_name: name.into(),
            problems,
        })
    }
}

impl RawConfig {
    /// The configuration file at `path` (or the defaults without one) with the environment
    /// overrides that `env` finds; returns it with the name to use in errors.
    pub fn read(
        path: Option<&Path>,
        env: &Environment,
    ) -> Result<(RawConfig, String), ConfigError> {
        let (text, name) = match path {
            Some(path) => {
                let name = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
                    source_name: name.clone(),
                    problems: vec![Problem {
                        key: "(file)".into(),
                        message: format!("cannot read: {e}"),
                    }],
                })?;
                (text, name)
            }
            None => (String::new(), "(defaults)".to_string()),
        };
        let (raw, used) = RawConfig::from_text(&text, &name, env)?;
        let name = if used.is_empty() {
            name
        } else {
            format!("{name} with {} from the environment", used.join(", "))
        };
        Ok((raw, name))
    }

    /// Parses TOML text and applies the environment overrides; returns the variables used.
    pub fn from_text(
        text: &str,
        name: &str,
        env: &Environment,
    ) -> Result<(RawConfig, Vec<String>), ConfigError> {
        let error = |problems| ConfigError {
            source_name: name.into(),
            problems,
        };
        let syntax = |e: toml::de::Error| {
            error(vec![Problem {
                key: "(syntax)".into(),
                message: e.message().to_string(),
            }])
        };
        let mut table: toml::Table = toml::from_str(text).map_err(syntax)?;
        let used = env::apply(&mut table, env).map_err(error)?;
        Ok((RawConfig::deserialize(table).map_err(syntax)?, used))
    }
}

/// Collects problems while turning raw values into typed ones.
#[derive(Default)]
pub(crate) struct Checker {
    pub problems: Vec<Problem>,
}

impl Checker {
    pub fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    /// A duration no shorter than `min`.
    pub fn duration(&mut self, key: &str, text: &str, min: Millis) -> Millis {
        match time::parse_duration(text) {
            Ok(ms) if ms >= min => ms,
            Ok(_) => {
                self.problem(
                    key,
                    format!(
                        "must be at least {}, got {text:?}",
                        time::format_duration(min)
                    ),
                );
                min
            }
            Err(e) => {
                self.problem(key, e);
                min
            }
        }
    }

    pub fn timezone(&mut self, key: &str, text: &str) -> Tz {
        text.parse().unwrap_or_else(|_| {
            self.problem(key, format!("not an IANA time zone, got {text:?}"));
            Tz::UTC
        })
    }

    pub fn interval(&mut self, key: &str, text: &str) -> i64 {
        match time::parse_duration(text) {
            Ok(ms)
                if ms % MINUTE == 0
                    && time::calendar::INTERVAL_MINUTES.contains(&(ms / MINUTE)) =>
            {
                ms / MINUTE
            }
            _ => {
                self.problem(
                    key,
                    format!("must be one of 5m, 10m, 15m, 30m, 60m, got {text:?}"),
                );
                15
            }
        }
    }
}

/// The text of a TOML file the configuration names (tokens, agent names), or the one problem
/// of reading it.
fn read_file(path: &Path) -> Result<String, Vec<Problem>> {
    std::fs::read_to_string(path).map_err(|e| {
        vec![Problem {
            key: "(file)".into(),
            message: format!("cannot read: {e}"),
        }]
    })
}

/// `text` as the serde mirror `T` of such a file, or its syntax problem.
fn toml_of<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Vec<Problem>> {
    toml::from_str(text).map_err(|e| {
        vec![Problem {
            key: "(syntax)".into(),
            message: e.message().to_string(),
        }]
    })
}
