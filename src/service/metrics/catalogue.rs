//! The catalogue of `/metrics`: every family the live service exposes, with its type, labels
//! and help. The metrics catalogue page (docs/src/reference/metrics.md) follows it, and a test
//! checks that every name here is there.

use super::alerts;
pub(super) use super::counts::COUNTS;
use crate::event::AgentState;
use prometheus::proto::MetricType;

use MetricType::{COUNTER, GAUGE, HISTOGRAM};

/// One family: name, type, labels, help.
pub struct Family {
    pub name: &'static str,
    pub kind: MetricType,
    pub labels: &'static [&'static str],
    pub help: &'static str,
}

pub(super) const fn f(
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

pub(super) const AGENT_STATES: [(&str, AgentState); 4] = [
    ("available", AgentState::Available),
    ("on_call", AgentState::OnCall),
    ("wrap_up", AgentState::WrapUp),
    ("not_ready", AgentState::NotReady),
];

/// Families besides the [`COUNTS`] (which exist per queue and per center).
pub const CATALOGUE: [Family; 41] = [
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
        "callpulse_callbacks_pending",
        GAUGE,
        &["queue"],
        "Callers of the queue to call back now: left it unanswered today (abandoned, timed out, or asked for a callback), with a number, and not reached by an agent of the queue since.",
    ),
    f(
        "callpulse_center_callbacks_pending",
        GAUGE,
        &[],
        "Callers to call back now, center-wide (a caller pending in two queues counts twice).",
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
        "callpulse_agent_state",
        GAUGE,
        &["agent", "state"],
        "1 for the agent's current state, 0 for the others. Only with http.agent_metrics = true (off by default: an agent id is a label of unbounded cardinality); at most limits.max_agents agents.",
    ),
    f(
        "callpulse_agent_state_seconds",
        GAUGE,
        &["agent"],
        "Time the agent has been in its current state (and pause reason), to the live clock. Only with http.agent_metrics = true.",
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
        "callpulse_callbacks_untracked_total",
        COUNTER,
        &[],
        "Facts of the callback list (calls, callback attempts) not kept: the list's capacity was reached.",
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
