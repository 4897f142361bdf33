//! The lifecycle under controlled time: every evaluation names its instant, nothing sleeps.

use super::*;
use crate::alert::profile::Profile;
use crate::kpi::CallCounts;
use crate::time::MINUTE;

const T0: Millis = 1_800_000_000_000;

const PROFILE: &str = r#"
    [profile]
    id = "t"
    standard = "YD/T 2823-2015"
    name_zh = "测试"
    name_en = "Test"

    [[criteria]]
    id = "sl"
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
    bands = [{ at_least = 0.8, coefficient = 1.0 }, { coefficient = 0.5 }]

    [criteria.overrides.vip]
    threshold = 0.90
    for = "2m"
    min_volume = 5

    [criteria.overrides.test]
    enabled = false

    [[criteria]]
    id = "asa"
    clause = "9.3.2"
    name_zh = "平均应答速度"
    name_en = "ASA"
    metric = "asa_seconds"
    scope = "queue"
    window = "15m"
    comparison = ">"
    threshold = 20
    hysteresis = 2
    for = "0s"
    min_volume = 1
    severity = "warning"
"#;

fn alerts() -> Alerts {
    Alerts::new(Arc::new(Profile::parse(PROFILE, "t").unwrap()), 3)
}

/// `offered` calls of which `within` were answered within the threshold, all answered.
fn calls(offered: u64, within: u64) -> Sums {
    Sums {
        counts: CallCounts {
            offered,
            answered: offered,
            answered_within: within,
            wait_ms: offered as i64 * 10_000,
            ..CallCounts::default()
        },
        ..Sums::default()
    }
}

/// One observation of the service-level criterion for `queue` at a service level of
/// `level` percent of 100 calls.
fn sl(queue: &str, level: u64) -> Observation {
    (0, queue.to_string(), calls(100, level))
}

fn asa(queue: &str, seconds: i64) -> Observation {
    let mut s = calls(10, 10);
    s.counts.wait_ms = seconds * 10_000;
    (1, queue.to_string(), s)
}

fn names(t: &[Transition]) -> Vec<&'static str> {
    t.iter().map(Transition::name).collect()
}

#[test]
fn a_breach_fires_only_once_it_has_lasted_the_hold_time() {
    let mut a = alerts();
    assert_eq!(names(&a.evaluate(T0, [sl("q", 79)])), ["pending"]);
    for m in 1..5 {
        assert!(
            a.evaluate(T0 + m * MINUTE, [sl("q", 79)]).is_empty(),
            "minute {m}"
        );
    }
    let t = a.evaluate(T0 + 5 * MINUTE - 1, [sl("q", 79)]);
    assert!(
        t.is_empty(),
        "1 ms before the hold time it is still pending"
    );
    let t = a.evaluate(T0 + 5 * MINUTE, [sl("q", 79)]);
    assert_eq!(names(&t), ["firing"]);
    let alert = t[0].alert();
    assert_eq!(alert.active_since, T0);
    assert_eq!(alert.firing_since, Some(T0 + 5 * MINUTE));
    assert_eq!(
        (alert.value, alert.threshold, alert.volume),
        (Some(0.79), 0.80, 100)
    );
    assert_eq!(alert.coefficient, Some(0.5));
    assert!(a.evaluate(T0 + 6 * MINUTE, [sl("q", 79)]).is_empty());
}

#[test]
fn a_breach_that_ends_while_pending_is_dropped_and_starts_over() {
    let mut a = alerts();
    a.evaluate(T0, [sl("q", 70)]);
    let t = a.evaluate(T0 + 4 * MINUTE, [sl("q", 80)]);
    assert_eq!(names(&t), ["dropped"], "80 % is not below 80 %");
    let t = a.evaluate(T0 + 5 * MINUTE, [sl("q", 70)]);
    assert_eq!(names(&t), ["pending"]);
    assert_eq!(t[0].alert().active_since, T0 + 5 * MINUTE);
    assert!(a.evaluate(T0 + 9 * MINUTE, [sl("q", 70)]).is_empty());
    assert_eq!(
        names(&a.evaluate(T0 + 10 * MINUTE, [sl("q", 70)])),
        ["firing"]
    );
}

#[test]
fn hysteresis_keeps_a_value_hovering_at_the_threshold_from_flapping() {
    let mut a = alerts();
    a.evaluate(T0, [sl("q", 79)]);
    a.evaluate(T0 + 5 * MINUTE, [sl("q", 79)]);
    // Back above the threshold but not past 82 %: still firing, whatever it does there.
    for (m, level) in [(6, 80), (7, 81), (8, 79), (9, 81)] {
        let t = a.evaluate(T0 + m * MINUTE, [sl("q", level)]);
        assert!(t.is_empty(), "minute {m} at {level} %: {t:?}");
        assert_eq!(a.active().next().unwrap().state, Phase::Firing);
    }
    let t = a.evaluate(T0 + 10 * MINUTE, [sl("q", 82)]);
    assert_eq!(names(&t), ["resolved"], "82 % reaches the clear level");
    let resolved = t[0].alert();
    assert_eq!(resolved.resolved_at, Some(T0 + 10 * MINUTE));
    assert_eq!(resolved.duration(), Some(10 * MINUTE));
    assert_eq!(resolved.clear_level, 0.82);
    assert_eq!(a.active().count(), 0);
    assert_eq!(a.history().next(), Some(resolved));
}

#[test]
fn above_comparisons_clear_below_the_threshold_minus_the_hysteresis() {
    let mut a = alerts();
    let t = a.evaluate(T0, [asa("q", 21)]);
    assert_eq!(names(&t), ["pending", "firing"], "for = 0 fires at once");
    assert!(a.evaluate(T0 + MINUTE, [asa("q", 19)]).is_empty());
    assert!(a.evaluate(T0 + 2 * MINUTE, [asa("q", 20)]).is_empty());
    let t = a.evaluate(T0 + 3 * MINUTE, [asa("q", 18)]);
    assert_eq!(names(&t), ["resolved"], "18 s is not above 20 s − 2 s");
    assert!(a.evaluate(T0 + 4 * MINUTE, [asa("q", 20)]).is_empty());
}

#[test]
fn below_the_minimum_volume_nothing_is_judged() {
    let mut a = alerts();
    // 19 calls, none within the threshold: 0 %, but too few calls to judge.
    assert!(a.evaluate(T0, [(0, "q".into(), calls(19, 0))]).is_empty());
    assert_eq!(
        names(&a.evaluate(T0 + MINUTE, [(0, "q".into(), calls(20, 0))])),
        ["pending"]
    );
    let t = a.evaluate(T0 + 2 * MINUTE, [(0, "q".into(), calls(19, 0))]);
    assert_eq!(names(&t), ["dropped"]);
    a.evaluate(T0 + 3 * MINUTE, [sl("q", 50)]);
    a.evaluate(T0 + 8 * MINUTE, [sl("q", 50)]);
    let t = a.evaluate(T0 + 9 * MINUTE, [(0, "q".into(), calls(19, 0))]);
    assert_eq!(
        names(&t),
        ["resolved"],
        "a firing alert resolves when volume drops"
    );
    assert_eq!(
        t[0].alert().value,
        Some(0.5),
        "it keeps the last judged value"
    );
    // An empty window (no value at all) is not judged either.
    assert!(a
        .evaluate(T0 + 10 * MINUTE, [(0, "q".into(), Sums::default())])
        .is_empty());
}

#[test]
fn per_queue_overrides_set_their_own_threshold_hold_and_volume() {
    let mut a = alerts();
    let ten_at_80 = |q: &str| (0, q.to_string(), calls(10, 8));
    let t = a.evaluate(T0, [ten_at_80("vip"), ten_at_80("q"), ten_at_80("test")]);
    assert_eq!(names(&t), ["pending"], "10 calls: enough for vip only");
    assert_eq!(t[0].alert().name, "vip");
    assert_eq!(t[0].alert().threshold, 0.90);
    let t = a.evaluate(T0 + 2 * MINUTE, [ten_at_80("vip")]);
    assert_eq!(names(&t), ["firing"], "vip holds for 2 minutes");
    assert_eq!(t[0].alert().severity, Severity::Critical, "inherited");
    // `test` has the criterion disabled: never judged, even far below.
    let t = a.evaluate(T0 + 3 * MINUTE, [sl("test", 0), ten_at_80("vip")]);
    assert!(t.is_empty(), "{t:?}");
}

#[test]
fn an_alert_whose_scope_is_no_longer_observed_resolves() {
    let mut a = alerts();
    a.evaluate(T0, [asa("q", 40)]);
    let t = a.evaluate(T0 + MINUTE, []);
    assert_eq!(names(&t), ["resolved"]);
}

#[test]
fn the_gauge_knows_every_judged_scope_and_history_is_bounded() {
    let mut a = alerts();
    for i in 0..5 {
        let t = T0 + i * 2 * MINUTE;
        a.evaluate(t, [asa("q", 40), asa("r", 10)]);
        a.evaluate(t + MINUTE, [asa("q", 10), asa("r", 10)]);
    }
    assert_eq!(a.history().count(), 3, "keeps the last 3");
    assert_eq!(
        a.history().next().unwrap().resolved_at,
        Some(T0 + 9 * MINUTE),
        "newest first"
    );
    a.evaluate(T0 + 20 * MINUTE, [asa("q", 40), asa("r", 10)]);
    let known: Vec<_> = a.known().map(|(c, n, f)| (c.id.as_str(), n, f)).collect();
    assert_eq!(known, [("asa", "q", true), ("asa", "r", false)]);
}

#[test]
fn alerts_restored_from_a_checkpoint_go_on_without_a_second_pending_or_firing() {
    let mut a = alerts();
    a.evaluate(T0, [sl("q", 70)]);
    a.evaluate(T0 + 2 * MINUTE, [sl("q", 70), sl("p", 70)]);
    let t = a.evaluate(T0 + 5 * MINUTE, [sl("q", 70), sl("p", 70)]);
    assert_eq!(names(&t), ["firing"]);
    // Through JSON, as the checkpoint keeps it.
    let json = serde_json::to_string(&a.save()).unwrap();
    let mut b = alerts();
    assert!(b.restore(serde_json::from_str(&json).unwrap()));
    assert!(
        b.evaluate(T0 + 6 * MINUTE, [sl("q", 70), sl("p", 70)])
            .is_empty(),
        "q still firing, p still pending"
    );
    let t = b.evaluate(T0 + 7 * MINUTE, [sl("q", 70), sl("p", 70)]);
    assert_eq!(
        names(&t),
        ["firing"],
        "p fires 5 minutes after its start before the restart"
    );
    let t = b.evaluate(T0 + 8 * MINUTE, [sl("q", 90), sl("p", 70)]);
    assert_eq!(names(&t), ["resolved"]);
    assert_eq!(
        t[0].alert().active_since,
        T0,
        "the alert that fired before the restart"
    );

    let other = Profile::parse(&PROFILE.replace("id = \"sl\"", "id = \"level\""), "t").unwrap();
    let mut c = Alerts::new(Arc::new(other), 3);
    assert!(
        !c.restore(serde_json::from_str(&json).unwrap()),
        "another profile's alerts are not taken"
    );
}

/// The checkpoint of [`a_checkpoint_of_the_string_typed_alerts_restores`], as the build whose
/// `Alert` kept severity, scope, window and comparison as strings (through a `SavedAlert`)
/// wrote it: `sl` firing for `q` and pending for `p`, `asa` resolved for `r`.
const STRING_TYPED_CHECKPOINT: &str = r#"{"active":[[[0,"p"],{"criterion":"sl","clause":"9.3.1","name_zh":"服务水平","name_en":"Service level","severity":"critical","scope":"queue","name":"p","window":"15m","comparison":"<","threshold":0.8,"clear_level":0.82,"for_seconds":300.0,"value":0.7,"volume":100,"coefficient":0.5,"state":"pending","active_since":1800000120000,"firing_since":null,"resolved_at":null}],[[0,"q"],{"criterion":"sl","clause":"9.3.1","name_zh":"服务水平","name_en":"Service level","severity":"critical","scope":"queue","name":"q","window":"15m","comparison":"<","threshold":0.8,"clear_level":0.82,"for_seconds":300.0,"value":0.7,"volume":100,"coefficient":0.5,"state":"firing","active_since":1800000000000,"firing_since":1800000300000,"resolved_at":null}]],"known":[[[0,"p"],false],[[0,"q"],true],[[1,"r"],false]],"history":[{"criterion":"asa","clause":"9.3.2","name_zh":"平均应答速度","name_en":"ASA","severity":"warning","scope":"queue","name":"r","window":"15m","comparison":">","threshold":20.0,"clear_level":18.0,"for_seconds":0.0,"value":10.0,"volume":10,"coefficient":null,"state":"resolved","active_since":1800000000000,"firing_since":1800000000000,"resolved_at":1800000120000}]}"#;

#[test]
fn a_checkpoint_of_the_string_typed_alerts_restores() {
    let mut a = alerts();
    assert!(a.restore(serde_json::from_str(STRING_TYPED_CHECKPOINT).unwrap()));
    let q = a.active().find(|x| x.name == "q").unwrap();
    assert_eq!(
        (q.severity, q.scope, q.window, q.comparison, q.state),
        (
            Severity::Critical,
            ScopeKind::Queue,
            WindowKind::Last15m,
            Comparison::Below,
            Phase::Firing
        )
    );
    let r = a.history().next().unwrap();
    assert_eq!(
        (r.severity, r.comparison, r.state),
        (Severity::Warning, Comparison::Above, Phase::Resolved)
    );
    assert_eq!(
        serde_json::to_string(&a.save()).unwrap(),
        STRING_TYPED_CHECKPOINT,
        "the same state is written with the same bytes"
    );
    // It goes on where the old build left it: q stays firing, p fires 5 minutes after its
    // start, and the same evaluations from scratch give the same state.
    assert!(a
        .evaluate(T0 + 6 * MINUTE, [sl("q", 70), sl("p", 70)])
        .is_empty());
    let t = a.evaluate(T0 + 7 * MINUTE, [sl("q", 70), sl("p", 70)]);
    assert_eq!(names(&t), ["firing"]);
    assert_eq!(t[0].alert().name, "p");
    let mut fresh = alerts();
    fresh.evaluate(T0, [sl("q", 70), asa("r", 40)]);
    fresh.evaluate(T0 + 2 * MINUTE, [sl("q", 70), sl("p", 70), asa("r", 10)]);
    fresh.evaluate(T0 + 5 * MINUTE, [sl("q", 70), sl("p", 70)]);
    assert_eq!(
        serde_json::to_string(&fresh.save()).unwrap(),
        STRING_TYPED_CHECKPOINT
    );
}
