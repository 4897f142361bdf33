//! The profile loader: what it accepts, and every problem it reports.

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

/// An alert's severity, scope, window and comparison are written (checkpoints, the API, the
/// evidence rows) with serde and printed (logs, labels, rules) with `name`/`symbol`: the same
/// words, and each reads back.
#[test]
fn the_enums_serialise_as_the_words_they_print() {
    fn same<T>(value: T, word: &str)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, format!("\"{word}\""));
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
    }
    for s in [Severity::Info, Severity::Warning, Severity::Critical] {
        same(s, s.name());
    }
    for c in [Comparison::Below, Comparison::Above] {
        same(c, c.symbol());
    }
    for k in [ScopeKind::Center, ScopeKind::Queue, ScopeKind::Component] {
        same(k, k.name());
    }
    for w in WindowKind::ALL {
        same(w, w.name());
    }
}

#[test]
fn the_built_in_profile_judges_every_service_level_by_9_3_1() {
    let p = Profile::parse(BUILT_IN, BUILT_IN_PROFILE).unwrap();
    let levels: Vec<_> = p
        .criteria
        .iter()
        .filter(|c| c.measure == Measure::ServiceLevel)
        .collect();
    assert!(!levels.is_empty());
    assert!(levels.iter().all(|c| c.definition.is_rule()));
}

#[test]
fn a_service_level_criterion_chooses_its_definition_and_judges_by_it() {
    use crate::kpi::definition::{Abandons, Callbacks, FlowOuts, ShortAbandons};
    let text = ONE.replace(
        "metric = \"service_level\"",
        "metric = \"service_level\"\nabandons = \"for\"\nshort_abandon = \"5s\"\n\
         flow_outs = \"out\"\ncallbacks = \"excluded\"",
    );
    let p = Profile::parse(&text, "t.toml").unwrap();
    let c = &p.criteria[0];
    let want = ServiceLevelDefinition {
        abandons: Abandons::For,
        short_abandon: ShortAbandons::Below(5_000),
        flow_outs: FlowOuts::Out,
        callbacks: Callbacks::Excluded,
    };
    assert_eq!(c.definition, want);
    // 10 offered: 6 within, 2 abandoned within (1 short), 1 flowed out, 1 callback.
    let sums = Sums {
        counts: crate::kpi::CallCounts {
            offered: 10,
            answered: 6,
            answered_within: 6,
            abandoned: 2,
            abandoned_within: 2,
            short_abandoned: 1,
            flowed_out: 1,
            callbacks_requested: 1,
            wait_ms: 0,
        },
        ..Sums::default()
    };
    // Met: 6 + the abandon within that is not short; counted: 10 - 1 short - 1 - 1.
    assert_eq!(c.value(&sums), Some(7.0 / 7.0));
    assert_eq!(c.volume(&sums), 7);
    assert_eq!(Measure::ServiceLevel.value(&sums), Some(6.0 / 9.0));
    let zero = ONE.replace(
        "metric = \"service_level\"",
        "metric = \"service_level\"\nshort_abandon = \"0s\"",
    );
    let p = Profile::parse(&zero, "t.toml").unwrap();
    assert_eq!(p.criteria[0].definition.short_abandon, ShortAbandons::None);
    assert_eq!(p.criteria[0].value(&sums), Some(6.0 / 10.0));
}

#[test]
fn a_definition_is_refused_with_its_key_on_a_bad_value_or_another_measure() {
    let text = ONE.replace(
        "metric = \"service_level\"",
        "metric = \"service_level\"\nabandons = \"sometimes\"\nflow_outs = \"up\"\n\
         callbacks = \"maybe\"\nshort_abandon = \"soon\"",
    );
    let e = Profile::parse(&text, "t.toml").unwrap_err();
    let keys: Vec<_> = e.problems.iter().map(|p| p.key.as_str()).collect();
    for key in ["abandons", "flow_outs", "callbacks", "short_abandon"] {
        assert!(keys.contains(&format!("criteria[0].{key}").as_str()), "{e}");
    }
    let asa = ONE
        .replace(
            "metric = \"service_level\"",
            "metric = \"asa_seconds\"\nabandons = \"for\"",
        )
        .replace("comparison = \"<\"", "comparison = \">\"")
        .replace("threshold = 0.80", "threshold = 20")
        .replace("threshold = 0.90", "threshold = 30")
        .replace(
            "bands = [{ at_least = 0.9, coefficient = 1.0 }, { coefficient = 0.5 }]",
            "",
        );
    let e = Profile::parse(&asa, "t.toml").unwrap_err();
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].key, "criteria[0].abandons");
    assert!(e.problems[0].message.contains("asa_seconds"), "{e}");
}

#[test]
fn a_stated_short_abandon_must_be_the_one_the_engine_counts() {
    let text = ONE.replace(
        "metric = \"service_level\"",
        "metric = \"service_level\"\nshort_abandon = \"5s\"",
    );
    let p = Profile::parse(&text, "t.toml").unwrap();
    assert!(p.check_short_abandon(Some(5_000)).is_empty());
    let wrong = p.check_short_abandon(Some(3_000));
    assert_eq!(wrong.len(), 1);
    assert_eq!(wrong[0].key, "criteria[0].short_abandon");
    assert!(
        wrong[0].message.contains("below 3s"),
        "{}",
        wrong[0].message
    );
    let unset = p.check_short_abandon(None);
    assert!(
        unset[0].message.contains("engine.short_abandon"),
        "{}",
        unset[0].message
    );
    // Unset or "0s" in the profile: anything the engine counts is fine.
    let p = Profile::parse(ONE, "t.toml").unwrap();
    assert!(p.check_short_abandon(Some(3_000)).is_empty());
}

#[test]
fn a_profile_carries_colour_rules_checked_with_their_keys_and_the_built_in_has_none() {
    use crate::colours::{Colour, Shown};
    let with = format!(
        "{ONE}\n[[colours.service_level]]\nbelow = 0.7\ncolour = \"red\"\n\
         [[colours.service_level]]\nbelow = 0.8\ncolour = \"amber\"\n"
    );
    let p = Profile::parse(&with, "t.toml").unwrap();
    assert_eq!(
        p.colours.colour(Shown::ServiceLevel, 0.75),
        Some(Colour::Amber)
    );
    assert_eq!(p.colours.colour(Shown::ServiceLevel, 0.8), None);
    let bad = format!("{ONE}\n[[colours.service_level]]\nbelow = 80\ncolour = \"red\"\n");
    let err = Profile::parse(&bad, "t.toml").unwrap_err();
    assert_eq!(err.problems[0].key, "colours.service_level[0].below");
    assert!(Profile::load(BUILT_IN_PROFILE).unwrap().colours.is_empty());
}
