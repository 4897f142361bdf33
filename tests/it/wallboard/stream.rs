//! The stream (`/api/v1/stream`, read with `support::sse`): boards pushed as the demo runs,
//! each built anew like the `/api/v1/kpis` snapshot, and a bad window refused.

use super::board::*;
use crate::support::service::Service;
use crate::support::sse::EventStream;
use serde_json::Value;
use std::time::Duration;

#[test]
fn the_stream_pushes_boards_as_the_demo_runs_built_like_the_kpis_snapshot() {
    let demo = Service::start(&["demo", "--seed", "7"], &[]);
    demo.wait_ready(Duration::from_secs(120));
    let mut stream = EventStream::open(&format!("{}/api/v1/stream", demo.base), None);
    assert_eq!(stream.status, 200);
    let header = |name| stream.header(name).unwrap_or_default().to_string();
    assert!(
        header("content-type").starts_with("text/event-stream"),
        "{:?}",
        stream.headers
    );
    assert!(
        header("cache-control").contains("no-cache"),
        "{:?}",
        stream.headers
    );

    let first = stream.next_event(WAIT);
    assert_eq!(first.field("event"), Some("board"), "{first:?}");
    assert_eq!(
        first.field("retry"),
        Some("2000"),
        "the browser reconnects 2 s after a drop"
    );
    let b1 = json(first.field("data").expect("a data line"));
    let queues = check_board(&b1);
    assert_eq!(queues.len(), 3, "the demo's three queues: {queues:?}");

    // The same queues, in the same order, as /api/v1/kpis.
    let kpis = json(&demo.get("/api/v1/kpis").1);
    let names: Vec<&str> = kpis["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["queue"].as_str().unwrap())
        .collect();
    assert_eq!(names, queues);

    let second = stream.next_event(WAIT);
    let b2 = json(second.field("data").expect("a data line"));
    check_board(&b2);
    // The server pushes when the input changed something, at most once a second and at least
    // every 5 s (src/service/http/mod.rs); the test checks that boards keep coming and that each
    // is built anew, not how fast (tests never assert on timing).
    eprintln!(
        "second board {} ms after the first",
        (second.at - first.at).as_millis()
    );
    let third = stream.next_event(WAIT);
    let b3 = json(third.field("data").unwrap());
    check_board(&b3);
    let built = |b: &Value| b["built_ms"].as_i64().expect("built_ms");
    assert!(
        built(&b1) < built(&b2) && built(&b2) < built(&b3),
        "each board is new: {} {} {}",
        built(&b1),
        built(&b2),
        built(&b3)
    );

    // A bad window is refused like /api/v1/kpis refuses it.
    let (code, body) = demo.get("/api/v1/stream?window=5h");
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("5h"), "{body}");
}
