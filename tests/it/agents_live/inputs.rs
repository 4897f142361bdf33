//! The agents view end to end through the two live inputs, with `engine.lateness = "1h"` so
//! that the watermark cannot explain what shows: an `agent.state` stamped now moves the
//! agent's state, `since` and pause reason in `/api/v1/agents` and the opt-in
//! `callpulse_agent_state` series at once, with the display name of `http.agent_names` —
//! through `run --follow` on a file, and through Kafka (tansu, produced by kafka-python).

use crate::support::kafka::Broker;
use crate::support::live::{at, json, kafka_env, now_ms, poll, produce_to, watermark, WAIT};
use crate::support::service::{append_lines, sample, Service};
use callpulse::time::{Millis, MINUTE};
use serde_json::Value;

fn state(ts: Millis, agent: &str, state: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"agent.state","ts":"{}","agent_id":"{agent}","state":"{state}"{extra}}}"#,
        at(ts)
    )
}

/// Polls `/api/v1/agents` until agent `id` is in `state` since `since`; returns the answer.
fn wait_agent(s: &Service, id: &str, state: &str, since: Millis) -> Value {
    poll(s, &format!("{id} {state} since {since}"), |last| {
        let v = json(s, "/api/v1/agents");
        *last = v.to_string();
        let a = v["agents"].as_array()?.iter().find(|a| a["id"] == id)?;
        let since_now = callpulse::time::rfc3339::parse(a["since"].as_str()?)?;
        (a["state"] == state && since_now == since).then_some(v)
    })
}

fn agent<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
}

/// The two steps both inputs go through: a1 available ten minutes ago, then not ready for
/// lunch two minutes ago; each shows before the watermark passes it.
fn follow_two_steps(s: &Service, send: &dyn Fn(&[String])) {
    let t = now_ms() - 10 * MINUTE;
    send(&[state(t, "a1", "available", r#","queues":["sales"]"#)]);
    let v = wait_agent(s, "a1", "available", t);
    assert_eq!(agent(&v, "a1")["name"], "王芳");
    assert_eq!(agent(&v, "a1")["queues"], serde_json::json!(["sales"]));

    let lunch = t + 8 * MINUTE;
    send(&[state(lunch, "a1", "not_ready", r#","reason":"lunch""#)]);
    let v = wait_agent(s, "a1", "not_ready", lunch);
    let a1 = agent(&v, "a1");
    assert_eq!(a1["reason"], "lunch");
    assert!(a1["seconds_in_state"].as_f64().unwrap() >= 0.0, "{a1}");
    let k = json(s, "/api/v1/kpis");
    assert!(
        watermark(&k).map_or(true, |w| w < lunch),
        "the watermark {:?} explains it",
        watermark(&k)
    );
    s.wait_for("callpulse_agent_state not_ready 1", WAIT, |m| {
        let labels = r#"agent="a1",state="not_ready""#;
        (sample(m, "callpulse_agent_state", labels) == Some(1.0)).then_some(())
    });
}

fn names_file(dir: &std::path::Path) -> String {
    let path = dir.join("names.toml");
    std::fs::write(&path, "[names]\na1 = \"王芳\"\n").unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn from_a_followed_file_each_agent_state_moves_the_agents_view_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, "").unwrap();
    let names = names_file(dir.path());
    let s = Service::follow(
        &events,
        dir.path(),
        &[
            ("CALLPULSE_ENGINE_LATENESS", "1h"),
            ("CALLPULSE_HTTP_AGENT_NAMES", &names),
            ("CALLPULSE_HTTP_AGENT_METRICS", "true"),
        ],
    );
    s.wait_ready(WAIT);
    follow_two_steps(&s, &|lines| append_lines(&events, lines));
}

#[test]
fn from_kafka_each_agent_state_moves_the_agents_view_at_once() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("agents", 1);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let dir = tempfile::tempdir().unwrap();
    let names = names_file(dir.path());
    let mut vars = kafka_env(&bootstrap, "agents", "agents-live", "1h");
    vars.push(("CALLPULSE_HTTP_AGENT_NAMES", &names));
    vars.push(("CALLPULSE_HTTP_AGENT_METRICS", "true"));
    let s = Service::start(&["run"], &vars);
    s.wait_ready(WAIT);
    follow_two_steps(&s, &|lines| produce_to(&bootstrap, "agents", 0, lines));
}
