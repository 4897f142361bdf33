//! Offsets and consumer groups: a restarted instance resumes from the committed offsets and
//! loses nothing, and two instances of one group split the partitions with counters that add
//! up.

use super::common::{env, known_day, metric, wait_read, WAIT};
use crate::support::kafka::{kafka_python, produce_by_call_id, Broker};
use crate::support::lines::{heartbeat, offered};
use crate::support::service::{sample, Service};
use callpulse::codec::decode;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

#[test]
fn a_restarted_instance_resumes_from_the_committed_offsets_and_loses_nothing() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 2);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let vars = env(&bootstrap, "calls", "restart");
    let (first, _) = known_day();
    produce_by_call_id(&broker, "calls", &first);
    let service = Service::start(&["run"], &vars);
    wait_read(&service, first.len() as f64);
    assert!(service.terminate(Duration::from_secs(30)).success());
    let committed: Value = serde_json::from_str(&kafka_python(&[
        "committed",
        "--brokers",
        &bootstrap,
        "--group",
        "restart",
        "--topic",
        "calls",
    ]))
    .unwrap();
    let ends: Value = serde_json::from_str(&kafka_python(&[
        "end-offsets",
        "--brokers",
        &bootstrap,
        "--topic",
        "calls",
    ]))
    .unwrap();
    assert_eq!(committed, ends, "SIGTERM commits every offset read");

    let second: Vec<String> = (0..20)
        .map(|i| offered("2026-11-02T11:00:00Z", &format!("d{i}"), "q1"))
        .chain([heartbeat("2026-11-02T11:05:00Z")])
        .collect();
    produce_by_call_id(&broker, "calls", &second);
    let service = Service::start(&["run"], &vars);
    wait_read(&service, second.len() as f64);
    sleep(Duration::from_secs(2));
    let m = service.get("/metrics").1;
    assert_eq!(
        sample(&m, "callpulse_events_read_total", ""),
        Some(second.len() as f64),
        "nothing read twice"
    );
    assert_eq!(
        sample(&m, "callpulse_calls_offered_total", r#"queue="q1""#),
        Some(20.0)
    );
    assert!(service.terminate(Duration::from_secs(30)).success());
}

#[test]
fn two_instances_of_one_group_split_the_partitions_and_their_counters_add_up() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 4);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let mut vars = env(&bootstrap, "calls", "pair");
    // Once caught up, the wall clock closes everything: all events are applied.
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1s"));
    let a = Service::start(&["run"], &vars);
    let b = Service::start(&["run"], &vars);
    for s in [&a, &b] {
        s.wait_ready(WAIT);
    }
    let start = callpulse::time::rfc3339::format(
        callpulse::time::wall_clock() - 3 * callpulse::time::HOUR,
        &chrono_tz::UTC,
    );
    let sim = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args(["simulate", "--hours", "2", "--seed", "3", "--start", &start])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let text = String::from_utf8(sim.stdout).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let offers = lines
        .iter()
        .filter(|l| decode(l).is_ok_and(|e| e.body.type_name() == "call.offered"))
        .count() as f64;
    produce_by_call_id(&broker, "calls", &lines);

    let total = lines.len() as f64;
    let deadline = Instant::now() + WAIT;
    let (read_a, read_b) = loop {
        let ra = metric(&a, "callpulse_events_read_total", "").unwrap_or(0.0);
        let rb = metric(&b, "callpulse_events_read_total", "").unwrap_or(0.0);
        if ra + rb >= total {
            break (ra, rb);
        }
        assert!(Instant::now() < deadline, "read {ra} + {rb} of {total}");
        sleep(Duration::from_millis(200));
    };
    assert_eq!(read_a + read_b, total, "each message read once");
    assert!(
        read_a > 0.0 && read_b > 0.0,
        "both instances got partitions"
    );
    let sum = |name: &str| {
        let deadline = Instant::now() + WAIT;
        loop {
            let pending: f64 = [&a, &b]
                .iter()
                .map(|s| metric(s, "callpulse_events_pending", "").unwrap_or(0.0))
                .sum();
            if pending == 0.0 {
                break;
            }
            assert!(Instant::now() < deadline, "events still pending");
            sleep(Duration::from_millis(200));
        }
        metric(&a, name, "").unwrap_or(0.0) + metric(&b, name, "").unwrap_or(0.0)
    };
    assert_eq!(sum("callpulse_center_calls_offered_total"), offers);
    let accepted = sum("callpulse_events_accepted_total");
    let rejected: f64 = [&a, &b]
        .iter()
        .flat_map(|s| {
            let m = s.get("/metrics").1;
            m.lines()
                .filter(|l| l.starts_with("callpulse_events_rejected_total{"))
                .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
                .collect::<Vec<_>>()
        })
        .sum();
    assert_eq!(accepted + rejected, total, "accepted + rejected = read");
}
