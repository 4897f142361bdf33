//! The call counts of a tally that `/metrics` exposes per queue (`callpulse_<suffix>{queue}`)
//! and center-wide (`callpulse_center_<suffix>`): part of the catalogue ([`super::catalogue`]).

use crate::engine::Tally;
use crate::time::seconds;

/// A call count of a tally: metric suffix, help, value (seconds for durations).
pub(super) type Count = (&'static str, &'static str, fn(&Tally) -> f64);

/// The counts exported per queue (`callpulse_<suffix>{queue}`) and center-wide
/// (`callpulse_center_<suffix>`).
pub(super) const COUNTS: [Count; 24] = [
    (
        "calls_offered_total",
        "Calls offered (center: each call once, at its first offer).",
        |t| t.counts.offered as f64,
    ),
    ("calls_answered_total", "Calls answered by an agent.", |t| {
        t.counts.answered as f64
    }),
    (
        "calls_answered_within_threshold_total",
        "Calls answered with a wait at most the service-level threshold (9.3.1).",
        |t| t.counts.answered_within as f64,
    ),
    (
        "calls_abandoned_total",
        "Calls the caller hung up on before answer.",
        |t| t.counts.abandoned as f64,
    ),
    (
        "calls_abandoned_within_threshold_total",
        "Calls abandoned with a wait at most the service-level threshold.",
        |t| t.counts.abandoned_within as f64,
    ),
    (
        "calls_short_abandoned_total",
        "Calls abandoned before the short-abandon limit (0 unless one is configured).",
        |t| t.counts.short_abandoned as f64,
    ),
    (
        "calls_timed_out_total",
        "Calls that left the queue unanswered because the system ended the wait (timeout, no agents, withdrawn, failed).",
        |t| t.timed_out as f64,
    ),
    (
        "calls_callbacks_requested_total",
        "Calls that left the queue unanswered with a callback request the ACD will place (not abandons).",
        |t| t.counts.callbacks_requested as f64,
    ),
    (
        "calls_flowed_out_total",
        "Calls that left the queue for another before answer.",
        |t| t.counts.flowed_out as f64,
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
        |t| seconds(t.counts.wait_ms),
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
