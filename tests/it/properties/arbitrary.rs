//! Arbitrary events of every type, for the round trip of the codec and the soup of
//! `read_counts`; the round trip itself.

use super::streams::*;
use callpulse::codec::{self};
use callpulse::event::{
    AgentState, Body, CallbackResult, Completed, CompletedOutcome, Event, Id, Unanswered, Volume,
};
use callpulse::time::Millis;
use proptest::prelude::*;
use proptest::strategy::Union;

proptest! {
    #![proptest_config(config())]

    /// (5) `decode(encode(e)) == e` for every valid event (forecast volumes with few decimal
    /// digits: see (5b)).
    #[test]
    fn encode_decode_round_trips(ev in any_event()) {
        let text = codec::encode(&ev);
        prop_assert_eq!(codec::decode(&text), Ok(ev), "{}", text);
    }
}

/// (5b) Forecast volumes round-trip bit-exactly. serde_json without its `float_roundtrip`
/// feature parses some shortest-form floats 1 ULP off: these two, found by the round-trip
/// property with any finite non-negative `f64`, come back as `6.044217154786709e-77` and
/// `5.132600523802907e-256`.
#[test]
fn forecast_volume_round_trips_bit_exactly() {
    for offered in [6.04421715478671e-77, 5.1326005238029075e-256] {
        let ev = Event {
            ts: DAY0,
            event_id: None,
            body: Body::Forecast {
                queue: id("billing"),
                interval_start: DAY0,
                minutes: 15,
                offered: Volume(offered),
            },
        };
        let text = codec::encode(&ev);
        assert_eq!(codec::decode(&text), Ok(ev), "{text}");
    }
}

/// Any valid event: any non-empty ids, any instant the codec accepts; forecast volumes with
/// few decimal digits.
pub(crate) fn any_event() -> BoxedStrategy<Event> {
    let text = "(?s).{1,12}".prop_map(|s: String| Id::from(s)).boxed();
    event_of(text, (0..MAX_TS - 2 * 86_400_000).boxed(), true, false)
}

/// Events of every type over a few ids and a few hours, for the soup.
pub(crate) fn soup_event() -> BoxedStrategy<Event> {
    let ids = prop::sample::select(vec!["c1", "c2", "c3", "c4", "q1", "q2", "a1"])
        .prop_map(Id::from)
        .boxed();
    event_of(ids, (DAY0..DAY0 + 6 * HOUR).boxed(), false, true)
}

/// Events of every type with ids from `idx` at instants from `ts`; `wide`: times inside a
/// completed record up to a day apart (else up to 2 h, with 0 and 20 001 ms waits likely).
pub(crate) fn event_of(
    idx: BoxedStrategy<Id>,
    ts: BoxedStrategy<Millis>,
    wide: bool,
    any_volume: bool,
) -> BoxedStrategy<Event> {
    let i = || idx.clone();
    let oi = || prop::option::of(idx.clone());
    let later = || {
        if wide {
            (0..=86_400_000i64).boxed()
        } else {
            prop_oneof![Just(0i64), 0..=20_001i64, 0..=2 * HOUR].boxed()
        }
    };
    let channel = || prop::sample::select(CHANNELS.to_vec());
    let few_digits = prop_oneof![
        (0u32..400_000).prop_map(|n| f64::from(n) / 8.0),
        (0u32..1_000_000).prop_map(|n| f64::from(n) / 100.0),
        Just(0.0),
    ];
    let volume = if any_volume {
        prop_oneof![few_digits, prop::num::f64::POSITIVE].boxed()
    } else {
        few_digits.boxed()
    };
    let free_text = "(?s).{0,16}";
    let completed = (
        (i(), i(), channel(), oi()),
        (ts.clone(), later(), later(), any::<bool>(), any::<bool>()),
        (oi(), prop::option::of(any::<bool>())),
    )
        .prop_map(
            |(
                (call, queue, channel, customer),
                (offered_at, wait, talk, answered, ended),
                (agent, resolved),
            )| {
                let at = offered_at + wait;
                let (outcome, ended_at) = if answered {
                    (CompletedOutcome::Answered(at), ended.then_some(at + talk))
                } else {
                    (CompletedOutcome::Abandoned(at), None)
                };
                Body::Completed(Box::new(Completed {
                    call,
                    queue,
                    channel,
                    customer,
                    offered_at,
                    outcome,
                    ended_at,
                    agent,
                    resolved,
                }))
            },
        );
    let bodies: Vec<BoxedStrategy<Body>> = vec![
        (i(), i(), channel(), prop::option::of(any::<i64>()), oi())
            .prop_map(|(call, queue, channel, priority, customer)| Body::Offered {
                call,
                queue,
                channel,
                priority,
                customer,
            })
            .boxed(),
        (i(), i())
            .prop_map(|(call, agent)| Body::Ringing { call, agent })
            .boxed(),
        (i(), i())
            .prop_map(|(call, agent)| Body::Answered { call, agent })
            .boxed(),
        (i(), prop::sample::select(Unanswered::ALL.to_vec()))
            .prop_map(|(call, cause)| Body::Abandoned { call, cause })
            .boxed(),
        (i(), oi())
            .prop_map(|(call, to_queue)| Body::Transferred { call, to_queue })
            .boxed(),
        (i(), prop::option::of(any::<bool>()))
            .prop_map(|(call, resolved)| Body::Ended { call, resolved })
            .boxed(),
        (i(), i())
            .prop_map(|(call, agent)| Body::WrapupEnded { call, agent })
            .boxed(),
        completed.boxed(),
        (
            i(),
            prop::sample::select(AgentState::ALL.to_vec()),
            prop::collection::vec(i(), 0..3),
            prop::option::of(i()),
        )
            .prop_map(|(agent, state, queues, reason)| Body::AgentState {
                agent,
                state,
                queues,
                reason,
            })
            .boxed(),
        (i(), any::<bool>(), prop::option::of(free_text))
            .prop_map(|(component, up, reason)| Body::SystemStatus {
                component,
                up,
                reason,
            })
            .boxed(),
        i().prop_map(|component| Body::Heartbeat { component })
            .boxed(),
        (oi(), i(), any::<bool>(), prop::option::of(1..=5u8), oi())
            .prop_map(|(call, queue, satisfied, score, survey)| Body::Survey {
                call,
                queue,
                satisfied,
                score,
                survey,
            })
            .boxed(),
        (i(), ts.clone(), oi())
            .prop_map(|(complaint, due, queue)| Body::ComplaintOpened {
                complaint,
                due,
                queue,
            })
            .boxed(),
        (i(), prop::option::of(any::<bool>()))
            .prop_map(|(complaint, satisfied)| Body::ComplaintClosed {
                complaint,
                satisfied,
            })
            .boxed(),
        (i(), ts.clone(), 1..=1440u32, volume)
            .prop_map(|(queue, interval_start, minutes, offered)| Body::Forecast {
                queue,
                interval_start,
                minutes,
                offered: Volume(offered),
            })
            .boxed(),
        (
            i(),
            i(),
            prop::sample::select(CallbackResult::ALL.to_vec()),
            oi(),
            oi(),
        )
            .prop_map(|(queue, customer, result, agent, call)| Body::Callback {
                queue,
                customer,
                result,
                agent,
                call,
            })
            .boxed(),
    ];
    let event_id = prop::option::of(idx.clone());
    (ts, event_id, Union::new(bodies))
        .prop_map(|(ts, event_id, body)| Event { ts, event_id, body })
        .boxed()
}
