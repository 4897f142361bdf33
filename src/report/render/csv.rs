//! The A.4 rows as CSV: one per month × scope × criterion. Column names are stable machine
//! names; `criterion_name` and `result` are in the report's language.

use super::doc::status;
use crate::report::i18n::{t, Lang};
use crate::report::model::Report;

/// A CSV field, quoted when it needs to be.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A name from the input (a queue) as a CSV field: one that a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) gets a leading `'`.
pub fn name(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        field(&format!("'{s}"))
    } else {
        field(s)
    }
}

/// An optional number, empty when absent.
pub fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{}", (v * 1e6).round() / 1e6))
}

pub fn render(report: &Report, lang: Lang) -> String {
    let mut out = String::from(
        "month,scope,queue,criterion,criterion_name,clause,comparison,target,unit,actual,coefficient,status,result\n",
    );
    for m in &report.months {
        for s in &m.scopes {
            for c in &s.criteria {
                let row = [
                    m.month.clone(),
                    s.scope.to_string(),
                    name(s.queue.as_deref().unwrap_or_default()),
                    c.criterion.to_string(),
                    t(lang, c.criterion).to_string(),
                    c.clause.to_string(),
                    c.comparison.to_string(),
                    format!("{}", c.target),
                    c.unit.to_string(),
                    opt(c.actual),
                    opt(c.coefficient),
                    serde_json::to_value(c.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    status(lang, c.status).to_string(),
                ];
                // The queue (third) is already a field.
                let row: Vec<String> = row
                    .iter()
                    .enumerate()
                    .map(|(i, f)| if i == 2 { f.clone() } else { field(f) })
                    .collect();
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_names_never_read_as_formulas() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("a\rb"), "\"a\rb\"");
        assert_eq!(field("-0.5"), "-0.5");
        assert_eq!(name("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(name("@sum"), "'@sum");
        assert_eq!(name("sales"), "sales");
    }
}
