//! A naive oracle: the call KPIs of a set of events recomputed from scratch, the way the
//! semantics are written down, without any of the engine's machinery (no watermark, no
//! reorder buffer, no interning, no incremental state). It is the specification the property
//! tests hold the engine to, so it stays plain: dedupe the input, group it by call, walk each
//! call in time order, and add every contribution to a `BTreeMap` keyed by
//! (queue name or center, granularity, period start).
//!
//! It knows only the event types the property streams contain: call lifecycle events,
//! `call.completed` records and `survey.response`. Streams are assumed valid (consistent per
//! call); an inconsistent call is a bug of the generator and panics here.

use callpulse::engine::{Closed, Names, Scope, Tally};
use callpulse::event::{Body, CompletedOutcome, Event};
use callpulse::time::{Granularity, Millis};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

const MINUTE: Millis = 60_000;
const DAY: Millis = 86_400_000;

/// What the oracle needs to know of the configuration.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Service-level threshold (inclusive: a wait equal to it is within).
    pub threshold: Millis,
    /// Abandons with a wait strictly below this are short (none when `None`).
    pub short_abandon: Option<Millis>,
    /// A first offer within this time (inclusive) after an earlier first offer of the same
    /// customer is a repeat contact.
    pub repeat_window: Millis,
    /// Fixed offset of the time zone from UTC (UTC: 0; Asia/Shanghai: +8 h, no DST).
    pub utc_offset: Millis,
    pub interval_minutes: i64,
}

/// `None` is the center; `Some(name)` a queue.
pub type Key = (Option<String>, Granularity, Millis);

/// The additive figures of one scope over one period, as the oracle and the engine see them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub offered: u64,
    pub answered: u64,
    pub answered_within: u64,
    pub abandoned: u64,
    pub abandoned_within: u64,
    pub short_abandoned: u64,
    pub timed_out: u64,
    pub timed_out_wait_sum: Millis,
    pub flowed_out: u64,
    pub flowed_in: u64,
    pub wait_sum: Millis,
    pub abandon_wait_sum: Millis,
    /// Number of waits in the answered-wait histogram.
    pub answered_waits: u64,
    pub abandoned_waits: u64,
    pub transferred: u64,
    pub handled: u64,
    pub talk_sum: Millis,
    pub wrapups: u64,
    pub wrap_sum: Millis,
    pub resolution_marked: u64,
    pub resolved: u64,
    pub repeat_contacts: u64,
    pub responses: u64,
    pub satisfied: u64,
    /// Per survey name: (responses, satisfied).
    pub surveys: BTreeMap<String, (u64, u64)>,
}

impl Figures {
    /// The figures of an engine tally.
    pub fn of(t: &Tally) -> Figures {
        Figures {
            offered: t.counts.offered,
            answered: t.counts.answered,
            answered_within: t.counts.answered_within,
            abandoned: t.counts.abandoned,
            abandoned_within: t.counts.abandoned_within,
            short_abandoned: t.counts.short_abandoned,
            timed_out: t.timed_out,
            timed_out_wait_sum: t.timed_out_wait_sum,
            flowed_out: t.counts.flowed_out,
            flowed_in: t.flowed_in,
            wait_sum: t.counts.wait_ms,
            abandon_wait_sum: t.abandon_wait_sum,
            answered_waits: t.answered_waits.count(),
            abandoned_waits: t.abandoned_waits.count(),
            transferred: t.transferred,
            handled: t.handled,
            talk_sum: t.talk_sum,
            wrapups: t.wrapups,
            wrap_sum: t.wrap_sum,
            resolution_marked: t.resolution_marked,
            resolved: t.resolved,
            repeat_contacts: t.repeat_contacts,
            responses: t.satisfaction.responses,
            satisfied: t.satisfaction.satisfied,
            surveys: t
                .surveys
                .iter()
                .map(|(name, a)| (name.to_string(), (a.responses, a.satisfied)))
                .collect(),
        }
    }
}

impl Rules {
    /// Start of the period of `g` containing `t` (fixed-offset zone).
    pub fn period_start(&self, g: Granularity, t: Millis) -> Millis {
        let len = match g {
            Granularity::Interval => self.interval_minutes * MINUTE,
            Granularity::Day => DAY,
            Granularity::Month => unreachable!("the property tests keep intervals and days"),
        };
        (t + self.utc_offset).div_euclid(len) * len - self.utc_offset
    }
}

/// The order of a call's events at the same instant: the order in which things happen.
fn lifecycle_rank(body: &Body) -> u8 {
    match body {
        Body::Offered { .. } | Body::Completed(_) => 0,
        Body::Transferred { .. } => 1,
        Body::Ringing { .. } => 2,
        Body::Answered { .. } | Body::Abandoned { .. } => 3,
        Body::Ended { .. } => 4,
        Body::WrapupEnded { .. } => 5,
        _ => 6,
    }
}

/// The instant that places an event in its call's history.
fn when(ev: &Event) -> Millis {
    match &ev.body {
        Body::Completed(c) => c.offered_at,
        _ => ev.ts,
    }
}

/// The events without duplicates: the same `event_id`, or (without one) the same content.
pub fn dedupe(events: &[Event]) -> Vec<Event> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for ev in events {
        let key = match &ev.event_id {
            Some(id) => format!("id:{id}"),
            None => format!("content:{}:{:?}", ev.ts, ev.body),
        };
        if seen.insert(key) {
            out.push(ev.clone());
        }
    }
    out
}

struct Sink<'r> {
    rules: &'r Rules,
    out: BTreeMap<Key, Figures>,
}

impl Sink<'_> {
    /// Applies `f` to the figures of `scope` (a queue name, or `None` for the center) in the
    /// interval and the day containing `t`.
    fn add(&mut self, scope: Option<&str>, t: Millis, f: impl Fn(&mut Figures)) {
        for g in [Granularity::Interval, Granularity::Day] {
            let key = (scope.map(str::to_string), g, self.rules.period_start(g, t));
            f(self.out.entry(key).or_default());
        }
    }

    fn answered(&mut self, scope: Option<&str>, anchor: Millis, wait: Millis) {
        let within = wait <= self.rules.threshold;
        self.add(scope, anchor, |f| {
            f.answered += 1;
            f.answered_within += u64::from(within);
            f.wait_sum += wait;
            f.answered_waits += 1;
        });
    }

    fn abandoned(&mut self, scope: Option<&str>, anchor: Millis, wait: Millis) {
        let within = wait <= self.rules.threshold;
        let short = self.rules.short_abandon.is_some_and(|s| wait < s);
        self.add(scope, anchor, |f| {
            f.abandoned += 1;
            f.abandoned_within += u64::from(within);
            f.short_abandoned += u64::from(short);
            f.abandon_wait_sum += wait;
            f.abandoned_waits += 1;
        });
    }

    /// A wait the system ended (timeout, no agents…): unanswered, not an abandon.
    fn timed_out(&mut self, scope: Option<&str>, anchor: Millis, wait: Millis) {
        self.add(scope, anchor, |f| {
            f.timed_out += 1;
            f.timed_out_wait_sum += wait;
        });
    }

    fn handled(&mut self, scope: Option<&str>, at: Millis, talk: Millis, resolved: Option<bool>) {
        self.add(scope, at, |f| {
            f.handled += 1;
            f.talk_sum += talk;
            if let Some(r) = resolved {
                f.resolution_marked += 1;
                f.resolved += u64::from(r);
            }
        });
    }
}

/// Where one call is, as the oracle walks its events.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Waiting,
    Answered { at: Millis },
    Abandoned,
    Ended { at: Millis },
    WrappedUp,
}

/// The final figures of every (scope, granularity, period start) that got any contribution.
pub fn expected(events: &[Event], rules: &Rules) -> BTreeMap<Key, Figures> {
    let events = dedupe(events);
    let mut sink = Sink {
        rules,
        out: BTreeMap::new(),
    };

    // Call events grouped by call, each call in time order.
    let mut calls: BTreeMap<String, Vec<&Event>> = BTreeMap::new();
    for ev in &events {
        if let Some(call) = ev.body.call_id() {
            calls.entry(call.to_string()).or_default().push(ev);
        }
    }
    // (customer, first offer, queue) of every call.
    let mut first_offers: Vec<(String, Millis, String)> = Vec::new();

    for (call, mut evs) in calls {
        evs.sort_by_key(|ev| (when(ev), lifecycle_rank(&ev.body)));
        let (first, rest) = evs.split_first().expect("a call has events");
        let mut stage = Stage::Waiting;
        // The first offer: queue and instant, and the current segment (changes on overflow).
        let (first_queue, first_at) = match &first.body {
            Body::Offered {
                queue, customer, ..
            } => {
                if let Some(c) = customer {
                    first_offers.push((c.to_string(), first.ts, queue.to_string()));
                }
                (queue.to_string(), first.ts)
            }
            Body::Completed(c) => {
                if let Some(cu) = &c.customer {
                    first_offers.push((cu.to_string(), c.offered_at, c.queue.to_string()));
                }
                (c.queue.to_string(), c.offered_at)
            }
            other => panic!("call {call} starts with {other:?}, not with its offer"),
        };
        for scope in [Some(first_queue.as_str()), None] {
            sink.add(scope, first_at, |f| f.offered += 1);
        }
        // A completed record: the same as its offer, answer or abandon, and end.
        if let Body::Completed(c) = &first.body {
            let q = c.queue.as_str();
            match c.outcome {
                CompletedOutcome::Answered(at) => {
                    sink.answered(Some(q), c.offered_at, at - c.offered_at);
                    sink.answered(None, c.offered_at, at - c.offered_at);
                    stage = Stage::Answered { at };
                    if let Some(end) = c.ended_at {
                        sink.handled(Some(q), end, end - at, c.resolved);
                        sink.handled(None, end, end - at, c.resolved);
                        stage = Stage::Ended { at: end };
                    }
                }
                CompletedOutcome::Abandoned(at) => {
                    sink.abandoned(Some(q), c.offered_at, at - c.offered_at);
                    sink.abandoned(None, c.offered_at, at - c.offered_at);
                    stage = Stage::Abandoned;
                }
            }
        }
        let mut seg_queue = first_queue.clone();
        let mut seg_at = first_at;
        let mut transferred = false;

        for ev in rest {
            let t = ev.ts;
            match (&ev.body, stage) {
                (Body::Ringing { .. }, Stage::Waiting) => {}
                // Overflow: the call leaves its queue for another before answer.
                (
                    Body::Transferred {
                        to_queue: Some(to), ..
                    },
                    Stage::Waiting,
                ) => {
                    assert_ne!(
                        to.as_str(),
                        seg_queue,
                        "call {call}: overflow to its own queue"
                    );
                    sink.add(Some(&seg_queue), seg_at, |f| f.flowed_out += 1);
                    sink.add(Some(to), t, |f| {
                        f.offered += 1;
                        f.flowed_in += 1;
                    });
                    seg_queue = to.to_string();
                    seg_at = t;
                }
                (Body::Answered { .. }, Stage::Waiting) => {
                    sink.answered(Some(&seg_queue), seg_at, t - seg_at);
                    sink.answered(None, first_at, t - first_at);
                    stage = Stage::Answered { at: t };
                }
                (Body::Abandoned { cause, .. }, Stage::Waiting) => {
                    if cause.by_caller() {
                        sink.abandoned(Some(&seg_queue), seg_at, t - seg_at);
                        sink.abandoned(None, first_at, t - first_at);
                    } else {
                        sink.timed_out(Some(&seg_queue), seg_at, t - seg_at);
                        sink.timed_out(None, first_at, t - first_at);
                    }
                    stage = Stage::Abandoned;
                }
                // A transfer by the agent: only the first one of a call counts.
                (Body::Transferred { .. }, Stage::Answered { .. }) => {
                    if !transferred {
                        sink.add(Some(&seg_queue), seg_at, |f| f.transferred += 1);
                        sink.add(None, first_at, |f| f.transferred += 1);
                        transferred = true;
                    }
                }
                (Body::Ended { resolved, .. }, Stage::Answered { at }) => {
                    sink.handled(Some(&seg_queue), t, t - at, *resolved);
                    sink.handled(None, t, t - at, *resolved);
                    stage = Stage::Ended { at: t };
                }
                // An end after an abandon counts nothing.
                (Body::Ended { .. }, Stage::Abandoned) => {}
                (Body::WrapupEnded { .. }, Stage::Ended { at }) => {
                    let wrap = t - at;
                    for scope in [Some(seg_queue.as_str()), None] {
                        sink.add(scope, t, |f| {
                            f.wrapups += 1;
                            f.wrap_sum += wrap;
                        });
                    }
                    stage = Stage::WrappedUp;
                }
                (body, stage) => panic!("call {call}: {body:?} in stage {stage:?}"),
            }
        }
    }

    // Repeat contacts: a first offer with an earlier first offer of the same customer within
    // the window.
    for (i, (customer, t, queue)) in first_offers.iter().enumerate() {
        let mut repeat = false;
        for (j, (other, u, _)) in first_offers.iter().enumerate() {
            if i == j || other != customer {
                continue;
            }
            assert_ne!(
                u, t,
                "two first offers of customer {customer} at {t}: order undefined"
            );
            if u < t && t - u <= rules.repeat_window {
                repeat = true;
            }
        }
        if repeat {
            for scope in [Some(queue.as_str()), None] {
                sink.add(scope, *t, |f| f.repeat_contacts += 1);
            }
        }
    }

    // Surveys.
    for ev in &events {
        if let Body::Survey {
            queue,
            satisfied,
            survey,
            ..
        } = &ev.body
        {
            for scope in [Some(queue.as_str()), None] {
                sink.add(scope, ev.ts, |f| {
                    f.responses += 1;
                    f.satisfied += u64::from(*satisfied);
                    if let Some(name) = survey {
                        let e = f.surveys.entry(name.to_string()).or_default();
                        e.0 += 1;
                        e.1 += u64::from(*satisfied);
                    }
                });
            }
        }
    }
    sink.out
}

/// The final state of every key in the engine's records: the record with the highest
/// revision. Checks on the way that each key's revisions are emitted as 0, 1, 2, … and that
/// only center and queue scopes appear.
pub fn observed(records: &[Closed], names: &Names) -> Result<BTreeMap<Key, Figures>, String> {
    let mut last: BTreeMap<Key, u32> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for c in records {
        let scope = match c.scope {
            Scope::Center => None,
            Scope::Queue(id) => Some(names.queues.name(id).to_string()),
            other => return Err(format!("unexpected scope {other:?}")),
        };
        let key = (scope, c.period.granularity, c.period.start);
        let expected_revision = last.get(&key).map_or(0, |r| r + 1);
        if c.revision != expected_revision {
            return Err(format!(
                "{key:?}: revision {} emitted where {expected_revision} was due",
                c.revision
            ));
        }
        last.insert(key.clone(), c.revision);
        out.insert(key, Figures::of(&c.tally));
    }
    Ok(out)
}

/// A readable account of how two maps of figures differ, `None` when they are equal.
pub fn diff(
    expected: &BTreeMap<Key, Figures>,
    observed: &BTreeMap<Key, Figures>,
) -> Option<String> {
    let mut text = String::new();
    for (key, want) in expected {
        match observed.get(key) {
            None => writeln!(text, "missing record {key:?}: expected {want:?}").unwrap(),
            Some(got) if got != want => {
                writeln!(text, "{key:?}:\n  expected {want:?}\n  engine   {got:?}").unwrap()
            }
            Some(_) => {}
        }
    }
    for (key, got) in observed {
        if !expected.contains_key(key) {
            writeln!(text, "unexpected record {key:?}: {got:?}").unwrap();
        }
    }
    (!text.is_empty()).then_some(text)
}
