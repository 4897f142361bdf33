//! Restored tallies and live windows whose numbers lie near the limits of their integers.

use super::*;
use crate::config::Config;
use crate::engine::Scope;
use crate::time::{Granularity, HOUR};

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
