//! The samples of every catalogued family, read from the state under its lock (see
//! [`super::out`]): the numbers only, the text is written after.

use super::alerts;
use super::catalogue::AGENT_STATES;
use super::out::{Label, Out, Texts};
use super::table::table;
use crate::engine::{Scope, Staffing, Window};
use crate::event::AgentState;
use crate::service::kpis::{self, LiveWindow};
use crate::service::state::State;
use crate::time::{seconds, Millis};
use rustc_hash::FxHashMap;

/// The families of the live views of a queue (`callpulse_…`) or of the center
/// (`callpulse_center_…`).
struct LiveFamilies {
    /// Service level, answer rate, abandon rate, ASA.
    ratios: [usize; 4],
    wait: usize,
    agents: usize,
}

impl LiveFamilies {
    fn of(prefix: &str) -> LiveFamilies {
        let t = table();
        let id = |suffix: &str| t.id(&format!("{prefix}{suffix}"));
        LiveFamilies {
            ratios: [
                id("service_level_ratio"),
                id("answer_rate_ratio"),
                id("abandon_rate_ratio"),
                id("asa_seconds"),
            ],
            wait: id("wait_seconds"),
            agents: id("agents"),
        }
    }
}

pub(super) fn collect(state: &State, out: &mut Out) {
    let t = table();
    let engine = &state.engine;
    let names = engine.names();
    let at = state.clock();
    out.set_bounds(engine.live().bounds());
    // Each queue's name copied once.
    let queues: Vec<Label> = (0..names.queues.len() as u32)
        .map(|q| out.text(names.queues.name(q).as_str()))
        .collect();
    let mut texts = Texts::default();
    let down = t.id("callpulse_component_down_seconds_total");
    let agent_state = t.id("callpulse_agent_state_seconds_total");
    // The queues in the order of their names: the series are written in that order, and
    // taken in it they need no sorting (see `write`).
    let by_name = names.queues.ids_by_name();
    let mut rank = vec![0; by_name.len()];
    for (r, &q) in by_name.iter().enumerate() {
        rank[q as usize] = r;
    }
    let mut totals = engine.totals();
    totals.sort_by_key(|(s, _)| match *s {
        Scope::Queue(q) => (Scope::Queue(0), rank[q as usize]),
        other => (other, 0),
    });
    for (scope, tally) in &totals {
        match *scope {
            Scope::Center => out.counts(*scope, Label::Static(""), tally),
            Scope::Queue(q) => {
                let queue = queues[q as usize];
                out.counts(*scope, queue, tally);
                for (state_name, s) in AGENT_STATES {
                    let labels = [queue, Label::Static(state_name)];
                    out.push(agent_state, &labels, seconds(tally.agent_ms(s)));
                }
            }
            Scope::Component(_) => {
                let name = names.of(*scope).map_or("", |n| n.as_str());
                let component = texts.get(out, name);
                out.push(down, &[component], seconds(tally.down_ms));
            }
            Scope::Agent(_) => {}
        }
    }
    let waiting = engine.waiting();
    let callbacks = engine.callback_lists();
    let pending = |q: u32| callbacks.get(&q).map_or(0, |l| l.entries.len());
    let callbacks_pending = t.id("callpulse_callbacks_pending");
    let (staffing, center_staff) = engine.staffing();
    let (queue_families, center_families) = (
        LiveFamilies::of("callpulse_"),
        LiveFamilies::of("callpulse_center_"),
    );
    let threshold = t.id("callpulse_queue_threshold_seconds");
    let calls_waiting = t.id("callpulse_calls_waiting");
    let longest = t.id("callpulse_longest_wait_seconds");
    let live_staffing = [
        t.id("callpulse_staffing_agents_needed"),
        t.id("callpulse_staffing_agents_staffed"),
        t.id("callpulse_staffing_offered_load_erlangs"),
    ];
    // The rolling windows (15 and 60 minutes) of each queue and the center, which the alert
    // window sums read again.
    let mut rolling: FxHashMap<Scope, [Window; 2]> = FxHashMap::default();
    for scope in by_name
        .iter()
        .map(|&q| Scope::Queue(q))
        .chain([Scope::Center])
    {
        let (queue, fams) = match scope {
            Scope::Queue(q) => (Some(queues[q as usize]), &queue_families),
            _ => (None, &center_families),
        };
        // The queue's label (none center-wide), then `rest`.
        let with = |rest: &'static str| match queue {
            Some(q) => [q, Label::Static(rest)],
            None => [Label::Static(rest), Label::Static("")],
        };
        let n = if queue.is_some() { 2 } else { 1 };
        if at > Millis::MIN {
            let sums = LiveWindow::sums_of_all(state, scope, at);
            rolling.insert(scope, [sums[0], sums[1]]);
            for (window, w) in LiveWindow::ALL.into_iter().zip(sums) {
                let w = w.counts;
                let values = [
                    w.service_level(),
                    w.answer_rate(),
                    w.abandon_rate(),
                    w.asa_seconds(),
                ];
                for (fam, value) in fams.ratios.into_iter().zip(values) {
                    if let Some(v) = value {
                        out.push(fam, &with(window.name())[..n], v);
                    }
                }
            }
        }
        if let Some((answered, abandoned)) = engine.waits(scope) {
            out.histogram(fams.wait, &with("answered")[..n], &answered);
            out.histogram(fams.wait, &with("abandoned")[..n], &abandoned);
        }
        let staff: Staffing = match (scope, queue) {
            (Scope::Queue(q), Some(queue)) => {
                out.push(threshold, &[queue], seconds(engine.threshold(scope)));
                let (n, oldest) = waiting.get(q as usize).copied().unwrap_or((0, None));
                out.push(calls_waiting, &[queue], n as f64);
                out.push(callbacks_pending, &[queue], pending(q) as f64);
                let wait = oldest.map_or(0.0, |since| seconds(at.saturating_sub(since).max(0)));
                out.push(longest, &[queue], wait);
                let staff = staffing.get(q as usize).copied().unwrap_or_default();
                let live = kpis::queue_staffing(state, q, at, staff);
                let values = [
                    live.agents_needed.map(f64::from),
                    Some(f64::from(live.agents_staffed)),
                    live.offered_load_erlangs,
                ];
                for (fam, value) in live_staffing.into_iter().zip(values) {
                    if let Some(v) = value {
                        out.push(fam, &[queue], v);
                    }
                }
                staff
            }
            _ => {
                let n: u64 = waiting.iter().map(|(n, _)| n).sum();
                let fam = t.id("callpulse_center_calls_waiting");
                out.push(fam, &[], n as f64);
                let n: usize = callbacks.values().map(|l| l.entries.len()).sum();
                let fam = t.id("callpulse_center_callbacks_pending");
                out.push(fam, &[], n as f64);
                center_staff
            }
        };
        for (state_name, count) in [
            ("available", staff.available),
            ("on_call", staff.on_call),
            ("wrap_up", staff.wrap_up),
            ("not_ready", staff.not_ready),
        ] {
            out.push(fams.agents, &with(state_name)[..n], f64::from(count));
        }
    }
    for c in kpis::components(state, at) {
        let component = out.text(&c.component);
        out.push(
            t.id("callpulse_component_up"),
            &[component],
            f64::from(u8::from(c.up)),
        );
        if let Some(a) = c.availability_today {
            let fam = t.id("callpulse_component_availability_ratio");
            out.push(fam, &[component], a);
        }
    }
    if state.config.service.agent_metrics && at > Millis::MIN {
        agents(state, at, out);
    }
    if let Some(a) = kpis::availability_today(state, Scope::Center, at) {
        out.push(t.id("callpulse_center_availability_ratio"), &[], a);
    }
    let stats = engine.stats();
    let p = &state.process;
    let mut counters = vec![
        ("callpulse_input_records_total", p.messages as f64),
        ("callpulse_events_read_total", stats.read as f64),
        ("callpulse_events_accepted_total", stats.accepted as f64),
        ("callpulse_events_duplicate_total", stats.duplicates as f64),
        ("callpulse_events_late_total", stats.late as f64),
        ("callpulse_record_revisions_total", stats.revisions as f64),
        (
            "callpulse_customers_untracked_total",
            engine.untracked_customers() as f64,
        ),
        (
            "callpulse_callbacks_untracked_total",
            engine.callbacks_untracked() as f64,
        ),
        ("callpulse_dead_letters_total", p.dead_letters as f64),
        (
            "callpulse_dead_letter_errors_total",
            p.dead_letter_errors as f64,
        ),
        ("callpulse_events_pending", stats.pending() as f64),
        ("callpulse_calls_in_flight", engine.calls_in_flight() as f64),
        ("callpulse_engine_state_bytes", engine.state_bytes() as f64),
        ("callpulse_ready", u64::from(state.ready().is_ok()) as f64),
    ];
    if let Some(ev) = &state.evidence {
        counters.extend([
            ("callpulse_evidence_rows_total", ev.rows as f64),
            ("callpulse_evidence_errors_total", ev.errors as f64),
            ("callpulse_evidence_dropped_total", ev.dropped as f64),
            ("callpulse_evidence_head_row", ev.head().0 as f64),
            ("callpulse_evidence_pending_rows", ev.pending_rows() as f64),
            (
                "callpulse_evidence_backed_up",
                u64::from(ev.backed_up()) as f64,
            ),
            ("callpulse_checkpoints_total", p.checkpoints as f64),
            (
                "callpulse_checkpoint_state_bytes",
                p.checkpoint_bytes as f64,
            ),
        ]);
    }
    for (name, value) in counters {
        out.push(t.id(name), &[], value);
    }
    let rejected = t.id("callpulse_events_rejected_total");
    for (reason, n) in &stats.rejected {
        let reason = out.text(&reason.code());
        out.push(rejected, &[reason], *n as f64);
    }
    let lag_family = t.id("callpulse_consumer_lag_messages");
    for ((topic, partition), part) in &p.partitions {
        if let Some(lag) = part.lag {
            let labels = [out.text(topic), out.text(&partition.to_string())];
            out.push(lag_family, &labels, lag.max(0) as f64);
        }
    }
    if engine.watermark() > Millis::MIN {
        let fam = t.id("callpulse_watermark_timestamp_seconds");
        out.push(fam, &[], seconds(engine.watermark()));
    }
    alerts::collect(state, at, &queues, &rolling, out);
}

/// The opt-in per-agent families (`http.agent_metrics`): one series per agent and state of
/// `callpulse_agent_state`, one of `callpulse_agent_state_seconds`; the engine keeps at most
/// `limits.max_agents` agents.
fn agents(state: &State, at: Millis, out: &mut Out) {
    let t = table();
    let (now, seconds_in) = (
        t.id("callpulse_agent_state"),
        t.id("callpulse_agent_state_seconds"),
    );
    let names = &state.engine.names().agents;
    for a in state.engine.agents_now(at) {
        let agent = out.text(names.name(a.id).as_str());
        for s in AgentState::ALL {
            let value = f64::from(u8::from(a.live.state == s));
            out.push(now, &[agent, Label::Static(s.name())], value);
        }
        let held = seconds(at.saturating_sub(a.live.since).max(0));
        out.push(seconds_in, &[agent], held);
    }
}
