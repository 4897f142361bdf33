//! The callback list through the engine, as the live service drives it: each case of the
//! issue, the day boundary in a zone not UTC, the cap, and any arrival order.

use super::{Cause, Entry};
use crate::codec::decode;
use crate::config::Config;
use crate::engine::Engine;
use crate::event::CallbackResult;
use crate::reject::Origin;
use crate::time::{Granularity, MINUTE, SECOND};
use proptest::prelude::*;

fn engine(zone: &str) -> Engine {
    let cfg = Config::parse(&format!("[engine]\ntimezone = \"{zone}\"\n"), "t.toml").unwrap();
    let mut e = Engine::new(&cfg.engine, &[Granularity::Interval, Granularity::Day]);
    e.set_live_names(true);
    e
}

fn feed(e: &mut Engine, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        let event = decode(line).unwrap_or_else(|r| panic!("{r}: {line}"));
        let origin = Origin {
            source: 0,
            partition: 0,
            offset: i as i64,
        };
        e.ingest(event, origin);
    }
}

fn offered(ts: &str, call: &str, customer: Option<&str>) -> String {
    let customer = customer.map_or(String::new(), |c| format!(r#","customer":"{c}""#));
    format!(r#"{{"type":"call.offered","ts":"{ts}","call_id":"{call}","queue":"q"{customer}}}"#)
}
fn answered(ts: &str, call: &str) -> String {
    format!(r#"{{"type":"call.answered","ts":"{ts}","call_id":"{call}","agent_id":"a1"}}"#)
}
fn abandoned(ts: &str, call: &str, cause: &str) -> String {
    format!(r#"{{"type":"call.abandoned","ts":"{ts}","call_id":"{call}","cause":"{cause}"}}"#)
}
fn callback(ts: &str, customer: &str, result: &str) -> String {
    format!(
        r#"{{"type":"call.callback","ts":"{ts}","queue":"q","customer":"{customer}","result":"{result}","agent_id":"a2"}}"#
    )
}
/// Moves the watermark to `ts`: everything before it is applied.
fn advance(e: &mut Engine, ts: &str) {
    e.advance_to(crate::time::rfc3339::parse(ts).unwrap());
    assert_eq!(e.buffered(), 0);
}

/// The entries of queue `q`, by customer.
fn entries(e: &Engine) -> Vec<Entry> {
    let q = e.names().queues.get("q").expect("queue q");
    e.callbacks().remove(&q).unwrap_or_default().entries
}

fn customers(e: &Engine) -> Vec<String> {
    entries(e).iter().map(|x| x.customer.to_string()).collect()
}

#[test]
fn a_caller_who_abandons_is_listed_at_once_with_the_wait_before_abandoning() {
    let mut e = engine("UTC");
    feed(
        &mut e,
        &[
            offered("2026-03-02T09:00:00Z", "c1", Some("13800001234")),
            abandoned("2026-03-02T09:00:20Z", "c1", "caller"),
        ],
    );
    assert_eq!(
        e.buffered(),
        2,
        "the watermark has not passed them: live means now"
    );
    let list = entries(&e);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].customer, "13800001234");
    assert_eq!(list[0].wait, 20 * SECOND);
    assert_eq!(list[0].cause, Cause::Abandoned);
    assert_eq!((list[0].calls, list[0].attempts), (1, 0));
}

#[test]
fn a_caller_who_abandons_then_calls_again_and_is_answered_leaves_the_list() {
    let mut e = engine("UTC");
    feed(
        &mut e,
        &[
            offered("2026-03-02T09:00:00Z", "c1", Some("1234")),
            abandoned("2026-03-02T09:01:00Z", "c1", "caller"),
            offered("2026-03-02T09:05:00Z", "c2", Some("1234")),
        ],
    );
    assert_eq!(
        customers(&e),
        ["1234"],
        "waiting again is not reaching an agent"
    );
    feed(&mut e, &[answered("2026-03-02T09:05:20Z", "c2")]);
    assert!(customers(&e).is_empty());
    advance(&mut e, "2026-03-02T10:00:00Z");
    assert!(
        customers(&e).is_empty(),
        "and once the watermark applied it all"
    );
}

#[test]
fn a_callback_not_answered_keeps_the_caller_with_one_attempt_and_an_answered_one_clears() {
    let mut e = engine("UTC");
    feed(
        &mut e,
        &[
            offered("2026-03-02T09:00:00Z", "c1", Some("1234")),
            abandoned("2026-03-02T09:01:00Z", "c1", "caller"),
            callback("2026-03-02T09:30:00Z", "1234", "no_answer"),
        ],
    );
    let list = entries(&e);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].attempts, 1);
    let at = crate::time::rfc3339::parse("2026-03-02T09:30:00Z").unwrap();
    assert_eq!(list[0].last_attempt, Some((at, CallbackResult::NoAnswer)));
    feed(
        &mut e,
        &[callback("2026-03-02T10:00:00Z", "1234", "answered")],
    );
    assert!(customers(&e).is_empty());
}

#[test]
fn a_caller_who_abandons_again_stays_listed_from_the_first_abandon_with_two_calls() {
    let mut e = engine("UTC");
    feed(
        &mut e,
        &[
            offered("2026-03-02T09:00:00Z", "c1", Some("1234")),
            abandoned("2026-03-02T09:00:10Z", "c1", "caller"),
            offered("2026-03-02T09:10:00Z", "c2", Some("1234")),
            abandoned("2026-03-02T09:10:30Z", "c2", "caller"),
        ],
    );
    let list = entries(&e);
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].calls, list[0].wait), (2, 10 * SECOND));
    let at = crate::time::rfc3339::parse("2026-03-02T09:00:10Z").unwrap();
    assert_eq!(
        list[0].abandoned_at, at,
        "the oldest call not followed by a reach"
    );
}

#[test]
fn an_answer_before_the_abandon_does_not_clear_it_and_an_overflowed_call_is_listed_where_it_ended()
{
    let mut e = engine("UTC");
    let overflow = r#"{"type":"call.transferred","ts":"2026-03-02T09:00:30Z","call_id":"c3","to_queue":"other"}"#;
    feed(
        &mut e,
        &[
            // Two calls of one caller at once: the first answered, the second abandoned after.
            offered("2026-03-02T09:00:00Z", "c1", Some("1234")),
            offered("2026-03-02T09:00:05Z", "c2", Some("1234")),
            answered("2026-03-02T09:00:10Z", "c1"),
            abandoned("2026-03-02T09:00:40Z", "c2", "caller"),
            // A call that overflows to `other` and times out there.
            offered("2026-03-02T09:00:00Z", "c3", Some("5678")),
            overflow.to_string(),
            abandoned("2026-03-02T09:01:00Z", "c3", "timeout"),
        ],
    );
    assert_eq!(customers(&e), ["1234"]);
    let other = e.names().queues.get("other").unwrap();
    let there = e.callbacks().remove(&other).unwrap().entries;
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].customer, "5678");
    assert_eq!(there[0].wait, MINUTE, "from the first offer");
}

#[test]
fn timed_out_and_callback_requested_callers_are_listed_and_a_callback_request_is_no_abandon() {
    let mut e = engine("UTC");
    feed(
        &mut e,
        &[
            offered("2026-03-02T09:00:00Z", "c1", Some("1111")),
            offered("2026-03-02T09:00:10Z", "c2", Some("2222")),
            abandoned("2026-03-02T09:05:00Z", "c1", "timeout"),
            abandoned("2026-03-02T09:06:00Z", "c2", "callback"),
        ],
    );
    advance(&mut e, "2026-03-02T11:00:00Z");
    let causes: Vec<_> = entries(&e).iter().map(|x| x.cause).collect();
    assert_eq!(causes, [Cause::TimedOut, Cause::CallbackRequested]);
    let q = e.names().queues.get("q").unwrap();
    let at = crate::time::rfc3339::parse("2026-03-02T09:00:00Z").unwrap();
    let day = e
        .tally(crate::engine::Scope::Queue(q), Granularity::Day, at)
        .unwrap();
    assert_eq!(day.counts.abandoned, 0, "neither is an abandon");
    assert_eq!(day.timed_out, 1, "the timeout is a wait the system ended");
    assert_eq!(
        day.counts.callbacks_requested, 1,
        "the callback request is neither"
    );
    assert_eq!(day.counts.offered, 2, "both stay offered");
}

#[test]
fn unanswered_calls_without_a_number_are_counted_not_listed() {
    let mut e = engine("UTC");
    feed(
        &mut e,
        &[
            offered("2026-03-02T09:00:00Z", "c1", None),
            abandoned("2026-03-02T09:01:00Z", "c1", "caller"),
        ],
    );
    let q = e.names().queues.get("q").unwrap();
    let list = e.callbacks().remove(&q).unwrap();
    assert!(list.entries.is_empty());
    assert_eq!(list.without_number, 1);
}

#[test]
fn entries_are_oldest_first_and_of_today_only_in_the_centers_zone() {
    // Shanghai is UTC+8: its day of 3 March starts at 2 March 16:00 UTC.
    let mut e = engine("Asia/Shanghai");
    feed(
        &mut e,
        &[
            offered("2026-03-02T15:50:00Z", "c1", Some("yesterday")),
            abandoned("2026-03-02T15:55:00Z", "c1", "caller"),
            offered("2026-03-02T15:58:00Z", "c2", Some("across")),
            offered("2026-03-02T16:10:00Z", "c3", Some("later")),
            abandoned("2026-03-02T16:20:00Z", "c3", "caller"),
            abandoned("2026-03-02T16:05:00Z", "c2", "caller"),
        ],
    );
    assert_eq!(
        customers(&e),
        ["across", "later"],
        "the abandon of the day before is gone; a wait across midnight counts on the new day"
    );
    assert_eq!(entries(&e)[0].wait, 7 * MINUTE);
    advance(&mut e, "2026-03-02T17:00:00Z");
    assert_eq!(customers(&e), ["across", "later"], "the sweep keeps them");
}

#[test]
fn facts_of_a_day_gone_are_forgotten_at_the_first_sweep_of_the_next_and_a_late_one_a_day_later() {
    let mut e = engine("UTC");
    feed(
        &mut e,
        &[
            offered("2026-03-02T23:00:00Z", "c1", Some("yesterday")),
            abandoned("2026-03-02T23:01:00Z", "c1", "caller"),
        ],
    );
    advance(&mut e, "2026-03-02T23:30:00Z");
    assert_eq!(e.callbacks.facts(), 1);
    feed(
        &mut e,
        &[
            offered("2026-03-03T00:10:00Z", "c2", Some("today")),
            abandoned("2026-03-03T00:11:00Z", "c2", "caller"),
        ],
    );
    advance(&mut e, "2026-03-03T01:00:00Z");
    assert_eq!(customers(&e), ["today"]);
    assert_eq!(
        e.callbacks.facts(),
        1,
        "c1 went at the first sweep of 3 March"
    );

    // Late, for 2 March: applied (within the revision horizon), shown on no list of today,
    // and kept until the first sweep of 4 March, not swept every minute.
    feed(
        &mut e,
        &[
            offered("2026-03-02T23:50:00Z", "c3", Some("late")),
            abandoned("2026-03-02T23:51:00Z", "c3", "caller"),
        ],
    );
    advance(&mut e, "2026-03-03T02:00:00Z");
    assert_eq!(customers(&e), ["today"]);
    assert_eq!(e.callbacks.facts(), 2);
    advance(&mut e, "2026-03-04T00:05:00Z");
    assert!(customers(&e).is_empty());
    assert_eq!(
        e.callbacks.facts(),
        0,
        "everything of 3 March and before is gone"
    );
}

#[test]
fn a_checkpoint_carries_the_list_and_one_without_it_restores_empty() {
    let mut e = engine("UTC");
    feed(
        &mut e,
        &[
            offered("2026-03-02T09:00:00Z", "c1", Some("1234")),
            abandoned("2026-03-02T09:01:00Z", "c1", "caller"),
        ],
    );
    advance(&mut e, "2026-03-02T10:00:00Z");
    e.take_records();
    e.take_rejections();
    let bytes = e.snapshot();
    let mut restored = engine("UTC");
    restored.restore(&bytes).unwrap();
    assert_eq!(customers(&restored), ["1234"]);

    // A checkpoint written before the list existed: the same bytes without its section.
    let section = postcard::to_stdvec(&e.callbacks).unwrap();
    let older = &bytes[..bytes.len() - section.len()];
    let mut restored = engine("UTC");
    restored.restore(older).unwrap();
    assert!(restored.callbacks().is_empty());
    assert_eq!(restored.stats(), e.stats());
}

#[test]
fn past_the_capacity_facts_are_counted_not_kept() {
    let mut e = engine("UTC");
    e.callbacks.capacity = 1;
    feed(
        &mut e,
        &[
            offered("2026-03-02T09:00:00Z", "c1", Some("1234")),
            abandoned("2026-03-02T09:01:00Z", "c1", "caller"),
            offered("2026-03-02T09:02:00Z", "c2", Some("5678")),
        ],
    );
    assert_eq!(e.callbacks_untracked(), 0, "counted when applied, once");
    advance(&mut e, "2026-03-02T10:00:00Z");
    assert_eq!(
        e.callbacks_untracked(),
        1,
        "c2's offer had no room, counted once"
    );
    assert_eq!(customers(&e), ["1234"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any arrival order within the lateness (30 s) gives the same list, before and after the
    /// watermark applies the events.
    #[test]
    fn any_arrival_order_within_the_lateness_gives_the_same_list(
        order in Just((0..10usize).collect::<Vec<_>>()).prop_shuffle()
    ) {
        let lines = [
            offered("2026-03-02T09:00:00Z", "c1", Some("1111")),
            offered("2026-03-02T09:00:02Z", "c2", Some("2222")),
            abandoned("2026-03-02T09:00:05Z", "c1", "caller"),
            offered("2026-03-02T09:00:06Z", "c3", Some("1111")),
            abandoned("2026-03-02T09:00:08Z", "c2", "timeout"),
            callback("2026-03-02T09:00:09Z", "2222", "busy"),
            answered("2026-03-02T09:00:10Z", "c3"),
            offered("2026-03-02T09:00:11Z", "c4", Some("3333")),
            abandoned("2026-03-02T09:00:12Z", "c4", "callback"),
            callback("2026-03-02T09:00:13Z", "3333", "no_answer"),
        ];
        let mut sorted = engine("UTC");
        feed(&mut sorted, &lines);
        sorted.flush();
        let expected = entries(&sorted);
        prop_assert_eq!(
            expected.iter().map(|x| (x.customer.as_str(), x.attempts)).collect::<Vec<_>>(),
            [("2222", 1), ("3333", 1)]
        );
        let shuffled: Vec<String> = order.iter().map(|&i| lines[i].clone()).collect();
        let mut e = engine("UTC");
        feed(&mut e, &shuffled);
        prop_assert_eq!(entries(&e), expected.clone());
        advance(&mut e, "2026-03-02T12:00:00Z");
        prop_assert_eq!(entries(&e), expected);
    }
}
