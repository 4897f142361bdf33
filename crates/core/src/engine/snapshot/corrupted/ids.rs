//! Restored states whose references contradict what they refer to: indices rebuilt from what
//! they index, ids beyond the names and orphans of another call refused.

use super::*;
use crate::engine::calls::Delta;
use crate::engine::reorder::Key;
use crate::engine::Scope;

/// The reorder buffer's serialised fields, to corrupt what its own type keeps private.
#[derive(Serialize, Deserialize)]
struct RawReorder {
    order: Vec<(Key, u32)>,
    slab: Vec<Option<Queued>>,
    free: Vec<u32>,
    count: usize,
}

/// Every heap entry of the buffer names slot `slab length + 5`.
pub(crate) fn heap_outside_slab(e: &mut Engine) {
    let bytes = postcard::to_stdvec(&e.reorder).unwrap();
    let mut raw: RawReorder = postcard::from_bytes(&bytes).unwrap();
    let beyond = raw.slab.len() as u32 + 5;
    assert!(!raw.order.is_empty(), "events are buffered");
    raw.order.iter_mut().for_each(|(_, slot)| *slot = beyond);
    raw.count += 3;
    e.reorder = postcard::from_bytes(&postcard::to_stdvec(&raw).unwrap()).unwrap();
}

#[test]
fn a_reorder_heap_naming_slots_outside_its_slab_is_rebuilt_and_flushes_the_same_output() {
    let mut reference = fresh();
    reference.restore(&busy().snapshot()).unwrap();
    let buffered = reference.reorder.len();
    reference.flush();
    let expected = drain(&mut reference);

    let bytes = corrupted(busy(), heap_outside_slab);
    let mut e = fresh();
    e.restore(&bytes)
        .expect("the heap is rebuilt from the slab");
    assert_eq!(e.reorder.len(), buffered, "the count is rebuilt too");
    e.flush();
    assert_eq!(drain(&mut e), expected);
}

#[test]
fn a_state_naming_a_queue_beyond_its_names_is_refused_as_invalid_and_nothing_changes() {
    let queues = busy().names.queues.len() as u32;
    assert!(queues > 0);
    let q = queues + 998;
    type Corruption = Box<dyn FnOnce(&mut Engine)>;
    let cases: [(&str, Corruption); 4] = [
        (
            "store",
            Box::new(move |e| {
                e.store
                    .add(Scope::Queue(q), e.watermark, |t, _| t.counts.offered += 1)
            }),
        ),
        (
            "live",
            Box::new(move |e| {
                e.live
                    .add(Scope::Queue(q), e.watermark, Delta::Offered, 1, None)
            }),
        ),
        (
            "forecasts",
            Box::new(move |e| {
                e.forecasts.insert((q, 0, 15), 1.0);
            }),
        ),
        (
            "agents",
            Box::new(move |e| {
                let a = e.names.agents.intern(&crate::event::Id::new("agent 7"));
                let state = crate::event::AgentState::Available;
                e.agents
                    .change(&mut e.store, a, e.watermark, (state, None), vec![q]);
            }),
        ),
    ];
    for (what, corrupt) in cases {
        let bytes = corrupted(busy(), corrupt);
        let mut e = fresh();
        let before = e.stats();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => {
                assert!(
                    m.contains(&format!("queue id {q} out of range")),
                    "{what}: {m}"
                )
            }
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(e.stats(), before, "{what}");
        assert_eq!(e.latest(), Millis::MIN, "{what}");
    }
}

#[test]
fn an_orphan_that_is_not_an_event_of_its_call_is_refused_as_invalid() {
    // The fuzzer's `regressions/snapshot/orphan-not-a-call-event`: the events kept for a call
    // not yet offered are applied as that call's events once its offer comes.
    let t = busy().watermark + 1_000;
    let heartbeat = format!(r#"{{"type":"system.heartbeat","ts":{t},"component":"acd"}}"#);
    let other_call = format!(r#"{{"type":"call.ended","ts":{t},"call_id":"another call"}}"#);
    for (what, line) in [
        ("not a call event", heartbeat),
        ("of another call", other_call),
    ] {
        let bytes = corrupted(busy(), |e| {
            let id = crate::event::Id::new("a call not yet offered");
            let w = e.watermark;
            e.calls.add_orphan(&id, queued(&line), w);
        });
        let mut e = fresh();
        match e.restore(&bytes) {
            Err(RestoreError::Invalid(m)) => assert!(m.contains("orphan"), "{what}: {m}"),
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!(e.latest(), Millis::MIN, "{what}: nothing changed");
    }
}

/// The clock's serialised fields, likewise.
#[derive(Serialize, Deserialize)]
struct RawClock {
    frontier: Millis,
    tentative: Vec<RawTentative>,
}

#[derive(Serialize, Deserialize)]
struct RawTentative {
    at: Millis,
    key: Key,
    contradicted: u32,
}

#[test]
fn a_tentative_event_said_to_lie_elsewhere_than_its_key_is_put_back_where_its_event_sorts() {
    // A first event waits for the stream to bear it out; one flushed with nothing against it
    // moves the stream's time to where the clock says it lies, and the calendar overflowed as
    // the engine moved on to near the end of the integers.
    let ingested = || {
        let mut e = fresh();
        let line = r#"{"type":"system.heartbeat","ts":1800000000000,"component":"acd"}"#;
        e.ingest(
            Decoder::default().decode(line.as_bytes()).unwrap(),
            Origin::default(),
        );
        assert_eq!((e.clock.tentative(), e.latest()), (1, Millis::MIN));
        e
    };
    let mut reference = fresh();
    reference.restore(&ingested().snapshot()).unwrap();
    reference.flush();
    let expected = drain(&mut reference);
    for at in [Millis::MIN + 1, -1, Millis::MAX - 1] {
        let bytes = corrupted(ingested(), |e| {
            let mut raw: RawClock = recast(&e.clock);
            raw.tentative[0].at = at;
            e.clock = recast(&raw);
        });
        let mut e = fresh();
        e.restore(&bytes).expect("where it lies is its key's");
        e.flush();
        assert_eq!(drain(&mut e), expected, "{at}");
        assert_eq!(e.latest(), reference.latest(), "{at}");
    }
}
