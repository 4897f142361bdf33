//! Metric names in PromQL: taken from an expression, and nothing else (functions,
//! aggregations, keywords, labels, durations).

use std::collections::BTreeSet;

/// PromQL's functions, aggregations and keywords: identifiers that are never metric names.
pub(crate) const PROMQL_WORDS: &[&str] = &[
    // keywords and set operators
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "atan2",
    "inf",
    "nan",
    "start",
    "end",
    // aggregations
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
    // functions
    "abs",
    "absent",
    "absent_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_avg",
    "histogram_count",
    "histogram_sum",
    "histogram_fraction",
    "histogram_quantile",
    "histogram_stddev",
    "histogram_stdvar",
    "holt_winters",
    "double_exponential_smoothing",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "ln",
    "log2",
    "log10",
    "minute",
    "month",
    "predict_linear",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sort",
    "sort_desc",
    "sort_by_label",
    "sort_by_label_desc",
    "sqrt",
    "time",
    "timestamp",
    "vector",
    "year",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "quantile_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "last_over_time",
    "present_over_time",
    "mad_over_time",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cos",
    "cosh",
    "sin",
    "sinh",
    "tan",
    "tanh",
    "deg",
    "rad",
    "pi",
    // Grafana's variable functions
    "label_values",
    "label_names",
    "metrics",
    "query_result",
];

pub(crate) const GROUPING: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// The metric names a PromQL expression selects: identifiers outside strings, label
/// matchers `{...}`, ranges `[...]`, grouping label lists and Grafana variables (`$queue`,
/// `${queue}`), that are neither numbers nor PromQL's functions and keywords. A name written
/// as `{__name__="x"}` is taken too.
pub fn metric_names(expr: &str) -> BTreeSet<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    let ident_start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':';
    let ident_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    // Skips a balanced bracket from `i` (at the opening one); returns the text inside.
    let skip = |i: &mut usize, open: char, close: char| -> String {
        let mut depth = 0;
        let mut inside = String::new();
        let mut quote: Option<char> = None;
        while *i < chars.len() {
            let c = chars[*i];
            *i += 1;
            if let Some(q) = quote {
                if c == '\\' {
                    inside.push(c);
                    if *i < chars.len() {
                        inside.push(chars[*i]);
                    }
                    *i += 1;
                    continue;
                }
                if c == q {
                    quote = None;
                }
                inside.push(c);
                continue;
            }
            match c {
                '"' | '\'' | '`' => quote = Some(c),
                c if c == open => {
                    depth += 1;
                    if depth == 1 {
                        continue;
                    }
                }
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return inside;
                    }
                }
                _ => {}
            }
            inside.push(c);
        }
        inside
    };
    let mut last_word = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c == '{' {
            let inside = skip(&mut i, '{', '}');
            if let Some(rest) = inside.split("__name__").nth(1) {
                let name: String = rest
                    .trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == '"')
                    .chars()
                    .take_while(|&c| ident_char(c))
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else if c == '[' {
            skip(&mut i, '[', ']');
        } else if c == '(' && GROUPING.contains(&last_word.as_str()) {
            skip(&mut i, '(', ')');
            last_word.clear();
        } else if c == '$' {
            i += 1;
            if i < chars.len() && chars[i] == '{' {
                skip(&mut i, '{', '}');
            } else {
                while i < chars.len() && ident_char(chars[i]) {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            // A number or a duration: 0.8, 1e3, 0x1F, 15m, 1h30m.
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || ((chars[i] == '+' || chars[i] == '-') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
        } else if ident_start(c) {
            let start = i;
            while i < chars.len() && ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let call = j < chars.len() && chars[j] == '(';
            let lower = word.to_ascii_lowercase();
            if !call && !PROMQL_WORDS.contains(&lower.as_str()) {
                out.insert(word.clone());
            }
            last_word = lower;
            continue;
        } else {
            i += 1;
        }
        if !c.is_whitespace() {
            last_word.clear();
        }
    }
    out
}

#[test]
fn metric_names_are_taken_from_promql_and_nothing_else() {
    let names = metric_names(
        r#"sum by (queue) (increase(callpulse_calls_offered_total{queue=~"$queue", window="15m"}[15m] offset 1h))
           / on (queue) group_left(instance) max without (instance) (queue:callpulse_asa_seconds:15m > bool 20)
           or vector(0) * 1e3 + count(ALERTS{alertstate="firing"}) and {__name__="callpulse_ready"}
           unless clamp_min(rate(callpulse_wait_seconds_bucket[${__rate_interval}]), 0.5)"#,
    );
    let expected: BTreeSet<String> = [
        "ALERTS",
        "callpulse_calls_offered_total",
        "callpulse_ready",
        "callpulse_wait_seconds_bucket",
        "queue:callpulse_asa_seconds:15m",
    ]
    .map(String::from)
    .into();
    assert_eq!(names, expected);
    assert_eq!(
        metric_names("label_values(callpulse_queue_threshold_seconds, queue)"),
        BTreeSet::from([
            "callpulse_queue_threshold_seconds".to_string(),
            "queue".to_string()
        ]),
        "label_values: the label is an identifier too, taken out by the caller"
    );
}
