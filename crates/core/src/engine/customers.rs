//! Repeat contacts (9.1.3): a call's first offer is a repeat when the same customer was offered
//! another call within the repeat window before it.
//!
//! Each customer's recent offers are kept (instant and queue), so the answer does not depend on
//! arrival order: an offer that arrives late, before offers already applied, makes the later
//! ones repeats retroactively (their periods are revised). Offers are forgotten once the
//! watermark is past them by the window plus the revision horizon.
//!
//! At most `limits.max_customers` customers are tracked at once. Beyond that, the offer of a
//! customer not tracked yet is not recorded: its call is accepted and counted as usual, it is
//! not a repeat, and later offers cannot be repeats of it; [`Customers::untracked`] counts
//! these offers. Tracking resumes as tracked customers expire.

use super::scope::Names;
use crate::codec::decode::INSTANTS;
use crate::event::Id;
use crate::time::Millis;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Customers {
    offers: FxHashMap<Id, VecDeque<(Millis, u32)>>,
    /// Offers in the order they were recorded, for expiry in amortised O(1) per offer.
    recorded: VecDeque<(Millis, Id)>,
    window: Millis,
    /// The most customers tracked at once (configuration, not state).
    #[serde(skip)]
    max: usize,
    /// Offers of new customers not recorded because `max` were tracked (since start).
    #[serde(skip)]
    untracked: u64,
}

impl Customers {
    pub fn new(window: Millis, max: usize) -> Self {
        Customers {
            offers: FxHashMap::default(),
            recorded: VecDeque::new(),
            window,
            max,
            untracked: 0,
        }
    }

    /// Takes the configuration of `fresh`, keeping this one's state (a restored checkpoint).
    pub fn configure_like(&mut self, fresh: &Self) {
        self.window = fresh.window;
        self.max = fresh.max;
    }

    /// Offers of new customers left untracked because the limit was reached.
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// Records an offer in `queue` at `at` and says whether it is a repeat (an earlier offer of
    /// the customer lies within the window). Pushes to `now_repeats` the (queue, instant) of
    /// later offers that were not repeats before and are now.
    pub fn record(
        &mut self,
        customer: &Id,
        at: Millis,
        queue: u32,
        now_repeats: &mut Vec<(u32, Millis)>,
    ) -> bool {
        if self.offers.len() >= self.max && !self.offers.contains_key(customer) {
            self.untracked = self.untracked.saturating_add(1);
            return false;
        }
        let window = self.window;
        self.recorded.push_back((at, customer.clone()));
        let offers = self
            .offers
            .entry(customer.clone())
            .or_insert_with(|| VecDeque::with_capacity(1));
        // Offers are sorted by instant: only the nearest earlier offer decides whether this
        // one is a repeat, and only the nearest later one can become a repeat because of it.
        // Saturating: restore refuses an offer outside the decoder's instants, but one near the
        // ends of the integers must not panic either (it is then too far to make a repeat).
        let before = offers.partition_point(|&(t, _)| t < at);
        let repeat = before > 0 && at.saturating_sub(offers[before - 1].0) <= window;
        let after = offers.partition_point(|&(t, _)| t <= at);
        if let Some(&(next, q)) = offers.get(after) {
            let was = after > 0 && next.saturating_sub(offers[after - 1].0) <= window;
            if next.saturating_sub(at) <= window && !was {
                now_repeats.push((q, next));
            }
        }
        offers.insert(after, (at, queue));
        repeat
    }

    /// Forgets offers before `horizon`. Offers recorded out of order are forgotten when the
    /// ones recorded before them are.
    pub fn expire(&mut self, horizon: Millis) {
        while let Some((t, _)) = self.recorded.front() {
            if *t >= horizon {
                break;
            }
            let (_, customer) = self.recorded.pop_front().expect("front exists");
            if let Some(offers) = self.offers.get_mut(&customer) {
                let old = offers.partition_point(|&(t, _)| t < horizon);
                offers.drain(..old);
                if offers.is_empty() {
                    self.offers.remove(&customer);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.offers.len()
    }

    /// Whether the queue of every offer recorded has a name.
    pub fn check_ids(&self, names: &Names) -> Result<(), String> {
        let queues = self.offers.values().flatten().map(|&(_, q)| q);
        queues.into_iter().try_for_each(|q| names.check_queue(q))
    }

    /// Whether every offer recorded lies where the decoder puts an offer: within [1970, 2100).
    /// One near the ends of the integers overflowed the window's arithmetic at the customer's
    /// next offer.
    pub fn check_bounds(&self) -> Result<(), String> {
        let offers = self.offers.values().flatten().map(|&(t, _)| t);
        let recorded = self.recorded.iter().map(|&(t, _)| t);
        match offers.chain(recorded).find(|t| !INSTANTS.contains(t)) {
            Some(t) => Err(format!("a customer's offer at {t} out of range")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_earlier_offer_makes_the_later_one_a_repeat() {
        let mut c = Customers::new(100, 10);
        let id = Id::new("u");
        let mut changed = Vec::new();
        assert!(!c.record(&id, 50, 1, &mut changed));
        assert!(changed.is_empty());
        let earlier = c.record(&id, 10, 2, &mut changed);
        assert!(!earlier, "an earlier offer is not a repeat of a later one");
        assert_eq!(changed, vec![(1, 50)]);
        // A third offer between them changes nothing already counted.
        changed.clear();
        assert!(c.record(&id, 30, 1, &mut changed));
        assert!(changed.is_empty());
        assert!(
            c.record(&id, 150, 1, &mut changed),
            "the window is inclusive"
        );
        let other = Id::new("v");
        assert!(!c.record(&other, 0, 1, &mut changed));
        assert!(!c.record(&other, 101, 1, &mut changed));
        // Offers are forgotten in the order they were recorded: nothing before 50 yet.
        c.expire(40);
        assert_eq!(c.offers[&id].len(), 4);
        c.expire(1_000);
        assert_eq!(c.len(), 0);
        assert!(c.recorded.is_empty());
    }

    #[test]
    fn offers_near_the_ends_of_the_integers_are_not_repeats_and_do_not_overflow_the_window() {
        // Restore refuses such offers; the window's arithmetic saturates all the same.
        let mut c = Customers::new(100, 10);
        let id = Id::new("u");
        let mut changed = Vec::new();
        assert!(!c.record(&id, Millis::MIN + 1, 1, &mut changed));
        assert!(!c.record(&id, Millis::MAX - 1, 1, &mut changed));
        assert!(!c.record(&id, 1_000, 1, &mut changed));
        assert!(changed.is_empty());
    }

    #[test]
    fn beyond_the_limit_new_customers_are_counted_untracked_and_known_ones_still_repeat() {
        let mut c = Customers::new(100, 2);
        let mut changed = Vec::new();
        let (a, b, x) = (Id::new("a"), Id::new("b"), Id::new("x"));
        assert!(!c.record(&a, 0, 1, &mut changed));
        assert!(!c.record(&b, 0, 1, &mut changed));
        assert!(!c.record(&x, 10, 1, &mut changed), "x is not tracked");
        assert!(!c.record(&x, 20, 1, &mut changed), "so never a repeat");
        assert_eq!(c.untracked(), 2);
        assert!(
            c.record(&a, 30, 1, &mut changed),
            "a tracked customer repeats"
        );
        assert_eq!(c.len(), 2);
        c.expire(1_000);
        assert!(!c.record(&x, 1_010, 1, &mut changed));
        assert!(
            c.record(&x, 1_020, 1, &mut changed),
            "room again after expiry"
        );
        assert_eq!(c.untracked(), 2);
    }
}
