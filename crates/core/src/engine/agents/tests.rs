//! The live agents view through the engine: the state and its `since` follow each
//! `agent.state` at once (the overlay), whatever the arrival order within the lateness, agree
//! with the applied state once the watermark passes, and survive a restart (and a checkpoint
//! of the layout before them).

use crate::codec::decode;
use crate::config::Config;
use crate::engine::{AgentNow, Engine};
use crate::event::AgentState;
use crate::reject::Origin;
use crate::time::{Granularity, Millis, MINUTE};

const T0: Millis = 1_800_000_000_000; // 2027-01-15T08:00:00Z, a whole minute

fn engine(lateness: &str) -> Engine {
    let cfg = Config::parse(&format!("[engine]\nlateness = \"{lateness}\"\n"), "t.toml")
        .expect("a valid configuration");
    let mut e = Engine::new(&cfg.engine, &Granularity::ALL);
    e.set_live_names(true); // as the live service does
    e
}

fn state(e: &mut Engine, at: Millis, agent: &str, state: &str, extra: &str) {
    let line = format!(
        r#"{{"type":"agent.state","ts":{at},"agent_id":"{agent}","state":"{state}"{extra}}}"#
    );
    e.ingest(decode(&line).expect("a valid event"), Origin::default());
}

/// What the view shows of an agent's state, whether buffered or applied.
fn key(a: &AgentNow) -> (AgentState, Millis, Option<&str>, &[u32]) {
    let l = &a.live;
    (l.state, l.since, l.reason.as_deref(), &l.queues)
}

/// Agent `name` as the live view shows it at `now`.
fn shown(e: &Engine, name: &str, now: Millis) -> AgentNow {
    let id = e.names().agents.get(name).expect("a known agent");
    let all = e.agents_now(now);
    all.into_iter().find(|a| a.id == id).expect("the agent")
}

#[test]
fn state_since_and_reason_follow_each_agent_state_at_once_while_the_watermark_lags() {
    let mut e = engine("1h");
    state(&mut e, T0, "a1", "available", r#","queues":["sales"]"#);
    state(
        &mut e,
        T0 + 5 * MINUTE,
        "a1",
        "not_ready",
        r#","reason":"lunch""#,
    );
    assert!(e.watermark() < T0, "both events are still buffered");
    let a = shown(&e, "a1", T0 + 7 * MINUTE);
    assert_eq!(a.live.state, AgentState::NotReady);
    assert_eq!(a.live.since, T0 + 5 * MINUTE);
    assert_eq!(a.live.reason.as_deref(), Some("lunch"));
    assert_eq!(
        a.live.queues.len(),
        1,
        "the queues of the first event are kept"
    );
    // Applied: the same, and the same figures.
    e.flush();
    let applied = shown(&e, "a1", T0 + 7 * MINUTE);
    assert_eq!(key(&applied), key(&a));
    assert_eq!(applied.figures, a.figures);
}

#[test]
fn events_out_of_order_within_the_lateness_give_the_since_of_the_newest_state() {
    let mut e = engine("1h");
    state(&mut e, T0 + 20 * MINUTE, "a1", "on_call", "");
    state(&mut e, T0 + 10 * MINUTE, "a1", "on_call", "");
    state(&mut e, T0, "a1", "available", r#","queues":["sales"]"#);
    let live = shown(&e, "a1", T0 + 30 * MINUTE);
    assert_eq!(
        (live.live.state, live.live.since),
        (AgentState::OnCall, T0 + 10 * MINUTE)
    );
    e.flush();
    let applied = shown(&e, "a1", T0 + 30 * MINUTE);
    assert_eq!(key(&applied), key(&live));
    // Available 0–10, on a call 10–30: 20 of 30 staffed minutes, buffered or applied.
    assert_eq!(applied.figures.occupancy_60m, Some(20.0 / 30.0));
    assert_eq!(live.figures, applied.figures);
}

#[test]
fn an_agent_with_only_buffered_events_shows_and_an_applied_one_yields_to_the_overlay() {
    let mut e = engine("10m");
    state(&mut e, T0, "a1", "available", "");
    state(&mut e, T0 + 30 * MINUTE, "a2", "available", "");
    // a1's first event is applied (the watermark is at 20 min), a2's is buffered.
    assert!(e.watermark() > T0 && e.watermark() < T0 + 30 * MINUTE);
    state(&mut e, T0 + 31 * MINUTE, "a1", "wrap_up", "");
    let now = T0 + 35 * MINUTE;
    let a1 = shown(&e, "a1", now);
    assert_eq!(
        (a1.live.state, a1.live.since),
        (AgentState::WrapUp, T0 + 31 * MINUTE)
    );
    // [now − 60 min, now) starts before a1's first event: available 31 min, wrap-up 4 min.
    assert_eq!(a1.figures.occupancy_60m, Some(4.0 / 35.0));
    let a2 = shown(&e, "a2", now);
    assert_eq!(
        (a2.live.state, a2.live.since),
        (AgentState::Available, T0 + 30 * MINUTE)
    );
    assert_eq!(a2.figures.occupancy_60m, Some(0.0));
}

#[test]
fn a_restarted_engine_shows_the_same_agents_and_one_of_the_older_layout_assumes_credited_time() {
    let mut e = engine("30s");
    state(&mut e, T0, "a1", "available", r#","queues":["sales"]"#);
    state(
        &mut e,
        T0 + MINUTE,
        "a1",
        "not_ready",
        r#","reason":"training""#,
    );
    state(&mut e, T0 + 10 * MINUTE, "a2", "available", "");
    // Buffered (the watermark is at 9 min 30 s): its reason rides after the state.
    state(
        &mut e,
        T0 + 10 * MINUTE,
        "a3",
        "not_ready",
        r#","reason":"meeting""#,
    );
    e.take_records();
    let now = T0 + 12 * MINUTE;
    let before = e.agents_now(now);
    assert_eq!(shown(&e, "a3", now).live.reason.as_deref(), Some("meeting"));
    let bytes = e.snapshot();
    let mut restored = engine("30s");
    restored
        .restore(&bytes)
        .expect("a current snapshot restores");
    assert_eq!(restored.agents_now(now), before);

    // A snapshot without the agents' part after the state is refused, not restored half.
    let bare = postcard::to_stdvec(&(bytes_header(&bytes), &e)).unwrap();
    assert!(engine("30s").restore(&bare).is_err());
}

#[test]
fn over_a_simulated_stream_the_live_view_of_buffered_events_is_what_the_applied_one_becomes() {
    use crate::sim::{SimConfig, Simulator};
    let mut e = engine("10m");
    let lines: Vec<String> = Simulator::new(SimConfig {
        seed: 5,
        malformed_per_10k: 0,
        ..SimConfig::default()
    })
    .take(6_000)
    .collect();
    for line in &lines {
        if let Ok(event) = decode(line) {
            e.ingest(event, Origin::default());
        }
    }
    let now = e.latest();
    let live = e.agents_now(now);
    assert!(
        live.iter().any(|a| !a.live.buffered.is_empty()),
        "changes are buffered"
    );
    e.flush();
    let applied = e.agents_now(now);
    assert_eq!(live.len(), applied.len());
    for (l, a) in live.iter().zip(&applied) {
        assert_eq!(key(l), key(a), "agent {}", l.id);
        assert_eq!(l.figures, a.figures, "agent {}", l.id);
    }
    assert!(applied.iter().any(|a| a.figures.today.handled > 0));
}

/// The header a snapshot starts with.
fn bytes_header(bytes: &[u8]) -> String {
    postcard::take_from_bytes::<String>(bytes).unwrap().0
}
