//! What kafka-python produces reaches `/metrics` and `/api/v1/kpis` with the hand-computed
//! values, the bad messages land in the dead-letter topic with their reason, and a real
//! Prometheus computes the same service level.

use super::common::{env, known_day, wait_read, WAIT};
use super::prometheus::Prometheus;
use crate::support::kafka::{kafka_python, produce_by_call_id, Broker};
use crate::support::service::{sample, Service};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

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
