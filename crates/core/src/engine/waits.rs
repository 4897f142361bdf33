//! [`Waits`]: the wait times of a tally, for their quantiles, mergeable by addition.
//!
//! A histogram (HdrHistogram, milliseconds from 0 to one day at 2 significant figures: ≤ 1 %
//! relative error) once a tally holds more than [`FEW`] waits; until then the waits
//! themselves. Most tallies hold few: the provisional overlay's hold the waits of the events
//! still in the reorder buffer, added and taken back event by event, and an interval of a
//! small queue has a handful of calls. A histogram costs 10 kB, and taking one wait out of it
//! costs a pass over its 2,560 buckets (HdrHistogram has only a subtraction of histograms),
//! and another to find its minimum or maximum again when the wait was one of them: a sixth
//! of the live service's input thread, with the partitions read in step. The two forms say
//! the same: quantiles, counts, checkpoints and equality are those of the histogram the
//! waits would make.

use crate::time::Millis;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// Wait-time histograms hold milliseconds from 0 to one day at 2 significant figures (≤ 1 %
/// relative error); longer waits saturate at one day.
pub const WAIT_HIST_MAX_MS: u64 = 86_400_000;
const WAIT_HIST_SIGFIG: u8 = 2;

/// Waits kept as values before they become a histogram.
const FEW: usize = 16;

/// An empty histogram of the bounds every one has: what says which bucket a wait falls in.
static BUCKETS: LazyLock<Histogram<u32>> = LazyLock::new(new_histogram);

fn new_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, WAIT_HIST_MAX_MS, WAIT_HIST_SIGFIG)
        .expect("static histogram bounds are valid")
}

/// A mergeable set of wait times (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Waits(Option<Box<Form>>);

#[derive(Debug, Clone)]
enum Form {
    /// The waits (clamped to the histogram's range), in no order; at most [`FEW`].
    Few(Vec<u64>),
    Many(Histogram<u32>),
}

fn clamp(wait: Millis) -> u64 {
    wait.clamp(0, WAIT_HIST_MAX_MS as i64) as u64
}

impl Waits {
    pub fn record(&mut self, wait: Millis) {
        self.record_n(clamp(wait), 1);
    }

    fn record_n(&mut self, value: u64, n: u32) {
        match self.0.as_deref_mut() {
            None if n as usize <= FEW => {
                self.0 = Some(Box::new(Form::Few(vec![value; n as usize])));
            }
            Some(Form::Few(values)) if values.len() + n as usize <= FEW => {
                values.extend(std::iter::repeat(value).take(n as usize));
            }
            Some(Form::Many(h)) => h.saturating_record_n(value, n),
            _ => {
                let mut h = self.histogram();
                h.saturating_record_n(value, n);
                self.0 = Some(Box::new(Form::Many(h)));
            }
        }
    }

    /// The histogram the waits make (a copy).
    fn histogram(&self) -> Histogram<u32> {
        match self.0.as_deref() {
            None => new_histogram(),
            Some(Form::Many(h)) => h.clone(),
            Some(Form::Few(values)) => {
                let mut h = new_histogram();
                for &v in values {
                    h.saturating_record(v);
                }
                h
            }
        }
    }

    /// Runs `f` on the histogram the waits make: their own, or for a few, the thread's
    /// scratch histogram (no allocation), emptied again after.
    fn with_histogram<R>(&self, f: impl FnOnce(&Histogram<u32>) -> R) -> R {
        match self.0.as_deref() {
            Some(Form::Many(h)) => f(h),
            few => SCRATCH.with(|scratch| {
                let mut h = scratch.borrow_mut();
                if let Some(Form::Few(values)) = few {
                    for &v in values {
                        h.saturating_record(v);
                    }
                }
                let out = f(&h);
                h.reset();
                out
            }),
        }
    }

    /// The wait at quantile `q` (0–1) in seconds, the midpoint of its histogram bucket.
    pub fn quantile_seconds(&self, q: f64) -> Option<f64> {
        if self.count() == 0 {
            return None;
        }
        self.with_histogram(|h| Some(h.median_equivalent(h.value_at_quantile(q)) as f64 / 1e3))
    }

    /// Takes back one wait [`Waits::record`] recorded (the provisional overlay, when the event
    /// behind it is applied); a wait not held (none in its bucket) is left alone.
    pub fn remove(&mut self, wait: Millis) {
        let value = clamp(wait);
        let Some(form) = self.0.as_deref_mut() else {
            return;
        };
        match form {
            Form::Few(values) => {
                let bucket = BUCKETS.lowest_equivalent(value);
                let found = values.iter().position(|&v| v == value).or_else(|| {
                    values
                        .iter()
                        .position(|&v| BUCKETS.lowest_equivalent(v) == bucket)
                });
                if let Some(i) = found {
                    values.swap_remove(i);
                }
                if values.is_empty() {
                    self.0 = None;
                }
            }
            Form::Many(h) => {
                if h.count_at(value) == 0 {
                    return;
                }
                if h.len() == 1 {
                    self.0 = None;
                    return;
                }
                // The histogram has no decrement: subtract a histogram of that one wait, kept
                // per thread and emptied again after use.
                ONE_WAIT.with(|one| {
                    let mut one = one.borrow_mut();
                    one.saturating_record(value);
                    h.subtract(&*one)
                        .expect("the wait is held, in the same bounds");
                    one.reset();
                });
            }
        }
    }

    pub fn merge(&mut self, other: &Waits) {
        match other.0.as_deref() {
            None => {}
            Some(Form::Few(values)) => {
                for &v in values {
                    self.record_n(v, 1);
                }
            }
            Some(Form::Many(o)) => match self.0.as_deref_mut() {
                Some(Form::Many(h)) => h.add(o).expect("histograms share their bounds"),
                _ => {
                    let mut h = self.histogram();
                    h.add(o).expect("histograms share their bounds");
                    self.0 = Some(Box::new(Form::Many(h)));
                }
            },
        }
    }

    pub fn count(&self) -> u64 {
        match self.0.as_deref() {
            None => 0,
            Some(Form::Few(values)) => values.len() as u64,
            Some(Form::Many(h)) => h.len(),
        }
    }

    /// Each recorded bucket as (a value of the bucket, count): what rebuilds the histogram.
    pub(super) fn buckets(&self) -> Vec<(u64, u32)> {
        if self.count() == 0 {
            return Vec::new();
        }
        self.with_histogram(|h| {
            h.iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect()
        })
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.0.as_deref().map_or(0, |form| {
            std::mem::size_of::<Form>()
                + match form {
                    Form::Few(values) => values.capacity() * std::mem::size_of::<u64>(),
                    Form::Many(h) => h.distinct_values() * std::mem::size_of::<u32>(),
                }
        })
    }
}

/// Equal when they make the same histogram, whatever their form.
impl PartialEq for Waits {
    fn eq(&self, other: &Self) -> bool {
        self.count() == other.count() && self.buckets() == other.buckets()
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
        // No waits or a few, each in range: kept as values without making the histogram (a
        // restore reads thousands of tallies, most with none). The same waits as the
        // histogram gives back below: each the highest value of its bucket.
        let total: u64 = buckets.iter().map(|&(_, count)| u64::from(count)).sum();
        if total <= FEW as u64 && buckets.iter().all(|&(v, _)| v <= WAIT_HIST_MAX_MS) {
            let mut waits = Waits::default();
            for &(value, count) in buckets.iter().filter(|&&(_, count)| count > 0) {
                waits.record_n(BUCKETS.highest_equivalent(value), count);
            }
            return Ok(waits);
        }
        let mut h = new_histogram();
        for (value, count) in buckets {
            h.record_n(value, count)
                .map_err(|e| serde::de::Error::custom(format!("wait bucket {value}: {e}")))?;
        }
        let mut waits = Waits::default();
        if h.is_empty() {
            return Ok(waits);
        }
        if h.len() as usize <= FEW {
            for v in h.iter_recorded() {
                waits.record_n(v.value_iterated_to(), v.count_at_value());
            }
        } else {
            waits.0 = Some(Box::new(Form::Many(h)));
        }
        Ok(waits)
    }
}

thread_local! {
    /// The histogram of one wait, subtracted from a histogram to take that wait out.
    static ONE_WAIT: std::cell::RefCell<Histogram<u32>> = std::cell::RefCell::new(new_histogram());
    /// Where a few waits are made a histogram to be read.
    static SCRATCH: std::cell::RefCell<Histogram<u32>> = std::cell::RefCell::new(new_histogram());
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
    fn a_few_waits_are_kept_as_values_and_many_as_a_histogram() {
        let mut w = Waits::default();
        for ms in 0..FEW as i64 {
            w.record(ms * 1_000);
        }
        assert!(matches!(w.0.as_deref(), Some(Form::Few(_))));
        w.record(99_000);
        assert!(matches!(w.0.as_deref(), Some(Form::Many(_))));
        assert_eq!(w.count(), FEW as u64 + 1);
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
            if let Some(w) = decoded.filter(|w| w.count() <= FEW as u64) {
                prop_assert!(!matches!(w.0.as_deref(), Some(Form::Many(_))));
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
