//! The kept list against its definition: any sequence of facts, expiries, days and restores
//! reads as [`Callbacks::derive`] does; and a read with no change between joins nothing.

use super::super::Callbacks;
use crate::codec::decode;
use crate::engine::scope::Names;
use crate::time::{Millis, MINUTE, SECOND};
use proptest::prelude::*;
use std::sync::Arc;

/// The start of the first day of the cases.
const T0: Millis = 1_793_491_200_000;
const QUEUES: [&str; 3] = ["q0", "q1", "q2"];

fn names() -> Names {
    let mut names = Names::default();
    for q in QUEUES {
        names.queues.intern(&q.into());
    }
    names
}

/// One event of few calls, customers, queues and instants, so that they meet.
fn line() -> impl Strategy<Value = String> {
    let call = (0..6u8).prop_map(|c| format!("c{c}"));
    let queue = prop::sample::select(&QUEUES[..]);
    let customer = prop::option::of(prop::sample::select(&["1111", "2222", "3333"][..]));
    let at = (0..40i64).prop_map(|k| T0 + k * 30 * SECOND);
    let customer_field =
        |c: Option<&str>| c.map_or(String::new(), |c| format!(r#","customer":"{c}""#));
    prop_oneof![
        (call.clone(), queue.clone(), customer.clone(), at.clone()).prop_map(move |(c, q, cu, t)| format!(
            r#"{{"type":"call.offered","ts":{t},"call_id":"{c}","queue":"{q}"{}}}"#,
            customer_field(cu)
        )),
        (call.clone(), at.clone()).prop_map(|(c, t)| format!(
            r#"{{"type":"call.answered","ts":{t},"call_id":"{c}","agent_id":"a"}}"#
        )),
        (
            call.clone(),
            prop::sample::select(&["caller", "timeout", "callback", "key"][..]),
            at.clone()
        )
            .prop_map(|(c, cause, t)| format!(
                r#"{{"type":"call.abandoned","ts":{t},"call_id":"{c}","cause":"{cause}"}}"#
            )),
        (call.clone(), queue.clone(), at.clone()).prop_map(|(c, q, t)| format!(
            r#"{{"type":"call.transferred","ts":{t},"call_id":"{c}","to_queue":"{q}"}}"#
        )),
        (call, queue.clone(), customer, at.clone(), 0..4i64, any::<bool>()).prop_map(
            move |(c, q, cu, t, wait, answered)| {
                let end = t + wait * 30 * SECOND;
                let how = if answered { "answered_at" } else { "abandoned_at" };
                format!(
                    r#"{{"type":"call.completed","ts":{end},"call_id":"{c}","queue":"{q}","offered_at":{t},"{how}":{end}{}}}"#,
                    customer_field(cu)
                )
            }
        ),
        (
            queue,
            prop::sample::select(&["1111", "2222", "3333"][..]),
            prop::sample::select(&["answered", "no_answer", "busy", "failed"][..]),
            at
        )
            .prop_map(|(q, cu, result, t)| format!(
                r#"{{"type":"call.callback","ts":{t},"queue":"{q}","customer":"{cu}","result":"{result}","agent_id":"a"}}"#
            )),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    /// An event's facts, taken once or twice (as read, then as applied).
    Observe(String, bool),
    /// The sweep of the day starting at `T0 + k` minutes.
    Expire(i64),
    /// A read of the day starting at `T0 + k` minutes, against the definition.
    Read(i64),
    /// A checkpoint written and restored.
    Restore,
}

fn step() -> impl Strategy<Value = Step> {
    let day = prop::sample::select(&[0i64, 5, 10, 15][..]);
    prop_oneof![
        6 => (line(), any::<bool>()).prop_map(|(l, twice)| Step::Observe(l, twice)),
        1 => day.clone().prop_map(Step::Expire),
        4 => day.prop_map(Step::Read),
        1 => Just(Step::Restore),
    ]
}

fn owned(lists: &super::Lists) -> std::collections::BTreeMap<u32, super::QueueList> {
    lists.iter().map(|(q, l)| (*q, (**l).clone())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever happened since the last read, a read of any day equals the whole join of that
    /// day (read twice: the second read, with no change between, joins nothing).
    #[test]
    fn the_kept_list_reads_as_the_whole_join_after_any_facts_expiries_days_and_restores(
        steps in prop::collection::vec(step(), 1..60)
    ) {
        let names = names();
        let mut cb = Callbacks::default();
        for (i, s) in steps.into_iter().enumerate() {
            match s {
                Step::Observe(line, twice) => {
                    let event = decode(&line).unwrap_or_else(|r| panic!("{r}: {line}"));
                    cb.observe(&event, i as u64, &names, false);
                    if twice {
                        cb.observe(&event, i as u64, &names, true);
                    }
                }
                Step::Expire(k) => cb.expire(T0 + k * MINUTE, 2 * MINUTE),
                Step::Read(k) => {
                    let day = T0 + k * MINUTE;
                    let read = cb.list(day);
                    prop_assert_eq!(owned(&read), cb.derive(day));
                    let joins = cb.joins();
                    prop_assert!(Arc::ptr_eq(&read, &cb.list(day)));
                    prop_assert_eq!(cb.joins(), joins);
                }
                Step::Restore => {
                    let bytes = postcard::to_stdvec(&cb).unwrap();
                    cb = postcard::from_bytes(&bytes).unwrap();
                }
            }
        }
    }
}

fn observe(cb: &mut Callbacks, names: &Names, line: &str, digest: u64) {
    cb.observe(&decode(line).unwrap(), digest, names, true);
}

#[test]
fn a_read_with_no_change_since_joins_nothing_and_a_change_joins_only_its_customer() {
    let names = names();
    let mut cb = Callbacks::default();
    for (i, c) in ["1111", "2222", "3333"].iter().enumerate() {
        let t = T0 + i as i64 * MINUTE;
        observe(
            &mut cb,
            &names,
            &format!(
                r#"{{"type":"call.offered","ts":{t},"call_id":"c{i}","queue":"q0","customer":"{c}"}}"#
            ),
            0,
        );
        let t = t + 10 * SECOND;
        observe(
            &mut cb,
            &names,
            &format!(r#"{{"type":"call.abandoned","ts":{t},"call_id":"c{i}"}}"#),
            0,
        );
    }
    let first = cb.list(T0);
    assert_eq!(first[&0].entries.len(), 3);
    assert_eq!(
        cb.joins(),
        super::Joins {
            whole: 1,
            customers: 0
        }
    );
    let again = cb.list(T0);
    assert!(
        Arc::ptr_eq(&first, &again),
        "the same lists, not joined again"
    );
    assert_eq!(
        cb.joins(),
        super::Joins {
            whole: 1,
            customers: 0
        }
    );

    // The same event again (as the watermark applies it) changes nothing.
    let t = T0 + 10 * SECOND;
    observe(
        &mut cb,
        &names,
        &format!(r#"{{"type":"call.abandoned","ts":{t},"call_id":"c0"}}"#),
        0,
    );
    assert!(Arc::ptr_eq(&first, &cb.list(T0)));

    // A callback of one customer: that customer is joined again, the others are not.
    let t = T0 + 5 * MINUTE;
    observe(
        &mut cb,
        &names,
        &format!(
            r#"{{"type":"call.callback","ts":{t},"queue":"q0","customer":"2222","result":"answered","agent_id":"a"}}"#
        ),
        7,
    );
    let after = cb.list(T0);
    assert!(!Arc::ptr_eq(&first, &after));
    assert_eq!(
        cb.joins(),
        super::Joins {
            whole: 1,
            customers: 1
        }
    );
    let listed: Vec<&str> = after[&0]
        .entries
        .iter()
        .map(|e| e.customer.as_str())
        .collect();
    assert_eq!(listed, ["1111", "3333"]);
    assert_eq!(
        first[&0].entries.len(),
        3,
        "a reader's lists stay as they were read"
    );

    // Another day joins everything once.
    cb.list(T0 + 30 * SECOND);
    assert_eq!(
        cb.joins(),
        super::Joins {
            whole: 2,
            customers: 1
        }
    );
}

#[test]
fn a_restored_checkpoint_joins_the_whole_list_once_then_keeps_it() {
    let names = names();
    let mut cb = Callbacks::default();
    let t = T0 + MINUTE;
    observe(
        &mut cb,
        &names,
        &format!(
            r#"{{"type":"call.completed","ts":{t},"call_id":"c1","queue":"q1","offered_at":{T0},"abandoned_at":{t}}}"#
        ),
        0,
    );
    let before = cb.list(T0);
    let restored: Callbacks = postcard::from_bytes(&postcard::to_stdvec(&cb).unwrap()).unwrap();
    assert_eq!(restored.joins(), super::Joins::default());
    assert_eq!(*restored.list(T0), *before);
    assert_eq!(restored.list(T0)[&1].without_number, 1);
    assert_eq!(
        restored.joins(),
        super::Joins {
            whole: 1,
            customers: 0
        }
    );
}

#[test]
fn of_two_oldest_calls_alike_the_lesser_cause_is_shown_whatever_the_order_they_came_in() {
    let names = names();
    let t = T0 + MINUTE;
    let call = |id: &str, cause: &str| {
        [
            format!(
                r#"{{"type":"call.offered","ts":{T0},"call_id":"{id}","queue":"q0","customer":"1111"}}"#
            ),
            format!(r#"{{"type":"call.abandoned","ts":{t},"call_id":"{id}","cause":"{cause}"}}"#),
        ]
    };
    for order in [["x", "y"], ["y", "x"]] {
        let mut cb = Callbacks::default();
        cb.list(T0);
        for id in order {
            let cause = if id == "x" { "timeout" } else { "key" };
            for line in call(id, cause) {
                observe(&mut cb, &names, &line, 0);
            }
        }
        for list in [cb.derive(T0), owned(&cb.list(T0))] {
            let entry = &list[&0].entries[0];
            assert_eq!(
                (entry.cause, entry.calls),
                (super::super::Cause::Abandoned, 2)
            );
        }
    }
}
