use super::*;
use crate::codec::decode;
use crate::config::Config;
use crate::engine::{Engine, Scope};
use crate::reject::Origin;
use crate::time::Granularity;

fn hours(cfg: SimConfig, h: i64) -> Vec<String> {
    let end = cfg.start + h * HOUR;
    let mut sim = Simulator::new(cfg);
    let mut out = Vec::new();
    while let Some(line) = sim.next() {
        if sim.now() > end {
            break;
        }
        out.push(line);
    }
    out
}

#[test]
fn the_same_seed_gives_the_same_stream_and_another_seed_another() {
    let a = hours(SimConfig::default(), 1);
    let b = hours(SimConfig::default(), 1);
    let c = hours(
        SimConfig {
            seed: 2,
            ..SimConfig::default()
        },
        1,
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn events_come_in_event_time_order_and_malformed_lines_are_rare() {
    let lines = hours(SimConfig::default(), 4);
    let events: Vec<_> = lines.iter().filter_map(|l| decode(l).ok()).collect();
    let bad = lines.len() - events.len();
    assert!(
        bad > 0 && bad * 1000 < lines.len(),
        "{bad} malformed of {}",
        lines.len()
    );
    assert!(events.windows(2).all(|w| w[0].ts <= w[1].ts));
}

#[test]
fn a_simulated_day_replays_cleanly_with_calls_abandons_and_an_outage() {
    let lines = hours(SimConfig::default(), 24);
    let cfg = Config::default();
    let mut engine = Engine::new(&cfg.engine, &[Granularity::Day]);
    let mut malformed = 0;
    for line in &lines {
        match decode(line) {
            Ok(e) => engine.ingest(e, Origin::default()),
            Err(reason) => {
                malformed += 1;
                engine.reject(reason, Origin::default(), line.as_bytes())
            }
        }
    }
    engine.flush();
    let stats = engine.stats();
    assert_eq!(
        stats.rejected_total(),
        malformed,
        "only the deliberate malformed lines"
    );
    let records = engine.take_records();
    let center: Vec<_> = records
        .iter()
        .filter(|r| r.scope == Scope::Center)
        .collect();
    let offered: u64 = center.iter().map(|r| r.tally.counts.offered).sum();
    let abandoned: u64 = center.iter().map(|r| r.tally.counts.abandoned).sum();
    let answered: u64 = center.iter().map(|r| r.tally.counts.answered).sum();
    assert!(offered > 1_500, "{offered} calls in a day");
    assert!(
        abandoned > 0 && abandoned * 5 < offered,
        "{abandoned} of {offered} abandoned"
    );
    assert!(answered + abandoned <= offered);
    assert!(
        center.iter().any(|r| r.tally.down_ms > 0),
        "the IVR had an outage"
    );
    for q in 0..3 {
        assert!(records
            .iter()
            .any(|r| r.scope == Scope::Queue(q) && r.tally.counts.offered > 0));
    }
}
