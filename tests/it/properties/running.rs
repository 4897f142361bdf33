//! Arrival orders (in order, reordered within the lateness, with exact copies), running the
//! engine over them, and the checks against the oracle.

use super::streams::*;
use crate::oracle::{self, Rules};
use callpulse::config::{Config, EngineConfig};
use callpulse::engine::{Closed, Engine, Names, Stats};
use callpulse::event::{Body, Event};
use callpulse::reject::Origin;
use callpulse::time::{Granularity, Millis};
use proptest::prelude::*;
use proptest::sample::Index;

/// The instant that places an event in event time.
pub(crate) fn order_time(ev: &Event) -> Millis {
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

pub(crate) fn rules(cfg: &EngineConfig, zone: Zone) -> Rules {
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

pub(crate) struct Run {
    pub(crate) records: Vec<Closed>,
    pub(crate) names: Names,
    pub(crate) stats: Stats,
}

pub(crate) fn engine(cfg: &EngineConfig) -> Engine {
    Engine::new(cfg, &[Granularity::Interval, Granularity::Day])
}

pub(crate) fn run(cfg: &EngineConfig, feed: &[Event]) -> Run {
    let mut e = engine(cfg);
    for ev in feed {
        e.ingest(ev.clone(), Origin::default());
    }
    finish(e)
}

pub(crate) fn finish(mut e: Engine) -> Run {
    e.flush();
    Run {
        records: e.take_records(),
        names: e.names().clone(),
        stats: e.stats(),
    }
}

/// The engine's final records equal the oracle's figures for every key, and nothing else;
/// records with calls carry the configured threshold.
pub(crate) fn check_against_oracle(
    run: &Run,
    events: &[Event],
    rules: &Rules,
) -> Result<(), TestCaseError> {
    for c in &run.records {
        let t = &c.tally;
        if t.counts.offered + t.counts.answered + t.counts.abandoned > 0 {
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
pub(crate) fn check_all_accepted(
    stats: &Stats,
    read: usize,
    duplicates: u64,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(stats.read, read as u64);
    prop_assert_eq!(stats.rejected_total(), 0, "rejected: {:?}", stats.rejected);
    prop_assert_eq!(stats.accepted, stats.read);
    prop_assert_eq!(stats.duplicates, duplicates);
    Ok(())
}
