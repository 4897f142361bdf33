//! The collector behind `/metrics`: the samples of every catalogued family, read from the
//! state under its lock and built into families after.

use super::alerts;
use super::catalogue::{desc, family, AGENT_STATES, CATALOGUE, COUNTS, PROCESS};
use super::out::Out;
use crate::engine::{Scope, Staffing};
use crate::service::kpis::{self, LiveWindow};
use crate::service::state::{Shared, State};
use crate::time::{seconds, Millis};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;

/// Collects every family of [`COUNTS`], [`CATALOGUE`] and [`PROCESS`] from the state.
pub(super) struct StateCollector {
    shared: Shared,
    descs: Vec<Desc>,
}

impl StateCollector {
    pub(super) fn new(shared: Shared) -> Self {
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

impl Collector for StateCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    /// The samples are taken under the state's lock; their families are built after.
    fn collect(&self) -> Vec<MetricFamily> {
        super::samples(&self.shared).0.into_families()
    }
}

pub(super) fn collect(state: &State, out: &mut Out) {
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
                let w = window.sums(state, scope, at).counts;
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
