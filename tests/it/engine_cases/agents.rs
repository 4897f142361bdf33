//! Agents and components: agent time split at interval boundaries into occupancy, a queue
//! named twice counted once, and missing heartbeats as down time with long outages listed.

use super::lines::IV;
use crate::support::{config, run, ALL};

#[test]
fn agent_time_is_split_at_interval_boundaries_into_occupancy() {
    let ev = [
        r#"{"type":"agent.state","ts":"2026-11-02T09:10:00Z","agent_id":"a1","state":"available","queues":["q"]}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:12:00Z","agent_id":"a1","state":"on_call"}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:18:00Z","agent_id":"a1","state":"wrap_up"}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:20:00Z","agent_id":"a1","state":"not_ready"}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:25:00Z","agent_id":"a1","state":"logged_out"}"#,
    ];
    let r = run(&config(""), IV, &ev);
    let first = r.get("queue:q", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(
        (first.agent_available_seconds, first.agent_on_call_seconds),
        (120.0, 180.0)
    );
    assert_eq!(first.occupancy, Some(0.6));
    let second = r.get("agent:a1", "interval", "2026-11-02T09:15:00Z");
    assert_eq!(second.agent_on_call_seconds, 180.0);
    assert_eq!(second.agent_wrap_up_seconds, 120.0);
    assert_eq!(second.agent_not_ready_seconds, 300.0);
    assert_eq!(second.occupancy, Some(1.0));
}

#[test]
fn a_queue_named_twice_in_an_agent_state_counts_the_time_once_and_the_center_gets_it_once() {
    let ev = [
        r#"{"type":"agent.state","ts":"2026-11-02T09:00:00Z","agent_id":"a1","state":"available","queues":["q","q","r"]}"#,
        r#"{"type":"agent.state","ts":"2026-11-02T09:10:00Z","agent_id":"a1","state":"logged_out"}"#,
    ];
    let r = run(&config(""), IV, &ev);
    assert_eq!(
        r.get("queue:q", "interval", "2026-11-02T09:00:00Z")
            .agent_available_seconds,
        600.0
    );
    let center = r.get("center", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(center.agent_available_seconds, 600.0);
    assert_eq!(center.occupancy, Some(0.0));
}

#[test]
fn missing_heartbeats_count_as_down_time_and_long_outages_are_listed() {
    let cfg = config("[engine]\nheartbeat_timeout = \"30s\"");
    let ev = [
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:00:00Z","component":"ivr"}"#,
        // Silent from 09:00:30 until 09:40:00: a 39.5-minute outage, longer than 30 minutes.
        r#"{"type":"system.heartbeat","ts":"2026-11-02T09:40:00Z","component":"ivr"}"#,
        r#"{"type":"system.heartbeat","ts":"2026-11-02T10:00:00Z","component":"ivr"}"#,
    ];
    let r = run(&cfg, ALL, &ev);
    assert_eq!(r.outages.len(), 2);
    assert_eq!(r.outages[0].duration(), 39 * 60_000 + 30_000);
    assert_eq!(r.outages[0].cause, "heartbeat");
    assert_eq!(
        r.get("center", "interval", "2026-11-02T09:00:00Z")
            .down_seconds,
        Some(870.0)
    );
    assert_eq!(
        r.get("center", "interval", "2026-11-02T09:15:00Z")
            .availability,
        Some(0.0)
    );
    let day = r.get("center", "day", "2026-11-02T00:00:00Z");
    assert_eq!(day.down_seconds, Some(2370.0 + 1170.0));
}
