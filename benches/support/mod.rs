//! A deterministic generator of a realistic canonical JSON Lines stream for the benches.
//!
//! Eight queues with their own arrival rates, calls arriving as a Poisson process, each call's
//! life (offer, sometimes ringing, answer or abandon, end, wrap-up) drawn from exponential
//! durations, ~3 % of calls written as one `call.completed` record instead, agents changing
//! state now and then, and heartbeats of a few components. All events of all calls are merged
//! by event time, so about a thousand calls are in flight at any instant, as in a busy center.
//! Timestamps are RFC 3339 in `+08:00` with milliseconds; lines are 112–178 bytes, 143 on
//! average (`call.completed` lines 265–352). Seeded: the same arguments give the same bytes on
//! every machine.

use std::fmt::Write as _;

/// Queue names and their share of arrivals (weights).
const QUEUES: [(&str, u32); 8] = [
    ("sales", 22),
    ("support", 25),
    ("billing", 14),
    ("tech", 12),
    ("retention", 8),
    ("vip", 4),
    ("claims", 9),
    ("general", 6),
];
const AGENTS_PER_QUEUE: u32 = 150;
const COMPONENTS: [&str; 3] = ["acd-1", "ivr-1", "cti-1"];
const HEARTBEAT_MS: i64 = 10_000;
/// 2026-11-02T08:00:00+08:00 in UTC milliseconds.
pub const START_MS: i64 = 1_793_577_600_000;
const OFFSET_MS: i64 = 8 * 3_600_000;

/// Tunables of the stream.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub seed: u64,
    /// Stop generating new calls once this many lines exist (the calls started finish).
    pub lines: usize,
    /// Calls arriving per second, all queues together.
    pub calls_per_second: f64,
    pub mean_wait_s: f64,
    pub mean_abandon_wait_s: f64,
    pub mean_talk_s: f64,
    pub mean_wrap_s: f64,
    pub abandon_share: f64,
    pub completed_share: f64,
    /// `agent.state` changes per second, all agents together.
    pub agent_changes_per_second: f64,
}

impl Default for Profile {
    fn default() -> Self {
        // Little's law: ~3.5 calls/s × ~290 s of life ≈ 1,000 calls in flight.
        Profile {
            seed: 0x5EED_CA11,
            lines: 300_000,
            calls_per_second: 3.5,
            mean_wait_s: 25.0,
            mean_abandon_wait_s: 40.0,
            mean_talk_s: 230.0,
            mean_wrap_s: 35.0,
            abandon_share: 0.08,
            completed_share: 0.03,
            agent_changes_per_second: 0.5,
        }
    }
}

/// The generated stream: the whole JSON Lines text and where each line starts.
pub struct Stream {
    pub text: Vec<u8>,
    /// `(start, end)` of each line in `text`, without the newline.
    pub lines: Vec<(usize, usize)>,
    /// The most calls offered and not yet over at one instant.
    pub peak_in_flight: usize,
    pub calls: u64,
    pub span_ms: i64,
}

impl Stream {
    pub fn line(&self, i: usize) -> &[u8] {
        let (a, b) = self.lines[i];
        &self.text[a..b]
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn mean_line_bytes(&self) -> f64 {
        (self.text.len() - self.lines.len()) as f64 / self.lines.len() as f64
    }
}

/// The simulator's generator (xorshift64*), with the two draws this generator needs.
use callpulse::sim::Rng;

trait Draws {
    fn chance(&mut self, p: f64) -> bool;
    /// Exponential with the given mean in seconds, in milliseconds (at least 1).
    fn exp_ms(&mut self, mean_s: f64) -> i64;
}

impl Draws for Rng {
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn exp_ms(&mut self, mean_s: f64) -> i64 {
        (self.exponential(mean_s * 1_000.0) as i64).max(1)
    }
}

/// One event before it is written: its instant, a sequence number that keeps one call's
/// events in lifecycle order at equal instants, and the line.
struct Pending {
    ts: i64,
    seq: u64,
    line: String,
}

/// Generates a stream per `profile`.
pub fn generate(profile: &Profile) -> Stream {
    let mut rng = Rng::new(profile.seed);
    let mut events: Vec<Pending> = Vec::with_capacity(profile.lines + profile.lines / 8);
    let mut seq = 0u64;
    let mut event_no = 0u64;
    let total_weight: u32 = QUEUES.iter().map(|q| q.1).sum();
    let mut push = |events: &mut Vec<Pending>, ts: i64, body: &dyn Fn(&mut String, &str)| {
        event_no += 1;
        let mut line = String::with_capacity(180);
        let mut head = String::with_capacity(40);
        rfc3339(&mut head, ts);
        body(&mut line, &head);
        // Every producer here stamps an event id, as most ACDs do.
        line.pop();
        write!(line, ",\"event_id\":\"ev-{event_no:012}\"}}").unwrap();
        seq += 1;
        events.push(Pending { ts, seq, line });
    };

    // Agents log in at the start with their queue.
    for (qi, (queue, _)) in QUEUES.iter().enumerate() {
        for a in 0..AGENTS_PER_QUEUE {
            let agent = agent_name(qi as u32, a);
            let ts = START_MS - 60_000 + rng.below(60_000) as i64;
            push(&mut events, ts, &|l, t| {
                write!(
                    l,
                    r#"{{"type":"agent.state","ts":"{t}","agent_id":"{agent}","state":"available","queues":["{queue}"]}}"#
                )
                .unwrap()
            });
        }
    }

    // Calls.
    let mut now = START_MS;
    let mut call_no = 0u64;
    let mut lifetimes: Vec<(i64, i64)> = Vec::new();
    while events.len() < profile.lines {
        now += rng.exp_ms(1.0 / profile.calls_per_second);
        call_no += 1;
        let call = format!("CA{:010}", 7_000_000_000 + call_no * 7);
        let mut pick = rng.below(u64::from(total_weight)) as u32;
        let qi = QUEUES
            .iter()
            .position(|&(_, w)| {
                if pick < w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .unwrap();
        let queue = QUEUES[qi].0;
        let customer = format!("cus-{:08x}", rng.below(150_000) * 2_654_435_761 % (1 << 32));
        let channel = if rng.chance(0.85) { "voice" } else { "chat" };
        let offered = now;
        let abandons = rng.chance(profile.abandon_share);
        let agent = agent_name(qi as u32, rng.below(u64::from(AGENTS_PER_QUEUE)) as u32);
        let resolved = match rng.below(4) {
            0 => Some(false),
            1 | 2 => Some(true),
            _ => None,
        };
        if abandons {
            let at = offered + rng.exp_ms(profile.mean_abandon_wait_s);
            lifetimes.push((offered, at));
            if rng.chance(profile.completed_share) {
                push(&mut events, at, &|l, t| {
                    let mut o = String::new();
                    rfc3339(&mut o, offered);
                    write!(
                        l,
                        r#"{{"type":"call.completed","ts":"{t}","call_id":"{call}","queue":"{queue}","channel":"{channel}","customer":"{customer}","offered_at":"{o}","abandoned_at":"{t}"}}"#
                    )
                    .unwrap()
                });
                continue;
            }
            offer(
                &mut push,
                &mut events,
                offered,
                &call,
                queue,
                channel,
                &customer,
            );
            push(&mut events, at, &|l, t| {
                write!(
                    l,
                    r#"{{"type":"call.abandoned","ts":"{t}","call_id":"{call}"}}"#
                )
                .unwrap()
            });
            continue;
        }
        let answered = offered + rng.exp_ms(profile.mean_wait_s);
        let ended = answered + rng.exp_ms(profile.mean_talk_s);
        let wrapped = ended + rng.exp_ms(profile.mean_wrap_s);
        lifetimes.push((offered, wrapped));
        if rng.chance(profile.completed_share) {
            push(&mut events, ended, &|l, t| {
                let (mut o, mut a) = (String::new(), String::new());
                rfc3339(&mut o, offered);
                rfc3339(&mut a, answered);
                write!(
                    l,
                    r#"{{"type":"call.completed","ts":"{t}","call_id":"{call}","queue":"{queue}","channel":"{channel}","customer":"{customer}","offered_at":"{o}","answered_at":"{a}","ended_at":"{t}","agent_id":"{agent}"{}}}"#,
                    resolved_field(resolved)
                )
                .unwrap()
            });
            continue;
        }
        offer(
            &mut push,
            &mut events,
            offered,
            &call,
            queue,
            channel,
            &customer,
        );
        if rng.chance(0.6) && answered - offered > 2 {
            let ring = answered - 1 - rng.below((answered - offered - 1).min(8_000) as u64) as i64;
            push(&mut events, ring.max(offered + 1), &|l, t| {
                write!(
                    l,
                    r#"{{"type":"call.ringing","ts":"{t}","call_id":"{call}","agent_id":"{agent}"}}"#
                )
                .unwrap()
            });
        }
        push(&mut events, answered, &|l, t| {
            write!(
                l,
                r#"{{"type":"call.answered","ts":"{t}","call_id":"{call}","agent_id":"{agent}"}}"#
            )
            .unwrap()
        });
        push(&mut events, ended, &|l, t| {
            write!(
                l,
                r#"{{"type":"call.ended","ts":"{t}","call_id":"{call}"{}}}"#,
                resolved_field(resolved)
            )
            .unwrap()
        });
        push(&mut events, wrapped, &|l, t| {
            write!(
                l,
                r#"{{"type":"call.wrapup_ended","ts":"{t}","call_id":"{call}","agent_id":"{agent}"}}"#
            )
            .unwrap()
        });
    }
    let end = lifetimes.iter().map(|l| l.1).max().unwrap_or(now);

    // Agents going on break and coming back, and heartbeats, over the whole span.
    let mut t = START_MS;
    loop {
        t += rng.exp_ms(1.0 / profile.agent_changes_per_second);
        if t > end {
            break;
        }
        let qi = rng.below(QUEUES.len() as u64) as u32;
        let agent = agent_name(qi, rng.below(u64::from(AGENTS_PER_QUEUE)) as u32);
        let back = t + rng.exp_ms(300.0);
        push(&mut events, t, &|l, ts| {
            write!(
                l,
                r#"{{"type":"agent.state","ts":"{ts}","agent_id":"{agent}","state":"not_ready"}}"#
            )
            .unwrap()
        });
        push(&mut events, back, &|l, ts| {
            write!(
                l,
                r#"{{"type":"agent.state","ts":"{ts}","agent_id":"{agent}","state":"available"}}"#
            )
            .unwrap()
        });
    }
    for (ci, component) in COMPONENTS.iter().enumerate() {
        let mut t = START_MS + ci as i64 * 3_217;
        while t <= end {
            push(&mut events, t, &|l, ts| {
                write!(
                    l,
                    r#"{{"type":"system.heartbeat","ts":"{ts}","component":"{component}"}}"#
                )
                .unwrap()
            });
            t += HEARTBEAT_MS - 150 + rng.below(300) as i64;
        }
    }

    events.sort_unstable_by_key(|e| (e.ts, e.seq));
    let mut text = Vec::with_capacity(events.iter().map(|e| e.line.len() + 1).sum());
    let mut lines = Vec::with_capacity(events.len());
    for e in &events {
        let a = text.len();
        text.extend_from_slice(e.line.as_bytes());
        lines.push((a, text.len()));
        text.push(b'\n');
    }
    Stream {
        text,
        lines,
        peak_in_flight: peak(&mut lifetimes),
        calls: call_no,
        span_ms: end - (START_MS - 60_000),
    }
}

fn offer(
    push: &mut impl FnMut(&mut Vec<Pending>, i64, &dyn Fn(&mut String, &str)),
    events: &mut Vec<Pending>,
    ts: i64,
    call: &str,
    queue: &str,
    channel: &str,
    customer: &str,
) {
    push(events, ts, &|l, t| {
        write!(
            l,
            r#"{{"type":"call.offered","ts":"{t}","call_id":"{call}","queue":"{queue}","channel":"{channel}","customer":"{customer}"}}"#
        )
        .unwrap()
    });
}

fn resolved_field(resolved: Option<bool>) -> &'static str {
    match resolved {
        Some(true) => r#","resolved":true"#,
        Some(false) => r#","resolved":false"#,
        None => "",
    }
}

fn agent_name(queue: u32, n: u32) -> String {
    format!("ag-{:04}", queue * 1_000 + n)
}

/// The most intervals `(start, end)` overlapping at one instant.
fn peak(lifetimes: &mut [(i64, i64)]) -> usize {
    let mut edges: Vec<(i64, i32)> = lifetimes
        .iter()
        .flat_map(|&(a, b)| [(a, 1), (b, -1)])
        .collect();
    edges.sort_unstable();
    let (mut now, mut max) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        max = max.max(now);
    }
    max as usize
}

/// Writes `ms` as `2026-11-02T09:15:02.345+08:00`.
pub fn rfc3339(out: &mut String, ms: i64) {
    let local = ms + OFFSET_MS;
    let days = local.div_euclid(86_400_000);
    let in_day = local.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, frac) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1_000 % 60,
        in_day % 1_000,
    );
    write!(
        out,
        "{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{frac:03}+08:00"
    )
    .unwrap();
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}
