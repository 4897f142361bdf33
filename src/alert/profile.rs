//! A certification profile: the criteria a center is held to, each with its clause, measure,
//! scope, window, threshold, hold time, hysteresis, minimum volume, severity, scoring bands
//! and per-queue overrides. Read from TOML ([`Profile::parse`]); every problem is reported at
//! once with its key, like the configuration.

use super::measure::{Measure, ScopeKind, WindowKind};
use crate::config::BUILT_IN_PROFILE;
use crate::problem::{ConfigError, Problem};
use crate::time::{self, Millis};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The profile shipped for YD/T 2823-2015 (`config/profiles/yd-t-2823-2015.toml`), built in.
pub const BUILT_IN: &str = include_str!("../../config/profiles/yd-t-2823-2015.toml");

/// Whether a breach is a value below or above the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
    pub limits: Limits,
    /// Per-queue (or per-component) overrides, by name.
    pub overrides: BTreeMap<String, Limits>,
}

impl Criterion {
    /// The limits that judge the scope named `name`.
    pub fn limits_for(&self, name: &str) -> &Limits {
        self.overrides.get(name).unwrap_or(&self.limits)
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
}

// ---- as written ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    profile: RawHead,
    #[serde(default)]
    criteria: Vec<RawCriterion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHead {
    id: String,
    standard: String,
    name_zh: String,
    name_en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: String,
    clause: String,
    name_zh: String,
    name_en: String,
    metric: String,
    scope: String,
    window: String,
    comparison: String,
    #[serde(default)]
    bands: Vec<RawBand>,
    #[serde(flatten)]
    limits: RawLimits,
    #[serde(default)]
    overrides: BTreeMap<String, RawLimits>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    #[serde(default)]
    at_least: Option<f64>,
    #[serde(default)]
    at_most: Option<f64>,
    coefficient: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    threshold: Option<f64>,
    hysteresis: Option<f64>,
    #[serde(rename = "for")]
    hold: Option<String>,
    min_volume: Option<u64>,
    severity: Option<String>,
    enabled: Option<bool>,
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

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// Collects problems with their keys.
struct Problems<'a>(&'a mut Vec<Problem>);

impl Problems<'_> {
    fn add(&mut self, key: &str, message: impl Into<String>) {
        self.0.push(Problem {
            key: key.to_string(),
            message: message.into(),
        });
    }
}

impl RawProfile {
    fn validate(self, problems: &mut Vec<Problem>) -> Profile {
        let mut p = Problems(problems);
        let h = self.profile;
        if !is_name(&h.id) {
            p.add(
                "profile.id",
                format!("must be letters, digits, - or _, got {:?}", h.id),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        let criteria = self
            .criteria
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let key = format!("criteria[{i}]");
                if !seen.insert(c.id.clone()) {
                    p.add(&format!("{key}.id"), format!("{:?} is used twice", c.id));
                }
                c.validate(&key, &mut p)
            })
            .collect();
        Profile {
            id: h.id,
            standard: h.standard,
            name_zh: h.name_zh,
            name_en: h.name_en,
            criteria,
        }
    }
}

/// An alert name Prometheus accepts as a label value and operators can type.
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl RawCriterion {
    fn validate(self, key: &str, p: &mut Problems) -> Criterion {
        let at = |field: &str| format!("{key}.{field}");
        if !is_name(&self.id) {
            p.add(
                &at("id"),
                format!("must be letters, digits, - or _, got {:?}", self.id),
            );
        }
        let measure = Measure::parse(&self.metric).unwrap_or_else(|| {
            let names: Vec<_> = Measure::ALL.iter().map(|m| m.name()).collect();
            p.add(
                &at("metric"),
                format!("must be one of {}, got {:?}", names.join(", "), self.metric),
            );
            Measure::ServiceLevel
        });
        let scope = match ScopeKind::parse(&self.scope) {
            Some(s) if measure.scopes().contains(&s) => s,
            _ => {
                let names: Vec<_> = measure.scopes().iter().map(|s| s.name()).collect();
                p.add(
                    &at("scope"),
                    format!(
                        "{} is judged per {}, got {:?}",
                        measure.name(),
                        names.join(" or "),
                        self.scope
                    ),
                );
                measure.scopes()[0]
            }
        };
        let window = match WindowKind::parse(&self.window) {
            Some(w) if measure.windows().contains(&w) => w,
            _ => {
                let names: Vec<_> = measure.windows().iter().map(|w| w.name()).collect();
                p.add(
                    &at("window"),
                    format!(
                        "{} is judged over {}, got {:?}",
                        measure.name(),
                        names.join(", "),
                        self.window
                    ),
                );
                measure.windows()[0]
            }
        };
        let comparison = match self.comparison.as_str() {
            "<" => Comparison::Below,
            ">" => Comparison::Above,
            other => {
                p.add(
                    &at("comparison"),
                    format!("must be \"<\" or \">\", got {other:?}"),
                );
                Comparison::Below
            }
        };
        for (field, text) in [
            ("clause", &self.clause),
            ("name_zh", &self.name_zh),
            ("name_en", &self.name_en),
        ] {
            no_template(p, &at(field), text);
        }
        let bands = bands(&self.bands, comparison, &at("bands"), p);
        let base = Limits {
            threshold: 0.0,
            hysteresis: 0.0,
            hold: 0,
            min_volume: 0,
            severity: Severity::Warning,
            enabled: true,
        };
        if self.limits.threshold.is_none() {
            p.add(&at("threshold"), "is required");
        }
        if self.limits.severity.is_none() {
            p.add(&at("severity"), "is required");
        }
        let limits = self.limits.over(&base, key, measure, comparison, p);
        if scope == ScopeKind::Center && !self.overrides.is_empty() {
            p.add(
                &at("overrides"),
                "a center-wide criterion has no queues or components to override",
            );
        }
        let overrides = self
            .overrides
            .iter()
            .map(|(name, o)| {
                let key = format!("{key}.overrides.{name}");
                no_template(p, &key, name);
                (name.clone(), o.over(&limits, &key, measure, comparison, p))
            })
            .collect();
        Criterion {
            id: self.id,
            clause: self.clause,
            name_zh: self.name_zh,
            name_en: self.name_en,
            measure,
            scope,
            window,
            comparison,
            bands,
            limits,
            overrides,
        }
    }
}

fn bands(raw: &[RawBand], comparison: Comparison, key: &str, p: &mut Problems) -> Vec<Band> {
    let mut out: Vec<Band> = Vec::new();
    for (i, b) in raw.iter().enumerate() {
        let key = format!("{key}[{i}]");
        let bound = match (comparison, b.at_least, b.at_most) {
            (_, None, None) => None,
            (Comparison::Below, Some(v), None) | (Comparison::Above, None, Some(v)) => Some(v),
            _ => {
                let want = match comparison {
                    Comparison::Below => "at_least (higher is better)",
                    Comparison::Above => "at_most (lower is better)",
                };
                p.add(&key, format!("bands of this criterion take {want}"));
                None
            }
        };
        let ordered = match (out.last().map(|b| b.bound), bound) {
            (None, _) => true,
            (Some(None), _) => false,
            (Some(Some(_)), None) => true,
            (Some(Some(a)), Some(c)) => match comparison {
                Comparison::Below => c < a,
                Comparison::Above => c > a,
            },
        };
        if !ordered {
            p.add(
                &key,
                "bands go from the best to the worst, and only the last may have no bound",
            );
        }
        if !b.coefficient.is_finite() || b.coefficient < 0.0 {
            p.add(&format!("{key}.coefficient"), "must be a number ≥ 0");
        }
        out.push(Band {
            bound,
            coefficient: b.coefficient,
        });
    }
    out
}

/// Text that goes into Prometheus templates must not open or close a template action.
fn no_template(p: &mut Problems, key: &str, text: &str) {
    if text.contains("{{") || text.contains("}}") {
        p.add(key, format!("must not contain {{{{ or }}}}, got {text:?}"));
    }
}

impl RawLimits {
    /// These limits over `base` (the criterion's own, for an override).
    fn over(
        &self,
        base: &Limits,
        key: &str,
        measure: Measure,
        comparison: Comparison,
        p: &mut Problems,
    ) -> Limits {
        let at = |field: &str| format!("{key}.{field}");
        let mut l = *base;
        if let Some(t) = self.threshold {
            if !t.is_finite() || t < 0.0 || (measure.is_ratio() && t > 1.0) {
                let message = if measure.is_ratio() {
                    format!("{} is a ratio: must be 0 to 1, got {t}", measure.name())
                } else {
                    format!("must be a number ≥ 0, got {t}")
                };
                p.add(&at("threshold"), message);
            }
            l.threshold = t;
        }
        if let Some(h) = self.hysteresis {
            if !h.is_finite() || h < 0.0 {
                p.add(&at("hysteresis"), format!("must be a number ≥ 0, got {h}"));
            }
            l.hysteresis = h;
        }
        if let Some(text) = &self.hold {
            match time::parse_duration(text) {
                Ok(ms) => l.hold = ms,
                Err(e) => p.add(&at("for"), e),
            }
        }
        if let Some(v) = self.min_volume {
            if !measure.has_volume() && v > 0 {
                p.add(
                    &at("min_volume"),
                    format!("{} has no volume to judge", measure.name()),
                );
            }
            l.min_volume = v;
        }
        if let Some(text) = &self.severity {
            match Severity::parse(text) {
                Some(s) => l.severity = s,
                None => p.add(
                    &at("severity"),
                    format!("must be info, warning or critical, got {text:?}"),
                ),
            }
        }
        if let Some(e) = self.enabled {
            l.enabled = e;
        }
        let clear = comparison.clear_level(l.threshold, l.hysteresis);
        let unreachable = match comparison {
            Comparison::Below => measure.is_ratio() && clear > 1.0,
            Comparison::Above => clear < 0.0,
        };
        if unreachable && (self.hysteresis.is_some() || self.threshold.is_some()) {
            p.add(
                &at("hysteresis"),
                format!(
                    "the alert would never resolve: its clear level {clear} is out of reach of {}",
                    measure.name()
                ),
            );
        }
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
        [profile]
        id = "t"
        standard = "YD/T 2823-2015"
        name_zh = "测试"
        name_en = "Test"

        [[criteria]]
        id = "service_level_below_80"
        clause = "9.3.1"
        name_zh = "服务水平"
        name_en = "Service level"
        metric = "service_level"
        scope = "queue"
        window = "15m"
        comparison = "<"
        threshold = 0.80
        hysteresis = 0.02
        for = "5m"
        min_volume = 20
        severity = "critical"
        bands = [{ at_least = 0.9, coefficient = 1.0 }, { coefficient = 0.5 }]

        [criteria.overrides.vip]
        threshold = 0.90
        for = "2m"
    "#;

    #[test]
    fn a_criterion_reads_with_its_overrides() {
        let p = Profile::parse(ONE, "t.toml").unwrap();
        let c = &p.criteria[0];
        assert_eq!(c.measure, Measure::ServiceLevel);
        assert_eq!(c.limits.hold, 300_000);
        assert_eq!(c.limits.min_volume, 20);
        let vip = c.limits_for("vip");
        assert_eq!((vip.threshold, vip.hold), (0.90, 120_000));
        assert_eq!(
            (vip.min_volume, vip.hysteresis, vip.severity),
            (20, 0.02, Severity::Critical),
            "an override keeps what it does not set"
        );
        assert_eq!(c.limits_for("other").threshold, 0.80);
        assert_eq!(c.coefficient(0.95), Some(1.0));
        assert_eq!(c.coefficient(0.90), Some(1.0));
        assert_eq!(c.coefficient(0.89), Some(0.5));
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let text = ONE
            .replace("metric = \"service_level\"", "metric = \"outage_seconds\"")
            .replace("window = \"15m\"", "window = \"week\"")
            .replace("for = \"2m\"", "for = \"soon\"")
            .replace("severity = \"critical\"", "severity = \"page\"");
        let err = Profile::parse(&text, "t.toml").unwrap_err();
        let keys: Vec<_> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "criteria[0].scope",
                "criteria[0].window",
                "criteria[0].min_volume",
                "criteria[0].severity",
                "criteria[0].overrides.vip.for",
            ],
            "{err}"
        );
    }

    #[test]
    fn bands_run_from_best_to_worst() {
        let text = ONE.replace(
            "bands = [{ at_least = 0.9, coefficient = 1.0 }, { coefficient = 0.5 }]",
            "bands = [{ at_least = 0.8, coefficient = 1.0 }, { at_least = 0.9, coefficient = 0.5 }, { at_most = 3, coefficient = 0 }]",
        );
        let err = Profile::parse(&text, "t.toml").unwrap_err();
        let keys: Vec<_> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["criteria[0].bands[1]", "criteria[0].bands[2]"],
            "{err}"
        );
    }

    #[test]
    fn ratios_above_1_unreachable_clear_levels_and_template_braces_are_refused() {
        let text = ONE
            .replace("threshold = 0.90", "threshold = 1.5")
            .replace(
                "name_en = \"Service level\"",
                "name_en = \"Service {{ level }}\"",
            )
            .replace("hysteresis = 0.02", "hysteresis = 0.25");
        let err = Profile::parse(&text, "t.toml").unwrap_err();
        let keys: Vec<_> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "criteria[0].name_en",
                "criteria[0].hysteresis",
                "criteria[0].overrides.vip.threshold",
                "criteria[0].overrides.vip.hysteresis",
            ],
            "{err}"
        );
        assert!(err.to_string().contains("would never resolve"), "{err}");
        // A forecast is judged per queue on a finished interval only.
        let text = ONE
            .replace(
                "metric = \"service_level\"",
                "metric = \"forecast_accuracy\"",
            )
            .replace("scope = \"queue\"", "scope = \"center\"")
            .replace(
                "[criteria.overrides.vip]\n        threshold = 0.90\n        for = \"2m\"",
                "",
            );
        let err = Profile::parse(&text, "t.toml").unwrap_err();
        let keys: Vec<_> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["criteria[0].scope", "criteria[0].window"], "{err}");
    }

    #[test]
    fn unknown_keys_and_a_missing_threshold_are_errors() {
        let err = Profile::parse(&ONE.replace("hysteresis", "hysterisis"), "t").unwrap_err();
        assert!(err.to_string().contains("hysterisis"), "{err}");
        let err = Profile::parse(&ONE.replace("threshold = 0.80\n", ""), "t").unwrap_err();
        assert_eq!(err.problems[0].key, "criteria[0].threshold", "{err}");
    }

    #[test]
    fn the_built_in_profile_is_valid() {
        let p = Profile::load(BUILT_IN_PROFILE).unwrap();
        assert_eq!(p.standard, "YD/T 2823-2015");
        assert!(p.criteria.len() >= 10);
    }
}
