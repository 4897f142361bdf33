//! Period records: what callpulse reports for one scope over one period, with every KPI
//! derived from the additive counts by the formulas of [`crate::kpi`].
//!
//! The first twenty fields are a contract (`replay --format json` prints them in this order);
//! more follow. Ratios are 0–1 and `null` when their denominator is 0; durations are seconds.

use crate::engine::{Closed, Engine, Scope};
use crate::event::AgentState;
use crate::kpi::counts::serialize_fields;
use crate::kpi::{self, CallCounts, ServiceLevelDefinition};
use crate::time::{seconds, Granularity};
use serde::Serialize;
use std::collections::BTreeMap;

/// One record, ready to serialise (as the fields of [`PeriodRecord`]'s `Serialize`, the call
/// counts among them: `offered`, `answered`, `answered_within_threshold`, `abandoned`,
/// `wait_seconds_sum`, and `short_abandoned` further on).
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRecord {
    /// The queue, `null` for center-wide records (and for agent and component records).
    pub queue: Option<String>,
    pub start: String,
    pub end: String,
    pub counts: CallCounts,
    pub abandoned_within_threshold: u64,
    pub flowed_out: u64,
    pub threshold_seconds: f64,
    pub service_level: Option<f64>,
    pub answer_rate: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub aht_seconds: Option<f64>,
    pub wait_p50_seconds: Option<f64>,
    pub wait_p90_seconds: Option<f64>,
    pub wait_p99_seconds: Option<f64>,
    pub revision: u32,
    // ---- more fields ----
    /// `center`, `queue`, `agent` or `component`.
    pub scope: &'static str,
    /// `interval`, `day` or `month`.
    pub period: Granularity,
    pub agent: Option<String>,
    pub component: Option<String>,
    pub flowed_in: u64,
    pub timed_out: u64,
    pub timed_out_wait_seconds_sum: f64,
    pub answer_rate_coefficient: Option<f64>,
    pub asa_coefficient: Option<f64>,
    pub abandon_wait_seconds_sum: f64,
    pub abandoned_wait_p50_seconds: Option<f64>,
    pub abandoned_wait_p90_seconds: Option<f64>,
    pub abandoned_wait_p99_seconds: Option<f64>,
    pub transferred: u64,
    pub transfer_rate: Option<f64>,
    pub handled: u64,
    pub talk_seconds_sum: f64,
    pub wrapups: u64,
    pub wrap_seconds_sum: f64,
    pub resolution_marked: u64,
    pub resolved: u64,
    pub fcr_rate: Option<f64>,
    pub repeat_contacts: u64,
    pub repeat_contact_rate: Option<f64>,
    pub agent_available_seconds: f64,
    pub agent_on_call_seconds: f64,
    pub agent_wrap_up_seconds: f64,
    pub agent_not_ready_seconds: f64,
    pub occupancy: Option<f64>,
    pub period_seconds: f64,
    pub down_seconds: Option<f64>,
    pub availability: Option<f64>,
    pub survey_responses: u64,
    pub survey_satisfied: u64,
    pub satisfaction: Option<f64>,
    pub surveys: BTreeMap<String, SurveyFigures>,
    pub complaints_opened: u64,
    pub complaints_closed: u64,
    pub complaints_on_time: u64,
    pub complaints_overdue: u64,
    pub complaints_on_time_rate: Option<f64>,
    pub complaint_satisfaction: Option<f64>,
    pub forecast_offered: Option<f64>,
    pub forecast_accuracy: Option<f64>,
    /// Calls that left the queue unanswered with a callback request (not abandons).
    pub callbacks_requested: u64,
    /// The definition `service_level` was computed by
    /// ([`ServiceLevelDefinition::stamp`]): `9.3.1`, with the short abandons it excluded.
    pub service_level_definition: String,
}

// The contract's order: the call counts sit among the other fields, by their record names.
serialize_fields!(PeriodRecord |r| {
    queue,
    start,
    end,
    offered = r.counts.offered,
    answered = r.counts.answered,
    answered_within_threshold = r.counts.answered_within,
    abandoned = r.counts.abandoned,
    abandoned_within_threshold,
    flowed_out,
    wait_seconds_sum = seconds(r.counts.wait_ms),
    threshold_seconds,
    service_level,
    answer_rate,
    abandon_rate,
    asa_seconds,
    aht_seconds,
    wait_p50_seconds,
    wait_p90_seconds,
    wait_p99_seconds,
    revision,
    scope,
    period,
    agent,
    component,
    flowed_in,
    short_abandoned = r.counts.short_abandoned,
    timed_out,
    timed_out_wait_seconds_sum,
    answer_rate_coefficient,
    asa_coefficient,
    abandon_wait_seconds_sum,
    abandoned_wait_p50_seconds,
    abandoned_wait_p90_seconds,
    abandoned_wait_p99_seconds,
    transferred,
    transfer_rate,
    handled,
    talk_seconds_sum,
    wrapups,
    wrap_seconds_sum,
    resolution_marked,
    resolved,
    fcr_rate,
    repeat_contacts,
    repeat_contact_rate,
    agent_available_seconds,
    agent_on_call_seconds,
    agent_wrap_up_seconds,
    agent_not_ready_seconds,
    occupancy,
    period_seconds,
    down_seconds,
    availability,
    survey_responses,
    survey_satisfied,
    satisfaction,
    surveys,
    complaints_opened,
    complaints_closed,
    complaints_on_time,
    complaints_overdue,
    complaints_on_time_rate,
    complaint_satisfaction,
    forecast_offered,
    forecast_accuracy,
    callbacks_requested = r.counts.callbacks_requested,
    service_level_definition,
});

/// Satisfaction of one targeted survey (9.2.2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyFigures {
    pub responses: u64,
    pub satisfied: u64,
    pub satisfaction: Option<f64>,
}

impl PeriodRecord {
    /// Builds the record of a tally `engine` closed: names, periods and the short-abandon
    /// threshold are the engine's.
    pub fn new(c: &Closed, engine: &Engine) -> PeriodRecord {
        let (names, calendar) = (engine.names(), engine.calendar());
        let rule = ServiceLevelDefinition::RULE;
        let t = &c.tally;
        let n = &t.counts;
        let name = names.of(c.scope).map(|n| n.to_string());
        let ar = n.answer_rate();
        let asa = n.asa_seconds();
        let monitored = t.monitored && matches!(c.scope, Scope::Center | Scope::Component(_));
        PeriodRecord {
            queue: matches!(c.scope, Scope::Queue(_))
                .then(|| name.clone())
                .flatten(),
            start: calendar.format(c.period.start),
            end: calendar.format(c.period.end),
            counts: *n,
            abandoned_within_threshold: t.counts.abandoned_within,
            flowed_out: t.counts.flowed_out,
            threshold_seconds: seconds(c.threshold),
            service_level: rule.service_level(n),
            answer_rate: ar,
            abandon_rate: n.abandon_rate(),
            asa_seconds: asa,
            aht_seconds: kpi::aht_seconds(t.talk_sum, t.wrap_sum, t.handled),
            wait_p50_seconds: t.answered_waits.quantile_seconds(0.50),
            wait_p90_seconds: t.answered_waits.quantile_seconds(0.90),
            wait_p99_seconds: t.answered_waits.quantile_seconds(0.99),
            revision: c.revision,
            scope: c.scope.kind(),
            period: c.period.granularity,
            agent: matches!(c.scope, Scope::Agent(_))
                .then(|| name.clone())
                .flatten(),
            component: matches!(c.scope, Scope::Component(_))
                .then(|| name.clone())
                .flatten(),
            flowed_in: t.flowed_in,
            timed_out: t.timed_out,
            timed_out_wait_seconds_sum: seconds(t.timed_out_wait_sum),
            answer_rate_coefficient: ar.map(kpi::answer_rate_coefficient),
            asa_coefficient: asa.map(kpi::asa_coefficient),
            abandon_wait_seconds_sum: seconds(t.abandon_wait_sum),
            abandoned_wait_p50_seconds: t.abandoned_waits.quantile_seconds(0.50),
            abandoned_wait_p90_seconds: t.abandoned_waits.quantile_seconds(0.90),
            abandoned_wait_p99_seconds: t.abandoned_waits.quantile_seconds(0.99),
            transferred: t.transferred,
            transfer_rate: kpi::transfer_rate(t.transferred, n.answered),
            handled: t.handled,
            talk_seconds_sum: seconds(t.talk_sum),
            wrapups: t.wrapups,
            wrap_seconds_sum: seconds(t.wrap_sum),
            resolution_marked: t.resolution_marked,
            resolved: t.resolved,
            fcr_rate: kpi::fcr_rate(t.resolved, t.resolution_marked),
            repeat_contacts: t.repeat_contacts,
            repeat_contact_rate: kpi::repeat_contact_rate(t.repeat_contacts, n.offered),
            agent_available_seconds: seconds(t.agent_ms(AgentState::Available)),
            agent_on_call_seconds: seconds(t.agent_ms(AgentState::OnCall)),
            agent_wrap_up_seconds: seconds(t.agent_ms(AgentState::WrapUp)),
            agent_not_ready_seconds: seconds(t.agent_ms(AgentState::NotReady)),
            occupancy: kpi::occupancy(
                t.agent_ms(AgentState::OnCall),
                t.agent_ms(AgentState::WrapUp),
                t.agent_ms(AgentState::Available),
            ),
            period_seconds: seconds(c.period.len()),
            down_seconds: monitored.then(|| seconds(t.down_ms)),
            availability: if monitored {
                kpi::availability(t.down_ms, c.period.len())
            } else {
                None
            },
            survey_responses: t.satisfaction.responses,
            survey_satisfied: t.satisfaction.satisfied,
            satisfaction: kpi::satisfaction(t.satisfaction.satisfied, t.satisfaction.responses),
            surveys: t
                .surveys
                .iter()
                .map(|(name, a)| {
                    let figures = SurveyFigures {
                        responses: a.responses,
                        satisfied: a.satisfied,
                        satisfaction: kpi::satisfaction(a.satisfied, a.responses),
                    };
                    (name.to_string(), figures)
                })
                .collect(),
            complaints_opened: t.complaints_opened,
            complaints_closed: t.complaints_closed,
            complaints_on_time: t.complaints_on_time,
            complaints_overdue: t.complaints_overdue,
            complaints_on_time_rate: kpi::complaints_on_time_rate(
                t.complaints_on_time,
                t.complaints_overdue,
            ),
            complaint_satisfaction: kpi::satisfaction(
                t.complaint_satisfaction.satisfied,
                t.complaint_satisfaction.responses,
            ),
            forecast_offered: t.forecast,
            forecast_accuracy: kpi::forecast_accuracy(n.offered, t.forecast),
            callbacks_requested: n.callbacks_requested,
            service_level_definition: rule.stamp(engine.config().short_abandon),
        }
    }
}
