//! Inline SVG charts of the HTML report: the monthly service level of each scope against the
//! 80 % line, and the monthly availability against 99.9 %. No scripts, no fonts: plain shapes
//! and text that print as vectors.

use super::html::escape;
use crate::report::model::Report;

const W: f64 = 680.0;
const H: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;
const COLORS: [&str; 8] = [
    "#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a50021", "#404040",
];

/// A grouped bar chart: one group per month, one bar per series; `None` bars are left out
/// and marked with a small cross. Values 0–1 between `min` and 1, with a dashed target line.
fn bars(
    months: &[String],
    series: &[(String, Vec<Option<f64>>)],
    min: f64,
    target: f64,
    target_label: &str,
    axis: &dyn Fn(f64) -> String,
) -> String {
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h * (1.0 - ((v - min) / (1.0 - min)).clamp(0.0, 1.0));
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" font-family="sans-serif" font-size="11">"#
    );
    for i in 0..=4 {
        let v = min + (1.0 - min) * f64::from(i) / 4.0;
        s.push_str(&format!(
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_w,
            y(v),
            y(v),
            LEFT - 4.0,
            y(v) + 4.0,
            axis(v)
        ));
    }
    let n = months.len().max(1) as f64;
    let group = plot_w / n;
    let k = series.len().max(1) as f64;
    let bar = (group * 0.8 / k).min(28.0);
    for (mi, m) in months.iter().enumerate() {
        let gx = LEFT + group * mi as f64 + (group - bar * k) / 2.0;
        for (si, (_, values)) in series.iter().enumerate() {
            let x = gx + bar * si as f64;
            match values.get(mi).copied().flatten() {
                Some(v) => s.push_str(&format!(
                    r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"/>"#,
                    y(v),
                    (bar - 1.0).max(1.0),
                    (TOP + plot_h - y(v)).max(0.5),
                    COLORS[si % COLORS.len()]
                )),
                None => s.push_str(&format!(
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#999">×</text>"##,
                    x + bar / 2.0,
                    TOP + plot_h - 2.0
                )),
            }
        }
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + group * (mi as f64 + 0.5),
            H - BOTTOM + 16.0,
            escape(m)
        ));
    }
    s.push_str(&format!(
        r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#c00000" stroke-width="1.5" stroke-dasharray="6 3"/><text x="{:.1}" y="{:.1}" fill="#c00000">{}</text>"##,
        LEFT + plot_w,
        y(target),
        y(target),
        LEFT + 4.0,
        y(target) - 3.0,
        escape(target_label)
    ));
    for (si, (name, _)) in series.iter().enumerate() {
        let ly = TOP + 24.0 + 16.0 * si as f64;
        s.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            LEFT + plot_w + 8.0,
            ly,
            COLORS[si % COLORS.len()],
            LEFT + plot_w + 22.0,
            ly + 9.0,
            escape(name)
        ));
    }
    s.push_str("</svg>");
    s
}

fn months(r: &Report) -> Vec<String> {
    r.months.iter().map(|m| m.month.clone()).collect()
}

/// Monthly service level per scope against the 80 % line.
pub fn service_level(r: &Report, center_label: &str) -> String {
    let n = r.months.first().map_or(0, |m| m.scopes.len());
    let series: Vec<(String, Vec<Option<f64>>)> = (0..n)
        .map(|i| {
            let name = r.months[0].scopes[i]
                .queue
                .clone()
                .unwrap_or_else(|| center_label.to_string());
            let values = r
                .months
                .iter()
                .map(|m| m.scopes[i].figures.service_level)
                .collect();
            (name, values)
        })
        .collect();
    bars(&months(r), &series, 0.0, 0.80, "80%", &|v| {
        format!("{:.0}%", v * 100.0)
    })
}

/// Monthly availability of the center and each component against 99.9 %, on an axis from
/// 99 % (lower values sit at its foot).
pub fn availability(r: &Report, center_label: &str) -> String {
    let mut series: Vec<(String, Vec<Option<f64>>)> = vec![(
        center_label.to_string(),
        r.months
            .iter()
            .map(|m| {
                m.scopes
                    .iter()
                    .find(|s| s.scope == "center")
                    .and_then(|s| s.figures.availability)
            })
            .collect(),
    )];
    let names: Vec<String> = r
        .months
        .first()
        .map(|m| m.components.iter().map(|c| c.component.clone()).collect())
        .unwrap_or_default();
    for (i, name) in names.iter().enumerate() {
        series.push((
            name.clone(),
            r.months
                .iter()
                .map(|m| m.components[i].availability)
                .collect(),
        ));
    }
    bars(&months(r), &series, 0.99, 0.999, "99.9%", &|v| {
        format!("{:.2}%", v * 100.0)
    })
}
