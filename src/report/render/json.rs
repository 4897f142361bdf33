//! The whole model as pretty JSON (serde), the same in every language.

use crate::report::model::Report;

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a report serialises");
    s.push('\n');
    s
}
