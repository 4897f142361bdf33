//! Live staffing (Erlang C) of `callpulse run --follow`: a known half hour of calls and agent
//! states in a followed file of canonical events, and the agents needed that `/metrics` and
//! `/api/v1/kpis` show against Erlang C computed here independently, by the textbook formula
//! with factorials (fine for the few agents of this test).

use crate::support::service::{append_lines, promtool_check, sample, Service};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const WAIT: Duration = Duration::from_secs(60);
const CALLS: i64 = 90;
const THRESHOLD_S: f64 = 20.0; // the default service-level threshold

/// P_w = (A^N/N!·N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N!·N/(N−A)), and
/// SL = 1 − P_w·e^(−(N−A)·T/AHT): the smallest N > A with SL ≥ 80 %.
fn needed_by_factorials(load: f64, aht: f64) -> u32 {
    let fact = |k: u32| (1..=k).map(f64::from).product::<f64>();
    (1..200)
        .find(|&n: &u32| {
            let nf = f64::from(n);
            if nf <= load {
                return false;
            }
            let sum: f64 = (0..n).map(|k| load.powi(k as i32) / fact(k)).sum();
            let top = load.powi(n as i32) / fact(n) * nf / (nf - load);
            let pw = top / (sum + top);
            1.0 - pw * (-(nf - load) * THRESHOLD_S / aht).exp() >= 0.80
        })
        .unwrap()
}

fn event(ts: i64, body: &str) -> (i64, String) {
    (ts, format!(r#"{{"ts":{ts},{body}}}"#))
}

#[test]
fn a_followed_half_hour_of_calls_gives_the_erlang_c_agents_needed() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    // Everything between 26 and 1 minutes ago: inside the last 30 minutes both at the newest
    // event's time and at the wall clock (which the live clock follows once the file is idle).
    let start = now - 26 * 60_000;
    let mut events = Vec::new();
    // 8 agents staffed (available, on a call, in wrap-up) and 2 not ready.
    let states = [
        ("available", 4),
        ("on_call", 3),
        ("wrap_up", 1),
        ("not_ready", 2),
    ];
    let mut agent = 0;
    for (state, n) in states {
        for _ in 0..n {
            events.push(event(
                start + agent,
                &format!(
                    r#""type":"agent.state","agent_id":"a{agent}","state":"{state}","queues":["sales"]"#
                ),
            ));
            agent += 1;
        }
    }
    let (mut talk_ms, mut wrap_ms) = (0, 0);
    for i in 0..CALLS {
        let call = format!(r#""call_id":"c{i}""#);
        let offered = start + 60_000 + i * 13_000;
        let answered = offered + 4_000 + (i % 3) * 5_000;
        let talk = 100_000 + (i % 7) * 25_000;
        let wrap = 10_000 + (i % 4) * 8_000;
        talk_ms += talk;
        wrap_ms += wrap;
        events.push(event(
            offered,
            &format!(r#""type":"call.offered",{call},"queue":"sales""#),
        ));
        events.push(event(
            answered,
            &format!(r#""type":"call.answered",{call},"agent_id":"a0""#),
        ));
        events.push(event(
            answered + talk,
            &format!(r#""type":"call.ended",{call}"#),
        ));
        events.push(event(
            answered + talk + wrap,
            &format!(r#""type":"call.wrapup_ended",{call},"agent_id":"a0""#),
        ));
    }
    let last = events.iter().map(|(ts, _)| *ts).max().unwrap();
    assert!(last < now - 30_000, "the calls end before the probe");
    // A later event moves the watermark past every call (lateness 0).
    events.push(event(
        now - 20_000,
        r#""type":"system.heartbeat","component":"acd""#,
    ));
    events.sort_by_key(|(ts, _)| *ts);

    // Expected, independently of callpulse: λ over 30 minutes, AHT = (talk + wrap) / handled.
    let aht = (talk_ms + wrap_ms) as f64 / 1000.0 / CALLS as f64;
    let load = CALLS as f64 / 1800.0 * aht;
    let needed = needed_by_factorials(load, aht);
    eprintln!("A = {load:.3} Erlangs, AHT {aht:.1} s: {needed} agents needed");
    assert!(needed > 8, "the test center is short of agents: {needed}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let lines: Vec<String> = events.into_iter().map(|(_, l)| l).collect();
    append_lines(&file, &lines);
    // The position and rejected files in the temporary folder, not the working one.
    let position = dir.path().join("position.json");
    let rejected = dir.path().join("rejected.tsv");
    let service = Service::start(
        &[
            "run",
            "--follow",
            file.to_str().unwrap(),
            "--position-file",
            position.to_str().unwrap(),
        ],
        &[
            ("CALLPULSE_INPUT_REJECTED_FILE", rejected.to_str().unwrap()),
            ("CALLPULSE_INPUT_POLL_INTERVAL", "200ms"),
            ("CALLPULSE_ENGINE_LATENESS", "0s"),
        ],
    );
    let q = r#"queue="sales""#;
    let text = service.wait_for("every call wrapped up", WAIT, |m| {
        (sample(m, "callpulse_wrapups_total", q) == Some(CALLS as f64)).then(|| m.to_string())
    });
    assert_eq!(
        sample(&text, "callpulse_staffing_agents_needed", q),
        Some(f64::from(needed)),
        "{text}"
    );
    assert_eq!(
        sample(&text, "callpulse_staffing_agents_staffed", q),
        Some(8.0)
    );
    let metric_load = sample(&text, "callpulse_staffing_offered_load_erlangs", q).unwrap();
    assert!((metric_load - load).abs() < 1e-9, "{metric_load} vs {load}");
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool check metrics");
    }

    let (status, body) = service.get("/api/v1/kpis?queue=sales");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let s = &v["queues"][0]["staffing"];
    assert_eq!(s["window_minutes"], 30, "{body}");
    assert_eq!(s["offered"], CALLS);
    assert_eq!(s["handled"], CALLS);
    assert!((s["aht_seconds"].as_f64().unwrap() - aht).abs() < 1e-9);
    assert!((s["arrival_rate_per_hour"].as_f64().unwrap() - CALLS as f64 * 2.0).abs() < 1e-9);
    assert_eq!(s["agents_needed"], needed);
    assert_eq!(s["agents_staffed"], 8);
    assert_eq!(s["gap"], i64::from(needed) - 8);
    assert_eq!(s["target_service_level"], 0.8);
    let (_, all) = service.get("/api/v1/kpis");
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert!(all["center"]["staffing"].is_null(), "per queue only");
    assert!(service.terminate(WAIT).success());
    assert_eq!(
        std::fs::read_to_string(&rejected).unwrap(),
        "",
        "nothing rejected"
    );
}
