//! The layering the compiler cannot see: the top-level modules of each crate depend on each
//! other one way, no `crate::` path in non-test code closing a circle between two of them; and
//! the core crate (`crates/core`) stays free of I/O runtimes, transitively (issue 16). That the
//! core never imports the crate around it, the compiler checks.
//!
//! The circle check reads the source as text: each file belongs to the top-level module its
//! path names; test code (`#[cfg(test)]` items, and files such an item declares) and comments
//! are left out; every `crate::NAME` left is an edge to module `NAME`. The binary (`main.rs`
//! and what it declares) reaches the library only from outside, so it is not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// An edge and the first place it is written, for the failure message.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

#[test]
fn top_level_modules_import_each_other_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for src in [root.join("src"), root.join("crates/core/src")] {
        let edges = module_edges(&src);
        assert!(
            edges.len() > 10,
            "the modules were not found under {}: {:?}",
            src.display(),
            edges.keys()
        );
        assert_one_way(&edges);
    }
}

/// The platform the tests run on, as `rustc -vV` names it.
fn host_triple() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names its host")
        .to_string()
}

#[test]
fn the_core_crate_depends_on_no_io_runtime_even_indirectly() {
    // The dependencies of the platform built here: offline, the others' packages (Android's
    // and Windows' time zone crates, say) are not downloaded on a fresh machine.
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host_triple()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap();
    let core = packages
        .iter()
        .find(|p| p["name"] == "callpulse-core")
        .expect("callpulse-core is in the workspace");
    // Every package the core needs to build and run (normal dependencies, transitively).
    let mut seen = BTreeSet::new();
    let mut todo = vec![core["id"].as_str().unwrap().to_string()];
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let node = nodes.iter().find(|n| n["id"] == id.as_str()).unwrap();
        for dep in node["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                todo.push(dep["pkg"].as_str().unwrap().to_string());
            }
        }
    }
    let packages: BTreeSet<String> = packages
        .iter()
        .filter(|p| seen.contains(p["id"].as_str().unwrap()))
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        packages.contains("serde") && packages.contains("chrono-tz"),
        "{packages:?}"
    );
    let forbidden = [
        "tokio",
        "rdkafka",
        "rdkafka-sys",
        "rusqlite",
        "axum",
        "hyper",
        "ureq",
        "prometheus",
        "tracing-subscriber",
        "indicatif",
    ];
    let found: Vec<&str> = forbidden
        .into_iter()
        .filter(|f| packages.contains(*f))
        .collect();
    assert!(found.is_empty(), "callpulse-core depends on {found:?}");
}

fn assert_one_way(edges: &Edges) {
    let circles = circles(edges);
    let described: Vec<String> = circles
        .iter()
        .map(|members| {
            let mut text = format!("circle {members:?}:");
            for from in members {
                for (to, at) in &edges[from] {
                    if members.contains(to) {
                        text.push_str(&format!("\n    {from} -> {to} ({at})"));
                    }
                }
            }
            text
        })
        .collect();
    assert!(described.is_empty(), "{}", described.join("\n"));
}

#[test]
fn the_check_sees_a_circle_written_in_code_and_ignores_test_code_and_comments() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n");
    write("a.rs", "use crate::b::Thing;\n");
    write(
        "b/mod.rs",
        "// crate::c in a comment\n#[cfg(test)]\nmod tests;\n#[cfg(test)]\nmod inline {\n    \
         use crate::c::X; fn f() { let _ = '{'; }\n}\npub fn g() -> &'static str { \"crate::c\" }\n",
    );
    write("b/tests.rs", "use crate::c::Y;\n");
    write("c.rs", "/// [`crate::a`]\npub fn h() { crate::b::g(); }\n");
    let edges = module_edges(dir.path());
    assert_eq!(edges["a"].keys().collect::<Vec<_>>(), ["b"]);
    assert!(edges["b"].is_empty(), "{:?}", edges["b"]);
    assert_eq!(edges["c"].keys().collect::<Vec<_>>(), ["b"]);
    assert!(circles(&edges).is_empty());

    write("b/mod.rs", "pub fn g() { crate::c::h(); }\n");
    let edges = module_edges(dir.path());
    assert_eq!(
        circles(&edges),
        vec![BTreeSet::from(["b".to_string(), "c".to_string()])]
    );
}

/// Every top-level module of the library under `src` and the modules its non-test code names.
fn module_edges(src: &Path) -> Edges {
    let mut edges = Edges::new();
    for file in rust_files(src) {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let top = first.trim_end_matches(".rs").to_string();
        if matches!(top.as_str(), "lib" | "main" | "cmd" | "bin") || is_test_file(src, rel) {
            continue;
        }
        let code = strip_test_items(&strip_comments_and_strings(
            &std::fs::read_to_string(&file).unwrap(),
        ));
        let targets = edges.entry(top.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != top {
                let line = code[..at].lines().count().max(1);
                targets
                    .entry(name)
                    .or_insert_with(|| format!("{}:{line}", file.display()));
            }
        }
    }
    let known: BTreeSet<String> = edges.keys().cloned().collect();
    for targets in edges.values_mut() {
        targets.retain(|to, _| known.contains(to));
    }
    edges
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Whether `rel` (a path under `src`), or a module folder above it, is declared by a
/// `#[cfg(test)] mod NAME;` of its parent.
fn is_test_file(src: &Path, rel: &Path) -> bool {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    for depth in 1..parts.len() {
        let parent = &parts[..depth];
        let parent_file = [
            src.join(parent.join("/")).join("mod.rs"),
            src.join(format!("{}.rs", parent.join("/"))),
        ]
        .into_iter()
        .find(|p| p.is_file());
        let Some(parent_file) = parent_file else {
            continue;
        };
        let text = std::fs::read_to_string(parent_file).unwrap();
        let declared = format!("mod {};", parts[depth]);
        let mut previous = "";
        for line in text.lines().map(str::trim) {
            if line.trim_start_matches("pub ") == declared && previous == "#[cfg(test)]" {
                return true;
            }
            previous = line;
        }
    }
    false
}

/// `text` with comments removed and the contents of string and character literals blanked, so
/// that neither a path in prose nor a brace in a literal is read as code.
fn strip_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            let rest: String = chars[j..].iter().collect();
            let len = rest.find(&close).map_or(rest.len(), |at| at + close.len());
            out.push_str("\"\"");
            i = j + rest[..len].chars().count();
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && is_char_literal(&chars, i) {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            if c == '\n' {
                out.push('\n');
            } else {
                out.push(c);
            }
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '_')
}

/// A `'` that opens a character literal, not a lifetime: `'x'` or `'\…'`.
fn is_char_literal(chars: &[char], i: usize) -> bool {
    matches!(
        (chars.get(i + 1), chars.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

/// `code` without the items marked `#[cfg(test)]`: up to their `;`, or their braced body.
fn strip_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let end = match (item.find(';'), item.find('{')) {
            (Some(semi), Some(open)) if semi < open => semi + 1,
            (_, Some(open)) => {
                let mut depth = 0usize;
                let mut end = item.len();
                for (k, ch) in item[open..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(semi), None) => semi + 1,
            (None, None) => item.len(),
        };
        // Keep the line count, for the places named in a failure.
        out.extend(item[..end].chars().filter(|&c| c == '\n'));
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The strongly connected sets of more than one module (Tarjan).
fn circles(edges: &Edges) -> Vec<BTreeSet<String>> {
    struct Walk<'a> {
        edges: &'a Edges,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a str) {
        let n = w.index.len();
        w.index.insert(v, n);
        w.low.insert(v, n);
        w.stack.push(v);
        for to in w.edges[v].keys() {
            let to = to.as_str();
            if !w.index.contains_key(to) {
                visit(w, to);
                let low = w.low[v].min(w.low[to]);
                w.low.insert(v, low);
            } else if w.stack.contains(&to) {
                let low = w.low[v].min(w.index[to]);
                w.low.insert(v, low);
            }
        }
        if w.low[v] == w.index[v] {
            let mut set = BTreeSet::new();
            while let Some(top) = w.stack.pop() {
                set.insert(top.to_string());
                if top == v {
                    break;
                }
            }
            if set.len() > 1 {
                w.found.push(set);
            }
        }
    }
    let mut w = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !w.index.contains_key(v.as_str()) {
            visit(&mut w, v);
        }
    }
    w.found
}
