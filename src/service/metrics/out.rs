//! The samples `/metrics` takes from the state: numbers and label values copied out while the
//! state is locked, the text written from them ([`super::write`]) only after the lock is
//! released. Nothing here allocates per series: each family keeps its label values and its
//! numbers in flat vectors, and a label value is a static string or the number of a string
//! copied once per scrape (a queue's name, whatever the number of its series).

use super::table::{table, Id};
use crate::engine::{Scope, Tally, WaitBuckets};
use crate::time::{seconds, Millis};
use rustc_hash::FxHashMap;

use super::catalogue::COUNTS;

/// A label value.
#[derive(Debug, Clone, Copy)]
pub(super) enum Label {
    Static(&'static str),
    /// The number of a string of [`Out::texts`].
    Text(u32),
}

/// The value of one series.
#[derive(Debug, Clone, Copy)]
pub(super) enum Value {
    Number(f64),
    /// Count and sum (seconds); the cumulative counts of its buckets, one per bound of
    /// [`Out::bounds`], follow those of the series before it in [`Series::buckets`].
    Histogram(u64, f64),
}

/// The series of one family, in the order they were taken.
#[derive(Debug, Default)]
pub(super) struct Series {
    /// The label values of every series, as many per series as the family has labels.
    pub labels: Vec<Label>,
    pub values: Vec<Value>,
    pub buckets: Vec<u64>,
}

/// The samples of a scrape: the series of every family, by family number.
#[derive(Debug)]
pub(super) struct Out {
    pub families: Vec<Series>,
    /// The label values copied from the state.
    pub texts: Vec<String>,
    /// The upper bounds (seconds) of the buckets of every histogram.
    pub bounds: Vec<f64>,
}

impl Default for Out {
    fn default() -> Self {
        Out {
            families: (0..table().len()).map(|_| Series::default()).collect(),
            texts: Vec::new(),
            bounds: Vec::new(),
        }
    }
}

impl Out {
    /// `text` as a label value, copied.
    pub fn text(&mut self, text: &str) -> Label {
        self.texts.push(text.to_string());
        Label::Text(self.texts.len() as u32 - 1)
    }

    fn series(&mut self, fam: Id, labels: &[Label]) -> &mut Series {
        debug_assert_eq!(
            table().def(fam).labels.len(),
            labels.len(),
            "{}",
            table().def(fam).name
        );
        let s = &mut self.families[fam];
        s.labels.extend_from_slice(labels);
        s
    }

    /// A counter or gauge sample of family `fam`.
    pub fn push(&mut self, fam: Id, labels: &[Label], value: f64) {
        self.series(fam, labels).values.push(Value::Number(value));
    }

    /// Every count of [`COUNTS`] of `scope` (the queue labelled `queue`, or the center).
    pub fn counts(&mut self, scope: Scope, queue: Label, t: &Tally) {
        let t_ = table();
        for (i, (_, _, value)) in COUNTS.iter().enumerate() {
            match scope {
                Scope::Center => self.push(t_.center_counts[i], &[], value(t)),
                _ => self.push(t_.counts[i], &[queue], value(t)),
            }
        }
    }

    /// The bucket bounds of every histogram of this scrape.
    pub fn set_bounds(&mut self, bounds: &[Millis]) {
        self.bounds = bounds.iter().map(|&bound| seconds(bound)).collect();
    }

    /// A histogram of family `fam`, with a bucket at each bound of [`Out::set_bounds`].
    pub fn histogram(&mut self, fam: Id, labels: &[Label], b: &WaitBuckets) {
        let n = self.bounds.len();
        let s = self.series(fam, labels);
        s.values.push(Value::Histogram(b.count, seconds(b.sum)));
        s.buckets
            .extend((0..n).map(|i| b.le.get(i).copied().unwrap_or(0)));
    }
}

/// Label values copied at most once per scrape: strings of the state by their text.
#[derive(Default)]
pub(super) struct Texts<'a> {
    seen: FxHashMap<&'a str, Label>,
}

impl<'a> Texts<'a> {
    /// `text` as a label value, copied into `out` the first time.
    pub fn get(&mut self, out: &mut Out, text: &'a str) -> Label {
        *self.seen.entry(text).or_insert_with(|| out.text(text))
    }
}
