//! The samples `/metrics` takes from the state: plain names, labels and numbers gathered while
//! the state is locked, turned into Prometheus families ([`Out::into_families`]) only after
//! the lock is released. Building the protobuf families (two strings per label of every
//! series) took most of a scrape; under the lock it held the input back for as long.

use super::catalogue::{Family, COUNTS};
use crate::engine::{Scope, Tally, WaitBuckets};
use crate::time::{seconds, Millis};
use prometheus::proto::{
    Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType,
};
use std::collections::BTreeMap;

use MetricType::{COUNTER, GAUGE, HISTOGRAM};

/// The value of one series.
enum Value {
    Counter(f64),
    Gauge(f64),
    /// Count, sum (seconds) and (upper bound in seconds, cumulative count) per bucket.
    Histogram(u64, f64, Vec<(f64, u64)>),
}

/// One series: its labels (name, value) and its value.
struct Series {
    labels: Vec<(&'static str, String)>,
    value: Value,
}

struct FamilyOut {
    kind: MetricType,
    help: &'static str,
    series: Vec<Series>,
}

/// Families by name, each series in the order it was taken.
#[derive(Default)]
pub(super) struct Out {
    families: BTreeMap<String, FamilyOut>,
}

/// Label names with their values, owned.
fn labels(names: &[&'static str], values: &[&str]) -> Vec<(&'static str, String)> {
    names
        .iter()
        .zip(values)
        .map(|(n, v)| (*n, v.to_string()))
        .collect()
}

impl Out {
    fn add(&mut self, name: &str, kind: MetricType, help: &'static str, series: Series) {
        if let Some(f) = self.families.get_mut(name) {
            f.series.push(series);
            return;
        }
        self.families.insert(
            name.to_string(),
            FamilyOut {
                kind,
                help,
                series: vec![series],
            },
        );
    }

    /// A counter or gauge of `fam` (by its kind).
    pub fn push(&mut self, fam: &Family, values: &[&str], value: f64) {
        debug_assert_eq!(fam.labels.len(), values.len(), "{}", fam.name);
        let value = match fam.kind {
            COUNTER => Value::Counter(value),
            _ => Value::Gauge(value),
        };
        let series = Series {
            labels: labels(fam.labels, values),
            value,
        };
        self.add(fam.name, fam.kind, fam.help, series);
    }

    /// A gauge of a family named at run time.
    pub fn gauge(
        &mut self,
        name: &str,
        help: &'static str,
        labels: Vec<(&'static str, String)>,
        value: f64,
    ) {
        let series = Series {
            labels,
            value: Value::Gauge(value),
        };
        self.add(name, GAUGE, help, series);
    }

    /// Every count of [`COUNTS`] of `scope` (the queue named `queue`, or the center).
    pub fn counts(&mut self, scope: Scope, queue: &str, t: &Tally) {
        for (suffix, help, value) in COUNTS {
            let (name, labels) = match scope {
                Scope::Center => (format!("callpulse_center_{suffix}"), Vec::new()),
                _ => (
                    format!("callpulse_{suffix}"),
                    vec![("queue", queue.to_string())],
                ),
            };
            let series = Series {
                labels,
                value: Value::Counter(value(t)),
            };
            self.add(&name, COUNTER, help, series);
        }
    }

    /// A histogram of `fam` with a bucket at each of `bounds`.
    pub fn histogram(&mut self, fam: &Family, values: &[&str], bounds: &[Millis], b: &WaitBuckets) {
        let buckets = bounds
            .iter()
            .enumerate()
            .map(|(i, &bound)| (seconds(bound), b.le.get(i).copied().unwrap_or(0)))
            .collect();
        let series = Series {
            labels: labels(fam.labels, values),
            value: Value::Histogram(b.count, seconds(b.sum), buckets),
        };
        self.add(fam.name, HISTOGRAM, fam.help, series);
    }

    /// The families, by name; none without a series.
    pub fn into_families(self) -> Vec<MetricFamily> {
        self.families
            .into_iter()
            .map(|(name, f)| {
                let mut fam = MetricFamily::default();
                fam.set_name(name);
                fam.set_help(f.help.to_string());
                fam.set_field_type(f.kind);
                fam.set_metric(f.series.into_iter().map(metric).collect());
                fam
            })
            .collect()
    }
}

fn metric(s: Series) -> Metric {
    let mut m = Metric::default();
    m.set_label(
        s.labels
            .into_iter()
            .map(|(n, v)| {
                let mut l = LabelPair::default();
                l.set_name(n.to_string());
                l.set_value(v);
                l
            })
            .collect(),
    );
    match s.value {
        Value::Counter(v) => {
            let mut c = Counter::default();
            c.set_value(v);
            m.set_counter(c);
        }
        Value::Gauge(v) => {
            let mut g = Gauge::default();
            g.set_value(v);
            m.set_gauge(g);
        }
        Value::Histogram(count, sum, buckets) => {
            let mut h = Histogram::default();
            h.set_sample_count(count);
            h.set_sample_sum(sum);
            h.set_bucket(
                buckets
                    .into_iter()
                    .map(|(bound, n)| {
                        let mut b = Bucket::default();
                        b.set_upper_bound(bound);
                        b.set_cumulative_count(n);
                        b
                    })
                    .collect(),
            );
            m.set_histogram(h);
        }
    }
    m
}
