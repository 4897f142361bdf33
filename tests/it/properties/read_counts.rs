//! Accepted + rejected = read: for valid events, copies and garbage lines through the
//! decoder, and for any soup of events of every type; the garbage lines themselves.

use super::arbitrary::*;
use super::running::*;
use super::streams::*;
use callpulse::codec::{self, Decoder};
use callpulse::config::Config;
use callpulse::engine::Engine;
use callpulse::event::{Body, Event};
use callpulse::reject::Origin;
use callpulse::time::Granularity;
use proptest::prelude::*;
use proptest::sample::Index;

proptest! {
    #![proptest_config(config())]

    /// (4) accepted + rejected = read for valid events, copies and garbage lines (random bytes,
    /// truncated JSON, JSON missing a required field, unknown type) fed through the decoder;
    /// exactly the garbage is rejected, and the figures are still the oracle's.
    #[test]
    fn accepted_plus_rejected_equals_read_with_garbage(
        (s, jitter) in scenario_with_jitter(true),
        copies in prop::collection::vec((any::<Index>(), any::<u32>()), 0..10),
        garbage in prop::collection::vec((garbage(), any::<Index>(), any::<Index>()), 0..15),
    ) {
        let cfg = engine_config(&s, HOUR, HOUR);
        let feed = sorted(with_copies(arrivals(&s.events, cfg.lateness, &jitter), &copies));
        let mut lines: Vec<Vec<u8>> = feed.iter().map(|ev| codec::encode(ev).into_bytes()).collect();
        for (g, of, at) in &garbage {
            let line = g.line(&s.events[of.index(s.events.len())]);
            lines.insert(at.index(lines.len() + 1), line);
        }
        let decoder = Decoder::default();
        let mut e = engine(&cfg);
        let mut undecodable = 0u64;
        for line in &lines {
            match decoder.decode(line) {
                Ok(ev) => e.ingest(ev, Origin::default()),
                Err(reason) => {
                    undecodable += 1;
                    e.reject(reason, Origin::default(), line);
                }
            }
        }
        prop_assert_eq!(undecodable, garbage.len() as u64, "a garbage line decoded, or a valid one did not");
        e.flush();
        let rejections_kept = e.take_rejections().len() as u64;
        let run = Run {
            records: e.take_records(),
            names: e.names().clone(),
            stats: e.stats(),
        };
        let st = &run.stats;
        prop_assert_eq!(st.read, lines.len() as u64);
        prop_assert_eq!(st.accepted + st.rejected_total(), st.read);
        prop_assert_eq!(st.rejected_total(), garbage.len() as u64);
        prop_assert_eq!(rejections_kept, garbage.len() as u64);
        prop_assert_eq!(st.duplicates, copies.len() as u64 + s.extra_transfers);
        check_against_oracle(&run, &s.events, &rules(&cfg, s.zone))?;
    }

    /// (4b) accepted + rejected = read after flush for any soup of events of every type (calls
    /// without offers, contradictions, events older than the revision horizon, …) in any
    /// order, under tight limits; every rejection is kept.
    #[test]
    fn accepted_plus_rejected_equals_read_for_any_events(
        events in prop::collection::vec(soup_event(), 0..120),
        lateness in prop::sample::select(vec![0, 30 * SECOND, 10 * MINUTE]),
        grace in prop::sample::select(vec![0, 5 * MINUTE]),
        horizon in prop::sample::select(vec![HOUR, 24 * HOUR]),
        timeout in prop::sample::select(vec![10 * MINUTE, 12 * HOUR]),
    ) {
        let mut cfg = Config::default().engine;
        cfg.lateness = lateness;
        cfg.grace = grace;
        cfg.revision_horizon = horizon;
        cfg.call_timeout = timeout;
        cfg.wrapup_timeout = timeout.min(HOUR);
        let mut e = Engine::new(&cfg, &Granularity::ALL);
        for ev in &events {
            e.ingest(ev.clone(), Origin::default());
        }
        e.flush();
        let kept = e.take_rejections().len() as u64;
        let st = e.stats();
        prop_assert_eq!(st.read, events.len() as u64);
        prop_assert_eq!(st.accepted + st.rejected_total(), st.read, "stats {:?}", st);
        prop_assert_eq!(kept, st.rejected_total());
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Garbage {
    /// Random bytes (rarely UTF-8, never an event).
    Bytes(Vec<u8>),
    /// A valid event's JSON cut short.
    Truncated(Index),
    /// A valid event's JSON without one of its required fields.
    MissingField(Index),
    /// A valid event's JSON with a `type` the schema does not have.
    UnknownType(&'static str),
}

pub(crate) fn garbage() -> impl Strategy<Value = Garbage> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..48).prop_map(Garbage::Bytes),
        any::<Index>().prop_map(Garbage::Truncated),
        any::<Index>().prop_map(Garbage::MissingField),
        prop::sample::select(vec![
            "call.teleported",
            "",
            "CALL.OFFERED",
            "survey.responses"
        ])
        .prop_map(Garbage::UnknownType),
    ]
}

impl Garbage {
    fn line(&self, ev: &Event) -> Vec<u8> {
        let text = codec::encode(ev);
        match self {
            Garbage::Bytes(b) => b.clone(),
            Garbage::Truncated(at) => text.as_bytes()[..at.index(text.len())].to_vec(),
            Garbage::MissingField(which) => {
                let mut required = vec!["type", "ts"];
                match &ev.body {
                    Body::Survey { .. } => required.extend(["queue", "satisfied"]),
                    Body::Offered { .. } => required.extend(["call_id", "queue"]),
                    Body::Completed(_) => required.extend(["call_id", "queue", "offered_at"]),
                    Body::Answered { .. } | Body::WrapupEnded { .. } | Body::Ringing { .. } => {
                        required.extend(["call_id", "agent_id"])
                    }
                    _ => required.push("call_id"),
                }
                let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let key = required[which.index(required.len())];
                v.as_object_mut().unwrap().remove(key);
                v.to_string().into_bytes()
            }
            Garbage::UnknownType(t) => {
                let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
                v["type"] = serde_json::Value::from(*t);
                v.to_string().into_bytes()
            }
        }
    }
}
