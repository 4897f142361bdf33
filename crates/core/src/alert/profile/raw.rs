//! A profile as written (serde types that mirror the TOML) and its validation into a
//! [`Profile`]: every problem collected with its key, none fatal before the end.

use super::{Band, Comparison, Criterion, Limits, Profile, Severity};
use crate::alert::measure::{Measure, ScopeKind, WindowKind};
use crate::colours::{self, RawColours};
use crate::kpi::definition::{
    Abandons, Callbacks, FlowOuts, ServiceLevelDefinition, ShortAbandons,
};
use crate::problem::Problem;
use crate::time;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    profile: RawHead,
    #[serde(default)]
    criteria: Vec<RawCriterion>,
    /// The wallboard's colour rules ([`crate::colours`]).
    #[serde(default)]
    colours: RawColours,
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
    definition: RawDefinition,
    #[serde(flatten)]
    limits: RawLimits,
    #[serde(default)]
    overrides: BTreeMap<String, RawLimits>,
}

/// The service-level definition of a `service_level` criterion ([`ServiceLevelDefinition`]).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    abandons: Option<String>,
    short_abandon: Option<String>,
    flow_outs: Option<String>,
    callbacks: Option<String>,
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
    pub(super) fn validate(self, problems: &mut Vec<Problem>) -> Profile {
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
            colours: colours::validate(self.colours, "profile", p.0),
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
        let definition = self.definition.validate(key, measure, p);
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
            definition,
            limits,
            overrides,
        }
    }
}

impl RawDefinition {
    fn validate(&self, key: &str, measure: Measure, p: &mut Problems) -> ServiceLevelDefinition {
        let mut d = ServiceLevelDefinition::RULE;
        let fields = [
            ("abandons", &self.abandons),
            ("short_abandon", &self.short_abandon),
            ("flow_outs", &self.flow_outs),
            ("callbacks", &self.callbacks),
        ];
        if measure != Measure::ServiceLevel {
            for (field, value) in fields {
                if value.is_some() {
                    p.add(
                        &format!("{key}.{field}"),
                        format!(
                            "defines a service level; {} has no such choice",
                            measure.name()
                        ),
                    );
                }
            }
            return d;
        }
        let mut choose = |field: &str, text: &Option<String>, names: &[&str]| {
            let text = text.as_deref()?;
            let found = names.iter().position(|n| *n == text);
            if found.is_none() {
                p.add(
                    &format!("{key}.{field}"),
                    format!("must be {}, got {text:?}", names.join(" or ")),
                );
            }
            found
        };
        if let Some(i) = choose("abandons", &self.abandons, &["against", "ignored", "for"]) {
            d.abandons = [Abandons::Against, Abandons::Ignored, Abandons::For][i];
        }
        if let Some(i) = choose("flow_outs", &self.flow_outs, &["in", "out"]) {
            d.flow_outs = [FlowOuts::In, FlowOuts::Out][i];
        }
        if let Some(i) = choose("callbacks", &self.callbacks, &["in", "excluded"]) {
            d.callbacks = [Callbacks::In, Callbacks::Excluded][i];
        }
        if let Some(text) = &self.short_abandon {
            match time::parse_duration(text) {
                Ok(0) => d.short_abandon = ShortAbandons::None,
                Ok(ms) => d.short_abandon = ShortAbandons::Below(ms),
                Err(e) => p.add(&format!("{key}.short_abandon"), e),
            }
        }
        d
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
