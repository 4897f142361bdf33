//! The document as Markdown: headings, paragraphs, pipe tables (charts are left out).

use super::doc::Block;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(doc: &[Block]) -> String {
    let mut out = String::new();
    for b in doc {
        match b {
            Block::Title(s) => out.push_str(&format!("# {s}\n\n")),
            Block::Heading(s) => out.push_str(&format!("## {s}\n\n")),
            Block::Subheading(s) => out.push_str(&format!("### {s}\n\n")),
            Block::Para(s) => out.push_str(&format!("{s}\n\n")),
            Block::Table { head, rows } => {
                let line = |cells: &[String]| {
                    let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
                    format!("| {} |\n", cells.join(" | "))
                };
                out.push_str(&line(head));
                out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                for r in rows {
                    out.push_str(&line(r));
                }
                out.push('\n');
            }
            Block::Chart(_) | Block::PageBreak => {}
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
