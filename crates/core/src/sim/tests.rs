use super::*;
use crate::codec::decode;
use crate::config::Config;
use crate::engine::{Engine, Scope};
use crate::event::CallbackResult;
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

/// What the callback list should hold, worked out from the stream in time order by the rule
/// of `docs/src/supervisor/callbacks.md`, for one queue and customer.
#[derive(Debug, Default, Clone, PartialEq)]
struct Caller {
    /// Unanswered calls since they last reached an agent of the queue (0: not on the list).
    unanswered: u32,
    attempts: u32,
    last: Option<CallbackResult>,
}

/// `h` simulated hours of the default center (from its local midnight in Shanghai), decoded;
/// and, by (queue, customer), today's list worked out from them (it starts empty at local
/// midnight), checking on the way that every `call.callback` is for a caller then on the list
/// of that queue (an earlier call of theirs to it left unanswered today, none answered and no
/// callback answered since), and at most [`callbacks::MAX_ATTEMPTS`] for one listing. Also
/// how many callers called the queue they had left again, within five minutes.
fn simulated_list(h: i64) -> (Vec<Event>, BTreeMap<(String, String), Caller>, usize) {
    let cfg = SimConfig::default();
    let local_day = |t: Millis| (t + cfg.utc_offset).div_euclid(24 * HOUR);
    let lines = hours(cfg.clone(), h);
    let events: Vec<Event> = lines.iter().filter_map(|l| decode(l).ok()).collect();
    let mut offers: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut list: BTreeMap<(String, String), Caller> = BTreeMap::new();
    let mut left_at: BTreeMap<(String, String), Millis> = BTreeMap::new();
    let mut called_again = 0;
    let mut today = local_day(cfg.start);
    for e in &events {
        if local_day(e.ts) != today {
            today = local_day(e.ts);
            list.clear();
        }
        match &e.body {
            Body::Offered {
                call,
                queue,
                customer,
                ..
            } => {
                let key = (queue.to_string(), customer.as_ref().unwrap().to_string());
                if left_at.get(&key).is_some_and(|&t| e.ts - t <= 5 * MINUTE) {
                    called_again += 1;
                }
                offers.insert(call.to_string(), key);
            }
            Body::Abandoned { call, .. } => {
                let key = offers[&call.to_string()].clone();
                left_at.insert(key.clone(), e.ts);
                list.entry(key).or_default().unanswered += 1;
            }
            Body::Answered { call, .. } => {
                list.remove(&offers[&call.to_string()]);
            }
            Body::Callback {
                queue,
                customer,
                result,
                ..
            } => {
                let key = (queue.to_string(), customer.to_string());
                let c = list.get_mut(&key);
                let c = c.unwrap_or_else(|| panic!("a callback to {key:?}, not on the list"));
                if *result == CallbackResult::Answered {
                    list.remove(&key);
                } else {
                    c.attempts += 1;
                    c.last = Some(*result);
                    assert!(c.attempts <= callbacks::MAX_ATTEMPTS, "{key:?}: {c:?}");
                }
            }
            _ => {}
        }
    }
    (events, list, called_again)
}

#[test]
fn the_dialer_calls_back_only_callers_on_the_list_of_the_queue_they_left_with_each_result() {
    // Past the next midnight: nobody is called back for yesterday.
    let (events, _, called_again) = simulated_list(26);
    let results: Vec<CallbackResult> = events
        .iter()
        .filter_map(|e| match e.body {
            Body::Callback { result, .. } => Some(result),
            _ => None,
        })
        .collect();
    let share = |r: CallbackResult| {
        results.iter().filter(|&&x| x == r).count() as f64 / results.len() as f64
    };
    assert!(results.len() > 100, "{} callbacks", results.len());
    assert!((0.4..0.7).contains(&share(CallbackResult::Answered)));
    assert!((0.2..0.5).contains(&share(CallbackResult::NoAnswer)));
    assert!((0.03..0.2).contains(&share(CallbackResult::Busy)));
    assert_eq!(share(CallbackResult::Failed), 0.0);
    assert!(called_again > 10, "{called_again} callers called again");
}

#[test]
fn the_engines_list_of_a_simulated_morning_clears_answered_callers_and_keeps_the_attempts() {
    let (events, expected, _) = simulated_list(14);
    let cfg = Config::parse("[engine]\ntimezone = \"Asia/Shanghai\"\n", "t.toml").unwrap();
    let mut engine = Engine::new(&cfg.engine, &[Granularity::Day]);
    engine.set_live_names(true);
    for e in events {
        engine.ingest(e, Origin::default());
    }
    engine.flush();
    assert_eq!(engine.stats().rejected_total(), 0);
    let names = &engine.names().queues;
    let mut listed: BTreeMap<(String, String), Caller> = BTreeMap::new();
    for (queue, list) in engine.callbacks() {
        for entry in list.entries {
            let key = (names.name(queue).to_string(), entry.customer.to_string());
            let caller = Caller {
                unanswered: entry.calls,
                attempts: entry.attempts,
                last: entry.last_attempt.map(|(_, r)| r),
            };
            listed.insert(key, caller);
        }
    }
    assert!(
        expected.len() > 20,
        "{} callers to call back",
        expected.len()
    );
    assert!(
        expected.values().any(|c| c.attempts > 0) && expected.values().any(|c| c.attempts == 0),
        "callers on the list with attempts and without"
    );
    assert_eq!(listed, expected);
}
