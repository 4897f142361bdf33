//! The live snapshot of `/api/v1/kpis`: per queue and center-wide, the call KPIs of one
//! window, calls waiting now, the longest current wait and agents by state; and each
//! component's state and availability today.

use super::definitions::{self, ContractLevel};
use super::state::State;
use crate::alert::{Measure, ScopeKind};
use crate::engine::{Scope, Staffing, Tally, Window};
use crate::kpi::counts::serialize_fields;
use crate::kpi::{self, CallCounts};
use crate::staffing::{Traffic, TARGET_SERVICE_LEVEL};
use crate::time::{seconds, Granularity, Millis, MINUTE};
use serde::Serialize;

/// A window of the live views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveWindow {
    /// The current minute and the 14 before it.
    Last15m,
    /// The current minute and the 59 before it.
    Last60m,
    /// Today in the configured time zone, so far.
    Today,
    /// The current interval, so far.
    Interval,
}

impl LiveWindow {
    pub const ALL: [LiveWindow; 4] = [
        LiveWindow::Last15m,
        LiveWindow::Last60m,
        LiveWindow::Today,
        LiveWindow::Interval,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LiveWindow::Last15m => "15m",
            LiveWindow::Last60m => "60m",
            LiveWindow::Today => "today",
            LiveWindow::Interval => "interval",
        }
    }

    pub fn parse(text: &str) -> Option<LiveWindow> {
        LiveWindow::ALL.into_iter().find(|w| w.name() == text)
    }

    /// `[from, to)` of this window at live time `at`.
    pub fn span(self, state: &State, at: Millis) -> (Millis, Millis) {
        let minute = at.div_euclid(MINUTE) * MINUTE;
        match self {
            LiveWindow::Last15m => (minute - 14 * MINUTE, minute + MINUTE),
            LiveWindow::Last60m => (minute - 59 * MINUTE, minute + MINUTE),
            LiveWindow::Today | LiveWindow::Interval => {
                let g = self.granularity().expect("a calendar window");
                let p = state.engine.calendar().period(g, at);
                (p.start, p.end)
            }
        }
    }

    fn granularity(self) -> Option<Granularity> {
        match self {
            LiveWindow::Today => Some(Granularity::Day),
            LiveWindow::Interval => Some(Granularity::Interval),
            _ => None,
        }
    }

    /// The call sums of `scope` in every window at live time `at`, in the order of
    /// [`LiveWindow::ALL`]: the minutes of the two rolling windows are read once for both.
    pub fn sums_of_all(state: &State, scope: Scope, at: Millis) -> [Window; 4] {
        let [last15m, last60m] = state.engine.windows(scope, at, [15, 60]);
        let today = LiveWindow::Today.sums(state, scope, at);
        let interval = LiveWindow::Interval.sums(state, scope, at);
        [last15m, last60m, today, interval]
    }

    /// The call sums of `scope` in this window at live time `at`.
    pub fn sums(self, state: &State, scope: Scope, at: Millis) -> Window {
        match self {
            LiveWindow::Last15m => state.engine.window(scope, at, 15),
            LiveWindow::Last60m => state.engine.window(scope, at, 60),
            LiveWindow::Today | LiveWindow::Interval => {
                let g = self.granularity().expect("a calendar window");
                state
                    .engine
                    .tally(scope, g, at)
                    .map_or_else(Window::default, |t| window_of(&t))
            }
        }
    }
}

/// The call sums of a period tally.
pub fn window_of(t: &Tally) -> Window {
    Window {
        counts: t.counts,
        handled: t.handled,
        talk_sum: t.talk_sum,
        wrap_sum: t.wrap_sum,
    }
}

/// The whole snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub window: &'static str,
    /// `null` before the first event.
    pub from: Option<String>,
    pub to: Option<String>,
    /// The live clock: newest event time (or wall clock while the input is idle).
    pub as_of: Option<String>,
    /// Events before this instant have been applied.
    pub watermark: Option<String>,
    pub center: Option<ScopeKpis>,
    pub queues: Vec<ScopeKpis>,
    pub components: Vec<ComponentNow>,
}

/// KPIs of one queue (or the center) in the window, and its state now.
#[derive(Debug, Clone)]
pub struct ScopeKpis {
    /// `null` for the center.
    pub queue: Option<String>,
    pub threshold_seconds: f64,
    /// Written as `offered`, `answered`, `answered_within_threshold`, `abandoned`, then
    /// `abandoned_within_threshold`, then `short_abandoned` (the wait is not written).
    pub counts: CallCounts,
    pub abandoned_within_threshold: u64,
    pub service_level: Option<f64>,
    /// The definition `service_level` counts by: `9.3.1` (with the short abandons it excludes).
    pub service_level_definition: String,
    /// The service level by each other definition the running profile judges the scope by.
    pub contract_service_levels: Vec<ContractLevel>,
    pub answer_rate: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub waiting: u64,
    pub longest_wait_seconds: Option<f64>,
    pub agents_available: u32,
    pub agents_on_call: u32,
    pub agents_wrap_up: u32,
    pub agents_not_ready: u32,
    /// Live staffing over the last [`STAFFING_MINUTES`] whatever the window; `null` for the
    /// center.
    pub staffing: Option<LiveStaffing>,
}

serialize_fields!(ScopeKpis |k| {
    queue,
    threshold_seconds,
    offered = k.counts.offered,
    answered = k.counts.answered,
    answered_within_threshold = k.counts.answered_within,
    abandoned = k.counts.abandoned,
    abandoned_within_threshold,
    short_abandoned = k.counts.short_abandoned,
    service_level,
    answer_rate,
    abandon_rate,
    asa_seconds,
    waiting,
    longest_wait_seconds,
    agents_available,
    agents_on_call,
    agents_wrap_up,
    agents_not_ready,
    staffing,
    service_level_definition,
    contract_service_levels,
});

/// The minutes of event time live staffing looks back over.
pub const STAFFING_MINUTES: i64 = 30;

/// The agents a queue needs now by Erlang C ([`crate::staffing`]), from its calls of the last
/// [`STAFFING_MINUTES`], against the agents it has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveStaffing {
    pub window_minutes: i64,
    /// Calls offered and conversations handled in the window.
    pub offered: u64,
    pub handled: u64,
    /// λ: calls offered in the window per hour.
    pub arrival_rate_per_hour: f64,
    /// (talk + wrap-up) / conversations handled in the window; `null` without one.
    pub aht_seconds: Option<f64>,
    /// A = λ × AHT; `null` while the AHT is unknown.
    pub offered_load_erlangs: Option<f64>,
    /// The service level aimed at within the queue's threshold (9.3.1).
    pub target_service_level: f64,
    /// The smallest number of agents reaching the target; `null` while the AHT is unknown (or
    /// beyond [`crate::staffing::MAX_AGENTS`]).
    pub agents_needed: Option<u32>,
    /// Agents of the queue available, on a call or in wrap-up now (not ready ones excluded;
    /// an agent of several queues counts in each).
    pub agents_staffed: u32,
    /// needed − staffed: agents short (negative: to spare); `null` without a need.
    pub gap: Option<i64>,
}

/// Live staffing from the sums of the last [`STAFFING_MINUTES`], the queue's service-level
/// threshold and its agents now.
pub fn live_staffing(w: &Window, threshold: Millis, target: f64, staff: Staffing) -> LiveStaffing {
    let window_s = (STAFFING_MINUTES * 60) as f64;
    let rate = w.counts.offered as f64 / window_s;
    let aht = w.aht_seconds();
    let traffic = aht.and_then(|aht| Traffic::new(rate, aht));
    let needed = traffic.and_then(|t| t.agents_needed(seconds(threshold), target));
    let staffed = staff.available + staff.on_call + staff.wrap_up;
    LiveStaffing {
        window_minutes: STAFFING_MINUTES,
        offered: w.counts.offered,
        handled: w.handled,
        arrival_rate_per_hour: rate * 3600.0,
        aht_seconds: aht,
        offered_load_erlangs: traffic.map(|t| t.load()),
        target_service_level: target,
        agents_needed: needed,
        agents_staffed: staffed,
        gap: needed.map(|n| i64::from(n) - i64::from(staffed)),
    }
}

/// Live staffing of queue `q` at live time `at`, over the [`STAFFING_MINUTES`] complete
/// minutes before the current one (a partial minute would bias the rate low), for the
/// service-level target of the running profile's hardest criterion for the queue (overrides
/// included), or the rule's 80 % without one.
pub fn queue_staffing(state: &State, q: u32, at: Millis, staff: Staffing) -> LiveStaffing {
    let scope = Scope::Queue(q);
    let w = if at > Millis::MIN {
        state.engine.window(scope, at - MINUTE, STAFFING_MINUTES)
    } else {
        Window::default()
    };
    let name = state.engine.names().queues.name(q);
    let target = state
        .alerts
        .as_ref()
        .and_then(|a| {
            a.profile()
                .hardest(Measure::ServiceLevel, ScopeKind::Queue, name)
        })
        .map_or(TARGET_SERVICE_LEVEL, |c| c.limits_for(name).threshold);
    live_staffing(&w, state.engine.threshold(scope), target, staff)
}

/// A component now, and its availability today.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentNow {
    pub component: String,
    pub up: bool,
    pub down_since: Option<String>,
    pub down_cause: Option<&'static str>,
    pub availability_today: Option<f64>,
}

/// Builds the snapshot of `window`, for one queue or all of them. `None` when `queue` is
/// not known.
pub fn snapshot(state: &State, window: LiveWindow, queue: Option<&str>) -> Option<Snapshot> {
    let at = state.clock();
    let calendar = state.engine.calendar();
    let time = |t: Millis| (t > Millis::MIN).then(|| calendar.format(t));
    let names = &state.engine.names().queues;
    let wanted: Vec<u32> = match queue {
        Some(name) => vec![names.get(name)?],
        None => names.ids_by_name(),
    };
    let (from, to) = if at > Millis::MIN {
        window.span(state, at)
    } else {
        (Millis::MIN, Millis::MIN)
    };
    let waiting = state.engine.waiting();
    let (staffing, center_staff) = state.engine.staffing();
    let stamp = definitions::rule_stamp(state);
    let kpis = |scope: Scope, wait: (u64, Option<Millis>), staff: Staffing| {
        let w = if at > Millis::MIN {
            window.sums(state, scope, at)
        } else {
            Window::default()
        };
        ScopeKpis {
            queue: state.engine.names().of(scope).map(|n| n.to_string()),
            threshold_seconds: seconds(state.engine.threshold(scope)),
            counts: w.counts,
            abandoned_within_threshold: w.counts.abandoned_within,
            service_level: w.counts.service_level(),
            service_level_definition: stamp.clone(),
            contract_service_levels: match scope {
                Scope::Queue(_) => definitions::contract_levels(
                    state,
                    ScopeKind::Queue,
                    state.engine.names().of(scope).map_or("", |n| n.as_str()),
                    &w.counts,
                ),
                _ => definitions::contract_levels(state, ScopeKind::Center, "", &w.counts),
            },
            answer_rate: w.counts.answer_rate(),
            abandon_rate: w.counts.abandon_rate(),
            asa_seconds: w.counts.asa_seconds(),
            waiting: wait.0,
            longest_wait_seconds: wait.1.map(|since| seconds(at.saturating_sub(since).max(0))),
            agents_available: staff.available,
            agents_on_call: staff.on_call,
            agents_wrap_up: staff.wrap_up,
            agents_not_ready: staff.not_ready,
            staffing: match scope {
                Scope::Queue(q) => Some(queue_staffing(state, q, at, staff)),
                _ => None,
            },
        }
    };
    let queues = wanted
        .iter()
        .map(|&q| {
            let wait = waiting.get(q as usize).copied().unwrap_or((0, None));
            let staff = staffing.get(q as usize).copied().unwrap_or_default();
            kpis(Scope::Queue(q), wait, staff)
        })
        .collect();
    let center = queue.is_none().then(|| {
        let wait = waiting.iter().fold((0, None), |(n, o), (m, p)| {
            (n + m, o.into_iter().chain(*p).min())
        });
        kpis(Scope::Center, wait, center_staff)
    });
    Some(Snapshot {
        window: window.name(),
        from: time(from),
        to: time(to),
        as_of: time(at),
        watermark: time(state.engine.watermark()),
        center,
        queues,
        components: components(state, at),
    })
}

/// Every component known, with its state now and its availability today so far.
pub fn components(state: &State, at: Millis) -> Vec<ComponentNow> {
    let names = &state.engine.names().components;
    let down = state.engine.components_down();
    let calendar = state.engine.calendar();
    let mut out: Vec<ComponentNow> = (0..names.len() as u32)
        .map(|id| {
            let d = down.iter().find(|(c, _, _)| *c == id);
            ComponentNow {
                component: names.name(id).to_string(),
                up: d.is_none(),
                down_since: d.map(|(_, since, _)| calendar.format(*since)),
                down_cause: d.map(|(_, _, cause)| *cause),
                availability_today: availability_today(state, Scope::Component(id), at),
            }
        })
        .collect();
    out.sort_by(|a, b| a.component.cmp(&b.component));
    out
}

/// Availability (clause 9.4.1) of a component, or of the center (all components), from the
/// start of today to the last instant the engine credited (the last interval close). `None`
/// before anything reported today.
pub fn availability_today(state: &State, scope: Scope, at: Millis) -> Option<f64> {
    let day = state.engine.calendar().period(Granularity::Day, at);
    let tally = state.engine.tally(scope, Granularity::Day, at)?;
    let elapsed = state.engine.credited_within(day.start, day.end);
    if !tally.monitored || elapsed <= 0 {
        return None;
    }
    kpi::availability(tally.down_ms, elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(offered: u64, handled: u64, talk_s: i64, wrap_s: i64) -> Window {
        Window {
            counts: CallCounts {
                offered,
                ..CallCounts::default()
            },
            handled,
            talk_sum: talk_s * 1000,
            wrap_sum: wrap_s * 1000,
        }
    }

    fn staff(available: u32, on_call: u32, wrap_up: u32, not_ready: u32) -> Staffing {
        Staffing {
            available,
            on_call,
            wrap_up,
            not_ready,
        }
    }

    #[test]
    fn thirty_minutes_of_calls_give_the_erlang_c_need() {
        // Call Centre Helper's example: 100 calls in 30 min, AHT 180 s (150 talk + 30 wrap),
        // 80 % within 20 s → 14 agents (see `staffing`'s tests for the source).
        let s = live_staffing(
            &window(100, 50, 50 * 150, 50 * 30),
            20_000,
            0.8,
            staff(3, 8, 1, 5),
        );
        assert_eq!(s.arrival_rate_per_hour, 200.0);
        assert_eq!(s.aht_seconds, Some(180.0));
        assert_eq!(s.offered_load_erlangs, Some(10.0));
        assert_eq!(s.agents_needed, Some(14));
        assert_eq!(s.agents_staffed, 12, "not-ready agents are not staffed");
        assert_eq!(s.gap, Some(2), "two agents short");
    }

    #[test]
    fn the_target_decides_the_need() {
        // The same example at 90 %: 14 agents reach 88.8 % and 15 reach 94.1 % (published).
        let w = window(100, 50, 50 * 150, 50 * 30);
        let s = live_staffing(&w, 20_000, 0.9, staff(3, 8, 1, 5));
        assert_eq!((s.target_service_level, s.agents_needed), (0.9, Some(15)));
    }

    #[test]
    fn without_a_handled_call_there_is_no_figure_and_without_calls_no_need() {
        let s = live_staffing(&window(40, 0, 0, 0), 20_000, 0.8, staff(2, 0, 0, 0));
        assert_eq!(
            (
                s.aht_seconds,
                s.offered_load_erlangs,
                s.agents_needed,
                s.gap
            ),
            (None, None, None, None),
            "the handling time is unknown: no figure, never 0"
        );
        assert_eq!(s.agents_staffed, 2);
        let s = live_staffing(&window(0, 3, 600, 0), 20_000, 0.8, staff(2, 0, 0, 0));
        assert_eq!(s.offered_load_erlangs, Some(0.0));
        assert_eq!((s.agents_needed, s.gap), (Some(0), Some(-2)));
    }
}
