//! [`Waits`]: the wait times of a tally, for their quantiles, mergeable by addition, and
//! each one taken back exactly.
//!
//! The waits fall into the buckets of an HdrHistogram of milliseconds from 0 to one day at 2
//! significant figures (≤ 1 % relative error): quantiles, counts, checkpoints and equality
//! are those of the histogram the waits would make, which a property test checks against
//! HdrHistogram given the same operations. The waits are kept as the histogram's *recorded*
//! buckets only, in order (bucket, count), not as the histogram itself, for two reasons:
//!
//! - **Taking one wait back.** The provisional overlay adds the wait of each buffered event
//!   and takes it back when the watermark applies the event. HdrHistogram has no decrement,
//!   only a subtraction of histograms, which passes over all 2,560 buckets of the subtrahend
//!   and again over the minuend's when the wait was its minimum or maximum: with the
//!   partitions read in step (few events buffered) that subtraction was a third of the live
//!   service's input thread. Here it is a binary search.
//! - **Size.** Most tallies hold few waits (an interval of a small queue, the overlay's): a
//!   histogram costs 10 kB whatever it holds; a bucket here costs 8 bytes.
//!
//! The bucket arithmetic (which bucket a wait falls in, the bucket's values) stays
//! HdrHistogram's, through one empty histogram of the same bounds, so the two cannot drift.

use crate::time::Millis;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// Wait-time histograms hold milliseconds from 0 to one day at 2 significant figures (≤ 1 %
/// relative error); longer waits saturate at one day.
pub const WAIT_HIST_MAX_MS: u64 = 86_400_000;
const WAIT_HIST_SIGFIG: u8 = 2;

/// An empty histogram of the bounds every one has: what says which bucket a wait falls in.
static BUCKETS: LazyLock<Histogram<u32>> = LazyLock::new(new_histogram);

fn new_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, WAIT_HIST_MAX_MS, WAIT_HIST_SIGFIG)
        .expect("static histogram bounds are valid")
}

/// A mergeable set of wait times (see the module docs). `None` when it holds none, so that a
/// tally without waits costs one word.
#[derive(Debug, Clone, Default)]
pub struct Waits(Option<Box<Recorded>>);

/// The recorded buckets, as a histogram would count them.
#[derive(Debug, Clone)]
struct Recorded {
    /// (the lowest value of a bucket, its count), by bucket, none with a count of zero.
    /// Every bucket's lowest value is under `u32::MAX` (one day is 86.4 M ms).
    buckets: Vec<(u32, u32)>,
    /// The waits recorded and not taken back: the histogram's total count, which saturates
    /// apart from its buckets' counts as HdrHistogram's does.
    total: u64,
}

fn clamp(wait: Millis) -> u64 {
    wait.clamp(0, WAIT_HIST_MAX_MS as i64) as u64
}

/// The bucket of a value in the histogram's range.
fn bucket(value: u64) -> u32 {
    let lowest = BUCKETS.lowest_equivalent(value);
    u32::try_from(lowest).expect("a bucket of the day's range starts under u32::MAX")
}

impl Recorded {
    /// Adds `n` to a bucket's count (saturating, as HdrHistogram's counts do); the total is
    /// the caller's.
    fn add(&mut self, bucket: u32, n: u32) {
        match self.buckets.binary_search_by_key(&bucket, |&(b, _)| b) {
            Ok(i) => self.buckets[i].1 = self.buckets[i].1.saturating_add(n),
            Err(i) => self.buckets.insert(i, (bucket, n)),
        }
    }
}

impl Waits {
    pub fn record(&mut self, wait: Millis) {
        self.record_n(clamp(wait), 1);
    }

    /// Records `n` waits of `value`, which must lie in the histogram's range.
    fn record_n(&mut self, value: u64, n: u32) {
        if n == 0 {
            return;
        }
        self.add_bucket(bucket(value), n);
    }

    fn add_bucket(&mut self, bucket: u32, n: u32) {
        let recorded = self.0.get_or_insert_with(|| {
            Box::new(Recorded {
                buckets: Vec::new(),
                total: 0,
            })
        });
        recorded.add(bucket, n);
        recorded.total = recorded.total.saturating_add(u64::from(n));
    }

    /// The wait at quantile `q` (0–1) in seconds, the midpoint of its histogram bucket:
    /// HdrHistogram's `median_equivalent(value_at_quantile(q))`, over the recorded buckets.
    pub fn quantile_seconds(&self, q: f64) -> Option<f64> {
        let recorded = self.0.as_deref().filter(|r| r.total > 0)?;
        let q = q.min(1.0);
        let wanted = ((q * recorded.total as f64).ceil() as u64).max(1);
        let mut so_far = 0u64;
        let found = recorded.buckets.iter().find(|&&(_, count)| {
            so_far += u64::from(count);
            so_far >= wanted
        });
        // Not found only where counts saturated; HdrHistogram then answers 0.
        let value = match found {
            None => 0,
            Some(&(bucket, _)) if q == 0.0 => u64::from(bucket),
            Some(&(bucket, _)) => BUCKETS.highest_equivalent(u64::from(bucket)),
        };
        Some(BUCKETS.median_equivalent(value) as f64 / 1e3)
    }

    /// Takes back one wait [`Waits::record`] recorded (the provisional overlay, when the event
    /// behind it is applied); a wait not held (none in its bucket) is left alone.
    pub fn remove(&mut self, wait: Millis) {
        let Some(recorded) = self.0.as_deref_mut() else {
            return;
        };
        let Ok(i) = recorded
            .buckets
            .binary_search_by_key(&bucket(clamp(wait)), |&(b, _)| b)
        else {
            return;
        };
        recorded.buckets[i].1 -= 1;
        if recorded.buckets[i].1 == 0 {
            recorded.buckets.remove(i);
        }
        recorded.total = recorded.total.saturating_sub(1);
        if recorded.buckets.is_empty() {
            self.0 = None;
        }
    }

    pub fn merge(&mut self, other: &Waits) {
        let Some(theirs) = other.0.as_deref() else {
            return;
        };
        let Some(ours) = self.0.as_deref_mut() else {
            self.0 = other.0.clone();
            return;
        };
        // A few buckets are inserted one by one (the overlay's, a small interval's); more
        // are merged in one pass.
        if theirs.buckets.len() <= 8 {
            for &(bucket, n) in &theirs.buckets {
                ours.add(bucket, n);
            }
        } else {
            ours.buckets = merged(&ours.buckets, &theirs.buckets);
        }
        ours.total = ours.total.saturating_add(theirs.total);
    }

    pub fn count(&self) -> u64 {
        self.0.as_deref().map_or(0, |r| r.total)
    }

    /// Each recorded bucket as (its highest value, count), in order: what rebuilds the
    /// histogram (HdrHistogram's `iter_recorded` and `value_iterated_to`).
    pub(super) fn buckets(&self) -> Vec<(u64, u32)> {
        self.0.as_deref().map_or_else(Vec::new, |r| {
            r.buckets
                .iter()
                .map(|&(b, n)| (BUCKETS.highest_equivalent(u64::from(b)), n))
                .collect()
        })
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.0.as_deref().map_or(0, |r| {
            std::mem::size_of::<Recorded>()
                + r.buckets.capacity() * std::mem::size_of::<(u32, u32)>()
        })
    }
}

/// Two bucket lists merged, counts of the same bucket added (saturating).
fn merged(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1.saturating_add(b[j].1)));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Equal when they make the same histogram.
impl PartialEq for Waits {
    fn eq(&self, other: &Self) -> bool {
        self.count() == other.count()
            && self.0.as_deref().map(|r| &r.buckets) == other.0.as_deref().map(|r| &r.buckets)
    }
}

/// A checkpoint keeps a histogram as its recorded buckets.
impl Serialize for Waits {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        self.buckets().serialize(ser)
    }
}

impl<'de> Deserialize<'de> for Waits {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let buckets = Vec::<(u64, u32)>::deserialize(d)?;
        let mut waits = Waits::default();
        // Each value in the day's range is recorded directly, as a histogram records it (a
        // restore reads thousands of tallies, most with none or a few). A value past the day
        // is HdrHistogram's to accept (its last buckets reach a little past the day) or
        // refuse, with its error.
        for (value, count) in buckets {
            if value > WAIT_HIST_MAX_MS {
                BUCKETS
                    .clone()
                    .record_n(value, count)
                    .map_err(|e| serde::de::Error::custom(format!("wait bucket {value}: {e}")))?;
            }
            if count > 0 {
                waits.add_bucket(bucket(value), count);
            }
        }
        Ok(waits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quantiles_are_within_one_percent_and_merge() {
        let mut a = Waits::default();
        for ms in 1..=1000 {
            a.record(ms * 100);
        }
        let p50 = a.quantile_seconds(0.5).unwrap();
        assert!((p50 - 50.0).abs() <= 0.5, "{p50}");
        let p99 = a.quantile_seconds(0.99).unwrap();
        assert!((p99 - 99.0).abs() <= 1.0, "{p99}");
        let mut b = Waits::default();
        b.record(5_000);
        b.merge(&a);
        assert_eq!(b.count(), 1001);
        assert_eq!(Waits::default().quantile_seconds(0.5), None);
    }

    #[test]
    fn waits_cost_their_buckets_and_none_cost_nothing() {
        let mut w = Waits::default();
        assert_eq!(w.heap_bytes(), 0);
        // 1,000 waits of one second fall in one bucket; 20 s and 20.1 s in two more.
        for _ in 0..1_000 {
            w.record(1_000);
        }
        w.record(20_000);
        w.record(20_100);
        assert_eq!(w.count(), 1_002);
        let held = w.0.as_deref().unwrap();
        assert_eq!(held.buckets.len(), 3);
        assert!(w.heap_bytes() < 200, "{}", w.heap_bytes());
        w.remove(20_000);
        w.remove(20_100);
        for _ in 0..1_000 {
            w.remove(1_000);
        }
        assert_eq!(w.count(), 0);
        assert!(w.0.is_none(), "every wait taken back leaves nothing held");
        assert_eq!(w, Waits::default());
    }

    #[test]
    fn a_wait_not_held_is_not_taken_back_and_one_in_the_same_bucket_is() {
        let mut w = Waits::default();
        w.record(10_000);
        w.remove(30_000);
        assert_eq!(w.count(), 1);
        // 10,000 and 10,020 ms share a bucket of 2 significant figures (64 ms wide there).
        w.remove(10_020);
        assert_eq!(w.count(), 0);
    }

    /// One operation on a set of waits.
    #[derive(Debug, Clone)]
    enum Op {
        Record(Millis),
        Remove(Millis),
        Merge(Vec<Millis>),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Waits from below zero to past the histogram's day, most of them under a minute.
        let wait = prop_oneof![
            8 => -10i64..60_000,
            1 => -10i64..100_000_000,
        ];
        prop_oneof![
            4 => wait.clone().prop_map(Op::Record),
            3 => wait.clone().prop_map(Op::Remove),
            1 => proptest::collection::vec(wait, 0..40).prop_map(Op::Merge),
        ]
    }

    proptest! {
        /// A checkpoint's buckets, whatever they are (values past the day, counts of zero,
        /// the same value twice), decode to the waits a histogram recording them gives, or
        /// are refused where it refuses them; a few are kept as values.
        #[test]
        fn decoded_buckets_are_the_waits_a_histogram_of_them_holds(
            buckets in proptest::collection::vec(
                (
                    prop_oneof![4 => 0u64..100_000, 1 => 86_000_000u64..87_000_000, 1 => any::<u64>()],
                    prop_oneof![4 => 0u32..4, 1 => any::<u32>()],
                ),
                0..24,
            )
        ) {
            let mut h = new_histogram();
            let through_histogram = buckets
                .iter()
                .try_for_each(|&(v, n)| h.record_n(v, n).map(|_| ()))
                .ok()
                .map(|()| {
                    h.iter_recorded()
                        .map(|v| (v.value_iterated_to(), v.count_at_value()))
                        .collect::<Vec<_>>()
                });
            let json = serde_json::to_string(&buckets).unwrap();
            let decoded = serde_json::from_str::<Waits>(&json).ok();
            prop_assert_eq!(decoded.as_ref().map(Waits::buckets), through_histogram);
            if let Some(w) = decoded {
                prop_assert_eq!(w.count(), h.len());
            }
        }

        /// Whatever the operations, the waits say exactly what a histogram given the same
        /// operations says: counts, quantiles, buckets (the checkpoint), and the same again
        /// after a checkpoint's round trip.
        #[test]
        fn waits_say_what_a_histogram_given_the_same_operations_says(
            ops in proptest::collection::vec(op(), 0..120)
        ) {
            let mut waits = Waits::default();
            let mut h = new_histogram();
            for op in ops {
                match op {
                    Op::Record(ms) => {
                        waits.record(ms);
                        h.saturating_record(clamp(ms));
                    }
                    Op::Remove(ms) => {
                        waits.remove(ms);
                        let v = clamp(ms);
                        if h.count_at(v) > 0 {
                            let mut one = new_histogram();
                            one.saturating_record(v);
                            h.subtract(&one).unwrap();
                        }
                    }
                    Op::Merge(list) => {
                        let mut other = Waits::default();
                        for &ms in &list {
                            other.record(ms);
                            h.saturating_record(clamp(ms));
                        }
                        waits.merge(&other);
                    }
                }
                prop_assert_eq!(waits.count(), h.len());
            }
            let expected: Vec<(u64, u32)> = h
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect();
            prop_assert_eq!(waits.buckets(), expected);
            for q in [0.0, 0.5, 0.9, 1.0] {
                let want = (!h.is_empty())
                    .then(|| h.median_equivalent(h.value_at_quantile(q)) as f64 / 1e3);
                prop_assert_eq!(waits.quantile_seconds(q), want);
            }
            let json = serde_json::to_string(&waits).unwrap();
            let back: Waits = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &waits);
            prop_assert_eq!(back.buckets(), waits.buckets());
        }
    }
}
