//! Golden tests: `callpulse replay` over fixture files in `tests/fixtures/` must print exactly
//! the expected files beside them. After an intended change of output, regenerate them with
//! `CALLPULSE_BLESS=1 cargo test --test it golden` and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs `callpulse` in the fixture folder and returns (stdout, stderr).
fn callpulse(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(args)
        .current_dir(fixtures())
        .output()
        .expect("callpulse runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Compares `actual` with `tests/fixtures/EXPECTED_FILE` (see [`support::golden::check`]).
///
/// [`support::golden::check`]: crate::support::golden::check
fn check(expected_file: &str, actual: &str) {
    crate::support::golden::check(&fixtures().join(expected_file), actual);
}

const CFG: &str = "--config=day-shanghai.toml";
const INPUT: &str = "day-shanghai.jsonl";

#[test]
fn a_day_in_shanghai_by_interval_as_json() {
    let (out, _) = callpulse(&[
        "replay",
        CFG,
        "--format=json",
        "--scope=center,queue,agent,component",
        INPUT,
    ]);
    check("day-shanghai.interval.jsonl", &out);
}

#[test]
fn one_thread_prints_exactly_what_two_threads_print() {
    // The golden day, with its rejected lines, by interval: the reader thread beside the
    // engine (the default) changes who does the work, never the records or the summary.
    let args = [
        "replay",
        CFG,
        "--format=json",
        "--scope=center,queue,agent,component",
        INPUT,
    ];
    let (out, err) = callpulse(&args);
    let (one_out, one_err) = callpulse(&[&args[..4], &["--single-thread", INPUT]].concat());
    check("day-shanghai.interval.jsonl", &one_out);
    assert_eq!(one_out, out);
    fn without_timing(s: &str) -> Vec<&str> {
        s.lines().filter(|l| !l.ends_with("events/s")).collect()
    }
    assert_eq!(without_timing(&one_err), without_timing(&err));
    assert!(
        err.contains("rejected"),
        "the day has rejected lines: {err}"
    );
}

#[test]
fn a_day_in_shanghai_by_day_as_csv() {
    let (out, _) = callpulse(&["replay", CFG, "--format=csv", "--period=day", INPUT]);
    check("day-shanghai.day.csv", &out);
}

#[test]
fn a_day_in_shanghai_by_month_as_a_table() {
    let (out, _) = callpulse(&[
        "replay",
        CFG,
        "--period=month",
        "--scope=center,queue,component",
        INPUT,
    ]);
    check("day-shanghai.month.txt", &out);
}

#[test]
fn the_rejected_lines_of_the_day_are_kept_with_their_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let rejected = dir.path().join("rejected.tsv");
    let arg = format!("--rejected={}", rejected.display());
    let (_, err) = callpulse(&["replay", CFG, "--format=json", &arg, INPUT]);
    check(
        "day-shanghai.rejected.tsv",
        &std::fs::read_to_string(&rejected).unwrap(),
    );
    assert!(
        err.contains("read 1751 accepted 1747 rejected 4 duplicates 2"),
        "{err}"
    );
}
