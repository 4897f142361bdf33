//! A restored engine runs under the configuration and settings it is restored into.

use super::*;
use crate::config::Config;

#[test]
fn a_restored_engine_takes_the_running_thresholds_and_lateness() {
    let before = Config::default();
    let saved = Engine::new(&before.engine, &[crate::time::Granularity::Interval]).snapshot();
    let mut after = Config::default();
    after.engine.threshold = 30_000;
    after.engine.lateness = 5_000;
    let mut e = Engine::new(&after.engine, &[crate::time::Granularity::Interval]);
    let bounds = e.live().bounds().to_vec();
    e.restore(&saved).unwrap();
    assert_eq!(e.config().threshold, 30_000);
    assert_eq!(e.config().lateness, 5_000);
    assert_eq!(e.threshold(crate::engine::Scope::Center), 30_000);
    assert_eq!(
        e.live().bounds(),
        bounds.as_slice(),
        "buckets of the running thresholds"
    );
}

/// An offered call of queue `queue` at `ts`, for engine `e`.
fn offer(e: &mut Engine, id: &str, queue: &str, ts: Millis) {
    let line = format!(r#"{{"type":"call.offered","ts":{ts},"call_id":"{id}","queue":"{queue}"}}"#);
    let decoder = crate::codec::Decoder {
        max_bytes: Config::default().engine.max_event_bytes,
    };
    e.ingest(decoder.decode(line.as_bytes()).unwrap(), Default::default());
}

#[test]
fn a_restored_engine_keeps_the_running_settings_of_names_and_live_figures() {
    let cfg = Config::default();
    let grains = [crate::time::Granularity::Interval];
    let t0: Millis = 1_700_000_000_000;
    let mut source = Engine::new(&cfg.engine, &grains);
    offer(&mut source, "c0", "before", t0);
    let saved = source.snapshot();

    // The live service interns names as events arrive, so an event still buffered shows.
    let mut live = Engine::new(&cfg.engine, &grains);
    live.set_live_names(true);
    live.restore(&saved).unwrap();
    offer(&mut live, "c1", "after", t0 + 1_000);
    assert!(live.buffered() > 0, "the new call waits for the watermark");
    let names: Vec<_> = (0..live.names().queues.len() as u32)
        .map(|q| live.names().queues.name(q).to_string())
        .collect();
    assert!(names.contains(&"after".to_string()), "{names:?}");

    // A replay keeps no live figure, restored or not: no index of calls waiting.
    let mut replay = Engine::new(&cfg.engine, &grains);
    replay.set_live_windows(false);
    replay.restore(&saved).unwrap();
    offer(&mut replay, "c1", "after", t0 + 1_000);
    replay.advance_to(t0 + 3_600_000);
    let waiting = |e: &Engine| e.waiting().iter().map(|(n, _)| n).sum::<u64>();
    assert_eq!(waiting(&replay), 0);
    assert!(replay.live().waits(crate::engine::Scope::Center).is_none());
    // Turned on again, the index is rebuilt from the calls.
    replay.set_live_windows(true);
    assert_eq!(waiting(&replay), 2);
}
