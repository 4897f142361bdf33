//! No single event moves time for everyone (issue 14): an event stamped 1970, 2099, 25 hours or
//! 30 days ahead, first or among two hours of calls, costs itself alone in a replay (no wall
//! clock); so does a restart from a checkpoint taken after it. Each case is run against the
//! same stream without the outlier: the final records must be identical.

use crate::support::lines::{answered, offered};
use crate::support::{config, run, Run};
use callpulse::codec::decode;
use callpulse::engine::Engine;
use callpulse::reject::Origin;
use callpulse::time::{rfc3339, Granularity, Millis};

const GRANULARITIES: &[Granularity] = &[Granularity::Interval, Granularity::Day];

fn at(ms: Millis) -> String {
    rfc3339::format(ms, &chrono_tz::UTC)
}

/// Two hours of calls from 2026-11-02T09:00Z: one offered every 30 s, answered 8 s later.
fn two_hours() -> Vec<String> {
    let t0 = rfc3339::parse("2026-11-02T09:00:00Z").unwrap();
    let mut out = Vec::new();
    for i in 0..240 {
        let t = t0 + i * 30_000;
        out.push(offered(&at(t), &format!("c{i}"), "sales"));
        out.push(answered(&at(t + 8_000), &format!("c{i}")));
    }
    out
}

fn replay(lines: &[String]) -> Run {
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    run(&config(""), GRANULARITIES, &refs)
}

/// The stream with `outlier` at `position`: the final records equal the clean stream's, the
/// outlier is the one rejection (for `reason`), and every event is accounted for.
fn costs_itself_alone(outlier: &str, position: usize, reason: &str) {
    let clean = two_hours();
    let mut poisoned = clean.clone();
    poisoned.insert(position, outlier.to_string());
    let want = replay(&clean);
    let got = replay(&poisoned);
    assert_eq!(
        got.rejected(reason),
        1,
        "{outlier}: {:?}",
        got.stats.rejected
    );
    assert_eq!(got.stats.rejected_total(), 1, "{:?}", got.stats.rejected);
    assert_eq!(
        got.stats.accepted + got.stats.rejected_total(),
        got.stats.read
    );
    assert_eq!(got.stats.read, want.stats.read + 1);
    let (want, got) = (want.finals(), got.finals());
    assert_eq!(want.len(), got.len(), "{outlier}: the same periods");
    for (key, w) in &want {
        let g = &got[key];
        assert_eq!(
            (
                g.counts.offered,
                g.counts.answered,
                g.counts.answered_within
            ),
            (
                w.counts.offered,
                w.counts.answered,
                w.counts.answered_within
            ),
            "{outlier}: {key:?}"
        );
    }
}

#[test]
fn a_first_heartbeat_stamped_1970_is_rejected_and_every_call_counts() {
    costs_itself_alone(
        r#"{"type":"system.heartbeat","ts":"1970-01-01T00:00:01Z","component":"ivr"}"#,
        0,
        "too_late",
    );
}

#[test]
fn a_first_call_stamped_2099_is_rejected_and_every_call_counts() {
    costs_itself_alone(
        &offered("2099-11-02T09:00:00Z", "wrong-clock", "sales"),
        0,
        "bad_timestamp",
    );
}

#[test]
fn one_event_25_hours_ahead_among_the_calls_costs_itself_alone() {
    costs_itself_alone(
        &offered("2026-11-03T10:00:00Z", "wrong-clock", "sales"),
        240,
        "bad_timestamp",
    );
}

#[test]
fn one_event_30_days_ahead_among_the_calls_costs_itself_alone() {
    costs_itself_alone(
        r#"{"type":"system.heartbeat","ts":"2026-12-02T10:00:00Z","component":"ivr"}"#,
        240,
        "bad_timestamp",
    );
}

#[test]
fn the_issue_example_a_1970_heartbeat_then_a_call_counts_the_call() {
    let lines = [
        r#"{"type":"system.heartbeat","ts":"1970-01-01T00:00:01Z","component":"ivr"}"#,
        r#"{"type":"call.offered","ts":"2026-11-02T09:00:00+08:00","call_id":"c1","queue":"sales"}"#,
        r#"{"type":"call.answered","ts":"2026-11-02T09:00:05+08:00","call_id":"c1","agent_id":"a1"}"#,
    ];
    let r = run(&config(""), GRANULARITIES, &lines);
    assert_eq!((r.stats.read, r.stats.accepted), (3, 2));
    assert_eq!(r.rejected("too_late"), 1);
    let q = r.get("queue:sales", "interval", "2026-11-02T01:00:00Z");
    assert_eq!((q.counts.offered, q.counts.answered), (1, 1));
}

#[test]
fn a_restart_from_a_checkpoint_taken_after_an_outlier_is_not_poisoned() {
    let cfg = config("");
    let clean = two_hours();
    let mut poisoned = clean.clone();
    poisoned.insert(240, offered("2026-12-02T10:00:00Z", "wrong-clock", "sales"));
    let feed = |e: &mut Engine, lines: &[String], from: usize| {
        for (i, line) in lines.iter().enumerate() {
            let origin = Origin {
                source: 0,
                partition: 0,
                offset: (from + i) as i64,
            };
            e.ingest(decode(line).unwrap(), origin);
        }
    };
    // Cut right after the outlier, while it is still tentative; restore into a new engine.
    let mut first = Engine::new(&cfg.engine, GRANULARITIES);
    feed(&mut first, &poisoned[..241], 0);
    let mut records = first.take_records();
    first.take_rejections();
    first.take_outages();
    let bytes = first.snapshot();
    let mut second = Engine::new(&cfg.engine, GRANULARITIES);
    second.restore(&bytes).expect("the snapshot restores");
    feed(&mut second, &poisoned[241..], 241);
    second.flush();
    records.extend(second.take_records());
    assert_eq!(second.stats().rejected_total(), 1, "{:?}", second.stats());
    let reasons: Vec<String> = second.stats().rejected.keys().map(|r| r.code()).collect();
    assert_eq!(reasons, ["bad_timestamp"]);

    let want = replay(&clean);
    let latest = |recs: &[callpulse::engine::Closed]| {
        let mut out = std::collections::BTreeMap::new();
        for c in recs {
            out.insert(
                (c.scope, c.period.granularity, c.period.start),
                c.tally.counts.offered,
            );
        }
        out
    };
    let got = latest(&records);
    let want_offered: u64 = want
        .finals()
        .iter()
        .filter(|((who, g, _), _)| who == "center:" && g == "interval")
        .map(|(_, r)| r.counts.offered)
        .sum();
    let got_offered: u64 = got
        .iter()
        .filter(|((scope, g, _), _)| {
            *scope == callpulse::engine::Scope::Center && *g == Granularity::Interval
        })
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        got_offered, want_offered,
        "every call of the clean stream counts"
    );
    assert_eq!(want_offered, 240);
}
