//! Every rejection reason, produced by a real input; each rejected input is counted by its
//! reason, kept with its bytes, and `accepted + rejected = read` holds.

use crate::support::{config, run};
use callpulse::codec::Decoder;
use callpulse::reject::RejectReason;
use callpulse::time::Granularity;
use std::collections::BTreeSet;

/// The reason's kind: its code without the field (`missing_field:queue` → `missing_field`).
fn kind(code: &str) -> &str {
    code.split(':').next().unwrap_or(code)
}

const DECODE_CASES: &[(&[u8], &str)] = &[
    (b"{\"type\":\"call.abandoned\",\"ts\":0,\"call_id\":\"\xff\"}", "not_utf8"),
    (b"{\"type\":\"call.abandoned\"", "invalid_json"),
    (b"call.abandoned,2026-11-02", "invalid_json"),
    (b"[1,2,3]", "not_an_object"),
    (b"\"text\"", "not_an_object"),
    (b"{\"type\":\"call.abandoned\",\"ts\":0,\"ts\":1,\"call_id\":\"c\"}", "duplicate_field:ts"),
    (b"{\"type\":\"call.offered\",\"ts\":\"2026-11-02T09:00:00Z\",\"call_id\":\"c\"}", "missing_field:queue"),
    (b"{\"ts\":\"2026-11-02T09:00:00Z\",\"call_id\":\"c\"}", "missing_field:type"),
    (b"{\"type\":\"call.abandoned\",\"call_id\":\"c\"}", "missing_field:ts"),
    (b"{\"type\":\"call.offered\",\"ts\":\"2026-11-02T09:00:00Z\",\"call_id\":\"c\",\"queue\":null}", "missing_field:queue"),
    (b"{\"type\":\"call.offered\",\"ts\":\"2026-11-02T09:00:00Z\",\"call_id\":7,\"queue\":\"q\"}", "wrong_type:call_id"),
    (b"{\"type\":\"call.abandoned\",\"ts\":1.5e12,\"call_id\":\"c\"}", "wrong_type:ts"),
    (b"{\"type\":\"call.ended\",\"ts\":0,\"call_id\":\"c\",\"resolved\":\"yes\"}", "wrong_type:resolved"),
    (b"{\"type\":\"agent.state\",\"ts\":0,\"agent_id\":\"a\",\"state\":\"sleeping\"}", "bad_value:state"),
    (b"{\"type\":\"agent.state\",\"ts\":0,\"agent_id\":\"a\",\"state\":\"not_ready\",\"reason\":\"\"}", "bad_value:reason"),
    (b"{\"type\":\"agent.state\",\"ts\":0,\"agent_id\":\"a\",\"state\":\"not_ready\",\"reason\":7}", "wrong_type:reason"),
    (b"{\"type\":\"call.offered\",\"ts\":0,\"call_id\":\"c\",\"queue\":\"q\",\"channel\":\"fax\"}", "bad_value:channel"),
    (b"{\"type\":\"call.offered\",\"ts\":0,\"call_id\":\"\",\"queue\":\"q\"}", "bad_value:call_id"),
    (b"{\"type\":\"survey.response\",\"ts\":0,\"queue\":\"q\",\"satisfied\":true,\"score\":9}", "bad_value:score"),
    (b"{\"type\":\"system.status\",\"ts\":0,\"component\":\"acd\",\"status\":\"flaky\"}", "bad_value:status"),
    (b"{\"type\":\"call.abandoned\",\"ts\":0,\"call_id\":\"c\",\"cause\":\"bored\"}", "bad_value:cause"),
    (b"{\"type\":\"call.callback\",\"ts\":0,\"customer\":\"u1\",\"result\":\"busy\"}", "missing_field:queue"),
    (b"{\"type\":\"call.callback\",\"ts\":0,\"queue\":\"q\",\"result\":\"busy\"}", "missing_field:customer"),
    (b"{\"type\":\"call.callback\",\"ts\":0,\"queue\":\"q\",\"customer\":\"u1\"}", "missing_field:result"),
    (b"{\"type\":\"call.callback\",\"ts\":0,\"queue\":\"q\",\"customer\":\"u1\",\"result\":\"voicemail\"}", "bad_value:result"),
    (b"{\"type\":\"call.callback\",\"ts\":0,\"queue\":\"q\",\"customer\":\"u1\",\"result\":true}", "wrong_type:result"),
    (b"{\"type\":\"call.callback\",\"ts\":0,\"queue\":\"q\",\"customer\":\"\",\"result\":\"busy\"}", "bad_value:customer"),
    (b"{\"type\":\"forecast.interval\",\"ts\":0,\"queue\":\"q\",\"interval_start\":0,\"interval_minutes\":15,\"offered\":1.7e308}", "bad_value:offered"),
    (b"{\"type\":\"call.abandoned\",\"ts\":\"2026-11-02 9:00\",\"call_id\":\"c\"}", "bad_timestamp"),
    (b"{\"type\":\"call.abandoned\",\"ts\":\"2026-11-02T09:00:00\",\"call_id\":\"c\"}", "bad_timestamp"),
    (b"{\"type\":\"call.abandoned\",\"ts\":-5,\"call_id\":\"c\"}", "bad_timestamp"),
    (b"{\"type\":\"call.abandoned\",\"ts\":99999999999999,\"call_id\":\"c\"}", "bad_timestamp"),
    (b"{\"type\":\"call.parked\",\"ts\":0,\"call_id\":\"c\"}", "unknown_type"),
    (b"{\"type\":\"call.abandoned\",\"v\":2,\"ts\":0,\"call_id\":\"c\"}", "unsupported_version"),
    (b"{\"type\":\"call.completed\",\"ts\":0,\"call_id\":\"c\",\"queue\":\"q\",\"offered_at\":\"2026-11-02T09:00:10Z\",\"answered_at\":\"2026-11-02T09:00:00Z\"}", "inconsistent_times"),
    (b"{\"type\":\"call.completed\",\"ts\":0,\"call_id\":\"c\",\"queue\":\"q\",\"offered_at\":\"2026-11-02T09:00:00Z\"}", "missing_field:answered_at"),
];

#[test]
fn each_decoding_defect_has_its_own_stable_reason() {
    let decoder = Decoder::default();
    for (bytes, want) in DECODE_CASES {
        let got = decoder.decode(bytes).map(|_| ()).unwrap_err().to_string();
        assert_eq!(&got, want, "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn a_line_longer_than_max_event_bytes_is_too_large() {
    let decoder = Decoder { max_bytes: 64 };
    let line = format!(
        r#"{{"type":"call.abandoned","ts":0,"call_id":"{}"}}"#,
        "x".repeat(64)
    );
    assert_eq!(decoder.decode(line.as_bytes()), Err(RejectReason::TooLarge));
}

#[test]
fn unknown_fields_are_ignored() {
    let line =
        br#"{"type":"call.abandoned","ts":0,"call_id":"c","vendor":{"x":[1,2]},"note":null}"#;
    assert!(Decoder::default().decode(line).is_ok());
}

/// An offer to a queue whose name (300 bytes) is longer than the default `max_name_bytes`.
const LONG_NAME: &str = concat!(
    r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","call_id":"c","queue":""#,
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    r#""}"#
);

/// Inputs the engine rejects after decoding, because of what came before.
fn engine_cases() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "contradicts_history",
            vec![
                r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","call_id":"c","queue":"q"}"#,
                r#"{"type":"call.offered","ts":"2026-11-02T09:00:01Z","call_id":"c","queue":"other"}"#,
            ],
        ),
        (
            "too_late",
            vec![
                r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","call_id":"c","queue":"q"}"#,
                r#"{"type":"call.offered","ts":"2026-11-05T09:00:00Z","call_id":"d","queue":"q"}"#,
                // Bears out the jump to the 5th (alone, it would be a wrong clock).
                r#"{"type":"call.offered","ts":"2026-11-05T09:01:00Z","call_id":"e","queue":"q"}"#,
                r#"{"type":"survey.response","ts":"2026-11-02T09:10:00Z","queue":"q","satisfied":true}"#,
            ],
        ),
        (
            "no_offer",
            vec![r#"{"type":"call.ended","ts":"2026-11-02T09:00:00Z","call_id":"never-offered"}"#],
        ),
        // `limits` proves the other limits (queues, agents, components).
        ("limit:name_length", vec![LONG_NAME]),
    ]
}

#[test]
fn engine_rejections_keep_the_event_with_its_reason() {
    for (want, lines) in engine_cases() {
        let r = run(&config(""), &[Granularity::Interval], &lines);
        assert_eq!(r.rejected(want), 1, "{want}");
        assert_eq!(r.rejections.len(), 1);
        assert_eq!(r.rejections[0].reason.to_string(), want);
        let kept: serde_json::Value = serde_json::from_slice(&r.rejections[0].bytes).unwrap();
        assert!(kept["type"].is_string(), "kept as canonical JSON: {kept}");
        assert_eq!(r.stats.accepted + r.stats.rejected_total(), r.stats.read);
    }
}

#[test]
fn every_reason_is_covered_by_a_test_case() {
    let mut covered: BTreeSet<String> = DECODE_CASES
        .iter()
        .map(|(_, r)| kind(r).to_string())
        .collect();
    covered.insert("too_large".into());
    // Only input adapters skip records: `adapter_queue_log` and `adapter_csv` prove it.
    covered.insert("skipped".into());
    covered.extend(engine_cases().iter().map(|(r, _)| kind(r).to_string()));
    let all: BTreeSet<String> = RejectReason::EXAMPLES
        .iter()
        .map(|r| kind(&r.to_string()).to_string())
        .collect();
    assert_eq!(covered, all);
}

#[test]
fn rejected_and_accepted_add_up_to_read_and_each_reason_is_counted() {
    let mut lines: Vec<&str> = DECODE_CASES
        .iter()
        .filter_map(|(b, _)| std::str::from_utf8(b).ok())
        .collect();
    lines.push(r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","call_id":"ok","queue":"q"}"#);
    let r = run(&config(""), &[Granularity::Interval], &lines);
    assert_eq!(r.stats.read, lines.len() as u64);
    assert_eq!(r.stats.accepted, 1);
    assert_eq!(r.stats.rejected_total(), lines.len() as u64 - 1);
    assert_eq!(r.rejected("missing_field:queue"), 3);
    assert_eq!(r.rejections.len() as u64, r.stats.rejected_total());
    for rej in &r.rejections {
        assert_eq!(
            rej.bytes,
            lines[rej.origin.offset as usize - 1].as_bytes(),
            "original bytes kept"
        );
    }
}
