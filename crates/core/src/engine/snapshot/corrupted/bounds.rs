//! Restored tallies and live windows whose numbers lie near the limits of their integers.

use super::*;
use crate::config::Config;
use crate::engine::Scope;
use crate::time::{Granularity, HOUR};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A tally whose count is one add from overflowing (the fuzzer's
/// `regressions/snapshot/tally-count-at-u64-max`) is refused, not added to.
#[test]
fn a_tally_or_window_count_or_sum_near_the_integer_limits_is_refused_as_invalid() {
    let cfg = Config::default().engine;
    let fresh = || Engine::new(&cfg, &Granularity::ALL);
    let t0 = 1_800_000_000_000;
    type Corruption = fn(&mut Engine, Millis);
    let corruptions: [(&str, Corruption); 3] = [
        ("count", |e, t| {
            e.store
                .add(Scope::Center, t, |t, _| t.counts.offered = u64::MAX)
        }),
        ("sum", |e, t| {
            e.store
                .add(Scope::Center, t, |t, _| t.counts.wait_ms = Millis::MAX)
        }),
        ("sum", |e, t| {
            let delta = crate::engine::calls::Delta::Answered { wait: Millis::MIN };
            e.live.add(Scope::Center, t, delta, 1, None);
        }),
    ];
    for (what, corrupt) in corruptions {
        let mut e = fresh();
        e.advance_to(t0 - HOUR);
        corrupt(&mut e, t0);
        let bytes = e.snapshot();
        match fresh().restore(&bytes) {
            Err(RestoreError::Invalid(m)) => assert!(m.contains(what), "{m}"),
            other => panic!("{what}: {other:?}"),
        }
    }
}

/// The period store's serialised fields, to corrupt what its own type keeps private.
#[derive(Serialize, Deserialize)]
struct RawStore {
    granularities: Vec<Granularity>,
    grace: Millis,
    horizon: Millis,
    slots: rustc_hash::FxHashMap<SlotKey, RawSlot>,
    closing: BinaryHeap<Reverse<(Millis, SlotKey)>>,
    dropping: BinaryHeap<Reverse<(Millis, SlotKey)>>,
    dirty: Vec<SlotKey>,
    closed_through: Millis,
    default_threshold: Millis,
    queue_thresholds: Vec<Millis>,
    totals: rustc_hash::FxHashMap<Scope, crate::engine::Tally>,
    revisions: u64,
}

type SlotKey = (Scope, Granularity, Millis);

#[derive(Serialize, Deserialize)]
struct RawSlot {
    period: crate::time::Period,
    threshold: Millis,
    tally: crate::engine::Tally,
    emitted: Option<u32>,
    dirty: bool,
}

#[test]
fn a_period_outside_the_years_events_can_have_or_of_no_calendars_length_is_refused_as_invalid() {
    // A period's record gives its length, its end less its start, which overflowed for a
    // period restored as starting near the start of the integers.
    // The period's new start and end, from its start and end.
    type Corruption = fn(Millis, Millis) -> (Millis, Millis);
    let cases: [(&str, Corruption); 5] = [
        ("from i64::MIN", |_, end| (Millis::MIN, end)),
        ("to i64::MAX", |start, _| (start, Millis::MAX)),
        ("from 2101", |_, _| (PLAUSIBLE.end, PLAUSIBLE.end + HOUR)),
        ("of no length", |start, _| (start, start)),
        ("of 33 days", |start, _| (start, start + 33 * 24 * HOUR)),
    ];
    for (what, period) in cases {
        let mut changed = (0, 0);
        let bytes = corrupted(busy(), |e| {
            let mut raw: RawStore = recast(&e.store);
            let slot = raw.slots.values_mut().find(|s| s.emitted.is_none());
            let p = &mut slot.expect("periods are open").period;
            (p.start, p.end) = period(p.start, p.end);
            changed = (p.start, p.end);
            e.store = recast(&raw);
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                let (start, end) = changed;
                assert_eq!(
                    m,
                    format!("a period from {start} to {end} out of range"),
                    "{what}"
                )
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{what}: nothing changed");
    }
}

/// A final period's revision number, or the count of revisions, restored at the end of its
/// integers: the next revision of that period overflowed them. A revision number is no instant
/// to refuse; it stays at its limit.
#[test]
fn a_revision_restored_at_its_integers_limit_stays_there_instead_of_overflowing() {
    let mut key = None;
    let bytes = corrupted(busy(), |e| {
        let mut raw: RawStore = recast(&e.store);
        let (k, slot) = raw
            .slots
            .iter_mut()
            .find(|(_, s)| s.emitted.is_some())
            .expect("a period is final");
        slot.emitted = Some(u32::MAX);
        slot.dirty = true;
        raw.dirty.push(*k);
        raw.revisions = u64::MAX;
        key = Some(*k);
        e.store = recast(&raw);
    });
    let mut e = fresh();
    e.restore(&bytes)
        .expect("a revision number is restored as saved");
    let t = e.watermark;
    e.advance_to(t + HOUR);
    let (scope, _, start) = key.expect("corrupted");
    let revised = e
        .take_records()
        .into_iter()
        .find(|c| c.scope == scope && c.period.start == start)
        .expect("the dirty period is revised at the next close step");
    assert_eq!(revised.revision, u32::MAX);
}

/// The engine's own instants (the next interval's close, the last sweep, the periods closed
/// through) restored far ahead would stop the crediting, the sweep or every close without a
/// panic to show for it: restore refuses them as it refuses the stream's time.
#[test]
fn the_engines_own_instants_outside_the_years_events_can_have_are_refused_as_invalid() {
    type Corruption = fn(&mut Engine, Millis);
    let cases: [(&str, Corruption); 3] = [
        ("the next interval's close", |e, t| e.next_boundary = t),
        ("the last sweep", |e, t| e.last_sweep = t),
        ("the periods closed through", |e, t| {
            let mut raw: RawStore = recast(&e.store);
            raw.closed_through = t;
            e.store = recast(&raw);
        }),
    ];
    for (what, corrupt) in cases {
        for t in [PLAUSIBLE.end, Millis::MAX - 1, Millis::MIN + 1] {
            let bytes = corrupted(busy(), |e| corrupt(e, t));
            let mut e = fresh();
            match e.restore(&bytes) {
                Err(RestoreError::Invalid(m)) => {
                    assert_eq!(m, format!("{what} at {t} out of range"))
                }
                other => panic!("{what} at {t}: {other:?}"),
            }
        }
    }
    // As the engine leaves them, they restore.
    fresh()
        .restore(&busy().snapshot())
        .expect("a state saved by the engine");
}
