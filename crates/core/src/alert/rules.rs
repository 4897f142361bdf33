//! `callpulse rules`: a profile as Prometheus recording and alerting rules.
//!
//! Every instance exports the sums of each criterion's window as gauges
//! (`callpulse_window_*{queue,window}`, `callpulse_center_window_*{window}`,
//! `callpulse_component_window_*{component,window}`; see [`super::measure::Sum`]). The
//! recording rules add them up across instances *first* and divide after, so a ratio is never
//! an average of ratios; the alerting rules apply the profile's threshold, `for`, minimum
//! volume and hysteresis to the recorded ratios, exactly as the built-in engine does:
//!
//! ```text
//! (value breaches threshold and volume >= min)
//!   or (value breaches the clear level and volume >= min and the alert is already firing)
//! ```
//!
//! The second line is the hysteresis: Prometheus keeps a firing alert while its expression
//! returns the series, and `ALERTS{alertstate="firing"}` is the alert's own previous state.

use super::measure::{Measure, ScopeKind, Sum, WindowKind};
use super::profile::{Comparison, Criterion, Limits, Profile};
use super::text;
use crate::kpi::definition::{
    Abandons, Callbacks, FlowOuts, ServiceLevelDefinition, ShortAbandons,
};
use crate::time::format_duration;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The file [`write_file`] writes.
pub const RULES_FILE: &str = "callpulse.rules.yml";

/// What one recording rule records: a measure of a scope over a window, and for a service
/// level the definition it counts by (criteria with different definitions record apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Recorded {
    pub scope: ScopeKind,
    pub measure: Measure,
    pub definition: ServiceLevelDefinition,
    pub window: WindowKind,
}

impl Recorded {
    pub fn of(c: &Criterion) -> Recorded {
        Recorded {
            scope: c.scope,
            measure: c.measure,
            definition: c.definition,
            window: c.window,
        }
    }

    /// The measure's part of the names: `service_level`, or
    /// `service_level_abandons_ignored` for a service level by another definition.
    fn measured(&self) -> String {
        let suffix = match self.measure {
            Measure::ServiceLevel => self.definition.name_suffix(),
            _ => String::new(),
        };
        format!("{}{suffix}", self.measure.name())
    }

    /// The name of the recorded value: `queue:callpulse_service_level:15m`.
    pub fn record_name(&self) -> String {
        format!(
            "{}:callpulse_{}:{}",
            self.scope.name(),
            self.measured(),
            self.window.name()
        )
    }

    /// The name of the recorded volume: `queue:callpulse_service_level_volume:15m`.
    pub fn volume_name(&self) -> String {
        format!(
            "{}:callpulse_{}_volume:{}",
            self.scope.name(),
            self.measured(),
            self.window.name()
        )
    }
}

/// `sum by (queue) (callpulse_window_calls_offered{window="15m"})`.
fn summed(scope: ScopeKind, sum: Sum, window: WindowKind, how: &str) -> String {
    let by = scope
        .label()
        .map_or(String::new(), |l| format!(" by ({l})"));
    format!(
        "{how}{by} ({}{}{{window=\"{}\"}})",
        scope.family_prefix(),
        sum.name(),
        window.name()
    )
}

/// A service level's numerator and denominator by `d`, from the window sums, as
/// [`ServiceLevelDefinition::met_and_counted`] computes them.
fn service_level(d: &ServiceLevelDefinition, s: impl Fn(Sum) -> String) -> (String, String) {
    use Sum::*;
    let short = d.short_abandon != ShortAbandons::None;
    let early = if short {
        format!(
            "clamp_min({} - {}, 0)",
            s(AbandonedWithin),
            s(ShortAbandoned)
        )
    } else {
        s(AbandonedWithin)
    };
    let mut met = s(AnsweredWithin);
    let mut counted = s(Offered);
    if short {
        let _ = write!(counted, " - {}", s(ShortAbandoned));
    }
    match d.abandons {
        Abandons::Against => {}
        Abandons::Ignored => {
            let _ = write!(counted, " - {early}");
        }
        Abandons::For => met = format!("({met} + {early})"),
    }
    if d.flow_outs == FlowOuts::Out {
        let _ = write!(counted, " - {}", s(FlowedOut));
    }
    if d.callbacks == Callbacks::Excluded {
        let _ = write!(counted, " - {}", s(CallbacksRequested));
    }
    (met, counted)
}

/// The PromQL of a measure's value and (for measures with one) volume, from the window sums.
pub fn expressions(r: &Recorded) -> (String, Option<String>) {
    let (scope, window) = (r.scope, r.window);
    let s = |sum: Sum| summed(scope, sum, window, "sum");
    use Sum::*;
    let (met, counted) = service_level(&r.definition, s);
    let value = match r.measure {
        Measure::ServiceLevel => format!("{met}\n/\n({counted})"),
        Measure::AnswerRate => format!(
            "{}\n/\n({} - {})",
            s(Answered),
            s(Offered),
            s(ShortAbandoned)
        ),
        Measure::AsaSeconds => format!("{}\n/\n{}", s(AnswerWaitSeconds), s(Answered)),
        Measure::Availability => {
            // Down time adds up across instances; the monitored span is each one's month so
            // far, the same for all.
            let m = summed(scope, MonitoredSeconds, window, "max");
            format!("({m} - {})\n/\n{m}", s(DownSeconds))
        }
        Measure::OutageSeconds => summed(scope, OutageSeconds, window, "max"),
        Measure::Satisfaction => format!("{}\n/\n{}", s(SurveySatisfied), s(SurveyResponses)),
        Measure::ComplaintsOnTime => format!(
            "{}\n/\n({} + {})",
            s(ComplaintsOnTime),
            s(ComplaintsOnTime),
            s(ComplaintsOverdue)
        ),
        Measure::ForecastAccuracy => format!(
            "clamp_min(1 - abs({} - {}) / {}, 0)",
            s(Offered),
            s(ForecastCalls),
            s(Offered)
        ),
    };
    let volume = match r.measure {
        Measure::ServiceLevel => Some(counted),
        Measure::AnswerRate => Some(format!("{} - {}", s(Offered), s(ShortAbandoned))),
        Measure::AsaSeconds => Some(s(Answered)),
        Measure::Satisfaction => Some(s(SurveyResponses)),
        Measure::ComplaintsOnTime => Some(format!(
            "{} + {}",
            s(ComplaintsOnTime),
            s(ComplaintsOverdue)
        )),
        Measure::ForecastAccuracy => Some(s(Offered)),
        Measure::Availability | Measure::OutageSeconds => None,
    };
    (value, volume)
}

/// The labels every generated alert (and every built-in one sent to Alertmanager) carries,
/// besides `alertname` and the scope's `queue` or `component`.
pub fn labels(profile: &Profile, c: &Criterion, limits: &Limits) -> Vec<(&'static str, String)> {
    vec![
        ("severity", limits.severity.name().to_string()),
        ("criterion", c.id.clone()),
        ("clause", c.clause.clone()),
        ("standard", profile.standard.clone()),
        ("window", c.window.name().to_string()),
    ]
}

/// A YAML double-quoted scalar (JSON strings are valid YAML).
fn q(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// A block scalar's lines, indented.
fn block(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}{line}");
    }
}

fn header(profile: &Profile, source: &str) -> String {
    format!(
        "# Generated by `callpulse rules --profile {source}` from profile {} ({}).\n\
         # Do not edit: change the profile and generate again.\n\
         # One group: its rules run in order at the same instant, so each alert judges the ratios\n\
         # recorded at that very evaluation, as callpulse's built-in engine does.\n",
        profile.id, profile.standard
    )
}

/// The rules file: one group, the recording rules first, then the alerting rules.
pub fn rules_file(profile: &Profile, source: &str) -> String {
    let mut out = header(profile, source);
    let _ = writeln!(
        out,
        "groups:\n  - name: callpulse_{}\n    rules:",
        profile.id.replace('-', "_")
    );
    recording(&mut out, profile);
    alerting(&mut out, profile);
    out
}

/// The recording rules: value and volume of every (scope, measure, window) the profile uses.
fn recording(out: &mut String, profile: &Profile) {
    let used: BTreeSet<Recorded> = profile.criteria.iter().map(Recorded::of).collect();
    for r in used {
        let (value, volume) = expressions(&r);
        let _ = writeln!(out, "      - record: {}\n        expr: |-", r.record_name());
        block(out, "          ", &value);
        if let Some(volume) = volume {
            let _ = writeln!(out, "      - record: {}\n        expr: |-", r.volume_name());
            block(out, "          ", &volume);
        }
    }
}

/// One alerting rule to write: its series selector, the override's own label, its limits.
type Part<'a> = (String, Option<(&'a str, &'a str)>, &'a Limits);

/// The alerting rules: one per criterion, plus one per override.
fn alerting(out: &mut String, profile: &Profile) {
    for c in &profile.criteria {
        let label = c.scope.label();
        let overridden: Vec<&String> = c.overrides.keys().collect();
        let mut parts: Vec<Part> = Vec::new();
        let rest = match (label, overridden.is_empty()) {
            (Some(l), false) => {
                let names: Vec<String> = overridden.iter().map(|n| regex_quote(n)).collect();
                format!("{l}!~{}", q(&names.join("|")))
            }
            _ => String::new(),
        };
        parts.push((rest, None, &c.limits));
        for (name, limits) in &c.overrides {
            let l = label.expect("overrides exist only for queues and components");
            parts.push((format!("{l}={}", q(name)), Some((l, name.as_str())), limits));
        }
        for (selector, own, limits) in parts {
            if limits.enabled {
                rule(out, profile, c, limits, &selector, own);
            }
        }
    }
}

/// An alerting rule of `c` for the series that `selector` picks. An override's rule also
/// states its queue (or component) as a label, the same the series carry, so that promtool
/// does not take the default rule and the override's for duplicates.
fn rule(
    out: &mut String,
    profile: &Profile,
    c: &Criterion,
    limits: &Limits,
    selector: &str,
    own: Option<(&str, &str)>,
) {
    let on = format!("on ({})", c.scope.label().unwrap_or(""));
    let braced = if selector.is_empty() {
        String::new()
    } else {
        format!("{{{selector}}}")
    };
    let recorded = Recorded::of(c);
    let value = format!("{}{braced}", recorded.record_name());
    let volume = c.measure.has_volume().then(|| {
        format!(
            "{}{braced} >= {}",
            recorded.volume_name(),
            limits.min_volume.max(1)
        )
    });
    let judged = |cmp: Comparison, level: f64| {
        let mut e = format!("{value} {} {level}", cmp.symbol());
        if let Some(v) = &volume {
            let _ = write!(e, "\nand {on}\n{v}");
        }
        e
    };
    let mut expr = format!("(\n{}\n)", judged(c.comparison, limits.threshold));
    let clear = c
        .comparison
        .clear_level(limits.threshold, limits.hysteresis);
    if clear != limits.threshold {
        let sep = if selector.is_empty() { "" } else { ", " };
        let _ = write!(
            expr,
            "\nor\n(\n{}\nand {on}\nALERTS{{alertname={}, alertstate=\"firing\"{sep}{selector}}}\n)",
            judged(c.comparison, clear),
            q(&c.id)
        );
    }
    let _ = writeln!(out, "      - alert: {}\n        expr: |-", c.id);
    block(out, "          ", &expr);
    if limits.hold > 0 {
        let _ = writeln!(out, "        for: {}", format_duration(limits.hold));
    }
    let _ = writeln!(out, "        labels:");
    for (k, v) in labels(profile, c, limits) {
        let _ = writeln!(out, "          {k}: {}", q(&v));
    }
    if let Some((k, v)) = own {
        let _ = writeln!(out, "          {k}: {}", q(v));
    }
    let name = c
        .scope
        .label()
        .map_or(String::new(), |l| format!("{{{{ $labels.{l} }}}}"));
    let _ = writeln!(out, "        annotations:");
    for (k, v) in text::annotations(c, limits, &name, "{{ $value | printf \"%.4f\" }}") {
        let _ = writeln!(out, "          {k}: {}", q(&v));
    }
}

/// A queue name as an exact alternative in a PromQL regular expression.
fn regex_quote(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if "\\.+*?()|[]{}^$".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Writes [`RULES_FILE`] into `dir`; returns its path.
pub fn write_file(
    profile: &Profile,
    source: &str,
    dir: &std::path::Path,
) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(RULES_FILE);
    std::fs::write(&path, rules_file(profile, source))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::profile::BUILT_IN;
    use crate::config::BUILT_IN_PROFILE;

    #[test]
    fn ratios_are_sums_divided_never_averages() {
        let recorded = |scope, measure, window| Recorded {
            scope,
            measure,
            definition: ServiceLevelDefinition::RULE,
            window,
        };
        let (value, volume) = expressions(&recorded(
            ScopeKind::Queue,
            Measure::ServiceLevel,
            WindowKind::Last15m,
        ));
        assert_eq!(
            value,
            "sum by (queue) (callpulse_window_calls_answered_within_threshold{window=\"15m\"})\n/\n\
             (sum by (queue) (callpulse_window_calls_offered{window=\"15m\"}) - \
             sum by (queue) (callpulse_window_calls_short_abandoned{window=\"15m\"}))"
        );
        assert!(volume.unwrap().starts_with("sum by (queue)"));
        let (center, _) = expressions(&recorded(
            ScopeKind::Center,
            Measure::AsaSeconds,
            WindowKind::Day,
        ));
        assert!(
            center.starts_with("sum (callpulse_center_window_answer_wait_seconds{window=\"day\"})")
        );
        assert!(!value.contains("avg"));
    }

    #[test]
    fn overrides_get_their_own_rule_and_leave_the_default_one() {
        let text = BUILT_IN.replace(
            "# [criteria.overrides.vip]\n# threshold = 0.90\n# min_volume = 10",
            "[criteria.overrides.vip]\nthreshold = 0.90\nmin_volume = 10\n\
             [criteria.overrides.\"test.q\"]\nenabled = false",
        );
        let p = Profile::parse(&text, BUILT_IN_PROFILE).unwrap();
        let rules = rules_file(&p, "p.toml");
        assert!(
            rules.contains(r#"queue:callpulse_service_level:15m{queue!~"test\\.q|vip"} < 0.8"#),
            "{rules}"
        );
        assert!(rules.contains(r#"queue:callpulse_service_level:15m{queue="vip"} < 0.9"#));
        assert!(rules.contains(r#"queue:callpulse_service_level_volume:15m{queue="vip"} >= 10"#));
        assert!(rules.contains(
            r#"ALERTS{alertname="service_level_below_80", alertstate="firing", queue="vip"}"#
        ));
        assert!(!rules.contains(r#"{queue="test.q"}"#), "disabled: no rule");
    }

    #[test]
    fn a_service_level_by_another_definition_records_its_own_formula_under_its_own_name() {
        use crate::kpi::definition::Abandons;
        let r = Recorded {
            scope: ScopeKind::Center,
            measure: Measure::ServiceLevel,
            definition: ServiceLevelDefinition::RULE
                .with_abandons(Abandons::For)
                .with_flow_outs(FlowOuts::Out),
            window: WindowKind::Day,
        };
        assert_eq!(
            r.record_name(),
            "center:callpulse_service_level_abandons_for_flow_outs_out:day"
        );
        let sum = |name: &str| format!("sum (callpulse_center_window_{name}{{window=\"day\"}})");
        let early = format!(
            "clamp_min({} - {}, 0)",
            sum("calls_abandoned_within_threshold"),
            sum("calls_short_abandoned")
        );
        let counted = format!(
            "{} - {} - {}",
            sum("calls_offered"),
            sum("calls_short_abandoned"),
            sum("calls_flowed_out")
        );
        let (value, volume) = expressions(&r);
        assert_eq!(
            value,
            format!(
                "({} + {early})\n/\n({counted})",
                sum("calls_answered_within_threshold")
            )
        );
        assert_eq!(volume.unwrap(), counted);
    }
}
