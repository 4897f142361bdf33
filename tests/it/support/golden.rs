//! Golden files: a test's output compared with the file kept in the repository. After an
//! intended change of output, rewrite them with `CALLPULSE_BLESS=1` on the test run (e.g.
//! `CALLPULSE_BLESS=1 cargo test --test it golden::`) and review the diff.

use std::path::Path;

/// The variable that makes [`check`] write `actual` instead of comparing.
pub const BLESS: &str = "CALLPULSE_BLESS";

/// Panics, naming the first differing line, unless the file at `path` holds exactly
/// `actual`; with [`BLESS`] set, writes `actual` there instead.
pub fn check(path: &Path, actual: &str) {
    if std::env::var_os(BLESS).is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with {BLESS}=1)", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs at line {} (bless with {BLESS}=1 after an intended change):\n\
             expected: {}\nactual:   {}",
            path.display(),
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>")
        );
    }
}
