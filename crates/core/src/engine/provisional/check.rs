//! The overlay's self-check: the overlay kept up to date event by event against one
//! recomputed from the buffer, figure by figure. The property tests call it after every step.

use super::Provisional;
use crate::engine::live::{WaitBuckets, MAX_WINDOW_MINUTES};
use crate::engine::tally::{Tally, Waits};
use crate::engine::Engine;
use crate::time::{Millis, MINUTE};
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::hash::Hash;

impl Engine {
    /// Whether the overlay kept up to date equals the overlay recomputed from the buffer: the
    /// windows of the last hour of the stream, the wait buckets, the tallies, the calls, agents
    /// and components it holds. `Err` names the first figure that differs; `Ok(false)`: the
    /// overlay is stale (not kept: it is recomputed when read), nothing to compare. For tests:
    /// it costs a recompute.
    #[doc(hidden)]
    pub fn check_overlay(&self) -> Result<bool, String> {
        if self.overlay.stale {
            return Ok(false);
        }
        let fresh = Provisional::compute(self);
        let (kept, fresh) = (&self.overlay, &fresh);
        same_maps("call", &kept.calls, &fresh.calls, |a, b| a == b).map_err(|why| {
            let buffered: Vec<_> = self
                .reorder
                .iter()
                .map(|q| (q.key(), q.noted, &q.event.body))
                .collect();
            format!("{why}; buffered {buffered:?}; watermark {}", self.watermark)
        })?;
        same_maps("agent", &kept.agents, &fresh.agents, |a, b| a == b)?;
        same_maps("component", &kept.components, &fresh.components, |a, b| {
            a == b
        })?;
        same_maps(
            "newest call",
            &kept.newest.calls,
            &fresh.newest.calls,
            |a, b| a == b,
        )?;
        same_maps("totals", &kept.totals, &fresh.totals, same_tally)?;
        let periods = |p: &Provisional| {
            p.periods
                .iter()
                .map(|(k, (t, _))| (*k, t.clone()))
                .collect::<std::collections::HashMap<_, _>>()
        };
        same_maps("period", &periods(kept), &periods(fresh), same_tally)?;
        let scopes: BTreeSet<_> = kept.live.scopes().chain(fresh.live.scopes()).collect();
        let last = self.latest();
        for scope in scopes {
            let waits = |p: &Provisional| {
                p.waits(scope)
                    .map(|(a, b)| (a.clone(), b.clone()))
                    .unwrap_or_default()
            };
            let (a, b) = (waits(kept), waits(fresh));
            if !same_buckets(&a.0, &b.0) || !same_buckets(&a.1, &b.1) {
                return Err(format!(
                    "{scope:?} wait buckets: kept {a:?}, recomputed {b:?}"
                ));
            }
            for back in 0..MAX_WINDOW_MINUTES {
                let at: Millis = last.saturating_sub(back * MINUTE);
                let (a, b) = (
                    kept.live().window(scope, at, 1),
                    fresh.live().window(scope, at, 1),
                );
                if a != b {
                    return Err(format!(
                        "{scope:?} minute at {at}: kept {a:?}, recomputed {b:?}"
                    ));
                }
            }
        }
        Ok(true)
    }
}

fn same_maps<K: Eq + Hash + Debug, V: Debug, S: std::hash::BuildHasher>(
    what: &str,
    kept: &std::collections::HashMap<K, V, S>,
    fresh: &std::collections::HashMap<K, V, S>,
    same: impl Fn(Option<&V>, Option<&V>) -> bool,
) -> Result<(), String> {
    for k in kept.keys().chain(fresh.keys()) {
        let (a, b) = (kept.get(k), fresh.get(k));
        if !same(a, b) {
            return Err(format!("{what} {k:?}: kept {a:?}, recomputed {b:?}"));
        }
    }
    Ok(())
}

/// Equal tallies; an emptied one equals none.
fn same_tally(a: Option<&Tally>, b: Option<&Tally>) -> bool {
    let (a, b) = (
        a.cloned().unwrap_or_default(),
        b.cloned().unwrap_or_default(),
    );
    let plain = |t: &Tally| Tally {
        answered_waits: Waits::default(),
        abandoned_waits: Waits::default(),
        ..t.clone()
    };
    let (a, b) = (&a, &b);
    a.answered_waits.buckets() == b.answered_waits.buckets()
        && a.abandoned_waits.buckets() == b.abandoned_waits.buckets()
        && plain(a) == plain(b)
}

/// Equal wait buckets; buckets never counted equal zero counts.
fn same_buckets(a: &WaitBuckets, b: &WaitBuckets) -> bool {
    let len = a.le.len().max(b.le.len());
    let padded = |w: &WaitBuckets| {
        let mut le = w.le.clone();
        le.resize(len, 0);
        le
    };
    a.count == b.count && a.sum == b.sum && padded(a) == padded(b)
}
