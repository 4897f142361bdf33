//! `callpulse run` against a real Kafka-protocol broker (tansu), with kafka-python as the
//! independent client on the other side: what it produces reaches `/metrics` and
//! `/api/v1/kpis` with the right values, bad messages land in the dead-letter topic with
//! their reason, a restart resumes from the committed offsets, two instances of one group
//! split the partitions, and a real Prometheus server computes the same service level.

use crate::support::kafka::{kafka_python, kafka_python_with_input, produce_by_call_id, Broker};
use crate::support::lines::{heartbeat, offered, q1_threshold_calls};
use crate::support::service::{sample, try_get, Service};
use callpulse::codec::decode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(90);

/// Environment of a `callpulse run` reading `topic` in `group` from `broker`.
fn env<'a>(broker: &'a str, topic: &'a str, group: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CALLPULSE_KAFKA_BROKERS", broker),
        ("CALLPULSE_KAFKA_TOPICS", topic),
        ("CALLPULSE_KAFKA_GROUP_ID", group),
        ("CALLPULSE_KAFKA_DEAD_LETTER_TOPIC", "dead-letters"),
        ("CALLPULSE_ENGINE_LATENESS", "0s"),
        ("CALLPULSE_KAFKA_CLIENT_AUTO_COMMIT_INTERVAL_MS", "500"),
    ]
}

/// Sends `lines` as they are (one message each, no key) to `partition` of `topic`.
fn produce_raw(bootstrap: &str, topic: &str, partition: &str, lines: &[String]) {
    let mut input = lines.join("\n");
    input.push('\n');
    kafka_python_with_input(
        &[
            "produce",
            "--brokers",
            bootstrap,
            "--topic",
            topic,
            "--partition",
            partition,
            "-",
        ],
        input.as_bytes(),
    );
}

/// Four calls of q1 (waits 5 s, 20.000 s, 20.001 s answered; one abandoned), one of q2,
/// two bad messages, and a heartbeat that moves the watermark past them.
fn known_day() -> (Vec<String>, Vec<&'static str>) {
    let bad = vec![
        "not json",
        r#"{"type":"call.parked","ts":"2026-11-02T10:00:01Z"}"#,
    ];
    let mut lines = q1_threshold_calls();
    lines.extend(bad.iter().map(|s| s.to_string()));
    lines.push(heartbeat("2026-11-02T10:05:00Z"));
    (lines, bad)
}

fn metric(service: &Service, name: &str, labels: &str) -> Option<f64> {
    sample(&service.get("/metrics").1, name, labels)
}

fn wait_read(service: &Service, n: f64) {
    service.wait_for(&format!("{n} events read"), WAIT, |m| {
        sample(m, "callpulse_events_read_total", "").filter(|r| *r >= n)
    });
}

#[test]
fn events_from_kafka_python_reach_metrics_and_the_api_and_bad_ones_the_dead_letter_topic() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("calls", 3);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    // No idle advance: the 2026-11-02 events keep defining the live clock.
    let mut vars = env(&bootstrap, "calls", "kpis");
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1h"));
    let service = Service::start(&["run"], &vars);
    let (lines, bad) = known_day();
    produce_by_call_id(&broker, "calls", &lines);
    wait_read(&service, lines.len() as f64);
    // Every partition read to its end: the watermark reaches the newest event, 10:05 (the
    // heartbeat itself, at the watermark, stays pending).
    service.wait_for("dead letters and the watermark at 10:05", WAIT, |m| {
        let letters = sample(m, "callpulse_dead_letters_total", "")?;
        let watermark = sample(m, "callpulse_watermark_timestamp_seconds", "")?;
        (letters >= 2.0 && watermark >= 1_793_613_900.0).then_some(())
    });

    let m = service.get("/metrics").1;
    let q1 = r#"queue="q1""#;
    assert_eq!(sample(&m, "callpulse_calls_offered_total", q1), Some(4.0));
    assert_eq!(sample(&m, "callpulse_calls_answered_total", q1), Some(3.0));
    assert_eq!(
        sample(&m, "callpulse_calls_answered_within_threshold_total", q1),
        Some(2.0)
    );
    assert_eq!(sample(&m, "callpulse_calls_abandoned_total", q1), Some(1.0));
    assert_eq!(
        sample(&m, "callpulse_center_calls_offered_total", ""),
        Some(5.0)
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_events_rejected_total",
            r#"reason="invalid_json""#
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &m,
            "callpulse_events_rejected_total",
            r#"reason="unknown_type""#
        ),
        Some(1.0)
    );
    let v: Value =
        serde_json::from_str(&service.get("/api/v1/kpis?window=today&queue=q1").1).unwrap();
    let q = &v["queues"][0];
    assert_eq!(q["service_level"], 0.5, "{v}");
    assert_eq!(q["answer_rate"], 0.75, "{v}");
    assert_eq!(q["asa_seconds"].as_f64().unwrap(), 45.001 / 3.0);

    // The dead letters, read back by kafka-python: original bytes and reason headers.
    let out = kafka_python(&[
        "consume",
        "--brokers",
        &bootstrap,
        "--topic",
        "dead-letters",
        "--expect",
        "2",
    ]);
    let letters: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(letters.len(), 2, "{out}");
    let mut by_value: BTreeMap<String, &Value> = BTreeMap::new();
    for l in &letters {
        by_value.insert(l["value"].as_str().unwrap().to_string(), &l["headers"]);
    }
    assert_eq!(
        by_value[bad[0]]["callpulse.reason"], "invalid_json",
        "{out}"
    );
    assert_eq!(
        by_value[bad[1]]["callpulse.reason"], "unknown_type",
        "{out}"
    );
    for h in by_value.values() {
        assert_eq!(h["callpulse.source.topic"], "calls");
        let partition: i32 = h["callpulse.source.partition"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0..3).contains(&partition), "{h}");
        assert!(h["callpulse.source.offset"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .is_ok());
    }

    // A real Prometheus scrapes the counters; its PromQL service level equals the API's.
    if let Some(prom) = Prometheus::start(&service.base) {
        let promql = "sum(callpulse_calls_answered_within_threshold_total{queue=\"q1\"}) \
                      / sum(callpulse_calls_offered_total{queue=\"q1\"})";
        let value = prom.query_until(promql, WAIT);
        assert_eq!(
            value,
            q["service_level"].as_f64().unwrap(),
            "PromQL vs /api/v1/kpis"
        );
    }
    let status = service.terminate(Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
}

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

/// A Prometheus server scraping one target every second, on a free port, killed on drop.
struct Prometheus {
    child: std::process::Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    /// `None` outside CI when prometheus is not installed.
    fn start(target: &str) -> Option<Prometheus> {
        if Command::new("prometheus")
            .arg("--version")
            .output()
            .is_err()
        {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "prometheus is needed (Debian package prometheus)"
            );
            eprintln!("skipping the Prometheus check: prometheus not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let target = target.trim_start_matches("http://");
        std::fs::write(
            dir.path().join("prometheus.yml"),
            format!(
                "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
                 scrape_configs:\n  - job_name: callpulse\n    static_configs:\n      \
                 - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
            .spawn()
            .expect("prometheus starts");
        Some(Prometheus {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        })
    }

    /// Runs an instant query until it has a result.
    fn query_until(&self, promql: &str, within: Duration) -> f64 {
        let url = format!("{}/api/v1/query?query={}", self.base, encode(promql));
        let deadline = Instant::now() + within;
        loop {
            if let Ok((200, body)) = try_get(&url) {
                let v: Value = serde_json::from_str(&body).unwrap();
                if let Some(value) = v["data"]["result"][0]["value"][1].as_str() {
                    return value.parse().unwrap();
                }
            }
            assert!(
                Instant::now() < deadline,
                "no answer from Prometheus to {promql}"
            );
            sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a query parameter.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Queue_log lines of two queues on 2026-11-02 from 09:00 (epoch 1793610000): sales has one
/// call that rings once unanswered, then is answered after 12 s and completed, and one that
/// times out after 60 s; support has one abandon after 8 s. The last line is not queue_log.
fn queue_log_lines() -> Vec<String> {
    let t = 1_793_610_000u64;
    [
        format!("{t}|c1|sales|NONE|ENTERQUEUE||0123456789|1"),
        format!("{}|c1|sales|PJSIP/alice|RINGNOANSWER|4000", t + 5),
        format!("{}|c1|sales|PJSIP/bob|CONNECT|12|c1.2|3", t + 12),
        format!("{}|c2|sales|NONE|ENTERQUEUE||0123456780|2", t + 20),
        format!("{}|c3|support|NONE|ENTERQUEUE||0123456781|1", t + 30),
        format!("{}|c3|support|NONE|ABANDON|1|1|8", t + 38),
        format!("{}|c2|sales|NONE|EXITWITHTIMEOUT|1|2|60", t + 80),
        format!("{}|c1|sales|PJSIP/bob|COMPLETECALLER|12|90|1", t + 102),
        "line noise from a serial console".to_string(),
    ]
    .to_vec()
}

fn call_counts(service: &Service) -> Vec<Option<f64>> {
    let m = service.get("/metrics").1;
    [
        ("callpulse_calls_offered_total", r#"queue="sales""#),
        ("callpulse_calls_answered_total", r#"queue="sales""#),
        ("callpulse_calls_timed_out_total", r#"queue="sales""#),
        ("callpulse_calls_abandoned_total", r#"queue="support""#),
        ("callpulse_answer_wait_seconds_total", r#"queue="sales""#),
        ("callpulse_talk_seconds_total", r#"queue="sales""#),
    ]
    .iter()
    .map(|(name, labels)| sample(&m, name, labels))
    .collect()
}

#[test]
fn queue_log_lines_as_kafka_messages_and_callpulse_produce_give_the_same_counts() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("qlog", 1);
    broker.create_topic("canonical", 2);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let lines = queue_log_lines();

    // One queue_log line per message, sent by kafka-python, read with --input-format queue_log.
    produce_raw(&bootstrap, "qlog", "0", &lines);
    let mut vars = env(&bootstrap, "qlog", "qlog-readers");
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1s"));
    let direct = Service::start(&["run", "--input-format", "queue_log"], &vars);
    let expected = vec![
        Some(2.0),
        Some(1.0),
        Some(1.0),
        Some(1.0),
        Some(12.0),
        Some(90.0),
    ];
    direct.wait_for("the queue_log calls", WAIT, |_| {
        (call_counts(&direct) == expected).then_some(())
    });
    let m = direct.get("/metrics").1;
    assert_eq!(sample(&m, "callpulse_input_records_total", ""), Some(9.0));
    assert_eq!(
        sample(
            &m,
            "callpulse_events_rejected_total",
            r#"reason="missing_field:event""#
        ),
        Some(1.0),
        "{m}"
    );

    // The same file through `callpulse produce`: canonical events, keyed by call id.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("queue_log");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_callpulse"))
        .args([
            "produce",
            "--input-format",
            "queue_log",
            "--brokers",
            &bootstrap,
            "--topic",
            "canonical",
            file.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{summary}");
    assert!(
        summary.starts_with("lines 9 events sent to canonical")
            && summary.contains("rejected missing_field:event: 1"),
        "{summary}"
    );
    let via_produce = Service::start(&["run"], &env(&bootstrap, "canonical", "canonical-readers"));
    via_produce.wait_for("the produced calls", WAIT, |_| {
        (call_counts(&via_produce) == expected).then_some(())
    });
    // Keys: a call's events carry its call id, an agent's its agent id, a component's its name.
    let sent: usize = summary
        .split_whitespace()
        .skip_while(|w| *w != "canonical")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no event count in {summary}"));
    let consumed = kafka_python(&[
        "consume",
        "--brokers",
        &bootstrap,
        "--topic",
        "canonical",
        "--expect",
        &sent.to_string(),
    ]);
    let messages: Vec<Value> = consumed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(messages.len(), sent, "{consumed}");
    for m in &messages {
        let event: Value = serde_json::from_str(m["value"].as_str().unwrap()).unwrap();
        let owner = ["call_id", "agent_id", "component"]
            .iter()
            .find_map(|f| event[*f].as_str())
            .unwrap_or_else(|| panic!("no key field in {event}"));
        assert_eq!(m["key"].as_str(), Some(owner), "{m}");
        decode(m["value"].as_str().unwrap()).expect("canonical JSON");
    }
}

#[test]
fn each_partition_of_queue_log_lines_is_its_own_stream_so_one_pbx_restart_ends_only_its_calls() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("pbxs", 2);
    broker.create_topic("dead-letters", 1);
    let bootstrap = broker.bootstrap();
    let t = 1_793_610_000u64;
    // PBX A (partition 0): a call waits 30 s and is answered. PBX B (partition 1) restarts
    // while it waits: B's restart must not end A's call.
    let pbx_a = [
        format!("{t}|a.1|sales|NONE|ENTERQUEUE||0123456789|1"),
        format!("{}|a.1|sales|PJSIP/alice|CONNECT|30|a.2|2", t + 30),
        format!("{}|a.1|sales|PJSIP/alice|COMPLETECALLER|30|60|1", t + 90),
    ];
    let pbx_b = [
        format!("{}|b.1|support|NONE|ENTERQUEUE||0123456780|1", t + 5),
        format!("{}|NONE|NONE|NONE|QUEUESTART|", t + 10),
    ];
    let send =
        |partition: &str, lines: &[String]| produce_raw(&bootstrap, "pbxs", partition, lines);
    let mut vars = env(&bootstrap, "pbxs", "pbx-readers");
    // No wall-clock advance: the 2026-11-02 lines come in three steps.
    vars.push(("CALLPULSE_SERVICE_IDLE_AFTER", "1h"));
    let service = Service::start(&["run", "--input-format", "queue_log"], &vars);
    let records = |n: f64| {
        service.wait_for(&format!("{n} records"), WAIT, |m| {
            (sample(m, "callpulse_input_records_total", "")? >= n).then_some(())
        })
    };
    // In this order: A's caller enters, B restarts, then A's caller is answered.
    send("0", &pbx_a[..1]);
    records(1.0);
    send("1", &pbx_b);
    records(3.0);
    send("0", &pbx_a[1..]);
    service.wait_for("both PBXs' calls", WAIT, |m| {
        let answered = sample(m, "callpulse_calls_answered_total", r#"queue="sales""#)?;
        let failed = sample(m, "callpulse_calls_timed_out_total", r#"queue="support""#)?;
        (answered == 1.0 && failed == 1.0).then_some(())
    });
    let m = service.get("/metrics").1;
    assert_eq!(
        sample(&m, "callpulse_calls_timed_out_total", r#"queue="sales""#),
        Some(0.0),
        "{m}"
    );
    assert!(!m.contains("callpulse_events_rejected_total{"), "{m}");
}
