//! The document as one self-contained HTML page: inline CSS and inline SVG charts, no
//! external assets, fonts or scripts. Prints on A4 (`@page { size: A4 }`), each chapter of
//! tables starting on a new page where the document suggests one, rows never split.

use super::doc::{Block, Chart};
use super::svg;
use crate::report::i18n::{t, Lang};
use crate::report::model::Report;

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Inline code marked with backticks in a paragraph becomes `<code>`.
fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{}</code>", escape(part)));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

const CSS: &str = "
@page { size: A4; margin: 16mm 14mm; }
body { font-family: 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif; font-size: 10pt; color: #111; max-width: 190mm; margin: 0 auto; }
h1 { font-size: 16pt; border-bottom: 2px solid #1f4e79; padding-bottom: 4px; }
h2 { font-size: 13pt; color: #1f4e79; margin-top: 18px; break-after: avoid; }
h3 { font-size: 11pt; margin: 12px 0 4px; break-after: avoid; }
p { margin: 4px 0 8px; line-height: 1.45; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 10px; font-size: 8.5pt; }
th, td { border: 1px solid #bbb; padding: 2px 5px; text-align: left; vertical-align: top; }
th { background: #e8eef5; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.met { color: #1e6b1e; }
td.not_met { color: #b00000; font-weight: bold; }
figure { margin: 6px 0 10px; break-inside: avoid; }
code { font-size: 8pt; word-break: break-all; }
.page-break { break-after: page; }
@media screen { body { padding: 12px; } }
";

pub fn render(report: &Report, doc: &[Block], lang: Lang) -> String {
    let met = t(lang, "met");
    let not_met = t(lang, "not_met");
    let title = doc
        .iter()
        .find_map(|b| match b {
            Block::Title(s) => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or("callpulse");
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        if lang == Lang::Zh { "zh-CN" } else { "en" },
        escape(title)
    );
    for b in doc {
        match b {
            Block::Title(s) => out.push_str(&format!("<h1>{}</h1>\n", escape(s))),
            Block::Heading(s) => out.push_str(&format!("<h2>{}</h2>\n", escape(s))),
            Block::Subheading(s) => out.push_str(&format!("<h3>{}</h3>\n", escape(s))),
            Block::Para(s) => out.push_str(&format!("<p>{}</p>\n", inline(s))),
            Block::Table { head, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    out.push_str(&format!("<th>{}</th>", escape(h)));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        let class = if c == met {
                            " class=\"met\""
                        } else if c == not_met {
                            " class=\"not_met\""
                        } else {
                            ""
                        };
                        out.push_str(&format!("<td{class}>{}</td>", inline(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Chart(chart) => {
                let center = t(lang, "center");
                let (svg, caption) = match chart {
                    Chart::ServiceLevel => {
                        (svg::service_level(report, center), t(lang, "service_level"))
                    }
                    Chart::Availability => {
                        (svg::availability(report, center), t(lang, "availability"))
                    }
                };
                out.push_str(&format!(
                    "<figure>\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
                    escape(caption)
                ));
            }
            Block::PageBreak => out.push_str("<div class=\"page-break\"></div>\n"),
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}
