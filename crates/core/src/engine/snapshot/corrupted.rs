//! Restoring states that decode but contradict themselves, as a damaged checkpoint (or the
//! fuzz target `snapshot`) may hold them: instants and numbers out of range refused here;
//! references (indices rebuilt, ids out of range) in [`ids`].

use super::*;
use crate::codec::Decoder;
use crate::config::Config;
use crate::engine::reorder::Queued;
use crate::event::Id;
use crate::reject::Origin;
use crate::sim::{SimConfig, Simulator};
use crate::time::Granularity;
use serde::{Deserialize, Serialize};

/// The dedupe window's serialised fields, to corrupt what its own type keeps private.
#[derive(Serialize, Deserialize)]
struct RawDedupe {
    generations: std::collections::VecDeque<(i64, rustc_hash::FxHashSet<u64>)>,
    window: Millis,
}

/// The complaints' serialised fields, likewise.
#[derive(Serialize, Deserialize)]
struct RawComplaints {
    open: rustc_hash::FxHashMap<Id, RawComplaint>,
    dues: std::collections::BTreeSet<(Millis, Id)>,
    closed: rustc_hash::FxHashMap<Id, Millis>,
}

#[derive(Serialize, Deserialize)]
struct RawComplaint {
    due: Millis,
    queue: Option<u32>,
    overdue: bool,
}

/// The health's serialised fields, likewise.
#[derive(Serialize, Deserialize)]
struct RawHealth {
    components: Vec<RawComponent>,
    timeout: Millis,
    credited: Millis,
}

#[derive(Serialize, Deserialize)]
struct RawComponent {
    down_since: Option<Millis>,
    last_life: Option<Millis>,
    heartbeats: bool,
    outage_start: Option<Millis>,
    outage_cause: RawCause,
}

#[derive(Serialize, Deserialize)]
enum RawCause {
    Status,
    Heartbeat,
}

/// `value` as `T`, through its bytes: a type's private fields as a raw struct's, and back.
fn recast<T: serde::de::DeserializeOwned>(value: &impl Serialize) -> T {
    postcard::from_bytes(&postcard::to_stdvec(value).unwrap()).unwrap()
}

fn fresh() -> Engine {
    Engine::new(&Config::default().engine, &Granularity::ALL)
}

/// An engine fed 3,000 simulated lines, its output taken: calls open, events buffered.
fn busy() -> Engine {
    let cfg = Config::default();
    let decoder = Decoder {
        max_bytes: cfg.engine.max_event_bytes,
    };
    let mut e = fresh();
    let sim = Simulator::new(SimConfig {
        seed: 7,
        ..SimConfig::default()
    });
    for (i, line) in sim.take(3_000).enumerate() {
        if let Ok(event) = decoder.decode(line.as_bytes()) {
            let origin = Origin {
                source: 0,
                partition: 0,
                offset: i as i64,
            };
            e.ingest(event, origin);
        }
    }
    drain(&mut e);
    e
}

/// Takes the output, and says what it was (records with their revisions, rejections).
fn drain(e: &mut Engine) -> String {
    let records = e.take_records();
    let rejections = e.take_rejections();
    let outages = e.take_outages();
    format!("{records:?}\n{:?}\n{outages:?}", rejections.len())
}

/// The bytes of `e` after `corrupt` changed its state.
fn corrupted(mut e: Engine, corrupt: impl FnOnce(&mut Engine)) -> Vec<u8> {
    corrupt(&mut e);
    e.snapshot()
}

/// An event of `line`, decoded, queued as the engine would hold it.
fn queued(line: &str) -> Queued {
    let event = Decoder::default().decode(line.as_bytes()).unwrap();
    let digest = crate::engine::dedupe::key(&event);
    Queued::new(event, Origin::default(), digest)
}

#[test]
fn instants_near_the_ends_of_the_integers_are_refused_as_invalid() {
    // (Where a buffered event sorts is derived from the event again on restore: its own
    // instant is corrupted here, as in `buffered-event-time-near-the-integer-limit`.)
    // The fuzzer's `regressions/snapshot/frontier-near-the-integer-limit`: moving on from such
    // a state overflowed the calendar's arithmetic.
    type Corruption = Box<dyn FnOnce(&mut Engine)>;
    let cases: [(&str, Corruption); 3] = [
        ("the watermark", Box::new(|e| e.watermark = Millis::MAX - 5)),
        (
            "the time credited",
            Box::new(|e| e.credited = Millis::MIN + 5),
        ),
        (
            "a buffered event",
            Box::new(|e| {
                let line = r#"{"type":"call.ended","ts":1,"call_id":"c"}"#;
                let mut q = queued(line);
                q.event.ts = Millis::MIN / 2;
                e.reorder.push(q);
            }),
        ),
    ];
    for (what, corrupt) in cases {
        let bytes = corrupted(busy(), corrupt);
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                assert!(
                    m.starts_with(what) && m.contains("out of range"),
                    "{what}: {m}"
                )
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn a_forecast_the_decoder_would_refuse_is_refused_as_invalid_and_nothing_changes() {
    // The fuzzer's `regressions/snapshot/forecast-start-near-the-integer-limit`: the sweep
    // forgets a forecast once the watermark passes its interval's end plus the horizon, an end
    // that overflowed for an interval starting near the end of the integers.
    let t = busy().watermark;
    let max_ts = crate::codec::decode::MAX_TS;
    let cases: [(&str, (Millis, u32), f64); 7] = [
        ("a start near i64::MAX", (Millis::MAX - 4_224, 0), 1.0),
        ("a start at i64::MIN", (Millis::MIN, 15), 1.0),
        ("a start in 2100", (max_ts, 15), 1.0),
        ("an interval of 0 min", (t, 0), 1.0),
        ("an interval of u32::MAX min", (t, u32::MAX), 1.0),
        ("a volume below 0", (t, 15), -1.0),
        ("a volume not a number", (t, 15), f64::NAN),
    ];
    for (what, (start, minutes), offered) in cases {
        let bytes = corrupted(busy(), |e| {
            e.forecasts.insert((0, start, minutes), offered);
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                assert!(
                    m.starts_with("a forecast") && m.contains("out of range"),
                    "{what}: {m}"
                )
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{what}: nothing changed");
    }
}

#[test]
fn the_sweep_keeps_a_forecast_whose_window_ends_past_the_integers_instead_of_overflowing() {
    // Restore refuses such a forecast; the sweep's arithmetic saturates all the same.
    let mut e = busy();
    let t = e.watermark;
    e.forecasts.insert((0, Millis::MAX - 4_224, 1_440), 1.0);
    e.forecasts.insert((0, Millis::MIN, 15), 1.0);
    e.advance_to(t + crate::time::HOUR);
    assert!(e.forecasts.contains_key(&(0, Millis::MAX - 4_224, 1_440)));
    assert!(!e.forecasts.contains_key(&(0, Millis::MIN, 15)));
}

#[test]
fn a_customers_offer_outside_the_decoders_instants_is_refused_as_invalid() {
    // An offer is a repeat when it comes within the window of the customer's offer before it:
    // the difference overflowed for an offer restored near the end of the integers.
    let max_ts = crate::codec::decode::MAX_TS;
    for at in [Millis::MIN + 1, -1, max_ts, Millis::MAX - 1] {
        let bytes = corrupted(busy(), |e| {
            let customer = crate::event::Id::new("u99999");
            e.customers.record(&customer, at, 0, &mut Vec::new());
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                assert!(
                    m == format!("a customer's offer at {at} out of range"),
                    "{m}"
                )
            }
            other => panic!("{at}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{at}: nothing changed");
    }
}

#[test]
fn dedupe_keys_anchored_outside_the_years_events_can_have_are_refused_as_invalid() {
    // Generation `k` holds the keys anchored in [k·window, (k+1)·window), a window of at least
    // 1 ms: its end overflowed when the watermark came to forget a generation restored at the
    // end of the integers.
    let cases = [
        ("at i64::MAX", i64::MAX),
        ("at i64::MIN", i64::MIN),
        ("after 2101 whatever the window", PLAUSIBLE.end),
        ("before 1969 whatever the window", PLAUSIBLE.start - 1),
    ];
    for (what, k) in cases {
        let bytes = corrupted(busy(), |e| {
            let mut raw: RawDedupe =
                postcard::from_bytes(&postcard::to_stdvec(&e.dedupe).unwrap()).unwrap();
            assert!(!raw.generations.is_empty(), "keys are remembered");
            raw.generations.push_front((k, [7].into_iter().collect()));
            e.dedupe = postcard::from_bytes(&postcard::to_stdvec(&raw).unwrap()).unwrap();
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                assert_eq!(
                    m,
                    format!("dedupe keys of generation {k} out of range"),
                    "{what}"
                )
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{what}: nothing changed");
    }
    // Keys restored under another window keep the generations of the window they were
    // anchored by, and are saved and restored again with the new one.
    for window in [0, crate::time::MINUTE, 24 * crate::time::HOUR] {
        let mut cfg = Config::default().engine;
        cfg.dedupe_window = window;
        let mut e = Engine::new(&cfg, &Granularity::ALL);
        e.restore(&busy().snapshot()).unwrap();
        assert!(e.dedupe.len() > 0, "{window}");
        fresh()
            .restore(&e.snapshot())
            .expect("a state saved by the engine");
    }
}

#[test]
fn a_complaint_due_or_closed_outside_the_decoders_instants_is_refused_as_invalid() {
    // Overdue and closed complaints are forgotten once the retention has passed them, an end
    // that overflowed for a complaint closed near the end of the integers; the overdue count
    // goes to the period of the due date, which overflowed the calendar near its start.
    let max_ts = crate::codec::decode::MAX_TS;
    let cases = [
        ("due", Millis::MIN + 1),
        ("due", -1),
        ("due", max_ts),
        ("closed", max_ts),
        ("closed", Millis::MAX - 1),
    ];
    for (what, at) in cases {
        let bytes = corrupted(busy(), |e| {
            let mut raw: RawComplaints = recast(&e.complaints);
            let id = Id::new("a complaint");
            if what == "due" {
                let complaint = RawComplaint {
                    due: at,
                    queue: None,
                    overdue: false,
                };
                raw.open.insert(id.clone(), complaint);
                raw.dues.insert((at, id));
            } else {
                raw.closed.insert(id, at);
            }
            e.complaints = recast(&raw);
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                assert_eq!(m, format!("a complaint {what} at {at} out of range"))
            }
            other => panic!("{what} at {at}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{what} at {at}: nothing changed");
    }
    // Complaints the engine took, open (overdue) and closed, are restored.
    let mut e = busy();
    let t = e.watermark;
    let opened = |id, due| {
        format!(r#"{{"type":"complaint.opened","ts":{t},"complaint_id":"{id}","due":{due}}}"#)
    };
    let closed = format!(r#"{{"type":"complaint.closed","ts":{t},"complaint_id":"k1"}}"#);
    for line in [opened("k1", t + 1), opened("k2", t + 1), closed] {
        e.ingest(
            Decoder::default().decode(line.as_bytes()).unwrap(),
            Origin::default(),
        );
    }
    e.advance_to(t + crate::time::HOUR);
    drain(&mut e);
    let raw: RawComplaints = recast(&e.complaints);
    assert!(raw.open.values().any(|c| c.overdue) && !raw.closed.is_empty());
    fresh()
        .restore(&e.snapshot())
        .expect("a state saved by the engine");
}

#[test]
fn a_components_instant_outside_the_decoders_is_refused_as_invalid() {
    // A component is down from its last sign of life plus the heartbeat timeout, an instant
    // that overflowed for a sign of life restored near the end of the integers; its time is
    // credited from the instant credited, which overflowed the calendar near their start.
    let max_ts = crate::codec::decode::MAX_TS;
    type Corruption = fn(&mut RawComponent, Millis);
    let cases: [(&str, Millis, Corruption); 5] = [
        ("alive at", Millis::MAX - 1, |c, t| c.last_life = Some(t)),
        ("alive at", -1, |c, t| c.last_life = Some(t)),
        ("down since", Millis::MIN, |c, t| c.down_since = Some(t)),
        ("out since", max_ts, |c, t| c.outage_start = Some(t)),
        ("time credited", Millis::MIN + 1, |_, _| {}),
    ];
    for (what, at, corrupt) in cases {
        let bytes = corrupted(busy(), |e| {
            let mut raw: RawHealth = recast(&e.health);
            let c = raw.components.first_mut().expect("components are known");
            c.heartbeats = true;
            corrupt(c, at);
            if what == "time credited" {
                raw.credited = at;
            }
            e.health = recast(&raw);
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) if what == "time credited" => {
                assert_eq!(
                    m,
                    format!("the components' time credited at {at} out of range")
                )
            }
            Err(RestoreError::Invalid(m)) => {
                assert_eq!(m, format!("a component {what} {at} out of range"))
            }
            other => panic!("{what} {at}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{what} {at}: nothing changed");
    }
}

#[test]
fn an_agents_time_credited_outside_the_years_events_can_have_is_refused_as_invalid() {
    // An agent's time is credited from its instant credited on, which overflowed the calendar
    // near the start of the integers (and near their end, no event of the agent was in time).
    for at in [
        Millis::MIN + 1,
        PLAUSIBLE.start - 1,
        PLAUSIBLE.end,
        Millis::MAX - 1,
    ] {
        let bytes = corrupted(busy(), |e| {
            let a = e.names.agents.intern(&Id::new("agent 7"));
            let state = crate::event::AgentState::Available;
            e.agents.change(&mut e.store, a, at, (state, None), vec![0]);
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                assert_eq!(m, format!("an agent's time credited at {at} out of range"))
            }
            other => panic!("{at}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{at}: nothing changed");
    }
}

#[test]
fn a_calls_instant_outside_the_decoders_is_refused_as_invalid() {
    // A call's wait, talk and wrap-up are the differences of its instants and the next
    // event's, which overflowed for a call offered near the start of the integers (and its
    // contributions anchored there, the calendar).
    use crate::engine::calls::{Call, Phase};
    let max_ts = crate::codec::decode::MAX_TS;
    type Corruption = fn(&mut Call, Millis);
    let cases: [(&str, Millis, Corruption); 6] = [
        ("first offered", Millis::MIN + 1, |c, t| c.first_offered = t),
        ("offered", Millis::MIN + 1, |c, t| c.offered = t),
        ("answered or abandoned", max_ts, |c, t| c.outcome_at = t),
        ("ended", -1, |c, t| c.ended_at = t),
        ("overflowed", Millis::MAX - 1, |c, t| {
            c.last_overflow = Some((t, 0))
        }),
        ("last heard", Millis::MAX - 1, |c, t| c.last_event = t),
    ];
    for (what, at, corrupt) in cases {
        let bytes = corrupted(busy(), |e| {
            let w = e.watermark;
            let mut call = Call {
                first_queue: 0,
                first_offered: w,
                queue: 0,
                offered: w,
                phase: Phase::Waiting,
                outcome_at: 0,
                ended_at: 0,
                last_overflow: None,
                transferred: false,
                last_event: w,
            };
            corrupt(&mut call, at);
            e.calls.set(&Id::new("a call"), call, w);
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                assert_eq!(m, format!("a call {what} at {at} out of range"))
            }
            other => panic!("{what} at {at}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{what} at {at}: nothing changed");
    }
}

mod ids;

mod bounds;
