//! Live means now (issue 14): with `engine.lateness = "1h"`, so that the watermark cannot
//! explain it, a call stamped now shows as waiting in `/api/v1/kpis`, `/metrics` and
//! `/api/v1/board` while the watermark is still an hour behind it, and its answer moves
//! `answered` and the service level — through `run --follow` and through Kafka over four
//! partitions. Events of one call out of order (answer before offer, end before answer),
//! spread over partitions, never count a call twice, and the live figures end equal to the
//! final interval records. (Before the time model of issue 14 the engine showed nothing of an
//! event until the watermark passed it: these tests time out on that code.)

use crate::support::kafka::{produce_by_call_id, Broker};
use crate::support::lines::{answered, offered};
use crate::support::live::{
    agent_state, assert_watermark_before, at, ended, heartbeat, interval_start, json, kafka_env,
    metric, poll, produce_to, scope, secs, FollowNow,
};
use crate::support::service::{sample, Service};
use callpulse::time::{Millis, HOUR, MINUTE};
use serde_json::Value;

const SALES: &str = r#"queue="sales""#;

/// Polls `/api/v1/kpis?window=15m` until the `sales` queue and the center show `offered`,
/// `answered` and `waiting` as given (and, when `sl` is `Some`, that service level); returns
/// the answer.
fn wait_kpis(
    service: &Service,
    offered: u64,
    answered: u64,
    waiting: u64,
    sl: Option<f64>,
) -> Value {
    let what = format!("offered {offered}, answered {answered}, waiting {waiting}, sl {sl:?}");
    poll(service, &what, |last| {
        let k = json(service, "/api/v1/kpis?window=15m");
        *last = k.to_string();
        let ok = [scope(&k, Some("sales")), scope(&k, None)].iter().all(|s| {
            s["offered"] == offered
                && s["answered"] == answered
                && s["waiting"] == waiting
                && sl.map_or(true, |sl| s["service_level"].as_f64() == Some(sl))
        });
        ok.then_some(k)
    })
}

/// Polls `/metrics` until the `sales` queue's waiting, offered and answered samples are as
/// given.
fn wait_metrics(service: &Service, waiting: f64, offered: f64, answered: f64) {
    service.wait_for(
        &format!("/metrics: waiting {waiting}, offered {offered}, answered {answered}"),
        crate::support::live::WAIT,
        |m| {
            let got = (
                sample(m, "callpulse_calls_waiting", SALES),
                sample(m, "callpulse_calls_offered_total", SALES),
                sample(m, "callpulse_calls_answered_total", SALES).unwrap_or(0.0),
            );
            (got == (Some(waiting), Some(offered), answered)).then_some(())
        },
    );
}

/// Polls `/api/v1/board` until its `sales` queue shows `waiting` calls.
fn wait_board(service: &Service, waiting: u64) {
    poll(service, &format!("the board: {waiting} waiting"), |last| {
        let b = json(service, "/api/v1/board");
        *last = b["kpis"].to_string();
        (scope(&b["kpis"], Some("sales"))["waiting"] == waiting).then_some(())
    });
}

#[test]
fn a_call_appended_to_a_followed_file_shows_waiting_then_answered_before_the_watermark_reaches_it()
{
    let f = FollowNow::start("1h");
    let s = &f.service;
    let t = crate::support::live::now_ms();
    f.append(&[
        agent_state(t, "a1", "available", "sales"),
        offered(&at(t), "c1", "sales"),
    ]);

    let k = wait_kpis(s, 1, 0, 1, None);
    assert_eq!(scope(&k, Some("sales"))["agents_available"], 1, "{k}");
    assert_eq!(scope(&k, None)["agents_available"], 1, "{k}");
    assert_watermark_before(&k, t, "waiting");
    wait_metrics(s, 1.0, 1.0, 0.0);
    assert_eq!(
        metric(s, "callpulse_agents", r#"queue="sales",state="available""#),
        Some(1.0)
    );
    wait_board(s, 1);
    assert_watermark_before(&json(s, "/api/v1/kpis"), t, "waiting, on every view");

    let answer = t + secs(5);
    f.append(&[answered(&at(answer), "c1")]);
    let k = wait_kpis(s, 1, 1, 0, Some(1.0));
    assert_watermark_before(&k, t, "answered");
    wait_metrics(s, 0.0, 1.0, 1.0);
    wait_board(s, 0);
}

#[test]
fn calls_produced_over_four_kafka_partitions_show_waiting_then_answered_before_the_watermark_reaches_them(
) {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 4);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let s = Service::start(&["run"], &kafka_env(&bootstrap, "calls", "now", "1h"));
    s.wait_ready(crate::support::live::WAIT);
    let calls: Vec<String> = (1..=8).map(|i| format!("c{i}")).collect();
    let t = crate::support::live::now_ms();
    let mut lines = vec![agent_state(t, "a1", "available", "sales")];
    lines.extend(calls.iter().map(|c| offered(&at(t), c, "sales")));
    produce_by_call_id(&broker, "calls", &lines);

    let k = wait_kpis(&s, 8, 0, 8, None);
    assert_eq!(scope(&k, Some("sales"))["agents_available"], 1, "{k}");
    assert_watermark_before(&k, t, "waiting");
    wait_metrics(&s, 8.0, 8.0, 0.0);
    wait_board(&s, 8);

    let answer = t + secs(5);
    let answers: Vec<String> = calls.iter().map(|c| answered(&at(answer), c)).collect();
    produce_by_call_id(&broker, "calls", &answers);
    let k = wait_kpis(&s, 8, 8, 0, Some(1.0));
    assert_watermark_before(&k, t, "answered");
    wait_metrics(&s, 0.0, 8.0, 8.0);
    wait_board(&s, 0);
}

/// Polls `/api/v1/kpis?window=60m` until the center shows `n` offered and `n` answered,
/// checking at every poll that no call counts twice (offered ≤ n, answered ≤ offered, the
/// same in `/metrics`). Returns the polls made.
fn converge_without_double_count(s: &Service, n: u64) -> usize {
    let mut polls = 0;
    poll(s, &format!("{n} calls offered and answered"), |last| {
        polls += 1;
        let k = json(s, "/api/v1/kpis?window=60m");
        *last = k.to_string();
        let c = scope(&k, None);
        let (o, a) = (
            c["offered"].as_u64().unwrap_or(0),
            c["answered"].as_u64().unwrap_or(0),
        );
        assert!(o <= n && a <= o, "a call counted twice: {k}");
        let m = s.get("/metrics").1;
        let mo = sample(&m, "callpulse_center_calls_offered_total", "").unwrap_or(0.0);
        let ma = sample(&m, "callpulse_center_calls_answered_total", "").unwrap_or(0.0);
        assert!(
            mo <= n as f64 && ma <= mo,
            "a call counted twice in /metrics: offered {mo}, answered {ma}"
        );
        (o == n && a == n).then_some(())
    });
    polls
}

#[test]
fn calls_out_of_order_across_four_partitions_are_never_counted_twice_and_end_equal_to_the_final_records(
) {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 4);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    // No idle advance: only the events move the watermark (lateness 10 min).
    let mut vars = kafka_env(&bootstrap, "calls", "order", "10m");
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1h"));
    let s = Service::start(&["run"], &vars);
    s.wait_ready(crate::support::live::WAIT);

    // Twelve calls within one interval three hours ago: offered, answered 5 s later, ended a
    // minute later. Each call's three events go to three different partitions, produced end
    // first, then the answer, then the offer.
    const N: u64 = 12;
    let base: Millis = interval_start(crate::support::live::now_ms() - 3 * HOUR) + MINUTE;
    let mut by_partition: Vec<Vec<String>> = vec![Vec::new(); 4];
    for (step, kind) in ["ended", "answered", "offered"].iter().enumerate() {
        for i in 0..N {
            let call = format!("c{i}");
            let t = base + secs(10 * i as i64);
            let line = match *kind {
                "ended" => ended(t + MINUTE, &call),
                "answered" => answered(&at(t + secs(5)), &call),
                _ => offered(&at(t), &call, "sales"),
            };
            by_partition[(i as usize + step) % 4].push(line);
        }
    }
    for (p, lines) in by_partition.iter().enumerate() {
        produce_to(&bootstrap, "calls", p as u32, lines);
    }
    let polls = converge_without_double_count(&s, N);
    eprintln!("live figures converged after {polls} polls");
    let live = json(&s, "/api/v1/kpis?window=60m");
    let live_center = scope(&live, None).clone();

    // A heartbeat on every partition 40 minutes on: the watermark passes the interval (and
    // its grace), which becomes final.
    for p in 0..4 {
        produce_to(
            &bootstrap,
            "calls",
            p,
            &[heartbeat(base + 40 * MINUTE, &format!("acd-{p}"))],
        );
    }
    let start = interval_start(base);
    let record = poll(&s, "the final center record of the interval", |last| {
        let records = json(&s, "/api/v1/intervals");
        *last = records.to_string();
        records.as_array().and_then(|rs| {
            rs.iter()
                .find(|r| {
                    r["scope"] == "center"
                        && r["start"]
                            .as_str()
                            .and_then(callpulse::time::rfc3339::parse)
                            == Some(start)
                        && r.get("final").map_or(true, |f| f == true)
                })
                .cloned()
        })
    });
    for field in [
        "offered",
        "answered",
        "answered_within_threshold",
        "abandoned",
    ] {
        assert_eq!(
            record[field], live_center[field],
            "{field}: final {record} vs live {live_center}"
        );
    }
    assert_eq!(record["offered"], N, "{record}");
    // Once final, the live figures still show the same calls, once each.
    let after = json(&s, "/api/v1/kpis?window=60m");
    assert_eq!(scope(&after, None)["offered"], N, "{after}");
    assert_eq!(scope(&after, None)["answered"], N, "{after}");
    let m = s.get("/metrics").1;
    assert_eq!(crate::support::live::rejected_all(&m), 0.0, "{m}");
}
