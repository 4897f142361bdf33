//! Properties of the live figures (issue 14, "live means now"): what a supervisor sees is the
//! applied state plus the provisional overlay of the events still buffered. Over any arrival
//! order (reordered within the lateness, duplicated, late), the live figures never count a
//! call twice, and at the end of the stream the live window sums equal the sums of the final
//! records over the same minutes.

use crate::properties::running::{arrivals, engine_config, sorted, with_copies};
use crate::properties::streams::{config, scenario_with_jitter};
use callpulse::engine::{Engine, Scope, Window};
use callpulse::event::{Body, Event};
use callpulse::reject::Origin;
use callpulse::service::kpis::window_of;
use callpulse::time::{Granularity, Millis};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, BTreeSet};

const MINUTE: Millis = 60_000;

fn live_engine(cfg: &callpulse::config::EngineConfig) -> Engine {
    let mut e = Engine::new(cfg, &[Granularity::Interval, Granularity::Day]);
    e.set_live_names(true);
    e
}

/// Every scope with live windows: the center and each queue seen.
fn scopes(e: &Engine) -> Vec<Scope> {
    let queues = e.names().queues.len() as u32;
    std::iter::once(Scope::Center)
        .chain((0..queues).map(Scope::Queue))
        .collect()
}

/// Feeds `feed`, then compares, for the intervals of the last hour of the stream (what the
/// live windows keep), the live sums before the end of input with the final records after it.
fn live_sums_equal_final_records(
    cfg: &callpulse::config::EngineConfig,
    feed: &[Event],
) -> Result<(), TestCaseError> {
    let mut e = live_engine(cfg);
    for ev in feed {
        e.ingest(ev.clone(), Origin::default());
    }
    let Some(newest) = feed.iter().map(|ev| ev.ts).max() else {
        return Ok(());
    };
    if e.latest() == Millis::MIN {
        // No event bore out another: a lone event is tentative until the end of input.
        return Ok(());
    }
    let calendar = e.calendar().clone();
    let kept_from = newest.div_euclid(MINUTE) * MINUTE - 59 * MINUTE;
    let last = calendar.period(Granularity::Interval, newest);
    let len = last.end - last.start;
    let mut live: BTreeMap<(Scope, Millis), Window> = BTreeMap::new();
    for k in 0..4 {
        let start = last.start - k * len;
        if start < kept_from {
            break;
        }
        for scope in scopes(&e) {
            let at = start + len - 1;
            let w = e.window(scope, at, len / MINUTE);
            // Several windows read in one pass are each window read alone.
            let one_pass = e.windows(scope, at, [60, len / MINUTE, 15]);
            let alone = [e.window(scope, at, 60), w, e.window(scope, at, 15)];
            prop_assert_eq!(one_pass, alone);
            live.insert((scope, start), w);
        }
    }
    e.flush();
    let mut latest: BTreeMap<(Scope, Millis), (u32, Window)> = BTreeMap::new();
    for c in e.take_records() {
        if c.period.granularity != Granularity::Interval {
            continue;
        }
        let key = (c.scope, c.period.start);
        if latest.get(&key).map_or(true, |(rev, _)| c.revision >= *rev) {
            latest.insert(key, (c.revision, window_of(&c.tally)));
        }
    }
    for (key, want) in &live {
        let got = latest.get(key).map(|(_, w)| *w).unwrap_or_default();
        prop_assert_eq!(
            *want,
            got,
            "{:?} at {}: live sums before the end vs the final record",
            key.0,
            key.1
        );
    }
    Ok(())
}

fn copies() -> impl Strategy<Value = Vec<(Index, u32)>> {
    prop::collection::vec((any::<Index>(), any::<u32>()), 0..6)
}

/// The call ids whose offer (or completed record) is among `events`.
fn offered_calls(events: &[Event]) -> BTreeSet<String> {
    events
        .iter()
        .filter_map(|ev| match &ev.body {
            Body::Offered { call, .. } => Some(call.to_string()),
            Body::Completed(c) => Some(c.call.to_string()),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// Reordered within the lateness and with duplicates: the live sums of the last hour
    /// equal the final records of the same intervals.
    #[test]
    fn live_windows_converge_to_the_final_records(
        (s, jitter) in scenario_with_jitter(true),
        dups in copies(),
    ) {
        let cfg = engine_config(&s, callpulse::time::HOUR, callpulse::time::HOUR);
        let feed = sorted(with_copies(arrivals(&s.events, cfg.lateness, &jitter), &dups));
        live_sums_equal_final_records(&cfg, &feed)?;
    }

    /// Some events later than the lateness (they revise final periods): the live sums still
    /// equal the final records (their latest revisions).
    #[test]
    fn live_windows_converge_to_the_final_records_with_late_events(
        (s, jitter) in scenario_with_jitter(false),
    ) {
        let cfg = engine_config(&s, MINUTE, 0);
        let feed = sorted(arrivals(&s.events, 10 * MINUTE, &jitter));
        live_sums_equal_final_records(&cfg, &feed)?;
    }

    /// After every event of any arrival order (answers before offers, ends before answers),
    /// the center's live figures count no call twice: no more offered than calls offered so
    /// far, and no more answered and abandoned than offered, over any window.
    #[test]
    fn live_figures_never_count_a_call_twice(
        (s, jitter) in scenario_with_jitter(true),
        dups in copies(),
    ) {
        let cfg = engine_config(&s, callpulse::time::HOUR, callpulse::time::HOUR);
        let feed = sorted(with_copies(arrivals(&s.events, cfg.lateness, &jitter), &dups));
        let mut e = live_engine(&cfg);
        for (i, ev) in feed.iter().enumerate() {
            e.ingest(ev.clone(), Origin::default());
            let seen = &feed[..=i];
            let newest = seen.iter().map(|ev| ev.ts).max().unwrap();
            let w = e.window(Scope::Center, newest, 60);
            let calls = offered_calls(seen).len() as u64;
            prop_assert!(w.counts.offered <= calls, "offered {} of {} calls", w.counts.offered, calls);
            prop_assert!(
                w.counts.answered + w.counts.abandoned <= w.counts.offered,
                "{} answered and {} abandoned of {} offered", w.counts.answered, w.counts.abandoned, w.counts.offered
            );
            if let Err(why) = e.check_overlay() {
                prop_assert!(false, "after {} events: {}", i + 1, why);
            }
        }
    }

    /// After every event of any arrival order, with duplicates and events later than the
    /// lateness, read at once as a supervisor would: the overlay kept event by event equals
    /// the overlay recomputed from the buffer, figure by figure.
    #[test]
    fn the_overlay_kept_event_by_event_equals_the_one_recomputed(
        (s, jitter) in scenario_with_jitter(false),
        dups in copies(),
    ) {
        let cfg = engine_config(&s, MINUTE, 0);
        let feed = sorted(with_copies(arrivals(&s.events, 10 * MINUTE, &jitter), &dups));
        let mut e = live_engine(&cfg);
        let mut kept = 0;
        for ev in &feed {
            e.ingest(ev.clone(), Origin::default());
            e.window(Scope::Center, e.latest(), 60); // a read, as the wallboard's
            match e.check_overlay() {
                Ok(checked) => kept += usize::from(checked),
                Err(why) => prop_assert!(false, "after {} events: {}", e.stats().read, why),
            }
        }
        e.flush();
        prop_assert_eq!(e.check_overlay(), Ok(false), "stale after the end of input");
        // In order, the overlay is kept from the second event on (the first is tentative).
        if feed.windows(2).all(|w| w[0].ts < w[1].ts) && feed.len() > 2 {
            prop_assert!(kept >= feed.len() - 2, "kept at {} of {} steps", kept, feed.len());
        }
    }
}

/// An hour of a small center in event-time order: calls of three queues answered or
/// abandoned and ended, agents changing state, heartbeats, a component down and up, surveys.
fn an_hour_in_order() -> Vec<Event> {
    let t0: Millis = 1_793_610_000_000; // 2026-11-02T08:20:00Z
    let mut timed: Vec<(Millis, u8, String)> = Vec::new();
    let mut at = |ts: Millis, rank: u8, json: String| timed.push((ts, rank, json));
    let stamp = |ts: Millis| {
        chrono::DateTime::from_timestamp_millis(ts)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    for i in 0..500i64 {
        let (offered, call, queue, agent) = (t0 + i * 7_000, format!("c{i}"), i % 3, i % 5);
        let wait = (i * 13 % 40) * 1_000 + i % 7;
        let (on, ended) = (offered + wait, offered + wait + 30_000 + i % 11 * 1_000);
        at(
            offered,
            0,
            format!(
                r#"{{"type":"call.offered","ts":"{}","call_id":"{call}","queue":"q{queue}"}}"#,
                stamp(offered)
            ),
        );
        if i % 9 == 0 {
            at(
                on,
                3,
                format!(
                    r#"{{"type":"call.abandoned","ts":"{}","call_id":"{call}"}}"#,
                    stamp(on)
                ),
            );
            continue;
        }
        at(
            on,
            3,
            format!(
                r#"{{"type":"call.answered","ts":"{}","call_id":"{call}","agent_id":"a{agent}"}}"#,
                stamp(on)
            ),
        );
        at(
            on,
            6,
            format!(
                r#"{{"type":"agent.state","ts":"{}","agent_id":"a{agent}","state":"on_call","queues":["q{queue}"]}}"#,
                stamp(on)
            ),
        );
        at(
            ended,
            4,
            format!(
                r#"{{"type":"call.ended","ts":"{}","call_id":"{call}"}}"#,
                stamp(ended)
            ),
        );
        at(
            ended + 1,
            6,
            format!(
                r#"{{"type":"agent.state","ts":"{}","agent_id":"a{agent}","state":"available"}}"#,
                stamp(ended + 1)
            ),
        );
        if i % 4 == 0 {
            at(
                ended + 2,
                6,
                format!(
                    r#"{{"type":"survey.response","ts":"{}","queue":"q{queue}","satisfied":{},"survey":"s{}"}}"#,
                    stamp(ended + 2),
                    i % 3 != 0,
                    i % 2
                ),
            );
        }
    }
    for k in 0..360i64 {
        let ts = t0 + k * 10_000 + 3;
        at(
            ts,
            6,
            format!(
                r#"{{"type":"system.heartbeat","ts":"{}","component":"ivr"}}"#,
                stamp(ts)
            ),
        );
    }
    for (ts, up) in [(t0 + 600_005, "down"), (t0 + 900_005, "up")] {
        at(
            ts,
            6,
            format!(
                r#"{{"type":"system.status","ts":"{}","component":"acd","status":"{up}"}}"#,
                stamp(ts)
            ),
        );
    }
    timed.sort();
    timed
        .into_iter()
        .map(|(_, _, json)| callpulse::codec::decode(&json).expect("a valid event"))
        .collect()
}

/// In event-time order, with the default lateness and a read after every event, the overlay
/// is kept up to date event by event (never recomputed) from the third event on (the first is
/// tentative until the second confirms it), and equals the recomputed one at every step.
#[test]
fn in_order_the_overlay_is_kept_event_by_event_and_equals_the_recomputed_one() {
    let cfg = callpulse::config::Config::default().engine;
    let feed = an_hour_in_order();
    let mut e = live_engine(&cfg);
    let (mut kept, mut most_buffered) = (0, 0);
    for (i, ev) in feed.iter().enumerate() {
        e.ingest(ev.clone(), Origin::default());
        most_buffered = most_buffered.max(e.buffered());
        e.window(Scope::Center, e.latest(), 60);
        match e.check_overlay() {
            Ok(checked) => kept += usize::from(checked),
            Err(why) => panic!("after event {i}: {why}"),
        }
    }
    assert!(most_buffered > 10, "the lateness holds events back");
    assert_eq!(kept, feed.len() - 2, "kept at every step from the third");
    let staffing = e.staffing().1;
    assert!(staffing.available + staffing.on_call > 0, "agents show");
}
