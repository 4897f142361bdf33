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

/// The text of `out`, with the families of `own` (name, text) in their places by name.
pub(super) fn write(out: &Out, mut own: Vec<(String, String)>) -> String {
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
            escape(&s, true).into_owned()
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
    let mut buf = String::with_capacity(64 * 1024 + series * 64);
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
    /// The `le` label value of each bucket bound.
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

    /// The series of one family, in the order of their label values.
    fn family(&self, buf: &mut String, name: &str, names: &[&str], s: &Series) {
        let n = names.len();
        let labels = |i: usize| &s.labels[i * n..(i + 1) * n];
        let mut order: Vec<usize> = (0..s.values.len()).collect();
        if n > 0 {
            order.sort_by(|a, b| self.cmp(labels(*a), labels(*b)));
        }
        for i in order {
            let values = labels(i);
            match s.values[i] {
                Value::Number(v) => {
                    self.sample(buf, name, "", names, values, None, v);
                }
                Value::Histogram(count, sum) => {
                    let at = i * self.les.len();
                    for (k, le) in self.les.iter().enumerate() {
                        let cumulative = s.buckets[at + k] as f64;
                        let le = Some(le.as_str());
                        self.sample(buf, name, "_bucket", names, values, le, cumulative);
                    }
                    if !self.inf_seen {
                        let le = Some("+Inf");
                        self.sample(buf, name, "_bucket", names, values, le, count as f64);
                    }
                    self.sample(buf, name, "_sum", names, values, None, sum);
                    self.sample(buf, name, "_count", names, values, None, count as f64);
                }
            }
        }
    }

    /// One line: `name{label="value",…} number`, with an `le` label last if given.
    #[allow(clippy::too_many_arguments)]
    fn sample(
        &self,
        buf: &mut String,
        name: &str,
        suffix: &str,
        names: &[&str],
        values: &[Label],
        le: Option<&str>,
        v: f64,
    ) {
        buf.push_str(name);
        buf.push_str(suffix);
        if !values.is_empty() || le.is_some() {
            let mut sep = '{';
            for (label, &value) in names.iter().zip(values) {
                buf.push(sep);
                buf.push_str(label);
                buf.push_str("=\"");
                buf.push_str(&self.escaped(value));
                buf.push('"');
                sep = ',';
            }
            if let Some(le) = le {
                buf.push(sep);
                buf.push_str("le=\"");
                buf.push_str(le);
                buf.push('"');
            }
            buf.push('}');
        }
        buf.push(' ');
        number(buf, v);
        buf.push('\n');
    }
}
