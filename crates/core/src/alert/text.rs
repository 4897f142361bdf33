//! The words of an alert, in Chinese and English: one template for both the built-in alerts
//! (filled with the scope's name and the value) and the generated Prometheus rules (filled
//! with `{{ $labels.queue }}` and `{{ $value | printf "%.4f" }}`), so both say the same.

use super::profile::{Comparison, Criterion, Limits};
use crate::time::format_duration;

/// Annotations of an alert of `c` judged by `limits` (a service level's with its
/// `definition`). `name` and `value` are inserted as
/// they are: real ones, or Prometheus template expressions.
pub fn annotations(
    c: &Criterion,
    limits: &Limits,
    name: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    use super::measure::ScopeKind::*;
    let (scope_en, scope_zh) = match c.scope {
        Center => ("the center".to_string(), "全中心".to_string()),
        Queue => (format!("queue {name}"), format!("队列 {name}")),
        Component => (format!("component {name}"), format!("组件 {name}")),
    };
    let unit = c.measure.unit();
    let threshold = format!("{}{unit}", limits.threshold);
    let clear = format!(
        "{}{unit}",
        c.comparison
            .clear_level(limits.threshold, limits.hysteresis)
    );
    let (below_en, below_zh) = match c.comparison {
        Comparison::Below => ("below", "低于"),
        Comparison::Above => ("above", "高于"),
    };
    let window = c.window.name();
    let (held_en, held_zh) = if limits.hold > 0 {
        let hold = format_duration(limits.hold);
        (
            format!(" for at least {hold}"),
            format!("，已持续至少 {hold}"),
        )
    } else {
        (String::new(), String::new())
    };
    let mut out = vec![
        (
            "summary",
            format!(
                "{} ({}) {below_en} {threshold}: {scope_en}",
                c.name_en, c.clause
            ),
        ),
        (
            "summary_zh",
            format!(
                "{}（{}）{below_zh} {threshold}：{scope_zh}",
                c.name_zh, c.clause
            ),
        ),
        (
            "description",
            format!(
                "{scope_en}: {} over window {window} is {value}{unit}, {below_en} {threshold} \
                 (clause {}){held_en}; it resolves at {clear}.",
                c.name_en, c.clause
            ),
        ),
        (
            "description_zh",
            format!(
                "{scope_zh}：{window} 窗口的{}为 {value}{unit}，{below_zh} {threshold}\
                 （第 {} 条）{held_zh}；恢复到 {clear} 时解除。",
                c.name_zh, c.clause
            ),
        ),
    ];
    if c.measure == super::Measure::ServiceLevel {
        // Which calls the service level counts, as the profile defines it.
        out.push(("definition", c.definition.declared()));
    }
    out
}

/// The value as the templates print it: `printf "%.4f"`.
pub fn value(v: f64) -> String {
    format!("{v:.4}")
}
