//! The engine's state stays bounded: calls that never finish are evicted and counted,
//! finished and abandoned calls are forgotten, and a stream silent for a month (or a watermark
//! moved thousands of years) credits at most one month at once.

use super::lines::{abandoned, answered, ended, lines, offered, IV};
use crate::support::{config, run};
use callpulse::time::Granularity;

#[test]
fn calls_that_never_finish_are_evicted_and_counted() {
    let cfg = config("[engine]\ncall_timeout = \"1h\"");
    let ev = [
        offered("2026-11-02T09:00:00Z", "lost", "q"),
        offered("2026-11-02T11:00:00Z", "c2", "q"),
        abandoned("2026-11-02T11:00:10Z", "c2"),
        offered("2026-11-02T13:00:00Z", "c3", "q"),
    ];
    let r = run(&cfg, IV, &lines(&ev));
    assert_eq!(r.stats.evicted_calls, 1);
    // The lost call stays offered and unanswered: it counts against the service level.
    assert_eq!(
        r.get("queue:q", "interval", "2026-11-02T09:00:00Z")
            .service_level,
        Some(0.0)
    );
}

#[test]
fn evicted_and_finished_calls_leave_no_state_behind() {
    use callpulse::codec::decode;
    use callpulse::engine::Engine;
    use callpulse::reject::Origin;
    let cfg = config("[engine]\ncall_timeout = \"1h\"\nwrapup_timeout = \"10m\"");
    let mut engine = Engine::new(&cfg.engine, IV);
    let mut feed = |line: String| engine.ingest(decode(&line).unwrap(), Origin::default());
    for i in 0..5_000 {
        // Half the calls never finish; the other half are answered and ended.
        let call = format!("c{i}");
        feed(offered("2026-11-02T09:00:00Z", &call, "q"));
        if i % 2 == 0 {
            feed(answered("2026-11-02T09:00:10Z", &call));
            feed(ended("2026-11-02T09:01:10Z", &call, ""));
        }
    }
    assert_eq!(engine.calls_in_flight(), 5_000);
    let bytes_full = engine.state_bytes();
    engine.ingest(
        decode(&offered("2026-11-02T11:00:00Z", "late", "q")).unwrap(),
        Origin::default(),
    );
    engine.ingest(
        decode(&offered("2026-11-02T11:05:00Z", "later", "q")).unwrap(),
        Origin::default(),
    );
    // "late" is tracked; "later" still waits in the reorder buffer for the watermark.
    assert_eq!(engine.calls_in_flight(), 1, "only the new call remains");
    assert_eq!(
        engine.stats().evicted_calls,
        2_500,
        "finished calls are forgotten, not evicted"
    );
    assert!(engine.state_bytes() < bytes_full);
}

#[test]
fn abandoned_calls_are_forgotten_after_the_wrapup_timeout_even_behind_a_future_record() {
    use callpulse::codec::decode;
    use callpulse::engine::Engine;
    use callpulse::reject::Origin;
    let cfg = config("[engine]\nwrapup_timeout = \"10m\"\ncall_timeout = \"12h\"");
    let mut engine = Engine::new(&cfg.engine, IV);
    let mut feed = |line: &str| engine.ingest(decode(line).unwrap(), Origin::default());
    // A record dated far ahead of its offer first: its call is kept until then.
    feed(
        r#"{"type":"call.completed","ts":"2026-11-20T00:00:00Z","call_id":"odd","queue":"q","offered_at":"2026-11-02T08:59:00Z","answered_at":"2026-11-02T08:59:10Z","ended_at":"2026-11-19T23:00:00Z"}"#,
    );
    for i in 0..100 {
        feed(&offered("2026-11-02T09:00:00Z", &format!("c{i}"), "q"));
        feed(&abandoned("2026-11-02T09:00:30Z", &format!("c{i}")));
    }
    // Entries are looked at every wrapup_timeout of watermark time: two heartbeats 30 min
    // apart give every finished call its check.
    feed(r#"{"type":"system.heartbeat","ts":"2026-11-02T11:00:00Z","component":"ivr"}"#);
    feed(r#"{"type":"system.heartbeat","ts":"2026-11-02T11:30:00Z","component":"ivr"}"#);
    assert_eq!(
        engine.calls_in_flight(),
        1,
        "only the odd record's call remains"
    );
}

#[test]
fn a_stream_silent_for_over_a_month_credits_the_first_31_days_and_leaves_the_rest_unmonitored() {
    // An agent logged in and a component reporting up on 1 November, then nothing until two
    // calls on 15 December move the stream's time 44 days at once. The first 31 days are
    // credited (agent time, monitoring); the 13 days after are time nobody reported (but the
    // lateness before the calls, credited as the stream goes on from there), and
    // crediting them all at once would have been unbounded (decades for a longer silence).
    let cfg = config("[engine]\ninterval = \"60m\"");
    let ev = [
        r#"{"type":"agent.state","ts":"2026-11-01T00:00:00Z","agent_id":"a1","state":"available","queues":["q"]}"#.to_string(),
        r#"{"type":"system.status","ts":"2026-11-01T00:00:00Z","component":"acd","status":"up"}"#.to_string(),
        offered("2026-12-15T00:00:00Z", "c1", "q"),
        offered("2026-12-15T00:00:01Z", "c2", "q"),
    ];
    let r = run(&cfg, &[Granularity::Day], &lines(&ev));
    let credited = r.get("queue:q", "day", "2026-12-01T00:00:00Z");
    assert_eq!(credited.occupancy, Some(0.0), "available all day, no calls");
    let monitored = r.get("center", "day", "2026-12-01T00:00:00Z");
    assert_eq!(monitored.availability, Some(1.0));
    let finals = r.finals();
    for day in ["2026-12-02", "2026-12-10", "2026-12-13"] {
        let key = |who: &str| {
            (
                who.to_string(),
                "day".to_string(),
                format!("{day}T00:00:00Z"),
            )
        };
        assert!(
            !finals.contains_key(&key("queue:q")),
            "{day}: no agent time"
        );
        assert!(
            !finals.contains_key(&key("center:")),
            "{day}: not monitored, no calls"
        );
    }
    let last = r.get("queue:q", "day", "2026-12-15T00:00:00Z");
    assert_eq!(last.counts.offered, 2);
}

#[test]
fn a_watermark_moved_eight_thousand_years_at_once_credits_one_month_and_stays_bounded() {
    // The path of the snapshot fuzz finding `credit-span-to-far-frontier-oom`: a state whose
    // stream's time stands far ahead of its credited time (there a restored frontier in the
    // year 10470) is advanced there in one step. Crediting every period between allocated
    // 858 MB in one piece; now one month is credited and the step stays small.
    let cfg = config("");
    let mut engine = callpulse::engine::Engine::new(&cfg.engine, &[Granularity::Day]);
    for line in [
        r#"{"type":"agent.state","ts":"2026-11-01T00:00:00Z","agent_id":"a1","state":"available","queues":["q"]}"#,
        r#"{"type":"system.status","ts":"2026-11-01T00:00:00Z","component":"acd","status":"up"}"#,
    ] {
        engine.ingest(callpulse::codec::decode(line).unwrap(), Default::default());
    }
    let year_10470 = 268_198_646_400_000;
    engine.advance_to(year_10470);
    let records = engine.take_records();
    // 32 days of the agent's queue, the agent, the center and the component, at most.
    assert!(
        !records.is_empty() && records.len() <= 4 * 32,
        "{} records",
        records.len()
    );
}
