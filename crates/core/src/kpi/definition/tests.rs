use super::*;
use proptest::prelude::*;

const T: Millis = 20_000;
const SHORT: Millis = 5_000;

/// How one call of a queue ended, with its wait.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Answered(Millis),
    Abandoned(Millis),
    TimedOut,
    FlowedOut,
    CallbackRequested,
}

/// The counts the engine keeps of `calls` (threshold [`T`], short abandons below `short`).
fn counts(calls: &[Outcome], short: Option<Millis>) -> CallCounts {
    let mut c = CallCounts::default();
    for call in calls {
        c.offered += 1;
        match *call {
            Outcome::Answered(w) => {
                c.answered += 1;
                c.answered_within += u64::from(w <= T);
                c.wait_ms += w;
            }
            Outcome::Abandoned(w) => {
                c.abandoned += 1;
                c.abandoned_within += u64::from(w <= T);
                c.short_abandoned += u64::from(short.is_some_and(|s| w < s));
            }
            Outcome::TimedOut => {}
            Outcome::FlowedOut => c.flowed_out += 1,
            Outcome::CallbackRequested => c.callbacks_requested += 1,
        }
    }
    c
}

/// The oracle: each call judged alone, as a contract's text reads: left out, met, or not met.
fn judged_one_by_one(
    d: &ServiceLevelDefinition,
    calls: &[Outcome],
    engine_short: Option<Millis>,
) -> Option<f64> {
    let short = match d.short_abandon {
        ShortAbandons::AsCounted => engine_short,
        ShortAbandons::None => None,
        ShortAbandons::Below(ms) => Some(ms),
    };
    let (mut met, mut counted) = (0u64, 0u64);
    for call in calls {
        let (out, good) = match *call {
            Outcome::Answered(w) => (false, w <= T),
            Outcome::Abandoned(w) if short.is_some_and(|s| w < s) => (true, false),
            Outcome::Abandoned(w) if w <= T => match d.abandons {
                Abandons::Against => (false, false),
                Abandons::Ignored => (true, false),
                Abandons::For => (false, true),
            },
            Outcome::Abandoned(_) | Outcome::TimedOut => (false, false),
            Outcome::FlowedOut => (d.flow_outs == FlowOuts::Out, false),
            Outcome::CallbackRequested => (d.callbacks == Callbacks::Excluded, false),
        };
        if !out {
            counted += 1;
            met += u64::from(good);
        }
    }
    (counted > 0).then(|| met as f64 / counted as f64)
}

/// Eleven calls of one queue, the threshold 20 s and short abandons below 5 s:
/// answered after 5, 10, 15, 20.000 (within), 20.001 and 40 s; abandoned after 3 s (short),
/// 20.000 s (within) and 25 s; one flowed out; one left with a callback request.
fn eleven() -> Vec<Outcome> {
    use Outcome::*;
    vec![
        Answered(5_000),
        Answered(10_000),
        Answered(15_000),
        Answered(20_000),
        Answered(20_001),
        Answered(40_000),
        Abandoned(3_000),
        Abandoned(20_000),
        Abandoned(25_000),
        FlowedOut,
        CallbackRequested,
    ]
}

#[test]
fn every_option_computed_by_hand_on_eleven_calls() {
    let c = counts(&eleven(), Some(SHORT));
    assert_eq!(
        (
            c.offered,
            c.answered_within,
            c.abandoned_within,
            c.short_abandoned
        ),
        (11, 4, 2, 1)
    );
    let rule = ServiceLevelDefinition::RULE;
    let sl = |d: ServiceLevelDefinition| d.service_level(&c).unwrap();
    // 9.3.1: 4 met of 11 less the short abandon.
    assert_eq!(sl(rule), 4.0 / 10.0);
    // The abandon at 20.000 s leaves the denominator; the one at 25 s stays against.
    assert_eq!(sl(rule.with_abandons(Abandons::Ignored)), 4.0 / 9.0);
    // The abandon at 20.000 s is met.
    assert_eq!(sl(rule.with_abandons(Abandons::For)), 5.0 / 10.0);
    // The 3 s abandon counts against again.
    assert_eq!(sl(rule.with_short(ShortAbandons::None)), 4.0 / 11.0);
    // Without short abandons, ignoring early abandons takes out both (3 s and 20.000 s).
    let none = rule.with_short(ShortAbandons::None);
    assert_eq!(sl(none.with_abandons(Abandons::Ignored)), 4.0 / 9.0);
    assert_eq!(sl(none.with_abandons(Abandons::For)), 6.0 / 11.0);
    assert_eq!(sl(rule.with_flow_outs(FlowOuts::Out)), 4.0 / 9.0);
    assert_eq!(sl(rule.with_callbacks(Callbacks::Excluded)), 4.0 / 9.0);
    let all_out = rule
        .with_abandons(Abandons::Ignored)
        .with_flow_outs(FlowOuts::Out)
        .with_callbacks(Callbacks::Excluded);
    assert_eq!(sl(all_out), 4.0 / 7.0);
}

#[test]
fn the_rule_definition_is_the_9_3_1_formula() {
    let c = counts(&eleven(), Some(SHORT));
    assert_eq!(
        ServiceLevelDefinition::RULE.service_level(&c),
        c.service_level()
    );
    let c = counts(&eleven(), None);
    assert_eq!(
        ServiceLevelDefinition::RULE.service_level(&c),
        c.service_level()
    );
}

#[test]
fn an_abandon_of_exactly_the_short_threshold_is_not_short() {
    let calls = [Outcome::Abandoned(SHORT), Outcome::Abandoned(SHORT - 1)];
    let c = counts(&calls, Some(SHORT));
    assert_eq!(c.short_abandoned, 1);
    // The one at 4.999 s leaves; the one at 5.000 s counts against (9.3.1) or is met (for).
    let rule = ServiceLevelDefinition::RULE;
    assert_eq!(rule.service_level(&c), Some(0.0));
    assert_eq!(
        rule.with_abandons(Abandons::For).service_level(&c),
        Some(1.0)
    );
    assert_eq!(
        rule.with_abandons(Abandons::Ignored).service_level(&c),
        None
    );
}

#[test]
fn a_short_threshold_above_the_service_level_threshold_takes_out_only_the_short_ones() {
    // Short abandons below 30 s, threshold 20 s: the within-threshold abandons are all short.
    let calls = [
        Outcome::Abandoned(10_000),
        Outcome::Abandoned(25_000),
        Outcome::Abandoned(35_000),
        Outcome::Answered(1_000),
    ];
    let c = counts(&calls, Some(30_000));
    assert_eq!((c.abandoned_within, c.short_abandoned), (1, 2));
    let ignored = ServiceLevelDefinition::RULE.with_abandons(Abandons::Ignored);
    assert_eq!(ignored.service_level(&c), Some(0.5));
    assert_eq!(
        ignored.service_level(&c),
        judged_one_by_one(&ignored, &calls, Some(30_000))
    );
}

#[test]
fn no_call_counted_is_no_value_not_zero() {
    let calls = [Outcome::FlowedOut, Outcome::CallbackRequested];
    let c = counts(&calls, None);
    let d = ServiceLevelDefinition::RULE
        .with_flow_outs(FlowOuts::Out)
        .with_callbacks(Callbacks::Excluded);
    assert_eq!(d.service_level(&c), None);
    assert_eq!(ServiceLevelDefinition::RULE.service_level(&c), Some(0.0));
}

#[test]
fn stamps_name_what_differs_from_9_3_1() {
    let rule = ServiceLevelDefinition::RULE;
    assert_eq!(rule.stamp(None), "9.3.1");
    assert_eq!(rule.stamp(Some(5_000)), "9.3.1 short_abandon=5s");
    assert_eq!(
        rule.with_short(ShortAbandons::None).stamp(Some(5_000)),
        "9.3.1 short_abandon=0s"
    );
    assert_eq!(rule.with_short(ShortAbandons::None).stamp(None), "9.3.1");
    let all = rule
        .with_abandons(Abandons::For)
        .with_short(ShortAbandons::Below(5_000))
        .with_flow_outs(FlowOuts::Out)
        .with_callbacks(Callbacks::Excluded);
    assert_eq!(
        all.stamp(Some(5_000)),
        "9.3.1 abandons=for short_abandon=5s flow_outs=out callbacks=excluded"
    );
}

fn outcome() -> impl Strategy<Value = Outcome> {
    // Waits around both bounds, to the millisecond, and far from them.
    let wait = prop_oneof![(SHORT - 2..=SHORT + 1), (T - 2..=T + 1), 0..120_000i64,];
    prop_oneof![
        wait.clone().prop_map(Outcome::Answered),
        wait.prop_map(Outcome::Abandoned),
        Just(Outcome::TimedOut),
        Just(Outcome::FlowedOut),
        Just(Outcome::CallbackRequested),
    ]
}

fn definition() -> impl Strategy<Value = ServiceLevelDefinition> {
    (
        prop_oneof![
            Just(Abandons::Against),
            Just(Abandons::Ignored),
            Just(Abandons::For)
        ],
        prop_oneof![Just(ShortAbandons::AsCounted), Just(ShortAbandons::None)],
        prop_oneof![Just(FlowOuts::In), Just(FlowOuts::Out)],
        prop_oneof![Just(Callbacks::In), Just(Callbacks::Excluded)],
    )
        .prop_map(
            |(abandons, short_abandon, flow_outs, callbacks)| ServiceLevelDefinition {
                abandons,
                short_abandon,
                flow_outs,
                callbacks,
            },
        )
}

proptest! {
    /// Any definition over any calls: the additive counts give what judging each call alone
    /// gives, and the counts of two halves added give it too.
    #[test]
    fn counts_give_what_judging_each_call_gives(
        calls in prop::collection::vec(outcome(), 0..40),
        d in definition(),
        short in prop_oneof![Just(None), Just(Some(SHORT)), Just(Some(30_000i64))],
        split in 0usize..40,
    ) {
        let c = counts(&calls, short);
        prop_assert_eq!(d.service_level(&c), judged_one_by_one(&d, &calls, short));
        let (a, b) = calls.split_at(split.min(calls.len()));
        prop_assert_eq!(d.service_level(&(counts(a, short) + counts(b, short))), d.service_level(&c));
    }
}
