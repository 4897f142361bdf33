//! The real call records of the Anonymous Bank (Technion, 1999; `data/anonymous-bank-1999/`)
//! through the CSV adapter and its shipped mapping: the monthly KPIs of the nine months read
//! directly equal those of the same data converted to canonical JSON and replayed.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const MONTHS: [&str; 9] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "september",
    "october",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files() -> Vec<String> {
    MONTHS
        .iter()
        .map(|m| {
            root()
                .join(format!("data/anonymous-bank-1999/{m}.txt.gz"))
                .display()
                .to_string()
        })
        .collect()
}

fn mapping() -> PathBuf {
    root().join("config/mappings/anonymous-bank-1999.toml")
}

/// Runs callpulse; panics with its stderr unless it succeeds. Returns stdout and stderr.
fn callpulse(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "callpulse {args:?}:\n{stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// The latest revision of each monthly record, by (scope, queue, start).
fn finals(json_lines: &str) -> BTreeMap<(String, String, String), Value> {
    let mut out = BTreeMap::new();
    for line in json_lines.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let text = |f: &str| v[f].as_str().unwrap_or_default().to_string();
        out.insert((text("scope"), text("queue"), text("start")), v);
    }
    out
}

fn summary_count(stderr: &str, word: &str) -> u64 {
    let first = stderr.lines().next().unwrap_or_default();
    let mut words = first.split_whitespace();
    while let Some(w) = words.next() {
        if w == word {
            return words.next().unwrap().parse().unwrap();
        }
    }
    panic!("no {word} in {first}")
}

#[test]
fn monthly_kpis_through_the_csv_adapter_equal_those_of_the_converted_canonical_replay() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = mapping();
    let files = files();
    let config = root().join("config/anonymous-bank-1999.toml");
    let engine = ["--config", config.to_str().unwrap(), "--period", "month"];

    let mut direct_args = vec!["replay", "--format", "json", "--no-progress"];
    direct_args.extend(engine);
    direct_args.extend([
        "--input-format",
        "csv",
        "--mapping",
        mapping.to_str().unwrap(),
    ]);
    direct_args.extend(files.iter().map(String::as_str));
    let (direct, direct_summary) = callpulse(&direct_args);

    let converted = dir.path().join("anonymous-bank.jsonl");
    let mut convert_args = vec!["convert", "--config", config.to_str().unwrap()];
    convert_args.extend([
        "--input-format",
        "csv",
        "--mapping",
        mapping.to_str().unwrap(),
    ]);
    convert_args.extend(["--output", converted.to_str().unwrap()]);
    convert_args.extend(files.iter().map(String::as_str));
    let (_, convert_summary) = callpulse(&convert_args);

    let mut replay_args = vec!["replay", "--format", "json", "--no-progress"];
    replay_args.extend(engine);
    replay_args.extend(["--input-format", "canonical"]);
    replay_args.push(converted.to_str().unwrap());
    let (replayed, replay_summary) = callpulse(&replay_args);

    let a = finals(&direct);
    let b = finals(&replayed);
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same records"
    );
    for (key, record) in &a {
        assert_eq!(record, &b[key], "{key:?}");
    }
    // Nine months, center-wide, each with calls.
    let months: Vec<_> = a
        .iter()
        .filter(|((scope, _, _), r)| scope == "center" && r["offered"].as_u64() > Some(0))
        .collect();
    assert_eq!(months.len(), 9, "{:?}", a.keys().collect::<Vec<_>>());

    // Every row is accounted for: 318,286 rows (and 9 header lines), each an event or a kept
    // rejection.
    assert_eq!(summary_count(&convert_summary, "lines"), 318_286 + 9);
    let events = summary_count(&convert_summary, "written");
    let rejected = summary_count(&convert_summary, "rejected");
    assert_eq!(events + rejected, 318_286, "{convert_summary}");
    assert_eq!(summary_count(&direct_summary, "read"), 318_286);
    assert_eq!(summary_count(&direct_summary, "rejected"), rejected);
    assert_eq!(summary_count(&replay_summary, "read"), events);
    assert_eq!(
        summary_count(&replay_summary, "rejected"),
        0,
        "{replay_summary}"
    );
}

/// January's center-wide counts straight from the raw rows, by the rules of the mapping
/// written out naively: PHANTOM rows and calls that hung up without queueing are not offered;
/// AGENT rows are answered after `q_time` seconds, other queued rows abandoned.
fn january_by_hand() -> (u64, u64, u64, u64) {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(root().join("data/anonymous-bank-1999/january.txt.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    let (mut offered, mut answered, mut within, mut abandoned) = (0, 0, 0, 0);
    for row in text.lines().skip(1).filter(|r| !r.trim().is_empty()) {
        let mut f: Vec<&str> = row.split('\t').collect();
        if f.len() == 16 {
            // Priority and type run together: "0       TT".
            let merged: Vec<&str> = f[3].split_whitespace().collect();
            f.splice(3..4, merged);
        }
        let (queued, q_time, outcome) = (f[9] != "0:00:00", f[11], f[12]);
        match (outcome, queued) {
            ("PHANTOM", _) | ("HANG", false) => continue,
            ("AGENT", _) => {
                answered += 1;
                within += u64::from(q_time.parse::<u64>().unwrap() <= 20);
            }
            _ => abandoned += 1,
        }
        offered += 1;
    }
    (offered, answered, within, abandoned)
}

#[test]
fn january_through_the_adapter_matches_the_raw_rows_counted_by_hand() {
    let config = root().join("config/anonymous-bank-1999.toml");
    let january = root().join("data/anonymous-bank-1999/january.txt.gz");
    let mapping = mapping();
    let (out, _) = callpulse(&[
        "replay",
        "--config",
        config.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--period",
        "month",
        "--format",
        "json",
        "--scope",
        "center",
        january.to_str().unwrap(),
    ]);
    let records = finals(&out);
    let jan = &records[&(
        "center".to_string(),
        String::new(),
        "1999-01-01T00:00:00+02:00".to_string(),
    )];
    let got = (
        jan["offered"].as_u64().unwrap(),
        jan["answered"].as_u64().unwrap(),
        jan["answered_within_threshold"].as_u64().unwrap(),
        jan["abandoned"].as_u64().unwrap(),
    );
    assert_eq!(got, january_by_hand());
}
