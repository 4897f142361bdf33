//! Generators of valid streams: call by call, consistent per-call histories (see the module
//! doc of [`super`]), the engine configuration each stream is judged under, and the proptest
//! configuration.

use callpulse::event::{Body, Channel, Completed, CompletedOutcome, Event, Id, Unanswered};
use callpulse::time::Millis;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use std::collections::BTreeSet;

pub(crate) const SECOND: Millis = 1_000;
pub(crate) const MINUTE: Millis = 60 * SECOND;
pub(crate) const HOUR: Millis = 60 * MINUTE;
/// 2026-11-28T00:00:00Z.
pub(crate) const DAY0: Millis = 1_795_824_000_000;
/// Decoding accepts instants in [1970, 2100).
pub(crate) const MAX_TS: Millis = 4_102_444_800_000;

pub(crate) const QUEUES: [&str; 3] = ["billing", "sales", "support"];
pub(crate) const AGENTS: [&str; 3] = ["ag-1", "ag-2", "ag-3"];
pub(crate) const SURVEYS: [&str; 2] = ["nps", "after-call"];
pub(crate) const CHANNELS: [Channel; 6] = [
    Channel::Voice,
    Channel::Chat,
    Channel::Email,
    Channel::Sms,
    Channel::Video,
    Channel::Social,
];

/// 64 cases per property (`PROPTEST_CASES` overrides it, for longer runs).
pub(crate) fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    Utc,
    Shanghai,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    /// Answered after this wait in its last queue.
    Answer(Millis),
    /// Abandoned after this wait in its last queue.
    Abandon(Millis),
}

/// One call, before it becomes events.
#[derive(Debug, Clone)]
pub(crate) struct CallSpec {
    /// First offer, after the stream's start.
    pub(crate) offset: Millis,
    pub(crate) customer: Option<u8>,
    pub(crate) queue: usize,
    pub(crate) channel: Channel,
    pub(crate) priority: Option<i64>,
    /// Overflows before the outcome: (time after the previous offer, 1 or 2 queues further).
    pub(crate) overflows: Vec<(Millis, usize)>,
    /// Ringing at this fraction (of `u16::MAX`) of the last segment's wait.
    pub(crate) ring: Option<u16>,
    pub(crate) outcome: Outcome,
    /// Transfers after answer: time after the answer (first) or the previous transfer, and
    /// whether it names a queue.
    pub(crate) transfers: Vec<(Millis, bool)>,
    /// Talk time and `resolved` of the end, if the call ends.
    pub(crate) end: Option<(Millis, Option<bool>)>,
    pub(crate) wrap: Option<Millis>,
    /// An end that some systems also send for abandoned calls, this long after the abandon.
    pub(crate) end_after_abandon: Option<Millis>,
    /// Sent as one `call.completed` record (offer, outcome and end) instead of lifecycle
    /// events (overflows, ringing and transfers are then dropped; a wrap-up follows as an event).
    pub(crate) completed: bool,
    /// Bit i: the i-th event of the call carries an `event_id`.
    pub(crate) ids: u16,
}

#[derive(Debug, Clone)]
pub(crate) struct SurveySpec {
    pub(crate) offset: Millis,
    pub(crate) queue: usize,
    pub(crate) satisfied: bool,
    pub(crate) survey: Option<usize>,
    pub(crate) call: Option<u8>,
    pub(crate) score: Option<u8>,
    pub(crate) id: bool,
}

/// A generated stream: its distinct events in generation order (each call's events in
/// lifecycle order, then the surveys) and the configuration choices it is meant for.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) events: Vec<Event>,
    /// Transfers after answer beyond the first of their call: the engine counts them in
    /// `duplicates` (they repeat a fact the call already has).
    pub(crate) extra_transfers: u64,
    pub(crate) zone: Zone,
    pub(crate) repeat_window: Millis,
    pub(crate) short_abandon: Option<Millis>,
}

pub(crate) fn wait() -> impl Strategy<Value = Millis> {
    prop_oneof![
        4 => 0..=120_000i64,
        1 => Just(20_000),
        1 => Just(20_001),
        1 => Just(19_999),
        1 => Just(0),
    ]
}

pub(crate) fn call_spec(allow_completed: bool) -> impl Strategy<Value = CallSpec> {
    let offset = prop_oneof![(0..120i64).prop_map(|m| m * MINUTE), 0..2 * HOUR,];
    let customer = prop_oneof![1 => Just(None), 3 => (0..5u8).prop_map(Some)];
    let overflows = prop::collection::vec((0..=60_000i64, 1..=2usize), 0..=2);
    let outcome = prop_oneof![
        3 => wait().prop_map(Outcome::Answer),
        1 => wait().prop_map(Outcome::Abandon),
    ];
    let transfers = prop::collection::vec((1..=600_000i64, any::<bool>()), 0..=2);
    let end = prop::option::weighted(
        0.85,
        (
            prop_oneof![1 => Just(0i64), 9 => 0..=20 * MINUTE],
            prop::option::of(any::<bool>()),
        ),
    );
    let wrap = prop::option::of(0..=10 * MINUTE);
    let end_after_abandon = prop::option::weighted(0.3, 0..=MINUTE);
    let completed = if allow_completed {
        prop::bool::weighted(0.3).boxed()
    } else {
        Just(false).boxed()
    };
    (
        (
            offset,
            customer,
            0..3usize,
            prop::sample::select(CHANNELS.to_vec()),
        ),
        (
            prop::option::of(0..10i64),
            overflows,
            prop::option::of(any::<u16>()),
        ),
        (outcome, transfers, end, wrap, end_after_abandon),
        (completed, any::<u16>()),
    )
        .prop_map(
            |(
                (offset, customer, queue, channel),
                (priority, overflows, ring),
                (outcome, transfers, end, wrap, end_after_abandon),
                (completed, ids),
            )| CallSpec {
                offset,
                customer,
                queue,
                channel,
                priority,
                overflows,
                ring,
                outcome,
                transfers,
                end,
                wrap,
                end_after_abandon,
                completed,
                ids,
            },
        )
}

pub(crate) fn survey_spec() -> impl Strategy<Value = SurveySpec> {
    (
        0..150 * MINUTE,
        0..3usize,
        any::<bool>(),
        prop::option::of(0..SURVEYS.len()),
        prop::option::of(0..40u8),
        prop::option::of(1..=5u8),
        any::<bool>(),
    )
        .prop_map(
            |(offset, queue, satisfied, survey, call, score, id)| SurveySpec {
                offset,
                queue,
                satisfied,
                survey,
                call,
                score,
                id,
            },
        )
}

/// Valid streams; with `allow_completed`, some calls come as `call.completed` records.
pub(crate) fn scenario(allow_completed: bool) -> impl Strategy<Value = Scenario> {
    let start = (
        prop::sample::select(vec![
            8 * HOUR,
            15 * HOUR + 20 * MINUTE, // crosses midnight in Asia/Shanghai (16:00Z)
            22 * HOUR + 30 * MINUTE, // crosses midnight UTC
            23 * HOUR + 40 * MINUTE,
        ]),
        0..10 * MINUTE,
    )
        .prop_map(|(h, m)| DAY0 + h + m);
    (
        start,
        prop::collection::vec(call_spec(allow_completed), 1..40),
        prop::collection::vec(survey_spec(), 0..6),
        prop_oneof![3 => Just(Zone::Utc), 1 => Just(Zone::Shanghai)],
        prop_oneof![Just(24 * HOUR), Just(30 * MINUTE)],
        prop_oneof![3 => Just(None), 1 => Just(Some(5 * SECOND))],
    )
        .prop_map(
            |(start, calls, surveys, zone, repeat_window, short_abandon)| {
                build(start, &calls, &surveys, zone, repeat_window, short_abandon)
            },
        )
}

pub(crate) fn id(s: &str) -> Id {
    Id::from(s)
}

pub(crate) fn build(
    start: Millis,
    calls: &[CallSpec],
    surveys: &[SurveySpec],
    zone: Zone,
    repeat_window: Millis,
    short_abandon: Option<Millis>,
) -> Scenario {
    let mut events = Vec::new();
    let mut next_id = 0u32;
    let mut extra_transfers = 0;
    // First offers are distinct instants, so that which of two offers of one customer is the
    // repeat contact is defined.
    let mut offers = BTreeSet::new();
    for (n, spec) in calls.iter().enumerate() {
        let call = id(&format!("c{n}"));
        let mut offer = start + spec.offset;
        while !offers.insert(offer) {
            offer += 1;
        }
        let agent = id(AGENTS[n % AGENTS.len()]);
        let customer = spec.customer.map(|c| id(&format!("cust-{c}")));
        let mut evs: Vec<(Millis, Body)> = Vec::new();
        let outcome_wait = match spec.outcome {
            Outcome::Answer(w) | Outcome::Abandon(w) => w,
        };
        if spec.completed {
            let at = offer + outcome_wait;
            let (outcome, ended_at, resolved) = match spec.outcome {
                Outcome::Answer(_) => (
                    CompletedOutcome::Answered(at),
                    spec.end.map(|(talk, _)| at + talk),
                    spec.end.and_then(|(_, r)| r),
                ),
                Outcome::Abandon(_) => (CompletedOutcome::Abandoned(at), None, None),
            };
            let ts = ended_at.unwrap_or(at);
            let record = Completed {
                call: call.clone(),
                queue: id(QUEUES[spec.queue]),
                channel: spec.channel,
                customer,
                offered_at: offer,
                outcome,
                ended_at,
                agent: matches!(outcome, CompletedOutcome::Answered(_)).then(|| agent.clone()),
                resolved,
            };
            evs.push((ts, Body::Completed(Box::new(record))));
            if let (Some(end), Some(wrap)) = (ended_at, spec.wrap) {
                evs.push((
                    end + wrap,
                    Body::WrapupEnded {
                        call: call.clone(),
                        agent: agent.clone(),
                    },
                ));
            }
        } else {
            evs.push((
                offer,
                Body::Offered {
                    call: call.clone(),
                    queue: id(QUEUES[spec.queue]),
                    channel: spec.channel,
                    priority: spec.priority,
                    customer,
                },
            ));
            let mut seg = offer;
            let mut queue = spec.queue;
            for (i, &(after, step)) in spec.overflows.iter().enumerate() {
                // Two overflows of a call never share an instant (their order would be undefined).
                seg += if i == 0 { after } else { after.max(1) };
                queue = (queue + step) % QUEUES.len();
                evs.push((
                    seg,
                    Body::Transferred {
                        call: call.clone(),
                        to_queue: Some(id(QUEUES[queue])),
                    },
                ));
            }
            if let Some(frac) = spec.ring {
                let at = seg + outcome_wait * Millis::from(frac) / Millis::from(u16::MAX);
                evs.push((
                    at,
                    Body::Ringing {
                        call: call.clone(),
                        agent: agent.clone(),
                    },
                ));
            }
            let at = seg + outcome_wait;
            match spec.outcome {
                Outcome::Answer(_) => {
                    evs.push((
                        at,
                        Body::Answered {
                            call: call.clone(),
                            agent: agent.clone(),
                        },
                    ));
                    let end = spec.end.map(|(talk, resolved)| (at + talk, resolved));
                    // Transfers come strictly after the answer and not after the end.
                    let mut t = at;
                    let mut kept = 0;
                    for &(after, named) in &spec.transfers {
                        let next = t + after;
                        let next = match end {
                            Some((e, _)) if next > e => {
                                if kept == 0 && e > at {
                                    e
                                } else {
                                    break;
                                }
                            }
                            _ => next,
                        };
                        t = next;
                        kept += 1;
                        let to = (queue + 1) % QUEUES.len();
                        evs.push((
                            t,
                            Body::Transferred {
                                call: call.clone(),
                                to_queue: named.then(|| id(QUEUES[to])),
                            },
                        ));
                    }
                    extra_transfers += kept.max(1) - 1;
                    if let Some((e, resolved)) = end {
                        evs.push((
                            e,
                            Body::Ended {
                                call: call.clone(),
                                resolved,
                            },
                        ));
                        if let Some(wrap) = spec.wrap {
                            evs.push((
                                e + wrap,
                                Body::WrapupEnded {
                                    call: call.clone(),
                                    agent: agent.clone(),
                                },
                            ));
                        }
                    }
                }
                Outcome::Abandon(_) => {
                    evs.push((
                        at,
                        Body::Abandoned {
                            call: call.clone(),
                            // Every third unanswered call timed out rather than abandoned.
                            cause: if n % 3 == 0 {
                                Unanswered::Timeout
                            } else {
                                Unanswered::Caller
                            },
                        },
                    ));
                    if let Some(after) = spec.end_after_abandon {
                        evs.push((
                            at + after,
                            Body::Ended {
                                call: call.clone(),
                                resolved: None,
                            },
                        ));
                    }
                }
            }
        }
        for (i, (ts, body)) in evs.into_iter().enumerate() {
            let event_id = (i < 16 && spec.ids & (1 << i) != 0).then(|| {
                next_id += 1;
                id(&format!("ev-{next_id}"))
            });
            events.push(Event { ts, event_id, body });
        }
    }
    // Surveys at distinct instants, so that two of them never have the same content.
    let mut instants = BTreeSet::new();
    for s in surveys {
        let mut ts = start + s.offset;
        while !instants.insert(ts) {
            ts += 1;
        }
        let event_id = s.id.then(|| {
            next_id += 1;
            id(&format!("ev-{next_id}"))
        });
        events.push(Event {
            ts,
            event_id,
            body: Body::Survey {
                call: s.call.map(|c| id(&format!("c{c}"))),
                queue: id(QUEUES[s.queue]),
                satisfied: s.satisfied,
                score: s.score,
                survey: s.survey.map(|k| id(SURVEYS[k])),
            },
        });
    }
    Scenario {
        events,
        extra_transfers,
        zone,
        repeat_window,
        short_abandon,
    }
}

/// A stream and, per event, two random numbers for its arrival delay and tie-break.
pub(crate) fn scenario_with_jitter(
    allow_completed: bool,
) -> impl Strategy<Value = (Scenario, Vec<(u32, u32)>)> {
    scenario(allow_completed).prop_flat_map(|s| {
        let n = s.events.len();
        (Just(s), prop::collection::vec(any::<(u32, u32)>(), n))
    })
}
