//! `/metrics`: the Prometheus text exposition of the live service, from an explicit registry.
//!
//! Counters are all-time sums since the process started, so several instances (one consumer
//! group) add up, and every ratio is computed in PromQL from summed counters. Gauges are the
//! live views (rolling windows, calls waiting, agents). Every family is declared in
//! [`CATALOGUE`], which the metrics catalogue (docs/src/reference/metrics.md) follows.

use super::kpis::{self, LiveWindow};
use super::state::{Shared, State};
use crate::engine::{Scope, Staffing, Tally};
use crate::event::AgentState;
use crate::time::{seconds, Millis};
use prometheus::core::{Collector, Desc};
use prometheus::proto::{MetricFamily, MetricType};
use prometheus::{Encoder, Registry, TextEncoder};
use std::collections::HashMap;

use MetricType::{COUNTER, GAUGE, HISTOGRAM};

mod alerts;
mod out;

use out::Out;

/// One family: name, type, labels, help.
pub struct Family {
    pub name: &'static str,
    pub kind: MetricType,
    pub labels: &'static [&'static str],
    pub help: &'static str,
}

const fn f(
    name: &'static str,
    kind: MetricType,
    labels: &'static [&'static str],
    help: &'static str,
) -> Family {
    Family {
        name,
        kind,
        labels,
        help,
    }
}

/// A call count of a tally: metric suffix, help, value (seconds for durations).
type Count = (&'static str, &'static str, fn(&Tally) -> f64);

/// The counts exported per queue (`callpulse_<suffix>{queue}`) and center-wide
/// (`callpulse_center_<suffix>`).
const COUNTS: [Count; 23] = [
    (
        "calls_offered_total",
        "Calls offered (center: each call once, at its first offer).",
        |t| t.offered as f64,
    ),
    ("calls_answered_total", "Calls answered by an agent.", |t| {
        t.answered as f64
    }),
    (
        "calls_answered_within_threshold_total",
        "Calls answered with a wait at most the service-level threshold (9.3.1).",
        |t| t.answered_within as f64,
    ),
    (
        "calls_abandoned_total",
        "Calls the caller hung up on before answer.",
        |t| t.abandoned as f64,
    ),
    (
        "calls_abandoned_within_threshold_total",
        "Calls abandoned with a wait at most the service-level threshold.",
        |t| t.abandoned_within as f64,
    ),
    (
        "calls_short_abandoned_total",
        "Calls abandoned before the short-abandon limit (0 unless one is configured).",
        |t| t.short_abandoned as f64,
    ),
    (
        "calls_timed_out_total",
        "Calls that left the queue unanswered because the system ended the wait (timeout, no agents, withdrawn, failed).",
        |t| t.timed_out as f64,
    ),
    (
        "calls_flowed_out_total",
        "Calls that left the queue for another before answer.",
        |t| t.flowed_out as f64,
    ),
    (
        "calls_flowed_in_total",
        "Calls that came from another queue before answer (also offered).",
        |t| t.flowed_in as f64,
    ),
    (
        "calls_transferred_total",
        "Answered calls the agent transferred.",
        |t| t.transferred as f64,
    ),
    ("calls_handled_total", "Conversations that ended.", |t| {
        t.handled as f64
    }),
    (
        "calls_resolution_marked_total",
        "Ended calls with a first-contact resolution mark.",
        |t| t.resolution_marked as f64,
    ),
    (
        "calls_resolved_total",
        "Ended calls marked resolved at first contact.",
        |t| t.resolved as f64,
    ),
    (
        "repeat_contacts_total",
        "Offers from a customer already offered within the repeat window (9.1.3).",
        |t| t.repeat_contacts as f64,
    ),
    (
        "answer_wait_seconds_total",
        "Total wait (queue and ring) of answered calls.",
        |t| seconds(t.wait_sum),
    ),
    (
        "abandon_wait_seconds_total",
        "Total wait of abandoned calls.",
        |t| seconds(t.abandon_wait_sum),
    ),
    (
        "talk_seconds_total",
        "Total talk time of ended conversations.",
        |t| seconds(t.talk_sum),
    ),
    ("wrapups_total", "After-call work finished.", |t| {
        t.wrapups as f64
    }),
    ("wrapup_seconds_total", "Total after-call work time.", |t| {
        seconds(t.wrap_sum)
    }),
    (
        "survey_responses_total",
        "Satisfaction survey answers (9.2.1).",
        |t| t.satisfaction.responses as f64,
    ),
    ("survey_satisfied_total", "Satisfied survey answers.", |t| {
        t.satisfaction.satisfied as f64
    }),
    (
        "complaints_on_time_total",
        "Complaints closed by their due time (9.2.4).",
        |t| t.complaints_on_time as f64,
    ),
    (
        "complaints_overdue_total",
        "Complaints past their due time when closed or still open.",
        |t| t.complaints_overdue as f64,
    ),
];

const AGENT_STATES: [(&str, AgentState); 4] = [
    ("available", AgentState::Available),
    ("on_call", AgentState::OnCall),
    ("wrap_up", AgentState::WrapUp),
    ("not_ready", AgentState::NotReady),
];

/// Families besides the [`COUNTS`] (which exist per queue and per center).
pub const CATALOGUE: [Family; 36] = [
    f(
        "callpulse_queue_threshold_seconds",
        GAUGE,
        &["queue"],
        "Service-level threshold of the queue.",
    ),
    f(
        "callpulse_agent_state_seconds_total",
        COUNTER,
        &["queue", "state"],
        "Agent time by state, credited to each queue of the agent.",
    ),
    f(
        "callpulse_wait_seconds",
        HISTOGRAM,
        &["queue", "outcome"],
        "Wait of answered and abandoned calls; a bucket at every configured threshold.",
    ),
    f(
        "callpulse_center_wait_seconds",
        HISTOGRAM,
        &["outcome"],
        "Wait of answered and abandoned calls, center-wide.",
    ),
    f(
        "callpulse_service_level_ratio",
        GAUGE,
        &["queue", "window"],
        "Answered within threshold / offered over the window (9.3.1).",
    ),
    f(
        "callpulse_answer_rate_ratio",
        GAUGE,
        &["queue", "window"],
        "Answered / offered over the window (9.3.3).",
    ),
    f(
        "callpulse_abandon_rate_ratio",
        GAUGE,
        &["queue", "window"],
        "Abandoned / offered over the window.",
    ),
    f(
        "callpulse_asa_seconds",
        GAUGE,
        &["queue", "window"],
        "Average speed of answer over the window (9.3.2).",
    ),
    f(
        "callpulse_center_service_level_ratio",
        GAUGE,
        &["window"],
        "Center-wide service level over the window (9.3.1).",
    ),
    f(
        "callpulse_center_answer_rate_ratio",
        GAUGE,
        &["window"],
        "Center-wide answer rate over the window (9.3.3).",
    ),
    f(
        "callpulse_center_abandon_rate_ratio",
        GAUGE,
        &["window"],
        "Center-wide abandon rate over the window.",
    ),
    f(
        "callpulse_center_asa_seconds",
        GAUGE,
        &["window"],
        "Center-wide average speed of answer over the window (9.3.2).",
    ),
    f(
        "callpulse_calls_waiting",
        GAUGE,
        &["queue"],
        "Calls waiting in the queue now.",
    ),
    f(
        "callpulse_longest_wait_seconds",
        GAUGE,
        &["queue"],
        "Wait so far of the longest-waiting call now.",
    ),
    f(
        "callpulse_agents",
        GAUGE,
        &["queue", "state"],
        "Agents of the queue by current state.",
    ),
    f(
        "callpulse_staffing_agents_needed",
        GAUGE,
        &["queue"],
        "Agents the queue needs now for 80 % of calls answered within its threshold (9.3.1), by Erlang C over the last 30 minutes of calls; absent while no call was handled in them.",
    ),
    f(
        "callpulse_staffing_agents_staffed",
        GAUGE,
        &["queue"],
        "Agents of the queue available, on a call or in wrap-up now.",
    ),
    f(
        "callpulse_staffing_offered_load_erlangs",
        GAUGE,
        &["queue"],
        "Calls offered per second over the last 30 minutes times their average handling time (talk and wrap-up); absent while no call was handled in them.",
    ),
    f(
        "callpulse_center_calls_waiting",
        GAUGE,
        &[],
        "Calls waiting now, center-wide.",
    ),
    f(
        "callpulse_center_agents",
        GAUGE,
        &["state"],
        "Agents by current state, each once.",
    ),
    f(
        "callpulse_component_up",
        GAUGE,
        &["component"],
        "1 while the component is up, 0 while down (9.4.1).",
    ),
    f(
        "callpulse_component_availability_ratio",
        GAUGE,
        &["component"],
        "Up time / time so far today (9.4.1).",
    ),
    f(
        "callpulse_component_down_seconds_total",
        COUNTER,
        &["component"],
        "Down time of the component.",
    ),
    f(
        "callpulse_center_availability_ratio",
        GAUGE,
        &[],
        "Time with every component up / time so far today (9.4.1).",
    ),
    f(
        "callpulse_input_records_total",
        COUNTER,
        &[],
        "Input records read (Kafka messages or lines of a followed file), whatever became of them.",
    ),
    f(
        "callpulse_events_read_total",
        COUNTER,
        &[],
        "Events read: the events the input records gave, plus the records rejected whole.",
    ),
    f(
        "callpulse_events_accepted_total",
        COUNTER,
        &[],
        "Events accepted (duplicates included).",
    ),
    f(
        "callpulse_events_rejected_total",
        COUNTER,
        &["reason"],
        "Events rejected, by reason; each is kept as a dead letter.",
    ),
    f(
        "callpulse_events_duplicate_total",
        COUNTER,
        &[],
        "Events dropped as duplicates.",
    ),
    f(
        "callpulse_events_late_total",
        COUNTER,
        &[],
        "Events that arrived after the watermark had passed them.",
    ),
    f(
        "callpulse_customers_untracked_total",
        COUNTER,
        &[],
        "Offers of new customers not tracked for repeat contacts: limits.max_customers reached.",
    ),
    f(
        "callpulse_record_revisions_total",
        COUNTER,
        &[],
        "Period records emitted again because a final period changed.",
    ),
    f(
        "callpulse_dead_letters_total",
        COUNTER,
        &[],
        "Rejected events written to the dead-letter output.",
    ),
    f(
        "callpulse_consumer_lag_messages",
        GAUGE,
        &["topic", "partition"],
        "Messages behind the end of each assigned partition.",
    ),
    f(
        "callpulse_calls_in_flight",
        GAUGE,
        &[],
        "Calls tracked now (offered, not yet finished).",
    ),
    f(
        "callpulse_watermark_timestamp_seconds",
        GAUGE,
        &[],
        "Events before this instant have been applied.",
    ),
];

/// Families of the process that have no place above.
pub const PROCESS: [Family; 12] = [
    f(
        "callpulse_events_pending",
        GAUGE,
        &[],
        "Events read but not yet accepted or rejected (reorder buffer).",
    ),
    f(
        "callpulse_dead_letter_errors_total",
        COUNTER,
        &[],
        "Failed attempts to write a dead letter.",
    ),
    f(
        "callpulse_engine_state_bytes",
        GAUGE,
        &[],
        "Bytes of engine state that grows with traffic.",
    ),
    f(
        "callpulse_ready",
        GAUGE,
        &[],
        "1 when /readyz answers ready.",
    ),
    f(
        "callpulse_evidence_rows_total",
        COUNTER,
        &[],
        "Rows appended to the evidence store.",
    ),
    f(
        "callpulse_evidence_errors_total",
        COUNTER,
        &[],
        "Failed appends to the evidence store (its rows are kept and appended later).",
    ),
    f(
        "callpulse_evidence_dropped_total",
        COUNTER,
        &[],
        "Evidence rows given up at shutdown because the store could not be written (each loss recorded in a gap row).",
    ),
    f(
        "callpulse_evidence_pending_rows",
        GAUGE,
        &[],
        "Evidence rows waiting to be written (for the next checkpoint, or after a failed write).",
    ),
    f(
        "callpulse_evidence_backed_up",
        GAUGE,
        &[],
        "1 while the evidence store cannot be written: the input is paused until it can.",
    ),
    f(
        "callpulse_evidence_head_row",
        GAUGE,
        &[],
        "Number of the last row of the evidence store: it only grows; scraped, it anchors the chain outside the store.",
    ),
    f(
        "callpulse_checkpoints_total",
        COUNTER,
        &[],
        "Checkpoints written to the evidence store (engine state, offsets and evidence rows in one transaction).",
    ),
    f(
        "callpulse_checkpoint_state_bytes",
        GAUGE,
        &[],
        "Size of the engine state in the last checkpoint.",
    ),
];

/// Every metric name the service exposes (without histogram and process suffixes).
pub fn names() -> Vec<String> {
    let mut out: Vec<String> = COUNTS
        .iter()
        .flat_map(|(s, _, _)| [format!("callpulse_{s}"), format!("callpulse_center_{s}")])
        .collect();
    out.extend(
        CATALOGUE
            .iter()
            .chain(&PROCESS)
            .chain(&alerts::FAMILIES)
            .map(|f| f.name.to_string()),
    );
    out.extend(
        alerts::window_families()
            .into_iter()
            .map(|(name, _, _)| name),
    );
    out.push("callpulse_event_delay_seconds".into());
    out
}

/// The registry of a service: its state, the event-delay histogram and the process metrics.
pub fn registry(shared: &Shared) -> Registry {
    let registry = Registry::new();
    let delays = shared.lock().delays.clone();
    registry
        .register(Box::new(delays))
        .expect("a fresh registry takes the delay histogram");
    registry
        .register(Box::new(StateCollector::new(shared.clone())))
        .expect("the state collector's names are unique");
    #[cfg(target_os = "linux")]
    registry
        .register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))
        .expect("process metrics have their own names");
    registry
}

/// The text exposition of `registry`.
pub fn render(registry: &Registry) -> String {
    let mut buf = Vec::with_capacity(64 * 1024);
    TextEncoder::new()
        .encode(&registry.gather(), &mut buf)
        .expect("the text encoder writes to memory");
    String::from_utf8(buf).expect("the text exposition is UTF-8")
}

/// Collects every family of [`COUNTS`], [`CATALOGUE`] and [`PROCESS`] from the state.
struct StateCollector {
    shared: Shared,
    descs: Vec<Desc>,
}

impl StateCollector {
    fn new(shared: Shared) -> Self {
        let mut descs = Vec::new();
        for (suffix, help, _) in COUNTS {
            for (name, labels) in [
                (format!("callpulse_{suffix}"), vec!["queue".to_string()]),
                (format!("callpulse_center_{suffix}"), vec![]),
            ] {
                descs.push(desc(name, help, labels));
            }
        }
        for fam in CATALOGUE.iter().chain(&PROCESS) {
            let labels = fam.labels.iter().map(|l| l.to_string()).collect();
            descs.push(desc(fam.name.into(), fam.help, labels));
        }
        descs.extend(alerts::descs());
        StateCollector { shared, descs }
    }
}

fn desc(name: String, help: &str, labels: Vec<String>) -> Desc {
    Desc::new(name, help.into(), labels, HashMap::new()).expect("catalogue names are valid")
}

impl Collector for StateCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    /// The samples are taken under the state's lock; their families are built after.
    fn collect(&self) -> Vec<MetricFamily> {
        let mut out = Out::default();
        collect(&self.shared.lock(), &mut out);
        out.into_families()
    }
}

fn family(name: &str) -> &'static Family {
    CATALOGUE
        .iter()
        .chain(&PROCESS)
        .chain(&alerts::FAMILIES)
        .find(|f| f.name == name)
        .expect("every family used is in the catalogue")
}

fn collect(state: &State, out: &mut Out) {
    let engine = &state.engine;
    let names = engine.names();
    let at = state.clock();
    let bounds = engine.live().bounds();
    let mut totals = engine.totals();
    totals.sort_by_key(|(s, _)| *s);
    for (scope, t) in &totals {
        let name = names.of(*scope).map_or("", |n| n.as_str());
        match scope {
            Scope::Center | Scope::Queue(_) => out.counts(*scope, name, t),
            Scope::Component(_) => out.push(
                family("callpulse_component_down_seconds_total"),
                &[name],
                seconds(t.down_ms),
            ),
            Scope::Agent(_) => {}
        }
        if let Scope::Queue(_) = scope {
            for (state_name, agent_state) in AGENT_STATES {
                out.push(
                    family("callpulse_agent_state_seconds_total"),
                    &[name, state_name],
                    seconds(t.agent_ms(agent_state)),
                );
            }
        }
    }
    let waiting = engine.waiting();
    let (staffing, center_staff) = engine.staffing();
    let queue_ids = 0..names.queues.len() as u32;
    for scope in queue_ids.map(Scope::Queue).chain([Scope::Center]) {
        let queue = names.of(scope).map_or("", |n| n.as_str());
        let center = scope == Scope::Center;
        let labels = |rest: &[&'static str]| -> Vec<&str> {
            let mut l = if center { vec![] } else { vec![queue] };
            l.extend_from_slice(rest);
            l
        };
        let prefix = if center {
            "callpulse_center_"
        } else {
            "callpulse_"
        };
        if at > Millis::MIN {
            for window in LiveWindow::ALL {
                let w = window.sums(state, scope, at);
                for (suffix, value) in [
                    ("service_level_ratio", w.service_level()),
                    ("answer_rate_ratio", w.answer_rate()),
                    ("abandon_rate_ratio", w.abandon_rate()),
                    ("asa_seconds", w.asa_seconds()),
                ] {
                    if let Some(v) = value {
                        out.push(
                            family(&format!("{prefix}{suffix}")),
                            &labels(&[window.name()]),
                            v,
                        );
                    }
                }
            }
        }
        if let Some((answered, abandoned)) = engine.waits(scope) {
            let fam = family(&format!("{prefix}wait_seconds"));
            out.histogram(fam, &labels(&["answered"]), bounds, &answered);
            out.histogram(fam, &labels(&["abandoned"]), bounds, &abandoned);
        }
        let staff: Staffing = match scope {
            Scope::Queue(q) => {
                out.push(
                    family("callpulse_queue_threshold_seconds"),
                    &[queue],
                    seconds(engine.threshold(scope)),
                );
                let (n, oldest) = waiting.get(q as usize).copied().unwrap_or((0, None));
                out.push(family("callpulse_calls_waiting"), &[queue], n as f64);
                let longest = oldest.map_or(0.0, |since| seconds(at.saturating_sub(since).max(0)));
                out.push(family("callpulse_longest_wait_seconds"), &[queue], longest);
                let staff = staffing.get(q as usize).copied().unwrap_or_default();
                let live = kpis::queue_staffing(state, q, at, staff);
                for (name, value) in [
                    (
                        "callpulse_staffing_agents_needed",
                        live.agents_needed.map(f64::from),
                    ),
                    (
                        "callpulse_staffing_agents_staffed",
                        Some(f64::from(live.agents_staffed)),
                    ),
                    (
                        "callpulse_staffing_offered_load_erlangs",
                        live.offered_load_erlangs,
                    ),
                ] {
                    if let Some(v) = value {
                        out.push(family(name), &[queue], v);
                    }
                }
                staff
            }
            _ => {
                let n: u64 = waiting.iter().map(|(n, _)| n).sum();
                out.push(family("callpulse_center_calls_waiting"), &[], n as f64);
                center_staff
            }
        };
        let agents = family(&format!("{prefix}agents"));
        for (state_name, count) in [
            ("available", staff.available),
            ("on_call", staff.on_call),
            ("wrap_up", staff.wrap_up),
            ("not_ready", staff.not_ready),
        ] {
            out.push(agents, &labels(&[state_name]), f64::from(count));
        }
    }
    for c in kpis::components(state, at) {
        out.push(
            family("callpulse_component_up"),
            &[&c.component],
            f64::from(u8::from(c.up)),
        );
        if let Some(a) = c.availability_today {
            out.push(
                family("callpulse_component_availability_ratio"),
                &[&c.component],
                a,
            );
        }
    }
    if let Some(a) = kpis::availability_today(state, Scope::Center, at) {
        out.push(family("callpulse_center_availability_ratio"), &[], a);
    }
    let stats = engine.stats();
    let p = &state.process;
    for (name, value) in [
        ("callpulse_input_records_total", p.messages),
        ("callpulse_events_read_total", stats.read),
        ("callpulse_events_accepted_total", stats.accepted),
        ("callpulse_events_duplicate_total", stats.duplicates),
        ("callpulse_events_late_total", stats.late),
        ("callpulse_record_revisions_total", stats.revisions),
        (
            "callpulse_customers_untracked_total",
            engine.untracked_customers(),
        ),
        ("callpulse_dead_letters_total", p.dead_letters),
        ("callpulse_dead_letter_errors_total", p.dead_letter_errors),
        ("callpulse_events_pending", stats.pending()),
        ("callpulse_calls_in_flight", engine.calls_in_flight() as u64),
        ("callpulse_engine_state_bytes", engine.state_bytes() as u64),
        ("callpulse_ready", u64::from(state.ready().is_ok())),
    ] {
        out.push(family(name), &[], value as f64);
    }
    if let Some(ev) = &state.evidence {
        out.push(family("callpulse_evidence_rows_total"), &[], ev.rows as f64);
        out.push(
            family("callpulse_evidence_errors_total"),
            &[],
            ev.errors as f64,
        );
        out.push(
            family("callpulse_evidence_dropped_total"),
            &[],
            ev.dropped as f64,
        );
        out.push(
            family("callpulse_evidence_head_row"),
            &[],
            ev.head().0 as f64,
        );
        out.push(
            family("callpulse_evidence_pending_rows"),
            &[],
            ev.pending_rows() as f64,
        );
        out.push(
            family("callpulse_evidence_backed_up"),
            &[],
            f64::from(u8::from(ev.backed_up())),
        );
        let p = &state.process;
        out.push(
            family("callpulse_checkpoints_total"),
            &[],
            p.checkpoints as f64,
        );
        out.push(
            family("callpulse_checkpoint_state_bytes"),
            &[],
            p.checkpoint_bytes as f64,
        );
    }
    for (reason, n) in &stats.rejected {
        out.push(
            family("callpulse_events_rejected_total"),
            &[&reason.code()],
            *n as f64,
        );
    }
    for ((topic, partition), part) in &p.partitions {
        if let Some(lag) = part.lag {
            out.push(
                family("callpulse_consumer_lag_messages"),
                &[topic, &partition.to_string()],
                lag.max(0) as f64,
            );
        }
    }
    if engine.watermark() > Millis::MIN {
        out.push(
            family("callpulse_watermark_timestamp_seconds"),
            &[],
            seconds(engine.watermark()),
        );
    }
    alerts::collect(state, at, out);
}
