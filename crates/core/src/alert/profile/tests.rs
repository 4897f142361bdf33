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
