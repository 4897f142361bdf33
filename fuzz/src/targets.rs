//! One function per fuzz target: arbitrary bytes in, through callpulse's public API. A target
//! returns normally for every input; a panic (the library's, or one of the properties asserted
//! here) is a finding. Each is deterministic: the same bytes take the same path.
//!
//! This file is also compiled into the main crate's tests (`tests/it/fuzz_regressions.rs`
//! includes it with `#[path]`), so it uses nothing but `callpulse`, `chrono` and `postcard`,
//! which both crates have.

use callpulse::adapter::csv::{Csv, Mapping};
use callpulse::adapter::queue_log::QueueLog;
use callpulse::alert::profile::Profile;
use callpulse::codec::{self, Decoder};
use callpulse::config::Config;
use callpulse::engine::Engine;
use callpulse::time::{self, rfc3339, Granularity};
use std::sync::OnceLock;

/// Milliseconds of a UTC day.
const DAY: i64 = 24 * time::HOUR;

/// The names of the targets, as `fuzz/fuzz_targets/` and `fuzz/regressions/` name them.
pub const NAMES: [&str; 8] = [
    "canonical_decode",
    "queue_log",
    "csv_rows",
    "csv_mapping",
    "time",
    "config",
    "profile",
    "snapshot",
];

/// Runs the target named `name` (one of [`NAMES`]) on `data`.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "canonical_decode" => canonical_decode(data),
        "queue_log" => queue_log(data),
        "csv_rows" => csv_rows(data),
        "csv_mapping" => csv_mapping(data),
        "time" => time(data),
        "config" => config(data),
        "profile" => profile(data),
        "snapshot" => snapshot(data),
        other => panic!("no fuzz target {other:?}"),
    }
}

/// The canonical decoder on one record; an accepted event encodes to canonical JSON that
/// decodes to the same event.
pub fn canonical_decode(data: &[u8]) {
    let Ok(event) = Decoder::default().decode(data) else {
        return;
    };
    let text = codec::encode(&event);
    match codec::decode(&text) {
        Ok(again) => assert_eq!(
            again, event,
            "the round trip through {text} changes the event"
        ),
        Err(reason) => panic!("the encoding of an accepted event is rejected ({reason:?}): {text}"),
    }
}

/// The queue_log reader (and its line parser) on the lines of `data`, one stream, in order.
pub fn queue_log(data: &[u8]) {
    let mut reader = QueueLog::new();
    let mut out = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        let _ = reader.read(line, &mut out);
        out.clear();
    }
}

/// The mappings of the repository's own CSV inputs: a header-named, tab-separated, unquoted
/// export with a merged column pair, date and time apart; a headerless, positional, quoted
/// one with date-times and a tolerance.
fn shipped_mappings() -> &'static [Mapping; 2] {
    static MAPPINGS: OnceLock<[Mapping; 2]> = OnceLock::new();
    MAPPINGS.get_or_init(|| {
        let parse = |text: &str| Mapping::parse(text).expect("a shipped mapping is valid");
        [
            parse(include_str!(
                "../../config/mappings/anonymous-bank-1999.toml"
            )),
            parse(include_str!(
                "../../tests/fixtures/csv/calls-positions.toml"
            )),
        ]
    })
}

/// Feeds the lines of `rows` to a CSV reader of `mapping`; an empty line starts a new file.
fn read_csv(mapping: Mapping, headerless: bool, rows: &[u8]) {
    let mut csv = Csv::new(mapping);
    if headerless {
        csv.headerless();
    }
    let mut out = Vec::new();
    for line in rows.split(|&b| b == b'\n') {
        if line.is_empty() {
            csv.start_file();
            continue;
        }
        let _ = csv.read(line, &mut out);
        out.clear();
    }
}

/// The CSV row reader and the row → event mapping, with a shipped mapping: the first byte
/// picks the mapping (bit 0) and a headerless stream (bit 1), the rest is lines.
pub fn csv_rows(data: &[u8]) {
    let Some((&select, rows)) = data.split_first() else {
        return;
    };
    let mapping = shipped_mappings()[usize::from(select & 1)].clone();
    read_csv(mapping, select & 2 != 0, rows);
}

/// The mapping loader, then rows read with what it accepted: `data` is the mapping's TOML, a
/// NUL byte, then lines.
pub fn csv_mapping(data: &[u8]) {
    let (text, rows) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Ok(mapping) = Mapping::parse(text) {
        read_csv(mapping, false, rows);
    }
}

/// The RFC 3339 parser and the duration parser; what they accept formats back to the same
/// instant or duration.
pub fn time(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(ms) = rfc3339::parse(text) {
        // Four-digit years only: an offset can move an instant of 0000 or 9999 out of them.
        let years = rfc3339::days_from_civil(0, 1, 1)..rfc3339::days_from_civil(10_000, 1, 1);
        if years.contains(&ms.div_euclid(DAY)) {
            let formatted = rfc3339::format(ms, &chrono::Utc);
            assert_eq!(
                rfc3339::parse(&formatted),
                Some(ms),
                "{text:?} → {formatted:?}"
            );
        }
    }
    if let Ok(ms) = time::parse_duration(text) {
        let formatted = time::format_duration(ms);
        assert_eq!(
            time::parse_duration(&formatted),
            Ok(ms),
            "{text:?} → {formatted:?}"
        );
    }
}

/// The configuration loader (TOML text, no environment); an accepted configuration builds an
/// engine.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cfg) = Config::parse(text, "fuzz") {
        let engine = Engine::new(&cfg.engine, &Granularity::ALL);
        let _ = engine.snapshot();
    }
}

/// The certification profile loader; an accepted profile gives its Prometheus rules and
/// judges values.
pub fn profile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(profile) = Profile::parse(text, "fuzz") {
        let _ = callpulse::alert::rules::rules_file(&profile, "fuzz");
        for c in &profile.criteria {
            for value in [f64::NEG_INFINITY, -1.0, 0.0, 0.5, 1.0, 1e9, f64::NAN] {
                let _ = c.coefficient(value);
            }
            let _ = profile.hardest(c.measure, c.scope, "fuzz");
        }
    }
}

/// The engine's configuration and the bytes a snapshot of an empty engine starts with: its
/// header (layout, version, calendar), so that inputs reach the state behind it.
fn snapshot_base() -> &'static (callpulse::config::EngineConfig, Vec<u8>) {
    static BASE: OnceLock<(callpulse::config::EngineConfig, Vec<u8>)> = OnceLock::new();
    BASE.get_or_init(|| {
        let cfg = Config::default().engine;
        let bytes = Engine::new(&cfg, &Granularity::ALL).snapshot();
        let (_, state): (String, &[u8]) =
            postcard::take_from_bytes(&bytes).expect("a snapshot starts with its header");
        let header = bytes[..bytes.len() - state.len()].to_vec();
        (cfg, header)
    })
}

/// The engine restored from `data` as [`snapshot`] reads it, if `Engine::restore` takes it.
pub fn restored(data: &[u8]) -> Option<Engine> {
    let (&mode, rest) = data.split_first()?;
    let (cfg, header) = snapshot_base();
    let bytes = if mode & 1 == 0 {
        [header.as_slice(), rest].concat()
    } else {
        rest.to_vec()
    };
    let mut engine = Engine::new(cfg, &Granularity::ALL);
    engine.restore(&bytes).ok()?;
    Some(engine)
}

/// `Engine::restore` from arbitrary bytes: the first byte says whether the rest follows the
/// valid header (even) or is the whole snapshot (odd). A restored engine keeps working: it
/// snapshots, advances and flushes.
pub fn snapshot(data: &[u8]) {
    let Some(mut engine) = restored(data) else {
        return;
    };
    let _ = engine.snapshot();
    let latest = engine.latest();
    engine.advance_to(latest.saturating_add(time::HOUR));
    engine.flush();
    let _ = engine.take_records();
    let _ = engine.take_rejections();
    let _ = engine.take_outages();
    let _ = engine.stats();
}
