//! Properties of the live figures (issue 14, "live means now"): what a supervisor sees is the
//! applied state plus the provisional overlay of the events still buffered. Over any arrival
//! order (reordered within the lateness, duplicated, late), the live figures never count a
//! call twice, and at the end of the stream the live window sums equal the sums of the final
//! records over the same minutes.

use crate::properties::{
    arrivals, config, engine_config, scenario_with_jitter, sorted, with_copies,
};
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
            let w = e.window(scope, start + len - 1, len / MINUTE);
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
            prop_assert!(w.offered <= calls, "offered {} of {} calls", w.offered, calls);
            prop_assert!(
                w.answered + w.abandoned <= w.offered,
                "{} answered and {} abandoned of {} offered", w.answered, w.abandoned, w.offered
            );
        }
    }
}
