//! A certification profile: the criteria a center is held to, each with its clause, measure,
//! scope, window, threshold, hold time, hysteresis, minimum volume, severity, scoring bands
//! and per-queue overrides. Read from TOML ([`Profile::parse`]); every problem is reported at
//! once with its key, like the configuration.

use super::measure::{Measure, ScopeKind, Sums, WindowKind};
use crate::colours::ColourRules;
use crate::config::BUILT_IN_PROFILE;
use crate::kpi::definition::{ServiceLevelDefinition, ShortAbandons};
use crate::problem::{ConfigError, Problem};
use crate::time::{self, Millis};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

mod raw;

use raw::RawProfile;

/// The profile shipped for YD/T 2823-2015 (`config/profiles/yd-t-2823-2015.toml`), built in.
pub const BUILT_IN: &str = include_str!("../../../../../config/profiles/yd-t-2823-2015.toml");

/// Whether a breach is a value below or above the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = "<")]
    Below,
    #[serde(rename = ">")]
    Above,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Below => "<",
            Comparison::Above => ">",
        }
    }

    /// Whether `value` breaches `threshold`.
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Below => value < threshold,
            Comparison::Above => value > threshold,
        }
    }

    /// The level a firing alert must get back past to resolve: the threshold moved by the
    /// hysteresis to the good side.
    /// Rounded to 9 decimals, so 0.80 + 0.02 is 0.82 (not 0.8200000000000001) both here
    /// and in the generated rules, which write it as text.
    pub fn clear_level(self, threshold: f64, hysteresis: f64) -> f64 {
        let level = match self {
            Comparison::Below => threshold + hysteresis,
            Comparison::Above => threshold - hysteresis,
        };
        (level * 1e9).round() / 1e9
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    fn parse(text: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Critical]
            .into_iter()
            .find(|s| s.name() == text)
    }
}

/// One scoring band of the rule: values up to (`>`) or from (`<`) `bound` score
/// `coefficient`; a band without a bound takes the rest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    pub bound: Option<f64>,
    pub coefficient: f64,
}

/// What can differ per queue (or component): the judgement of one scope.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    pub threshold: f64,
    /// How far past the threshold, to the good side, a firing alert's value must get to resolve.
    pub hysteresis: f64,
    /// How long the breach must last before the alert fires.
    #[serde(rename = "for_seconds", serialize_with = "as_seconds")]
    pub hold: Millis,
    /// Below this volume (calls offered, answered, survey answers…) nothing is judged.
    pub min_volume: u64,
    pub severity: Severity,
    pub enabled: bool,
}

fn as_seconds<S: serde::Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(time::seconds(*ms))
}

/// One criterion: one alert per scope it is judged for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    /// Also the alert's name (`alertname`).
    pub id: String,
    pub clause: String,
    pub name_zh: String,
    pub name_en: String,
    pub measure: Measure,
    pub scope: ScopeKind,
    pub window: WindowKind,
    pub comparison: Comparison,
    /// The rule's scoring bands for this measure (empty when the rule gives none).
    pub bands: Vec<Band>,
    /// Which calls a `service_level` criterion counts, and as what (9.3.1 unless the profile
    /// chooses otherwise; [`ServiceLevelDefinition::RULE`] for other measures).
    pub definition: ServiceLevelDefinition,
    pub limits: Limits,
    /// Per-queue (or per-component) overrides, by name.
    pub overrides: BTreeMap<String, Limits>,
}

impl Criterion {
    /// The limits that judge the scope named `name`.
    pub fn limits_for(&self, name: &str) -> &Limits {
        self.overrides.get(name).unwrap_or(&self.limits)
    }

    /// The measured value, `None` when there is nothing to judge: the measure's formula, a
    /// service level by the criterion's definition.
    pub fn value(&self, s: &Sums) -> Option<f64> {
        match self.measure {
            Measure::ServiceLevel => self.definition.service_level(&s.counts),
            m => m.value(s),
        }
    }

    /// What the minimum volume is compared with: for a service level, the calls its
    /// definition counts.
    pub fn volume(&self, s: &Sums) -> u64 {
        match self.measure {
            Measure::ServiceLevel => self.definition.met_and_counted(&s.counts).1,
            m => m.volume(s),
        }
    }

    /// The rule's coefficient for `value`, when the criterion has bands.
    pub fn coefficient(&self, value: f64) -> Option<f64> {
        let fits = |b: &Band| match (b.bound, self.comparison) {
            (None, _) => true,
            (Some(bound), Comparison::Below) => value >= bound,
            (Some(bound), Comparison::Above) => value <= bound,
        };
        self.bands.iter().find(|b| fits(b)).map(|b| b.coefficient)
    }
}

/// A validated profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub id: String,
    /// The standard the criteria come from, e.g. `YD/T 2823-2015`: the `standard` label.
    pub standard: String,
    pub name_zh: String,
    pub name_en: String,
    pub criteria: Vec<Criterion>,
    /// The wallboard's colour rules per measure (`[[colours.MEASURE]]`), none by default.
    pub colours: ColourRules,
}

impl Profile {
    /// Of the enabled criteria judging `measure` for the scope named `name` (`""` for the
    /// center), the one hardest to meet: the highest floor or the lowest ceiling.
    pub fn hardest(&self, measure: Measure, kind: ScopeKind, name: &str) -> Option<&Criterion> {
        let harder = |a: &(&Criterion, f64), b: &(&Criterion, f64)| match a.0.comparison {
            Comparison::Below => a.1.total_cmp(&b.1),
            Comparison::Above => b.1.total_cmp(&a.1),
        };
        self.criteria
            .iter()
            .filter(|c| c.measure == measure && c.scope == kind)
            .filter(|c| c.limits_for(name).enabled)
            .map(|c| (c, c.limits_for(name).threshold))
            .max_by(harder)
            .map(|(c, _)| c)
    }

    /// The profile `alerts.profile` names: the built-in one by its name, or a TOML file.
    pub fn load(name_or_path: &str) -> Result<Profile, ConfigError> {
        if name_or_path == BUILT_IN_PROFILE {
            return Profile::parse(BUILT_IN, BUILT_IN_PROFILE);
        }
        let path = Path::new(name_or_path);
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            source_name: name_or_path.to_string(),
            problems: vec![Problem {
                key: "(file)".into(),
                message: format!("cannot read: {e}"),
            }],
        })?;
        Profile::parse(&text, name_or_path)
    }

    /// Parses and validates profile TOML; `name` names it in errors.
    pub fn parse(text: &str, name: &str) -> Result<Profile, ConfigError> {
        let error = |problems| ConfigError {
            source_name: name.to_string(),
            problems,
        };
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            error(vec![Problem {
                key: "(syntax)".into(),
                message: e.message().to_string(),
            }])
        })?;
        let mut problems = Vec::new();
        let profile = raw.validate(&mut problems);
        if problems.is_empty() {
            Ok(profile)
        } else {
            Err(error(problems))
        }
    }

    /// Problems of this profile under an engine that counts short abandons below
    /// `engine_short` (`engine.short_abandon`): a criterion that states its own short-abandon
    /// bound must state that one, the only one counted.
    pub fn check_short_abandon(&self, engine_short: Option<Millis>) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (i, c) in self.criteria.iter().enumerate() {
            if let ShortAbandons::Below(ms) = c.definition.short_abandon {
                if Some(ms) != engine_short {
                    let counted = match engine_short {
                        Some(e) => format!("below {}", time::format_duration(e)),
                        None => "none (engine.short_abandon is unset)".into(),
                    };
                    problems.push(Problem {
                        key: format!("criteria[{i}].short_abandon"),
                        message: format!(
                            "{:?} excludes abandons below {}, but the engine counts short abandons {counted}: set engine.short_abandon = {:?}, or \"0s\" here to exclude none",
                            c.id,
                            time::format_duration(ms),
                            time::format_duration(ms),
                        ),
                    });
                }
            }
        }
        problems
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests;
