//! Property tests: for any stream, any reordering within the lateness bound and any
//! duplication give the same results as a naive recompute-from-scratch oracle
//! ([`crate::oracle`]), and accepted + rejected = read.
//!
//! The streams are generated call by call (consistent per-call histories): offers from a small
//! pool of customers so repeat contacts occur, waits from 0 to 120 s including exactly 20 000
//! and 20 001 ms, abandons, overflows before answer, transfers after it (sometimes two: only
//! the first counts, the engine counts the second as a duplicate), ends with `resolved`
//! true/false/absent, wrap-ups, `call.completed` records, surveys. They span about two hours
//! from a start chosen so that some cross midnight of UTC or of Asia/Shanghai.
//!
//! Arrival orders:
//! * in order: sorted by the instant that places an event (`ts`, `offered_at` for a completed
//!   record), ties in lifecycle order;
//! * reordered within the lateness: every event arrives at `ts + d`, where `d` is random in
//!   `[0, lateness − (ts − offered_at)]` for a completed record and `[0, lateness]` for every
//!   other event (both ends included), ties broken at random. The engine's watermark is the
//!   highest ordering instant seen minus the lateness, and a completed record is ordered (and
//!   moves the watermark) at its `offered_at` while it arrives at its `ts` (= `ended_at`,
//!   written when the call is over), so its delay budget is what its `ts` leaves of the
//!   lateness. That is why the tests with completed records use lateness = grace = 1 h (a
//!   completed call lasts under 30 min here); the lifecycle-only tests use lateness 60 s (30 s,
//!   the default, when in order). Nothing so ordered is ever late, and the tests check it
//!   (`stats.late == 0`). With the default lateness an in-order stream with completed records
//!   has late events, and the final figures must still equal the oracle's (see (1c)).
//!
//! Each proptest runs 64 cases (`PROPTEST_CASES=n` for more); failures are not persisted (no
//! files are written).

use crate::oracle::{self, Rules};
use callpulse::codec::{self, Decoder};
use callpulse::config::{Config, EngineConfig};
use callpulse::engine::{Closed, Engine, Names, Stats};
use callpulse::event::{
    AgentState, Body, Channel, Completed, CompletedOutcome, Event, Id, Unanswered, Volume,
};
use callpulse::reject::Origin;
use callpulse::time::{Granularity, Millis};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use std::collections::BTreeSet;

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;
/// 2026-11-28T00:00:00Z.
const DAY0: Millis = 1_795_824_000_000;
/// Decoding accepts instants in [1970, 2100).
const MAX_TS: Millis = 4_102_444_800_000;

const QUEUES: [&str; 3] = ["billing", "sales", "support"];
const AGENTS: [&str; 3] = ["ag-1", "ag-2", "ag-3"];
const SURVEYS: [&str; 2] = ["nps", "after-call"];
const CHANNELS: [Channel; 6] = [
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

// ---------------------------------------------------------------------------------------------
// Generators of valid streams
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Utc,
    Shanghai,
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// Answered after this wait in its last queue.
    Answer(Millis),
    /// Abandoned after this wait in its last queue.
    Abandon(Millis),
}

/// One call, before it becomes events.
#[derive(Debug, Clone)]
struct CallSpec {
    /// First offer, after the stream's start.
    offset: Millis,
    customer: Option<u8>,
    queue: usize,
    channel: Channel,
    priority: Option<i64>,
    /// Overflows before the outcome: (time after the previous offer, 1 or 2 queues further).
    overflows: Vec<(Millis, usize)>,
    /// Ringing at this fraction (of `u16::MAX`) of the last segment's wait.
    ring: Option<u16>,
    outcome: Outcome,
    /// Transfers after answer: time after the answer (first) or the previous transfer, and
    /// whether it names a queue.
    transfers: Vec<(Millis, bool)>,
    /// Talk time and `resolved` of the end, if the call ends.
    end: Option<(Millis, Option<bool>)>,
    wrap: Option<Millis>,
    /// An end that some systems also send for abandoned calls, this long after the abandon.
    end_after_abandon: Option<Millis>,
    /// Sent as one `call.completed` record (offer, outcome and end) instead of lifecycle
    /// events (overflows, ringing and transfers are then dropped; a wrap-up follows as an event).
    completed: bool,
    /// Bit i: the i-th event of the call carries an `event_id`.
    ids: u16,
}

#[derive(Debug, Clone)]
struct SurveySpec {
    offset: Millis,
    queue: usize,
    satisfied: bool,
    survey: Option<usize>,
    call: Option<u8>,
    score: Option<u8>,
    id: bool,
}

/// A generated stream: its distinct events in generation order (each call's events in
/// lifecycle order, then the surveys) and the configuration choices it is meant for.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) events: Vec<Event>,
    /// Transfers after answer beyond the first of their call: the engine counts them in
    /// `duplicates` (they repeat a fact the call already has).
    extra_transfers: u64,
    zone: Zone,
    repeat_window: Millis,
    short_abandon: Option<Millis>,
}

fn wait() -> impl Strategy<Value = Millis> {
    prop_oneof![
        4 => 0..=120_000i64,
        1 => Just(20_000),
        1 => Just(20_001),
        1 => Just(19_999),
        1 => Just(0),
    ]
}

fn call_spec(allow_completed: bool) -> impl Strategy<Value = CallSpec> {
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

fn survey_spec() -> impl Strategy<Value = SurveySpec> {
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
fn scenario(allow_completed: bool) -> impl Strategy<Value = Scenario> {
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

fn id(s: &str) -> Id {
    Id::from(s)
}

fn build(
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

// ---------------------------------------------------------------------------------------------
// Arrival orders, duplication, running the engine
// ---------------------------------------------------------------------------------------------

/// The instant that places an event in event time.
fn order_time(ev: &Event) -> Millis {
    match &ev.body {
        Body::Completed(c) => c.offered_at,
        _ => ev.ts,
    }
}

/// Sorted by event time; ties keep generation order (lifecycle order within a call).
pub(crate) fn in_order(events: &[Event]) -> Vec<Event> {
    let mut v = events.to_vec();
    v.sort_by_key(order_time);
    v
}

/// Each event with its arrival instant: `ts` plus a delay that keeps it within `lateness` of
/// the instant that orders it; and a tie-break.
pub(crate) fn arrivals(
    events: &[Event],
    lateness: Millis,
    jitter: &[(u32, u32)],
) -> Vec<(Millis, u64, Event)> {
    events
        .iter()
        .zip(jitter)
        .map(|(ev, &(d, tie))| {
            let budget = lateness - (ev.ts - order_time(ev));
            assert!(
                budget >= 0,
                "{ev:?} cannot arrive within lateness {lateness}"
            );
            let delay = match d % 8 {
                0 => 0,
                1 => budget,
                _ => (i128::from(budget) * i128::from(d) / i128::from(u32::MAX)) as Millis,
            };
            (ev.ts + delay, u64::from(tie), ev.clone())
        })
        .collect()
}

pub(crate) fn sorted(mut arrivals: Vec<(Millis, u64, Event)>) -> Vec<Event> {
    arrivals.sort_by_key(|(at, tie, _)| (*at, *tie));
    arrivals.into_iter().map(|(_, _, ev)| ev).collect()
}

/// Exact copies of chosen events, each arriving after its original but within 30 min of it
/// (well inside the 1 h dedupe window).
pub(crate) fn with_copies(
    mut arrivals: Vec<(Millis, u64, Event)>,
    copies: &[(Index, u32)],
) -> Vec<(Millis, u64, Event)> {
    if arrivals.is_empty() {
        return arrivals;
    }
    let originals = arrivals.len();
    for (k, (which, later)) in copies.iter().enumerate() {
        let (at, _, ev) = arrivals[which.index(originals)].clone();
        let after = (i128::from(30 * MINUTE) * i128::from(*later) / i128::from(u32::MAX)) as Millis;
        // Tie-breaks of copies are above those of originals: a copy never overtakes.
        arrivals.push((at + after, (1 << 32) + k as u64, ev));
    }
    arrivals
}

pub(crate) fn engine_config(s: &Scenario, lateness: Millis, grace: Millis) -> EngineConfig {
    let mut cfg = Config::default().engine;
    cfg.timezone = match s.zone {
        Zone::Utc => chrono_tz::UTC,
        Zone::Shanghai => chrono_tz::Asia::Shanghai,
    };
    cfg.lateness = lateness;
    cfg.grace = grace;
    cfg.repeat_window = s.repeat_window;
    cfg.short_abandon = s.short_abandon;
    cfg
}

fn rules(cfg: &EngineConfig, zone: Zone) -> Rules {
    assert!(cfg.queue_thresholds.is_empty());
    Rules {
        threshold: cfg.threshold,
        short_abandon: cfg.short_abandon,
        repeat_window: cfg.repeat_window,
        utc_offset: match zone {
            Zone::Utc => 0,
            Zone::Shanghai => 8 * HOUR,
        },
        interval_minutes: cfg.interval_minutes,
    }
}

struct Run {
    records: Vec<Closed>,
    names: Names,
    stats: Stats,
}

fn engine(cfg: &EngineConfig) -> Engine {
    Engine::new(cfg, &[Granularity::Interval, Granularity::Day])
}

fn run(cfg: &EngineConfig, feed: &[Event]) -> Run {
    let mut e = engine(cfg);
    for ev in feed {
        e.ingest(ev.clone(), Origin::default());
    }
    finish(e)
}

fn finish(mut e: Engine) -> Run {
    e.flush();
    Run {
        records: e.take_records(),
        names: e.names().clone(),
        stats: e.stats(),
    }
}

/// The engine's final records equal the oracle's figures for every key, and nothing else;
/// records with calls carry the configured threshold.
fn check_against_oracle(run: &Run, events: &[Event], rules: &Rules) -> Result<(), TestCaseError> {
    for c in &run.records {
        let t = &c.tally;
        if t.offered + t.answered + t.abandoned > 0 {
            prop_assert_eq!(c.threshold, rules.threshold, "threshold of {:?}", c.scope);
        }
    }
    let want = oracle::expected(events, rules);
    let got = oracle::observed(&run.records, &run.names).map_err(TestCaseError::fail)?;
    if let Some(d) = oracle::diff(&want, &got) {
        return Err(TestCaseError::fail(format!(
            "engine differs from oracle:\n{d}"
        )));
    }
    Ok(())
}

/// Every read event accepted (some as duplicates), none rejected, none pending.
fn check_all_accepted(stats: &Stats, read: usize, duplicates: u64) -> Result<(), TestCaseError> {
    prop_assert_eq!(stats.read, read as u64);
    prop_assert_eq!(stats.rejected_total(), 0, "rejected: {:?}", stats.rejected);
    prop_assert_eq!(stats.accepted, stats.read);
    prop_assert_eq!(stats.duplicates, duplicates);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// (1) A stream of lifecycle events in event-time order (default configuration: lateness
    /// 30 s, grace 5 min) gives the oracle's figures for every key.
    #[test]
    fn in_order_stream_matches_oracle(s in scenario(false)) {
        let cfg = engine_config(&s, defaults().lateness, defaults().grace);
        let run = run(&cfg, &in_order(&s.events));
        check_against_oracle(&run, &s.events, &rules(&cfg, s.zone))?;
        check_all_accepted(&run.stats, s.events.len(), s.extra_transfers)?;
        prop_assert_eq!(run.stats.late, 0);
    }

    /// (1b) The same with completed records, with lateness 1 h: a completed record sits at its
    /// `offered_at` in event time but pushes the watermark with its `ts` (its `ended_at`), so
    /// with a shorter lateness the events after it in event time arrive late (see (1c)).
    #[test]
    fn in_order_stream_with_completed_records_matches_oracle(s in scenario(true)) {
        let cfg = engine_config(&s, HOUR, defaults().grace);
        let run = run(&cfg, &in_order(&s.events));
        check_against_oracle(&run, &s.events, &rules(&cfg, s.zone))?;
        check_all_accepted(&run.stats, s.events.len(), s.extra_transfers)?;
        prop_assert_eq!(run.stats.late, 0);
    }

    /// (1c) Completed records in an in-order stream under the default configuration (lateness
    /// 30 s): completed records arrive late, and a late offer must still find its customer's
    /// earlier offers (minimal case: `late_offer_within_the_window_is_a_repeat_contact`).
    #[test]
    fn in_order_stream_with_completed_records_at_default_lateness_matches_oracle(s in scenario(true)) {
        let cfg = engine_config(&s, defaults().lateness, defaults().grace);
        let run = run(&cfg, &in_order(&s.events));
        check_against_oracle(&run, &s.events, &rules(&cfg, s.zone))?;
        check_all_accepted(&run.stats, s.events.len(), s.extra_transfers)?;
    }

    /// (2) Lifecycle events reordered within the lateness (60 s; grace 5 min) give the
    /// oracle's figures, and none of them is late.
    #[test]
    fn reordering_within_lateness_matches_oracle((s, jitter) in scenario_with_jitter(false)) {
        let cfg = engine_config(&s, MINUTE, 5 * MINUTE);
        let feed = sorted(arrivals(&s.events, cfg.lateness, &jitter));
        let run = run(&cfg, &feed);
        check_against_oracle(&run, &s.events, &rules(&cfg, s.zone))?;
        check_all_accepted(&run.stats, s.events.len(), s.extra_transfers)?;
        prop_assert_eq!(run.stats.late, 0);
    }

    /// (2b) With completed records too (lateness = grace = 1 h; a completed record's delay
    /// budget is what its `ts` leaves of the lateness after its `offered_at`).
    #[test]
    fn reordering_with_completed_records_matches_oracle((s, jitter) in scenario_with_jitter(true)) {
        let cfg = engine_config(&s, HOUR, HOUR);
        let feed = sorted(arrivals(&s.events, cfg.lateness, &jitter));
        let run = run(&cfg, &feed);
        check_against_oracle(&run, &s.events, &rules(&cfg, s.zone))?;
        check_all_accepted(&run.stats, s.events.len(), s.extra_transfers)?;
        prop_assert_eq!(run.stats.late, 0);
    }

    /// (3) Exact copies (same `event_id`, or same content without one) inserted after their
    /// originals, within the dedupe window, change nothing and are counted as duplicates.
    #[test]
    fn duplicates_change_nothing_and_are_counted(
        (s, jitter) in scenario_with_jitter(true),
        copies in prop::collection::vec((any::<Index>(), any::<u32>()), 0..20),
    ) {
        let cfg = engine_config(&s, HOUR, HOUR);
        let feed = sorted(with_copies(arrivals(&s.events, cfg.lateness, &jitter), &copies));
        let run = run(&cfg, &feed);
        let rules = rules(&cfg, s.zone);
        // The oracle dedupes its input itself: with or without the copies, the same figures.
        check_against_oracle(&run, &feed, &rules)?;
        check_against_oracle(&run, &s.events, &rules)?;
        check_all_accepted(&run.stats, feed.len(), copies.len() as u64 + s.extra_transfers)?;
    }

    /// (4) accepted + rejected = read for valid events, copies and garbage lines (random bytes,
    /// truncated JSON, JSON missing a required field, unknown type) fed through the decoder;
    /// exactly the garbage is rejected, and the figures are still the oracle's.
    #[test]
    fn accepted_plus_rejected_equals_read_with_garbage(
        (s, jitter) in scenario_with_jitter(true),
        copies in prop::collection::vec((any::<Index>(), any::<u32>()), 0..10),
        garbage in prop::collection::vec((garbage(), any::<Index>(), any::<Index>()), 0..15),
    ) {
        let cfg = engine_config(&s, HOUR, HOUR);
        let feed = sorted(with_copies(arrivals(&s.events, cfg.lateness, &jitter), &copies));
        let mut lines: Vec<Vec<u8>> = feed.iter().map(|ev| codec::encode(ev).into_bytes()).collect();
        for (g, of, at) in &garbage {
            let line = g.line(&s.events[of.index(s.events.len())]);
            lines.insert(at.index(lines.len() + 1), line);
        }
        let decoder = Decoder::default();
        let mut e = engine(&cfg);
        let mut undecodable = 0u64;
        for line in &lines {
            match decoder.decode(line) {
                Ok(ev) => e.ingest(ev, Origin::default()),
                Err(reason) => {
                    undecodable += 1;
                    e.reject(reason, Origin::default(), line);
                }
            }
        }
        prop_assert_eq!(undecodable, garbage.len() as u64, "a garbage line decoded, or a valid one did not");
        e.flush();
        let rejections_kept = e.take_rejections().len() as u64;
        let run = Run {
            records: e.take_records(),
            names: e.names().clone(),
            stats: e.stats(),
        };
        let st = &run.stats;
        prop_assert_eq!(st.read, lines.len() as u64);
        prop_assert_eq!(st.accepted + st.rejected_total(), st.read);
        prop_assert_eq!(st.rejected_total(), garbage.len() as u64);
        prop_assert_eq!(rejections_kept, garbage.len() as u64);
        prop_assert_eq!(st.duplicates, copies.len() as u64 + s.extra_transfers);
        check_against_oracle(&run, &s.events, &rules(&cfg, s.zone))?;
    }

    /// (4b) accepted + rejected = read after flush for any soup of events of every type (calls
    /// without offers, contradictions, events older than the revision horizon, …) in any
    /// order, under tight limits; every rejection is kept.
    #[test]
    fn accepted_plus_rejected_equals_read_for_any_events(
        events in prop::collection::vec(soup_event(), 0..120),
        lateness in prop::sample::select(vec![0, 30 * SECOND, 10 * MINUTE]),
        grace in prop::sample::select(vec![0, 5 * MINUTE]),
        horizon in prop::sample::select(vec![HOUR, 24 * HOUR]),
        timeout in prop::sample::select(vec![10 * MINUTE, 12 * HOUR]),
    ) {
        let mut cfg = Config::default().engine;
        cfg.lateness = lateness;
        cfg.grace = grace;
        cfg.revision_horizon = horizon;
        cfg.call_timeout = timeout;
        cfg.wrapup_timeout = timeout.min(HOUR);
        let mut e = Engine::new(&cfg, &Granularity::ALL);
        for ev in &events {
            e.ingest(ev.clone(), Origin::default());
        }
        e.flush();
        let kept = e.take_rejections().len() as u64;
        let st = e.stats();
        prop_assert_eq!(st.read, events.len() as u64);
        prop_assert_eq!(st.accepted + st.rejected_total(), st.read, "stats {:?}", st);
        prop_assert_eq!(kept, st.rejected_total());
    }

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

/// The generators are not vacuous: over 64 generated streams every figure the oracle
/// computes is non-zero somewhere, waits fall on both sides of the threshold (with exactly
/// 20 000 and 20 001 ms among them), some calls are transferred twice after answer, and
/// streams cross day boundaries, in both zones.
#[test]
fn generated_streams_cover_every_figure() {
    let mut runner = TestRunner::deterministic();
    let strategy = scenario(true);
    let mut total = oracle::Figures::default();
    let (mut waits, mut zones, mut days_crossed) = (BTreeSet::new(), BTreeSet::new(), 0);
    let mut extra_transfers = 0;
    for _ in 0..64 {
        let s = strategy.new_tree(&mut runner).unwrap().current();
        let cfg = engine_config(&s, HOUR, HOUR);
        let want = oracle::expected(&s.events, &rules(&cfg, s.zone));
        let days: BTreeSet<_> = want
            .keys()
            .filter(|(_, g, _)| *g == Granularity::Day)
            .map(|(_, _, start)| start)
            .collect();
        days_crossed += usize::from(days.len() > 1);
        extra_transfers += s.extra_transfers;
        zones.insert(format!("{:?}", s.zone));
        for f in want.values() {
            let t = &mut total;
            t.offered += f.offered;
            t.answered += f.answered;
            t.answered_within += f.answered_within;
            t.abandoned += f.abandoned;
            t.abandoned_within += f.abandoned_within;
            t.short_abandoned += f.short_abandoned;
            t.flowed_out += f.flowed_out;
            t.flowed_in += f.flowed_in;
            t.transferred += f.transferred;
            t.handled += f.handled;
            t.wrapups += f.wrapups;
            t.resolution_marked += f.resolution_marked;
            t.resolved += f.resolved;
            t.repeat_contacts += f.repeat_contacts;
            t.responses += f.responses;
            t.satisfied += f.satisfied;
            for (name, (r, _)) in &f.surveys {
                t.surveys.entry(name.clone()).or_default().0 += r;
            }
        }
        for ev in &s.events {
            if let Body::Completed(c) = &ev.body {
                if let CompletedOutcome::Answered(at) = c.outcome {
                    waits.insert(at - c.offered_at);
                }
            }
        }
    }
    let t = &total;
    for (name, n) in [
        ("offered", t.offered),
        ("answered", t.answered),
        ("abandoned", t.abandoned),
        ("short_abandoned", t.short_abandoned),
        ("flowed_out", t.flowed_out),
        ("flowed_in", t.flowed_in),
        ("transferred", t.transferred),
        ("handled", t.handled),
        ("wrapups", t.wrapups),
        ("resolution_marked", t.resolution_marked),
        ("resolved", t.resolved),
        ("repeat_contacts", t.repeat_contacts),
        ("survey responses", t.responses),
        ("satisfied", t.satisfied),
        (
            "responses of named surveys",
            t.surveys.values().map(|s| s.0).sum(),
        ),
    ] {
        assert!(n > 0, "no {name} in 64 streams: {t:?}");
    }
    assert!(
        0 < t.answered_within && t.answered_within < t.answered,
        "{t:?}"
    );
    assert!(
        0 < t.abandoned_within && t.abandoned_within < t.abandoned,
        "{t:?}"
    );
    assert!(t.resolved < t.resolution_marked, "{t:?}");
    assert!(
        waits.contains(&20_000) && waits.contains(&20_001),
        "{waits:?}"
    );
    assert_eq!(zones.len(), 2, "{zones:?}");
    assert!(days_crossed > 0);
    assert!(
        extra_transfers > 0,
        "no call transferred twice after answer"
    );
}

/// The built-in engine configuration.
pub(crate) fn defaults() -> EngineConfig {
    Config::default().engine
}

/// Minimal case of (1c): customer `x` is offered at T0 and again at T0 + 26 min, within the
/// 30 min repeat window, in event-time order; between the two, a completed record offered at
/// T0 + 25 min and ended at T0 + 35 min arrives first. Customers are kept for the window plus
/// the revision horizon, so however late the second offer is applied it still finds `x`.
#[test]
fn late_offer_within_the_window_is_a_repeat_contact() {
    let t0 = DAY0 + 8 * HOUR;
    let offer = |call: &str, ts: Millis| Event {
        ts,
        event_id: None,
        body: Body::Offered {
            call: id(call),
            queue: id("billing"),
            channel: Channel::Voice,
            priority: None,
            customer: Some(id("x")),
        },
    };
    let cdr = Event {
        ts: t0 + 35 * MINUTE,
        event_id: None,
        body: Body::Completed(Box::new(Completed {
            call: id("b"),
            queue: id("billing"),
            channel: Channel::Voice,
            customer: None,
            offered_at: t0 + 25 * MINUTE,
            outcome: CompletedOutcome::Answered(t0 + 25 * MINUTE),
            ended_at: Some(t0 + 35 * MINUTE),
            agent: None,
            resolved: None,
        })),
    };
    let s = Scenario {
        events: vec![offer("a", t0), cdr, offer("c", t0 + 26 * MINUTE)],
        extra_transfers: 0,
        zone: Zone::Utc,
        repeat_window: 30 * MINUTE,
        short_abandon: None,
    };
    let cfg = engine_config(&s, defaults().lateness, defaults().grace);
    let run = run(&cfg, &s.events);
    check_against_oracle(&run, &s.events, &rules(&cfg, s.zone)).unwrap();
}

/// A period with only surveys is reported with threshold 0 (`threshold_seconds: 0`), not the
/// queue's threshold: the store takes the threshold from the first contribution that has one.
#[test]
fn survey_only_period_reports_the_threshold() {
    let cfg = Config::default().engine;
    let mut e = engine(&cfg);
    e.ingest(
        Event {
            ts: DAY0 + 8 * HOUR,
            event_id: None,
            body: Body::Survey {
                call: None,
                queue: id("billing"),
                satisfied: true,
                score: None,
                survey: None,
            },
        },
        Origin::default(),
    );
    let run = finish(e);
    for c in &run.records {
        assert_eq!(c.threshold, cfg.threshold, "{:?} {:?}", c.scope, c.period);
    }
}

/// (2c) With no grace, periods are final at their end and contributions anchored in them
/// (answers of calls offered before the boundary, transfers, …) revise them: the final
/// revision of every key is still the oracle's, and revisions do happen.
#[test]
fn reordering_with_zero_grace_revises_to_oracle() {
    let mut runner = TestRunner::new(config());
    let revised = std::cell::Cell::new(0u32);
    runner
        .run(&scenario_with_jitter(false), |(s, jitter)| {
            let cfg = engine_config(&s, MINUTE, 0);
            let feed = sorted(arrivals(&s.events, cfg.lateness, &jitter));
            let run = run(&cfg, &feed);
            check_against_oracle(&run, &s.events, &rules(&cfg, s.zone))?;
            check_all_accepted(&run.stats, s.events.len(), s.extra_transfers)?;
            prop_assert_eq!(run.stats.late, 0);
            if run.stats.revisions > 0 {
                revised.set(revised.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(revised.get() > 0, "no case revised a period");
}

// ---------------------------------------------------------------------------------------------
// Garbage lines
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Garbage {
    /// Random bytes (rarely UTF-8, never an event).
    Bytes(Vec<u8>),
    /// A valid event's JSON cut short.
    Truncated(Index),
    /// A valid event's JSON without one of its required fields.
    MissingField(Index),
    /// A valid event's JSON with a `type` the schema does not have.
    UnknownType(&'static str),
}

fn garbage() -> impl Strategy<Value = Garbage> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..48).prop_map(Garbage::Bytes),
        any::<Index>().prop_map(Garbage::Truncated),
        any::<Index>().prop_map(Garbage::MissingField),
        prop::sample::select(vec![
            "call.teleported",
            "",
            "CALL.OFFERED",
            "survey.responses"
        ])
        .prop_map(Garbage::UnknownType),
    ]
}

impl Garbage {
    fn line(&self, ev: &Event) -> Vec<u8> {
        let text = codec::encode(ev);
        match self {
            Garbage::Bytes(b) => b.clone(),
            Garbage::Truncated(at) => text.as_bytes()[..at.index(text.len())].to_vec(),
            Garbage::MissingField(which) => {
                let mut required = vec!["type", "ts"];
                match &ev.body {
                    Body::Survey { .. } => required.extend(["queue", "satisfied"]),
                    Body::Offered { .. } => required.extend(["call_id", "queue"]),
                    Body::Completed(_) => required.extend(["call_id", "queue", "offered_at"]),
                    Body::Answered { .. } | Body::WrapupEnded { .. } | Body::Ringing { .. } => {
                        required.extend(["call_id", "agent_id"])
                    }
                    _ => required.push("call_id"),
                }
                let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let key = required[which.index(required.len())];
                v.as_object_mut().unwrap().remove(key);
                v.to_string().into_bytes()
            }
            Garbage::UnknownType(t) => {
                let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
                v["type"] = serde_json::Value::from(*t);
                v.to_string().into_bytes()
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary events: every type, for the round trip and the soup
// ---------------------------------------------------------------------------------------------

/// Any valid event: any non-empty ids, any instant the codec accepts; forecast volumes with
/// few decimal digits.
fn any_event() -> BoxedStrategy<Event> {
    let text = "(?s).{1,12}".prop_map(|s: String| Id::from(s)).boxed();
    event_of(text, (0..MAX_TS - 2 * 86_400_000).boxed(), true, false)
}

/// Events of every type over a few ids and a few hours, for the soup.
fn soup_event() -> BoxedStrategy<Event> {
    let ids = prop::sample::select(vec!["c1", "c2", "c3", "c4", "q1", "q2", "a1"])
        .prop_map(Id::from)
        .boxed();
    event_of(ids, (DAY0..DAY0 + 6 * HOUR).boxed(), false, true)
}

/// Events of every type with ids from `idx` at instants from `ts`; `wide`: times inside a
/// completed record up to a day apart (else up to 2 h, with 0 and 20 001 ms waits likely).
fn event_of(
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
        )
            .prop_map(|(agent, state, queues)| Body::AgentState {
                agent,
                state,
                queues,
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
    ];
    let event_id = prop::option::of(idx.clone());
    (ts, event_id, Union::new(bodies))
        .prop_map(|(ts, event_id, body)| Event { ts, event_id, body })
        .boxed()
}
