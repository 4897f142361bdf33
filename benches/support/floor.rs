//! The floor of any replay: read each line, check UTF-8 once, parse it with serde into a
//! minimal borrowed struct, parse its timestamp. What reading and parsing costs without any of
//! callpulse's checks (cf. the first row of `shared/spec/performance-notes.md`); the benches
//! quote the replay as a share of it.

use callpulse::source::LineReader;
use callpulse::time::rfc3339;
use criterion::black_box;
use std::io::BufRead;

/// The fields a KPI engine needs, borrowed: the least any decoder of these lines must do.
/// Its fields are only ever looked at through `black_box`, hence `dead_code`.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Minimal<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    ts: &'a str,
    #[serde(default)]
    call_id: Option<&'a str>,
    #[serde(default)]
    queue: Option<&'a str>,
    #[serde(default)]
    agent_id: Option<&'a str>,
    #[serde(default)]
    customer: Option<&'a str>,
    #[serde(default)]
    event_id: Option<&'a str>,
}

/// Reads every line of `input` (at most `max_bytes` each) and parses it as the floor does;
/// returns the lines read.
pub fn read_and_parse_floor(input: impl BufRead, max_bytes: usize) -> u64 {
    let mut lines = LineReader::new(input);
    let mut n = 0u64;
    while let Some(line) = lines.next_line(max_bytes).expect("readable input") {
        let parsed = std::str::from_utf8(line.bytes)
            .ok()
            .and_then(|text| serde_json::from_str::<Minimal>(text).ok())
            .map(|m| (rfc3339::parse(m.ts), m));
        black_box(&parsed);
        n += 1;
    }
    n
}
