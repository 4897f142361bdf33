//! `replay --sl-variants`: each record's service level by 9.3.1 and by each option changed
//! alone, side by side, computed here by hand for four calls.

use super::callpulse;
use serde_json::Value;

/// Four calls of queue `q`: answered after 5 s, abandoned after 3 s (within 20 s) and after
/// 25 s, and one that flowed out to `r` after 2 s.
const CALLS: &str = r#"{"type":"call.offered","ts":"2026-11-02T09:00:00Z","call_id":"c1","queue":"q"}
{"type":"call.offered","ts":"2026-11-02T09:00:01Z","call_id":"c2","queue":"q"}
{"type":"call.offered","ts":"2026-11-02T09:00:02Z","call_id":"c3","queue":"q"}
{"type":"call.offered","ts":"2026-11-02T09:00:03Z","call_id":"c4","queue":"q"}
{"type":"call.abandoned","ts":"2026-11-02T09:00:04Z","call_id":"c2"}
{"type":"call.answered","ts":"2026-11-02T09:00:05Z","call_id":"c1","agent_id":"a"}
{"type":"call.transferred","ts":"2026-11-02T09:00:05Z","call_id":"c4","to_queue":"r"}
{"type":"call.abandoned","ts":"2026-11-02T09:00:27Z","call_id":"c3"}
"#;

#[test]
fn sl_variants_print_every_definition_of_each_record_side_by_side() {
    let out = callpulse(
        &[
            "replay",
            "--format=json",
            "--period=day",
            "--scope=queue",
            "--sl-variants",
            "-",
        ],
        Some(CALLS.as_bytes()),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let q = records.iter().find(|r| r["queue"] == "q").unwrap();
    let v = &q["sl_variants"];
    // 1 met of 4; the abandon at 3 s leaves (1 of 3) or is met (2 of 4); no short abandons
    // are configured; the flow-out leaves (1 of 3); no callbacks.
    assert_eq!(v["9.3.1"], 0.25);
    assert_eq!(v["abandons=ignored"], 1.0 / 3.0);
    assert_eq!(v["abandons=for"], 0.5);
    assert_eq!(v["short_abandon=0s"], 0.25);
    assert_eq!(v["flow_outs=out"], 1.0 / 3.0);
    assert_eq!(v["callbacks=excluded"], 0.25);
    assert_eq!(q["service_level"], v["9.3.1"]);
    assert_eq!(q["service_level_definition"], "9.3.1");

    // The table: one column per definition, in the same order.
    let table = callpulse(
        &[
            "replay",
            "--period=day",
            "--scope=queue",
            "--sl-variants",
            "-",
        ],
        Some(CALLS.as_bytes()),
    );
    let text = String::from_utf8(table.stdout).unwrap();
    let header = text.lines().next().unwrap();
    let columns: Vec<&str> = header.split_whitespace().skip(3).collect();
    assert_eq!(
        columns,
        [
            "9.3.1",
            "abandons=ignored",
            "abandons=for",
            "short_abandon=0s",
            "flow_outs=out",
            "callbacks=excluded"
        ]
    );
    let row = text.lines().find(|l| l.contains(" q ")).unwrap();
    assert!(row.ends_with("25.0%              33.3%              50.0%              25.0%              33.3%              25.0%"), "{row}");
}
