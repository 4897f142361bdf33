//! No event moves time for everyone (issue 14), in the live service: one event with a wrong
//! clock (a device rebooted without NTP stamping 1970, one stamped 2099, +25 h, +30 d) costs
//! that event alone. Followed live, the wall clock bounds event time (`engine.max_future`);
//! in a Kafka backlog, stamped too long ago for the wall clock to tell, the robust clock
//! rejects the outlier; and a checkpoint taken while the outlier is held carries no poisoned
//! clock into the restart. (Before issue 14, every later event of these streams was rejected
//! `bad_timestamp` or `too_late`: these tests fail on that code.)

use crate::support::kafka::{produce_by_call_id, Broker};
use crate::support::lines::{answered, heartbeat, offered};
use crate::support::live::heartbeat as heartbeat_of;
use crate::support::live::{
    at, interval_start, json, kafka_env, metric, now_ms, poll, produce_to, rejected, rejected_all,
    scope, secs, FollowNow, WAIT,
};
use crate::support::service::{sample, Service};
use callpulse::time::{Millis, HOUR, MINUTE};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const SALES: &str = r#"queue="sales""#;
const DAY: Millis = 24 * HOUR;

/// Polls until `/metrics` counts `offered` and `answered` calls of `sales` and `lost` events
/// rejected as `too_late` or `bad_timestamp` (and no other rejection), and
/// `/api/v1/kpis?window=60m` shows the same offered calls for the center.
fn wait_counted(s: &Service, offered: f64, answered: f64, lost: f64) {
    let what = format!("{offered} offered, {answered} answered, {lost} rejected");
    poll(s, &what, |last| {
        let m = s.get("/metrics").1;
        let k = json(s, "/api/v1/kpis?window=60m");
        let got = (
            sample(&m, "callpulse_calls_offered_total", SALES).unwrap_or(0.0),
            sample(&m, "callpulse_calls_answered_total", SALES).unwrap_or(0.0),
            rejected(&m, "too_late") + rejected(&m, "bad_timestamp"),
            rejected_all(&m),
            scope(&k, None)["offered"].as_f64().unwrap_or(0.0),
        );
        *last = format!("(offered, answered, lost, rejected, kpis offered) = {got:?}\n{k}");
        (got == (offered, answered, lost, lost, offered)).then_some(())
    });
}

/// `n` calls of `sales` stamped `t`, named `{prefix}{i}`; answered a second later when
/// `answer`.
fn calls(prefix: &str, n: usize, t: Millis, answer: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..n {
        let call = format!("{prefix}{i}");
        lines.push(offered(&at(t), &call, "sales"));
        if answer {
            lines.push(answered(&at(t + secs(1)), &call));
        }
    }
    lines
}

#[test]
fn a_followed_file_with_events_stamped_1970_2099_25h_and_30d_ahead_loses_only_those_events() {
    let f = FollowNow::start("30s");
    let s = &f.service;

    // A device rebooted without NTP: its heartbeat stamped 1970 comes first.
    let mut lines = vec![heartbeat("1970-01-01T00:00:01Z")];
    lines.extend(calls("a", 10, now_ms(), false));
    f.append(&lines);
    wait_counted(s, 10.0, 0.0, 1.0);

    // One stamped 2099: beyond the wall clock, rejected at once.
    let mut lines = vec![offered("2099-01-01T00:00:00Z", "y2099", "sales")];
    lines.extend(calls("b", 10, now_ms(), false));
    f.append(&lines);
    wait_counted(s, 20.0, 0.0, 2.0);
    let m = s.get("/metrics").1;
    assert_eq!(rejected(&m, "bad_timestamp"), 1.0, "2099 is bad_timestamp");

    // One 25 h and one 30 days ahead among calls, then 110 events stamped now.
    let t = now_ms();
    let mut lines = calls("c", 5, t, false);
    lines.push(offered(&at(t + 25 * HOUR), "h25", "sales"));
    lines.extend(calls("d", 5, t, false));
    lines.push(offered(&at(t + 30 * DAY), "d30", "sales"));
    let later = calls("e", 55, now_ms(), true);
    assert_eq!(later.len(), 110);
    lines.extend(later);
    f.append(&lines);
    wait_counted(s, 85.0, 55.0, 4.0);
    let m = s.get("/metrics").1;
    assert_eq!(
        rejected(&m, "bad_timestamp"),
        3.0,
        "2099, +25 h and +30 d beyond engine.max_future"
    );
}

/// 120 calls of `sales` from `base`, one a minute, each answered 10 s after its offer.
fn backlog(base: Millis, from: usize, to: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for i in from..to {
        let call = format!("c{i}");
        let t = base + i as i64 * MINUTE;
        lines.push(offered(&at(t), &call, "sales"));
        lines.push(answered(&at(t + secs(10)), &call));
    }
    lines
}

/// A heartbeat at `t` on each of the 4 partitions, of a component of its own: each
/// partition's time reaches `t`, and the clock sees four events at `t`.
fn heartbeats(bootstrap: &str, t: Millis) {
    for p in 0..4 {
        produce_to(
            bootstrap,
            "calls",
            p,
            &[heartbeat_of(t, &format!("acd-{p}"))],
        );
    }
}

/// Sums `offered` and `answered` of the center's final interval records in `[from, to)`
/// that `/api/v1/intervals` shows.
fn final_sums(s: &Service, from: Millis, to: Millis) -> (u64, u64) {
    let records = json(
        s,
        &format!(
            "/api/v1/intervals?from={}&to={}",
            at(from).replace('+', "%2B"),
            at(to).replace('+', "%2B")
        ),
    );
    let mut sums = (0, 0);
    for r in records.as_array().expect("an array of records") {
        if r["scope"] == "center" && r.get("final").map_or(true, |f| f == true) {
            sums.0 += r["offered"].as_u64().unwrap();
            sums.1 += r["answered"].as_u64().unwrap();
        }
    }
    sums
}

#[test]
fn a_kafka_backlog_with_one_event_25h_ahead_in_two_hours_of_calls_loses_at_most_that_event() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 4);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let mut vars = kafka_env(&bootstrap, "calls", "backlog", "30s");
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1h"));
    let s = Service::start(&["run"], &vars);
    s.wait_ready(WAIT);

    // Three days ago: the wall clock cannot tell the outlier (then 2 days ago) is wrong.
    let base = interval_start(now_ms() - 3 * DAY);
    let mut lines = backlog(base, 0, 60);
    lines.push(offered(&at(base + HOUR + 25 * HOUR), "outlier", "sales"));
    lines.extend(backlog(base, 60, 120));
    produce_by_call_id(&broker, "calls", &lines);
    heartbeats(&bootstrap, base + 2 * HOUR + 30 * MINUTE);

    let (offered, answered) = poll(&s, "120 calls in the final records", |last| {
        let sums = final_sums(&s, base, base + 2 * HOUR);
        let m = s.get("/metrics").1;
        *last = format!(
            "final (offered, answered) = {sums:?}; read {:?}, offered {:?}, too_late {}, \
             bad_timestamp {}, watermark {:?}",
            sample(&m, "callpulse_events_read_total", ""),
            sample(&m, "callpulse_calls_offered_total", SALES),
            rejected(&m, "too_late"),
            rejected(&m, "bad_timestamp"),
            sample(&m, "callpulse_watermark_timestamp_seconds", "")
        );
        (sums == (120, 120)).then_some(sums)
    });
    assert_eq!((offered, answered), (120, 120));
    wait_read(&s, lines.len() + 4);
    let m = s.get("/metrics").1;
    eprintln!(
        "the outlier: bad_timestamp {}, too_late {}, calls offered {:?}",
        rejected(&m, "bad_timestamp"),
        rejected(&m, "too_late"),
        sample(&m, "callpulse_calls_offered_total", SALES)
    );
    assert!(
        rejected_all(&m) <= 1.0,
        "at most the outlier lost: too_late {}, bad_timestamp {}, all {}",
        rejected(&m, "too_late"),
        rejected(&m, "bad_timestamp"),
        rejected_all(&m)
    );

    // No event moved time for everyone: the watermark is where the stream is.
    let watermark = sample(&m, "callpulse_watermark_timestamp_seconds", "").unwrap();
    let end = base + 2 * HOUR + 30 * MINUTE;
    assert!(
        watermark * 1000.0 <= end as f64,
        "the watermark {watermark} s is past the stream's time {} s",
        end / 1000
    );
    // The stream moves on: three more events on every partition, at its present. However the
    // partitions were interleaved, they contradict the outlier, which leaves the live figures.
    for p in 0..4 {
        let t = end + MINUTE;
        let more: Vec<String> = (0..3)
            .map(|i| heartbeat_of(t + secs(i), &format!("acd-{p}")))
            .collect();
        produce_to(&bootstrap, "calls", p, &more);
    }
    poll(
        &s,
        "the outlier rejected once the stream moved on",
        |last| {
            let m = s.get("/metrics").1;
            let got = (
                rejected_all(&m),
                rejected(&m, "bad_timestamp"),
                sample(&m, "callpulse_calls_offered_total", SALES),
            );
            *last = format!("(rejected, bad_timestamp, offered) = {got:?}");
            (got == (1.0, 1.0, Some(120.0))).then_some(())
        },
    );
}

/// `callpulse run` reading `calls` in group `restart`, checkpointing into `store` every
/// 200 ms; only events move the watermark.
fn start_checkpointed(bootstrap: &str, store: &Path) -> Service {
    let mut vars = kafka_env(bootstrap, "calls", "restart", "30s");
    vars.extend([
        ("CALLPULSE_SERVICE_IDLE_AFTER", "1h"),
        ("CALLPULSE_ALERTS_PROFILE", ""),
        ("CALLPULSE_EVIDENCE_PATH", store.to_str().unwrap()),
        ("CALLPULSE_EVIDENCE_CHECKPOINT_INTERVAL", "200ms"),
    ]);
    let s = Service::start(&["run"], &vars);
    s.wait_ready(WAIT);
    s
}

fn wait_read(s: &Service, n: usize) {
    s.wait_for(&format!("{n} events read"), WAIT, |m| {
        sample(m, "callpulse_events_read_total", "").filter(|r| *r >= n as f64)
    });
}

/// The latest revision of each center interval record in the evidence store: start →
/// (offered, answered).
fn stored_center_intervals(store: &Path) -> BTreeMap<String, (u64, u64)> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT at, body FROM evidence WHERE kind = 'interval' AND subject = '' ORDER BY seq",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(Result::unwrap);
    let mut out = BTreeMap::new();
    for (start, body) in rows {
        let r: serde_json::Value = serde_json::from_str(&body).unwrap();
        let sums = (
            r["offered"].as_u64().unwrap(),
            r["answered"].as_u64().unwrap(),
        );
        out.insert(start, sums); // later rows are later revisions
    }
    out
}

#[test]
fn a_restart_from_a_checkpoint_taken_after_a_30_day_outlier_is_not_poisoned() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 4);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("evidence.sqlite");

    // Forty days ago, so that +30 days is still behind the wall clock: only the stream can
    // tell the outlier is wrong.
    let base = interval_start(now_ms() - 40 * DAY);
    let first = start_checkpointed(&bootstrap, &store);
    let before = backlog(base, 0, 60);
    produce_by_call_id(&broker, "calls", &before);
    wait_read(&first, before.len());
    let checkpoints = metric(&first, "callpulse_checkpoints_total", "").unwrap_or(0.0);
    // The outlier, read last: nothing after it yet, so the checkpoint holds it undecided.
    produce_by_call_id(
        &broker,
        "calls",
        &[offered(
            &at(base + 30 * MINUTE + 30 * DAY),
            "outlier",
            "sales",
        )],
    );
    wait_read(&first, before.len() + 1);
    first.wait_for("a checkpoint after the outlier", WAIT, |m| {
        sample(m, "callpulse_checkpoints_total", "").filter(|n| *n > checkpoints)
    });
    eprintln!(
        "at the checkpoint: events rejected {} (0: the outlier undecided, held in it)",
        rejected_all(&first.get("/metrics").1)
    );
    assert!(first.terminate(Duration::from_secs(30)).success());

    let second = start_checkpointed(&bootstrap, &store);
    assert!(
        second.log().contains("restored the checkpoint"),
        "{}",
        second.log()
    );
    let after = backlog(base, 60, 120);
    produce_by_call_id(&broker, "calls", &after);
    let end = base + 2 * HOUR + 30 * MINUTE;
    heartbeats(&bootstrap, end);
    second.wait_for("the watermark past the backlog", WAIT, |m| {
        let w = sample(m, "callpulse_watermark_timestamp_seconds", "")?;
        (w * 1000.0 >= (base + 2 * HOUR + 10 * MINUTE) as f64).then_some(())
    });
    let m = second.get("/metrics").1;
    eprintln!(
        "after the restart: bad_timestamp {}, too_late {}",
        rejected(&m, "bad_timestamp"),
        rejected(&m, "too_late")
    );
    assert_eq!(rejected(&m, "too_late"), 0.0, "{m}");
    assert!(rejected_all(&m) <= 1.0, "at most the outlier lost:\n{m}");
    assert!(second.terminate(Duration::from_secs(30)).success());

    let stored = stored_center_intervals(&store);
    let in_backlog: Vec<_> = stored
        .iter()
        .filter(|(start, _)| {
            callpulse::time::rfc3339::parse(start)
                .is_some_and(|t| (base..base + 2 * HOUR).contains(&t))
        })
        .collect();
    let offered: u64 = in_backlog.iter().map(|(_, (o, _))| o).sum();
    let answered: u64 = in_backlog.iter().map(|(_, (_, a))| a).sum();
    assert_eq!(
        (offered, answered),
        (120, 120),
        "every call of the backlog in the final records: {stored:?}"
    );
}
