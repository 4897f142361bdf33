//! Colour rules for the wallboard's figures: what a supervisor's contract or habit wants a
//! number to look like, apart from whether it meets the certification target.
//!
//! Up to [`MAX_RULES`] rules per measure, tried in order; the first that matches the value
//! colours it, and a value no rule matches is shown uncoloured. A profile may carry them
//! (`[[colours.service_level]]` …) and so may the wallboard file (`http.wallboard`), whose
//! rules for a measure replace the profile's for that measure ([`ColourRules::over`]).
//!
//! ```toml
//! [[colours.service_level]]
//! below = 0.70
//! colour = "red"
//!
//! [[colours.service_level]]
//! below = 0.85
//! colour = "amber"
//!
//! [[colours.waiting]]
//! at_least = 5
//! colour = "red"
//! ```
//!
//! Validated like the configuration, every problem with its key: a known measure, at most
//! three rules, exactly one bound per rule, a value inside the measure's range (ratios 0 to
//! 1, seconds and counts from 0), a colour of the palette, and no rule that can never apply
//! because the rules before it take every value it matches ([`never_applies`]).

use crate::problem::Problem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most rules a measure may have (Talkdesk's widgets allow three).
pub const MAX_RULES: usize = 3;

/// A figure the wallboard shows and rules can colour, named as in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    ServiceLevel,
    AnswerRate,
    AsaSeconds,
    Availability,
    Waiting,
    LongestWaitSeconds,
    AgentsAvailable,
}

/// The values a measure takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// 0 to 1.
    Ratio,
    /// 0 and up.
    Seconds,
    /// 0 and up.
    Count,
}

impl Range {
    /// The greatest value: 1 for a ratio, none (infinity) otherwise.
    pub fn top(self) -> f64 {
        match self {
            Range::Ratio => 1.0,
            Range::Seconds | Range::Count => f64::INFINITY,
        }
    }
}

impl Shown {
    pub const ALL: [Shown; 7] = [
        Shown::ServiceLevel,
        Shown::AnswerRate,
        Shown::AsaSeconds,
        Shown::Availability,
        Shown::Waiting,
        Shown::LongestWaitSeconds,
        Shown::AgentsAvailable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shown::ServiceLevel => "service_level",
            Shown::AnswerRate => "answer_rate",
            Shown::AsaSeconds => "asa_seconds",
            Shown::Availability => "availability",
            Shown::Waiting => "waiting",
            Shown::LongestWaitSeconds => "longest_wait_seconds",
            Shown::AgentsAvailable => "agents_available",
        }
    }

    pub fn parse(text: &str) -> Option<Shown> {
        Shown::ALL.into_iter().find(|s| s.name() == text)
    }

    pub fn range(self) -> Range {
        match self {
            Shown::ServiceLevel | Shown::AnswerRate | Shown::Availability => Range::Ratio,
            Shown::AsaSeconds | Shown::LongestWaitSeconds => Range::Seconds,
            Shown::Waiting | Shown::AgentsAvailable => Range::Count,
        }
    }
}

/// Which side of its bound a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    Below,
    AtMost,
    AtLeast,
    Above,
}

impl When {
    const ALL: [When; 4] = [When::Below, When::AtMost, When::AtLeast, When::Above];

    fn name(self) -> &'static str {
        match self {
            When::Below => "below",
            When::AtMost => "at_most",
            When::AtLeast => "at_least",
            When::Above => "above",
        }
    }
}

/// The palette: the wallboard's own three judgement colours and two more, so a rule can never
/// make a figure unreadable on the dark wall screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    Green,
    Amber,
    Red,
    Blue,
    Grey,
}

impl Colour {
    const ALL: [Colour; 5] = [
        Colour::Green,
        Colour::Amber,
        Colour::Red,
        Colour::Blue,
        Colour::Grey,
    ];

    fn name(self) -> &'static str {
        match self {
            Colour::Green => "green",
            Colour::Amber => "amber",
            Colour::Red => "red",
            Colour::Blue => "blue",
            Colour::Grey => "grey",
        }
    }
}

/// One rule: values on the `when` side of `value` are shown in `colour`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ColourRule {
    pub when: When,
    pub value: f64,
    pub colour: Colour,
}

impl ColourRule {
    pub fn matches(&self, x: f64) -> bool {
        match self.when {
            When::Below => x < self.value,
            When::AtMost => x <= self.value,
            When::AtLeast => x >= self.value,
            When::Above => x > self.value,
        }
    }
}

/// The rules of one measure and where they were written (`profile` or `wallboard`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureRules {
    pub source: &'static str,
    pub rules: Vec<ColourRule>,
}

/// Every measure's rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ColourRules(pub BTreeMap<Shown, MeasureRules>);

impl ColourRules {
    /// These rules, and `base`'s for the measures these have none for.
    pub fn over(&self, base: &ColourRules) -> ColourRules {
        let mut all = base.0.clone();
        all.extend(self.0.iter().map(|(k, v)| (*k, v.clone())));
        ColourRules(all)
    }

    /// The colour of `x` by `measure`'s rules: the first rule that matches.
    pub fn colour(&self, measure: Shown, x: f64) -> Option<Colour> {
        let rules = &self.0.get(&measure)?.rules;
        rules.iter().find(|r| r.matches(x)).map(|r| r.colour)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One rule as written: exactly one of the four bounds, and a colour.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    below: Option<f64>,
    at_most: Option<f64>,
    at_least: Option<f64>,
    above: Option<f64>,
    colour: String,
}

/// `[colours]` as written: rules by measure name.
pub type RawColours = BTreeMap<String, Vec<RawRule>>;

/// Validates `raw` (under the key `colours`), written in `source`; problems are pushed.
pub fn validate(raw: RawColours, source: &'static str, problems: &mut Vec<Problem>) -> ColourRules {
    let mut add = |key: String, message: String| problems.push(Problem { key, message });
    let mut all = BTreeMap::new();
    for (name, raw_rules) in raw {
        let key = format!("colours.{name}");
        let Some(measure) = Shown::parse(&name) else {
            let names: Vec<_> = Shown::ALL.iter().map(|s| s.name()).collect();
            add(key, format!("must be one of {}", names.join(", ")));
            continue;
        };
        if raw_rules.len() > MAX_RULES {
            add(
                key.clone(),
                format!("holds at most {MAX_RULES} rules, got {}", raw_rules.len()),
            );
        }
        let mut rules = Vec::new();
        for (i, r) in raw_rules.into_iter().enumerate() {
            let key = format!("{key}[{i}]");
            if let Some(rule) = rule(measure, &r, &key, &mut add) {
                if never_applies(measure, &rules, &rule) {
                    add(
                        key,
                        "never applies: the rules before it take every value it matches".into(),
                    );
                }
                rules.push(rule);
            }
        }
        all.insert(measure, MeasureRules { source, rules });
    }
    ColourRules(all)
}

fn rule(
    measure: Shown,
    r: &RawRule,
    key: &str,
    add: &mut impl FnMut(String, String),
) -> Option<ColourRule> {
    let bounds: Vec<(When, f64)> = [r.below, r.at_most, r.at_least, r.above]
        .into_iter()
        .zip(When::ALL)
        .filter_map(|(v, w)| v.map(|v| (w, v)))
        .collect();
    let colour = Colour::ALL.into_iter().find(|c| c.name() == r.colour);
    if colour.is_none() {
        let names: Vec<_> = Colour::ALL.iter().map(|c| c.name()).collect();
        add(
            format!("{key}.colour"),
            format!("must be one of {}, got {:?}", names.join(", "), r.colour),
        );
    }
    let [(when, value)] = bounds[..] else {
        add(
            key.to_string(),
            format!(
                "needs exactly one of below, at_most, at_least, above; got {}",
                bounds.len()
            ),
        );
        return None;
    };
    let top = measure.range().top();
    if !(value.is_finite() && (0.0..=top).contains(&value)) {
        let range = if top == 1.0 { "0 to 1" } else { "0 or more" };
        add(
            format!("{key}.{}", when.name()),
            format!("{} is {range}, got {value}", measure.name()),
        );
        return None;
    }
    Some(ColourRule {
        when,
        value,
        colour: colour?,
    })
}

/// Whether no value of `measure`'s range that `rule` matches is left by the rules `before`.
///
/// Every rule's answer is constant between its bounds, so it is enough to try each bound,
/// a value between each two, and one past each end of the range (clipped to the range).
pub fn never_applies(measure: Shown, before: &[ColourRule], rule: &ColourRule) -> bool {
    let top = measure.range().top();
    let mut bounds: Vec<f64> = before.iter().chain([rule]).map(|r| r.value).collect();
    bounds.push(0.0);
    if top.is_finite() {
        bounds.push(top);
    }
    bounds.sort_by(f64::total_cmp);
    bounds.dedup();
    let mut tries = bounds.clone();
    tries.extend(bounds.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0));
    if top.is_infinite() {
        tries.push(bounds[bounds.len() - 1] + 1.0);
    }
    !tries
        .into_iter()
        .filter(|x| (0.0..=top).contains(x))
        .any(|x| rule.matches(x) && !before.iter().any(|b| b.matches(x)))
}

#[cfg(test)]
mod tests;
