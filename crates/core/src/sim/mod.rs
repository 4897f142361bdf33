//! A call-center simulator: a deterministic stream of canonical events that looks like a real
//! center's, for demos, load tests and examples. Built-in data for a user with no ACD at hand.
//!
//! Queues with different staffing take Poisson arrivals whose rate follows a daily profile of
//! the local clock; callers wait in FIFO order and hang up when their patience runs out;
//! agents ring, talk, wrap up and sometimes take a break; some callers who hung up call again,
//! and a dialer calls others back ([`callbacks`]); components send heartbeats and now and then
//! fall silent (an outage); a few lines are malformed on purpose. Events come out in
//! event-time order. The same seed gives the same stream.

mod agents;
mod callbacks;
mod rng;
mod zone;

pub use rng::Rng;
pub use zone::busy_zone;

use crate::codec::encode;
use crate::event::{AgentState, Body, Channel, Event, Id};
use crate::time::{Millis, HOUR, MINUTE, SECOND};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

/// One simulated queue.
#[derive(Debug, Clone)]
pub struct QueueSpec {
    pub name: &'static str,
    /// Calls per hour at the busiest hour of the day.
    pub peak_calls_per_hour: f64,
    pub agents: usize,
    /// Mean talk time.
    pub mean_talk: Millis,
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    /// First instant of the stream.
    pub start: Millis,
    /// Offset of the center's local clock from UTC (for the daily profile).
    pub utc_offset: Millis,
    pub queues: Vec<QueueSpec>,
    /// Mean patience of a caller before hanging up.
    pub mean_patience: Millis,
    /// Malformed lines per 10,000 events.
    pub malformed_per_10k: u32,
    /// Mean time between outages of the IVR.
    pub mean_time_between_outages: Millis,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            start: 1_793_548_800_000, // 2026-11-02T00:00:00+08:00, a Monday
            utc_offset: 8 * HOUR,
            queues: vec![
                QueueSpec {
                    name: "sales",
                    peak_calls_per_hour: 120.0,
                    agents: 9,
                    mean_talk: 200 * SECOND,
                },
                QueueSpec {
                    name: "support",
                    peak_calls_per_hour: 90.0,
                    agents: 7,
                    mean_talk: 300 * SECOND,
                },
                QueueSpec {
                    name: "vip",
                    peak_calls_per_hour: 20.0,
                    agents: 3,
                    mean_talk: 300 * SECOND,
                },
            ],
            mean_patience: 90 * SECOND,
            malformed_per_10k: 5,
            mean_time_between_outages: 16 * HOUR,
        }
    }
}

/// Relative arrival rate by local hour of day: quiet nights, a morning and an afternoon peak.
const DAILY_PROFILE: [f64; 24] = [
    0.04, 0.03, 0.02, 0.02, 0.03, 0.06, 0.15, 0.40, 0.80, 1.00, 1.00, 0.90, 0.70, 0.85, 1.00, 0.95,
    0.85, 0.65, 0.45, 0.35, 0.25, 0.15, 0.10, 0.06,
];

const COMPONENTS: [&str; 2] = ["acd", "ivr"];
const HEARTBEAT_EVERY: Millis = 10 * SECOND;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    Arrive {
        queue: usize,
    },
    /// A caller who hung up calls `queue` again.
    Redial {
        queue: usize,
        customer: u32,
    },
    /// The dialer's `attempt`-th call back to `customer` for `queue`, planned when the
    /// caller was put on the list at `listed`.
    Callback {
        queue: usize,
        customer: u32,
        listed: Millis,
        attempt: u32,
    },
    Answer {
        call: u64,
        agent: usize,
        customer: u32,
    },
    End {
        call: u64,
        agent: usize,
    },
    WrapEnd {
        call: u64,
        agent: usize,
    },
    Patience {
        call: u64,
    },
    BreakEnd {
        agent: usize,
    },
    Heartbeat {
        component: usize,
    },
    OutageEnd {
        component: usize,
    },
}

#[derive(Debug)]
struct Agent {
    id: Id,
    queue: usize,
    busy: bool,
}

#[derive(Debug, Clone)]
struct Waiting {
    call: u64,
    customer: u32,
    gave_up: bool,
}

/// The simulator: an iterator of JSON lines in event-time order.
pub struct Simulator {
    cfg: SimConfig,
    rng: Rng,
    now: Millis,
    seq: u64,
    actions: BinaryHeap<Reverse<(Millis, u64, Action)>>,
    agents: Vec<Agent>,
    waiting: Vec<VecDeque<Waiting>>,
    silent_until: [Millis; 2],
    /// The dialer's list: callers to call back by (queue, customer) (see [`callbacks`]).
    to_call_back: BTreeMap<(usize, u32), callbacks::Listed>,
    out: VecDeque<String>,
    emitted: u64,
}

impl Simulator {
    pub fn new(cfg: SimConfig) -> Self {
        let mut sim = Simulator {
            rng: Rng::new(cfg.seed),
            now: cfg.start,
            seq: 0,
            actions: BinaryHeap::new(),
            agents: Vec::new(),
            waiting: vec![VecDeque::new(); cfg.queues.len()],
            silent_until: [Millis::MIN; 2],
            to_call_back: BTreeMap::new(),
            out: VecDeque::new(),
            emitted: 0,
            cfg,
        };
        for (q, spec) in sim.cfg.queues.clone().iter().enumerate() {
            for i in 0..spec.agents {
                let id = Id::from(format!("{}-{:02}", spec.name, i + 1));
                sim.emit(Body::AgentState {
                    agent: id.clone(),
                    state: AgentState::Available,
                    queues: vec![Id::new(spec.name)],
                    reason: None,
                });
                sim.agents.push(Agent {
                    id,
                    queue: q,
                    busy: false,
                });
            }
            let first = sim.next_arrival(q);
            sim.schedule(first, Action::Arrive { queue: q });
        }
        for component in 0..COMPONENTS.len() {
            sim.schedule(sim.cfg.start, Action::Heartbeat { component });
        }
        sim
    }

    /// The instant of the last event produced.
    pub fn now(&self) -> Millis {
        self.now
    }

    fn schedule(&mut self, at: Millis, action: Action) {
        self.seq += 1;
        self.actions.push(Reverse((at, self.seq, action)));
    }

    fn emit(&mut self, body: Body) {
        let event = Event {
            ts: self.now,
            event_id: None,
            body,
        };
        self.out.push_back(encode(&event));
        self.emitted += 1;
        if self.rng.below(10_000) < u64::from(self.cfg.malformed_per_10k) {
            let line = self.malformed();
            self.out.push_back(line);
        }
    }

    fn malformed(&mut self) -> String {
        match self.rng.below(4) {
            0 => "{\"type\":\"call.offered\",\"ts\":".to_string(),
            1 => format!(
                "{{\"type\":\"call.offered\",\"ts\":{},\"call_id\":\"x\"}}",
                self.now
            ),
            2 => format!("{{\"type\":\"call.parked\",\"ts\":{}}}", self.now),
            _ => "ACD ERROR 17 line noise".to_string(),
        }
    }

    /// When the next call of `queue` arrives: a Poisson process thinned by the daily profile.
    fn next_arrival(&mut self, queue: usize) -> Millis {
        let peak = self.cfg.queues[queue].peak_calls_per_hour / HOUR as f64;
        let mut t = self.now;
        loop {
            t += self.rng.exponential(1.0 / peak).max(1.0) as Millis;
            let hour = ((t + self.cfg.utc_offset).rem_euclid(24 * HOUR) / HOUR) as usize;
            if self.rng.unit() < DAILY_PROFILE[hour] {
                return t;
            }
        }
    }

    fn step(&mut self) {
        let Some(Reverse((at, _, action))) = self.actions.pop() else {
            return;
        };
        self.now = at;
        match action {
            Action::Arrive { queue } => {
                let customer = self.rng.below(CUSTOMERS) as u32;
                self.offer(queue, customer);
                let next = self.next_arrival(queue);
                self.schedule(next, Action::Arrive { queue });
            }
            Action::Redial { queue, customer } => self.offer(queue, customer),
            Action::Callback {
                queue,
                customer,
                listed,
                attempt,
            } => self.call_back(queue, customer, listed, attempt),
            Action::Answer {
                call,
                agent,
                customer,
            } => {
                self.emit(Body::Answered {
                    call: call_id(call),
                    agent: self.agents[agent].id.clone(),
                });
                self.reached(self.agents[agent].queue, customer);
                self.agent_state(agent, AgentState::OnCall);
                let talk = self.cfg.queues[self.agents[agent].queue].mean_talk as f64;
                let talk = self.rng.exponential(talk) as Millis + 10 * SECOND;
                self.schedule(at + talk, Action::End { call, agent });
            }
            Action::End { call, agent } => {
                let resolved = self.rng.below(10) < 8;
                self.emit(Body::Ended {
                    call: call_id(call),
                    resolved: Some(resolved),
                });
                self.agent_state(agent, AgentState::WrapUp);
                let wrap = 5 * SECOND + self.rng.below(40) as Millis * SECOND;
                self.schedule(at + wrap, Action::WrapEnd { call, agent });
                if self.rng.below(5) == 0 {
                    let queue = Id::new(self.cfg.queues[self.agents[agent].queue].name);
                    let satisfied = self.rng.below(100) < 88;
                    let survey = (self.rng.below(3) == 0).then(|| Id::new("billing"));
                    let score = if satisfied {
                        4 + self.rng.below(2) as u8
                    } else {
                        1 + self.rng.below(3) as u8
                    };
                    self.emit(Body::Survey {
                        call: Some(call_id(call)),
                        queue,
                        satisfied,
                        score: Some(score),
                        survey,
                    });
                }
            }
            Action::WrapEnd { call, agent } => {
                self.emit(Body::WrapupEnded {
                    call: call_id(call),
                    agent: self.agents[agent].id.clone(),
                });
                if self.rng.below(12) == 0 {
                    self.agent_state(agent, AgentState::NotReady);
                    let pause = 3 * MINUTE + self.rng.below(10) as Millis * MINUTE;
                    self.schedule(at + pause, Action::BreakEnd { agent });
                } else {
                    self.free(agent);
                }
            }
            Action::BreakEnd { agent } => self.free(agent),
            Action::Patience { call } => {
                let still_waiting = self.waiting.iter_mut().enumerate().find_map(|(q, w)| {
                    let w = w.iter_mut().find(|w| w.call == call && !w.gave_up)?;
                    Some((q, w))
                });
                if let Some((queue, w)) = still_waiting {
                    w.gave_up = true;
                    let customer = w.customer;
                    self.emit(Body::Abandoned {
                        call: call_id(call),
                        cause: Default::default(),
                    });
                    self.left_unanswered(queue, customer);
                }
            }
            Action::Heartbeat { component } => {
                if at >= self.silent_until[component] {
                    self.emit(Body::Heartbeat {
                        component: Id::new(COMPONENTS[component]),
                    });
                    let p_outage =
                        HEARTBEAT_EVERY as f64 / self.cfg.mean_time_between_outages as f64;
                    if component == 1 && self.rng.unit() < p_outage {
                        // Mostly short; one in four longer than the rule's 30 minutes.
                        let length = if self.rng.below(4) == 0 {
                            31 * MINUTE + self.rng.below(30) as Millis * MINUTE
                        } else {
                            MINUTE + self.rng.below(14) as Millis * MINUTE
                        };
                        self.silent_until[component] = at + length;
                        self.schedule(at + length, Action::OutageEnd { component });
                    }
                }
                self.schedule(at + HEARTBEAT_EVERY, Action::Heartbeat { component });
            }
            Action::OutageEnd { .. } => {}
        }
    }

    /// A call of `customer` to `queue` now: offered, waiting until their patience runs out,
    /// given to an agent if one is free.
    fn offer(&mut self, queue: usize, customer: u32) {
        let call = self.seq;
        let channel = if self.rng.below(10) == 0 {
            Channel::Chat
        } else {
            Channel::Voice
        };
        self.emit(Body::Offered {
            call: call_id(call),
            queue: Id::new(self.cfg.queues[queue].name),
            channel,
            priority: None,
            customer: Some(customer_id(customer)),
        });
        self.waiting[queue].push_back(Waiting {
            call,
            customer,
            gave_up: false,
        });
        let patience = self.rng.exponential(self.cfg.mean_patience as f64) as Millis;
        self.schedule(self.now + patience.max(SECOND), Action::Patience { call });
        self.dispatch(queue);
    }
}

fn call_id(n: u64) -> Id {
    Id::from(format!("c{n:08}"))
}

/// How many distinct callers the center has: a caller's id is `u` and five digits.
const CUSTOMERS: u64 = 20_000;

fn customer_id(n: u32) -> Id {
    Id::from(format!("u{n:05}"))
}

impl Iterator for Simulator {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        while self.out.is_empty() {
            if self.actions.is_empty() {
                return None;
            }
            self.step();
        }
        self.out.pop_front()
    }
}

#[cfg(test)]
mod tests;
