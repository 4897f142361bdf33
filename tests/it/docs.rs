//! The documentation cannot rot: the README and the book in `docs/` (mdBook) link only to
//! files that exist and to headings those pages have, every page of the book is in its
//! `SUMMARY.md`, and the README stays one page (issue 16).

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

/// The README's length, at most: the rest belongs in the book.
const README_MAX_LINES: usize = 250;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn book() -> PathBuf {
    root().join("docs/src")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every Markdown file under `dir`, sorted.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `a/b/../c` → `a/c`, without touching the file system (a missing file stays missing).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The lines of a Markdown text outside fenced code blocks, with their numbers (from 1).
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            lines.push((i + 1, line));
        }
    }
    lines
}

/// A line without its inline code spans (`` `a](b)` `` is not a link).
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for ch in line.chars() {
        if ch == '`' {
            in_code = !in_code;
        } else if !in_code {
            out.push(ch);
        }
    }
    out
}

/// The targets of the inline links and images of a Markdown text: `[text](target)`, with the
/// line each is on.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    for (n, line) in prose_lines(text) {
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            rest = &rest[i + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            let target = rest[..end].split_whitespace().next().unwrap_or("");
            targets.push((n, target.to_string()));
            rest = &rest[end..];
        }
    }
    targets
}

/// The anchor of a heading, by mdBook's rule (GitHub's is the same for these pages):
/// lowercase; letters, digits, `-` and `_` kept; spaces to `-`; other punctuation dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|ch| {
            if ch.is_alphanumeric() || ch == '-' || ch == '_' {
                Some(ch.to_lowercase().collect::<String>())
            } else if ch.is_whitespace() {
                Some("-".into())
            } else {
                None
            }
        })
        .collect()
}

/// The anchors of a page's headings (a repeated heading's anchor gets `-1`, `-2`, …).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut anchors = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.len() - line.trim_start_matches('#').len();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..]);
        let n = seen.entry(base.clone()).or_insert(0);
        anchors.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    anchors
}

/// What is wrong with the relative links of `file`: a target that does not exist, or an
/// anchor that no heading of the target page has.
fn broken_links(file: &Path) -> Vec<String> {
    let text = read(file);
    let dir = file.parent().unwrap();
    let shown = file.strip_prefix(root()).unwrap().display().to_string();
    let mut broken = Vec::new();
    for (line, target) in link_targets(&text) {
        if target.is_empty()
            || target.starts_with('<')
            || target.contains("://")
            || target.starts_with("mailto:")
        {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (target.as_str(), None),
        };
        let dest = if path.is_empty() {
            file.to_path_buf()
        } else {
            normalize(&dir.join(path))
        };
        if !dest.exists() {
            broken.push(format!("{shown}:{line}: {target}: no such file"));
            continue;
        }
        if let Some(anchor) = anchor {
            if dest.extension().is_some_and(|e| e == "md")
                && !anchors(&read(&dest)).contains(anchor)
            {
                broken.push(format!(
                    "{shown}:{line}: {target}: no heading with the anchor #{anchor} in {}",
                    dest.strip_prefix(root()).unwrap_or(&dest).display()
                ));
            }
        }
    }
    broken
}

#[test]
fn every_page_is_in_the_summary_and_every_entry_exists() {
    let summary_path = book().join("SUMMARY.md");
    let summary = read(&summary_path);
    let listed: BTreeSet<PathBuf> = link_targets(&summary)
        .into_iter()
        .map(|(_, t)| normalize(&book().join(t)))
        .collect();
    let missing: Vec<_> = listed.iter().filter(|p| !p.exists()).collect();
    assert!(
        missing.is_empty(),
        "SUMMARY.md lists pages that do not exist: {missing:?}"
    );
    let unlisted: Vec<_> = markdown_files(&book())
        .into_iter()
        .filter(|p| *p != summary_path && !listed.contains(p))
        .collect();
    assert!(
        unlisted.is_empty(),
        "pages under docs/src missing from SUMMARY.md: {unlisted:?}"
    );
}

#[test]
fn every_relative_link_and_anchor_of_the_readme_and_the_book_resolves() {
    let files: Vec<PathBuf> = std::iter::once(root().join("README.md"))
        .chain(markdown_files(&book()))
        .collect();
    let broken: Vec<String> = files.iter().flat_map(|f| broken_links(f)).collect();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    // The check reads links at all: the README links into the book.
    let readme_links = link_targets(&read(&root().join("README.md")));
    assert!(
        readme_links.iter().any(|(_, t)| t.starts_with("docs/src/")),
        "{readme_links:?}"
    );
}

#[test]
fn the_readme_is_one_page() {
    let lines = read(&root().join("README.md")).lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, at most {README_MAX_LINES}: move the rest into docs/src"
    );
}

#[test]
fn slugs_follow_mdbook() {
    assert_eq!(
        slug("The live service: `callpulse run`"),
        "the-live-service-callpulse-run"
    );
    assert_eq!(
        slug("Following a live file: `callpulse run --follow`"),
        "following-a-live-file-callpulse-run---follow"
    );
    assert_eq!(
        slug("Input: CSV/TSV call records"),
        "input-csvtsv-call-records"
    );
    assert_eq!(slug("The nine months' KPIs"), "the-nine-months-kpis");
    assert_eq!(
        slug("Input: Asterisk queue_log"),
        "input-asterisk-queue_log"
    );
    let page = "# A\n\n## B\n\n```sh\n# not a heading\n```\n\n## B\n";
    let expected: BTreeSet<String> = ["a", "b", "b-1"].map(String::from).into();
    assert_eq!(anchors(page), expected);
}
