//! The exposition of a scrape's samples, written after the state's lock is released, as the
//! prometheus crate's registry and text encoder wrote it: families in the order of their names
//! (those of the prometheus crate, `own`, among them), none without a series, and the series
//! of each in the order of their label values, compared one label after the other (a stable
//! sort: series with the same values keep the order they were taken in).

use super::out::{Label, Out, Series, Value};
use super::table::table;
use super::text::{escape, number};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The text of `out`, with the families of `own` (name, text) in their places by name, in a
/// buffer of at least `room` bytes.
pub(super) fn write(out: &Out, mut own: Vec<(String, String)>, room: usize) -> String {
    let table = table();
    own.sort_by(|a, b| a.0.cmp(&b.0));
    let mut own = own.into_iter().peekable();
    let texts: Vec<Cow<'_, str>> = out.texts.iter().map(|t| escape(t, true)).collect();
    let ranks = ranks(&out.texts);
    let les: Vec<String> = out
        .bounds
        .iter()
        .map(|&b| {
            let mut s = String::new();
            number(&mut s, b);
            format!("{}\"}} ", escape(&s, true))
        })
        .collect();
    let inf_seen = out
        .bounds
        .iter()
        .any(|b| b.is_sign_positive() && b.is_infinite());
    let w = Writer {
        out,
        texts: &texts,
        ranks: &ranks,
        les: &les,
        inf_seen,
    };
    let series: usize = out.families.iter().map(|s| s.values.len()).sum();
    let mut buf = String::with_capacity(room.max(64 * 1024 + series * 64));
    for &id in &table.order {
        let def = table.def(id);
        while let Some((_, text)) = own.next_if(|(name, _)| *name < def.name) {
            buf.push_str(&text);
        }
        let s = &out.families[id];
        if s.values.is_empty() {
            continue;
        }
        buf.push_str(&def.head);
        w.family(&mut buf, &def.name, &def.labels, s);
    }
    for (_, text) in own {
        buf.push_str(&text);
    }
    buf
}

/// The rank of each text in the order of the texts (equal texts, equal ranks): label values
/// are compared by rank, one number instead of two strings.
fn ranks(texts: &[String]) -> Vec<u32> {
    let mut by_text: Vec<u32> = (0..texts.len() as u32).collect();
    by_text.sort_unstable_by(|a, b| texts[*a as usize].cmp(&texts[*b as usize]));
    let mut ranks = vec![0; texts.len()];
    let mut rank = 0;
    for (k, &i) in by_text.iter().enumerate() {
        if k > 0 && texts[by_text[k - 1] as usize] != texts[i as usize] {
            rank += 1;
        }
        ranks[i as usize] = rank;
    }
    ranks
}

struct Writer<'a> {
    out: &'a Out,
    /// [`Out::texts`], escaped.
    texts: &'a [Cow<'a, str>],
    ranks: &'a [u32],
    /// The `le` label value of each bucket bound, and the end of its bucket's labels.
    les: &'a [String],
    /// Whether a bound is `+Inf` (else the encoder adds that bucket).
    inf_seen: bool,
}

impl Writer<'_> {
    fn raw(&self, l: Label) -> &str {
        match l {
            Label::Static(s) => s,
            Label::Text(i) => &self.out.texts[i as usize],
        }
    }

    fn escaped(&self, l: Label) -> Cow<'_, str> {
        match l {
            Label::Static(s) => escape(s, true),
            Label::Text(i) => Cow::Borrowed(&self.texts[i as usize]),
        }
    }

    fn cmp(&self, a: &[Label], b: &[Label]) -> Ordering {
        for (x, y) in a.iter().zip(b) {
            let o = match (x, y) {
                (Label::Text(i), Label::Text(j)) => {
                    self.ranks[*i as usize].cmp(&self.ranks[*j as usize])
                }
                _ => self.raw(*x).cmp(self.raw(*y)),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// The series of `s` (`n` labels each) in the order of their label values, as a stable
    /// sort of the label values compared one after the other would put them. When every
    /// first label is a copied text (a queue's name, most families), the series are sorted by
    /// its rank (numbers: about one comparison per series when the scopes were taken in name
    /// order), then each run of one first label by the rest; otherwise by every label.
    fn order(&self, s: &Series, n: usize) -> Vec<usize> {
        let labels = |i: usize| &s.labels[i * n..(i + 1) * n];
        let mut order: Vec<usize> = (0..s.values.len()).collect();
        if n == 0 {
            return order;
        }
        let first: Option<Vec<u32>> = (0..order.len())
            .map(|i| match labels(i)[0] {
                Label::Text(t) => Some(self.ranks[t as usize]),
                Label::Static(_) => None,
            })
            .collect();
        let Some(first) = first else {
            order.sort_by(|a, b| self.cmp(labels(*a), labels(*b)));
            return order;
        };
        order.sort_by_key(|&i| first[i]);
        if n > 1 {
            for run in order.chunk_by_mut(|&a, &b| first[a] == first[b]) {
                run.sort_by(|a, b| self.cmp(&labels(*a)[1..], &labels(*b)[1..]));
            }
        }
        order
    }

    /// The series of one family, in the order of their label values. Each series' labels are
    /// written once (`head`), and each of its lines is then a few copies: most of a scrape's
    /// time is these lines, some 80,000 of them for 1,000 queues.
    fn family(&self, buf: &mut String, name: &str, names: &[&str], s: &Series) {
        let n = names.len();
        let labels = |i: usize| &s.labels[i * n..(i + 1) * n];
        let order = self.order(s, n);
        // `{label="value",…` of the series (empty without labels), and the start of a bucket
        // line, `name_bucket{label="value",…,le="`.
        let mut head = String::new();
        let mut bucket = String::new();
        for i in order {
            head.clear();
            let mut sep = '{';
            for (label, &value) in names.iter().zip(labels(i)) {
                head.push(sep);
                head.push_str(label);
                head.push_str("=\"");
                head.push_str(&self.escaped(value));
                head.push('"');
                sep = ',';
            }
            match s.values[i] {
                Value::Number(v) => line(buf, name, "", &head, v),
                Value::Histogram(count, sum) => {
                    bucket.clear();
                    bucket.push_str(name);
                    bucket.push_str("_bucket");
                    bucket.push_str(&head);
                    bucket.push(sep);
                    bucket.push_str("le=\"");
                    let at = i * self.les.len();
                    for (le, &cumulative) in self.les.iter().zip(&s.buckets[at..]) {
                        buf.push_str(&bucket);
                        buf.push_str(le);
                        number(buf, cumulative as f64);
                        buf.push('\n');
                    }
                    if !self.inf_seen {
                        buf.push_str(&bucket);
                        buf.push_str("+Inf\"} ");
                        number(buf, count as f64);
                        buf.push('\n');
                    }
                    line(buf, name, "_sum", &head, sum);
                    line(buf, name, "_count", &head, count as f64);
                }
            }
        }
    }
}

/// One line: `name{label="value",…} number`, its labels written as `head`.
fn line(buf: &mut String, name: &str, suffix: &str, head: &str, v: f64) {
    buf.push_str(name);
    buf.push_str(suffix);
    if head.is_empty() {
        buf.push(' ');
    } else {
        buf.push_str(head);
        buf.push_str("} ");
    }
    number(buf, v);
    buf.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Label values: texts copied from the state (names that sort in any order, equal ones,
    /// ones that need escaping) and static ones.
    fn label() -> impl Strategy<Value = (bool, u8)> {
        (any::<bool>(), 0..6u8)
    }

    const WORDS: [&str; 6] = ["", "q10", "q2", "a\"b", "q2", "Z"];

    proptest! {
        #[test]
        fn series_are_ordered_as_a_stable_sort_of_their_label_values(
            n in 1..4usize,
            series in prop::collection::vec(prop::collection::vec(label(), 3), 0..40),
        ) {
            let mut out = Out::default();
            let mut s = Series::default();
            let mut values: Vec<Vec<&str>> = Vec::new();
            for labels in &series {
                let mut these = Vec::new();
                for &(copied, w) in &labels[..n] {
                    let word = WORDS[w as usize];
                    let label = if copied { out.text(word) } else { Label::Static(word) };
                    s.labels.push(label);
                    these.push(word);
                }
                s.values.push(Value::Number(values.len() as f64));
                values.push(these);
            }
            let texts: Vec<Cow<'_, str>> = out.texts.iter().map(|t| escape(t, true)).collect();
            let ranks = ranks(&out.texts);
            let w = Writer { out: &out, texts: &texts, ranks: &ranks, les: &[], inf_seen: false };
            let mut want: Vec<usize> = (0..values.len()).collect();
            want.sort_by(|a, b| values[*a].cmp(&values[*b]));
            prop_assert_eq!(w.order(&s, n), want);
        }
    }
}
