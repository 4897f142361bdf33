use super::*;

fn parse(text: &str) -> Result<ColourRules, Vec<Problem>> {
    #[derive(Deserialize)]
    struct File {
        colours: RawColours,
    }
    let raw: File = toml::from_str(text).expect("the test's TOML parses");
    let mut problems = Vec::new();
    let rules = validate(raw.colours, "profile", &mut problems);
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}

fn keys(problems: &[Problem]) -> Vec<(&str, &str)> {
    problems
        .iter()
        .map(|p| (p.key.as_str(), p.message.as_str()))
        .collect()
}

const THREE: &str = r#"
[[colours.service_level]]
below = 0.70
colour = "red"
[[colours.service_level]]
below = 0.85
colour = "amber"
[[colours.service_level]]
at_least = 0.85
colour = "green"
"#;

#[test]
fn the_first_matching_rule_colours_a_value_and_bounds_are_exact() {
    let r = parse(THREE).unwrap();
    let c = |x| r.colour(Shown::ServiceLevel, x);
    assert_eq!(c(0.0), Some(Colour::Red));
    assert_eq!(c(0.699_999), Some(Colour::Red));
    // `below` excludes its bound: 0.70 is the next rule's.
    assert_eq!(c(0.70), Some(Colour::Amber));
    assert_eq!(c(0.849_999), Some(Colour::Amber));
    assert_eq!(c(0.85), Some(Colour::Green));
    assert_eq!(c(1.0), Some(Colour::Green));
    assert_eq!(
        r.colour(Shown::AnswerRate, 0.1),
        None,
        "no rules: uncoloured"
    );
}

#[test]
fn a_value_no_rule_matches_is_uncoloured() {
    let r = parse(
        "[[colours.waiting]]\nat_least = 5\ncolour = \"red\"\n\
         [[colours.waiting]]\nabove = 2\ncolour = \"amber\"\n",
    )
    .unwrap();
    assert_eq!(r.colour(Shown::Waiting, 5.0), Some(Colour::Red));
    assert_eq!(r.colour(Shown::Waiting, 3.0), Some(Colour::Amber));
    // `above` excludes its bound, `at_most`/`at_least` include theirs.
    assert_eq!(r.colour(Shown::Waiting, 2.0), None);
    assert_eq!(r.colour(Shown::Waiting, 0.0), None);
}

#[test]
fn the_wallboard_files_rules_replace_the_profiles_for_their_measures_only() {
    let profile = parse(THREE).unwrap();
    let mut problems = Vec::new();
    let wallboard = validate(
        toml::from_str::<RawColours>(
            "[[service_level]]\nbelow = 0.5\ncolour = \"blue\"\n\
             [[asa_seconds]]\nabove = 30\ncolour = \"red\"\n",
        )
        .unwrap(),
        "wallboard",
        &mut problems,
    );
    assert!(problems.is_empty(), "{problems:?}");
    let both = wallboard.over(&profile);
    assert_eq!(both.colour(Shown::ServiceLevel, 0.4), Some(Colour::Blue));
    assert_eq!(
        both.colour(Shown::ServiceLevel, 0.6),
        None,
        "the profile's three rules are replaced, not added to"
    );
    assert_eq!(both.0[&Shown::ServiceLevel].source, "wallboard");
    assert_eq!(both.colour(Shown::AsaSeconds, 30.5), Some(Colour::Red));
    let kept = ColourRules::default().over(&profile);
    assert_eq!(kept, profile);
}

#[test]
fn every_problem_is_named_with_its_key() {
    let err = parse(
        r#"
[[colours.service_levels]]
below = 0.5
colour = "red"

[[colours.answer_rate]]
below = 1.5
colour = "red"
[[colours.answer_rate]]
below = 0.5
above = 0.9
colour = "red"
[[colours.answer_rate]]
colour = "red"
[[colours.answer_rate]]
at_least = 0.5
colour = "pink"

[[colours.waiting]]
at_least = -1
colour = "red"
"#,
    )
    .unwrap_err();
    let k = keys(&err);
    assert_eq!(k.len(), 7, "{k:?}");
    assert_eq!(k[0].0, "colours.answer_rate");
    assert_eq!(k[0].1, "holds at most 3 rules, got 4");
    assert_eq!(k[1].0, "colours.answer_rate[0].below");
    assert_eq!(k[1].1, "answer_rate is 0 to 1, got 1.5");
    assert_eq!(k[2].0, "colours.answer_rate[1]");
    assert!(k[2].1.contains("exactly one of"), "{}", k[2].1);
    assert_eq!(k[3].0, "colours.answer_rate[2]");
    assert_eq!(k[4].0, "colours.answer_rate[3].colour");
    assert!(k[4].1.contains("got \"pink\""), "{}", k[4].1);
    // BTreeMap order: `service_levels` after `answer_rate`, `waiting` after that.
    assert_eq!(k[5].0, "colours.service_levels");
    assert!(
        k[5].1.starts_with("must be one of service_level,"),
        "{}",
        k[5].1
    );
    assert_eq!(
        k[6],
        (
            "colours.waiting[0].at_least",
            "waiting is 0 or more, got -1"
        )
    );
}

#[test]
fn a_rule_that_the_rules_before_it_cover_is_refused() {
    // Below 0.85 then below 0.70: the second can never apply.
    let err = parse(
        "[[colours.service_level]]\nbelow = 0.85\ncolour = \"amber\"\n\
         [[colours.service_level]]\nbelow = 0.70\ncolour = \"red\"\n",
    )
    .unwrap_err();
    assert_eq!(err[0].key, "colours.service_level[1]");
    assert!(
        err[0].message.starts_with("never applies"),
        "{}",
        err[0].message
    );
    // Below 0.8 and at least 0.8 take everything: a third never applies.
    let err = parse(
        "[[colours.service_level]]\nbelow = 0.8\ncolour = \"red\"\n\
         [[colours.service_level]]\nat_least = 0.8\ncolour = \"green\"\n\
         [[colours.service_level]]\nat_most = 0.9\ncolour = \"blue\"\n",
    )
    .unwrap_err();
    assert_eq!(err[0].key, "colours.service_level[2]");
    // But below 0.8 and above 0.8 leave exactly 0.8 to an `at_most 0.8`.
    parse(
        "[[colours.service_level]]\nbelow = 0.8\ncolour = \"red\"\n\
         [[colours.service_level]]\nabove = 0.8\ncolour = \"green\"\n\
         [[colours.service_level]]\nat_most = 0.8\ncolour = \"amber\"\n",
    )
    .unwrap();
    // A ratio above 1 is no value: `above = 1` never applies; `below = 0` neither.
    let err = parse("[[colours.answer_rate]]\nabove = 1\ncolour = \"red\"\n").unwrap_err();
    assert!(err[0].message.starts_with("never applies"));
    let err = parse("[[colours.waiting]]\nbelow = 0\ncolour = \"red\"\n").unwrap_err();
    assert!(err[0].message.starts_with("never applies"));
    // Counts have no top: `above = 1000` applies to 1001.
    parse("[[colours.waiting]]\nabove = 1000\ncolour = \"red\"\n").unwrap();
}

#[test]
fn never_applies_agrees_with_trying_every_value_on_a_fine_grid() {
    // An oracle: rules on a grid of bounds, judged by brute force over the range.
    let whens = When::ALL;
    let bounds = [0.0, 0.25, 0.5, 0.75, 1.0];
    let rule = |i: usize| ColourRule {
        when: whens[i % 4],
        value: bounds[(i / 4) % 5],
        colour: Colour::Red,
    };
    let grid: Vec<f64> = (0..=1000).map(|k| k as f64 / 1000.0).collect();
    for a in 0..20 {
        for b in 0..20 {
            for c in 0..20 {
                let before = [rule(a), rule(b)];
                let r = rule(c);
                let brute = !grid
                    .iter()
                    .any(|&x| r.matches(x) && !before.iter().any(|b| b.matches(x)));
                assert_eq!(
                    never_applies(Shown::ServiceLevel, &before, &r),
                    brute,
                    "{before:?} then {r:?}"
                );
            }
        }
    }
}

#[test]
fn rules_serialise_as_the_wallboard_reads_them() {
    let r = parse(THREE).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["service_level"]["rules"][0],
        serde_json::json!({"when": "below", "value": 0.7, "colour": "red"})
    );
    assert_eq!(json["service_level"]["source"], "profile");
}
