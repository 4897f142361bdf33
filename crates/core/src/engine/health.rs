//! System health: each component's down time from `system.status` and missing heartbeats,
//! center-wide down time (while any component is down), and the list of outages (11.2.1).
//!
//! A component is down while its last status was `down`, or, once it has sent a heartbeat,
//! from `heartbeat_timeout` after its last sign of life (a heartbeat or an `up` status) until
//! the next one. Between two health events every component's down time within the span is a
//! suffix of it, so the center's down time is the span from the earliest such suffix.

use super::scope::{Names, Scope};
use super::store::{Store, CREDIT_REACH};
use crate::codec::decode::INSTANTS;
use crate::time::Millis;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::ops::Range;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Component {
    down_since: Option<Millis>,
    last_life: Option<Millis>,
    heartbeats: bool,
    outage_start: Option<Millis>,
    outage_cause: Cause,
}

/// Why a component counts as down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
enum Cause {
    /// It reported itself down.
    #[default]
    Status,
    /// Its heartbeats stopped.
    Heartbeat,
}

impl Cause {
    fn as_str(self) -> &'static str {
        match self {
            Cause::Status => "status",
            Cause::Heartbeat => "heartbeat",
        }
    }
}

impl Component {
    /// Takes a status (`Some(up)`) or a heartbeat (`None`) at `ts` into the state.
    pub(super) fn observe(&mut self, ts: Millis, status: Option<bool>) {
        match status {
            Some(false) => {
                self.down_since.get_or_insert(ts);
            }
            Some(true) => {
                self.down_since = None;
                self.last_life = Some(ts);
            }
            None => {
                self.heartbeats = true;
                self.last_life = Some(ts);
            }
        }
    }

    /// The first instant of `[from, to)` at which the component is down (and stays down to
    /// `to`), if any.
    fn down_from(&self, from: Millis, to: Millis, timeout: Millis) -> Option<Millis> {
        let mut start = self.down_since.map(|t| t.max(from));
        if self.heartbeats {
            if let Some(life) = self.last_life {
                // Saturating: restore refuses a sign of life outside the decoder's instants,
                // but one near the end of the integers must not panic either (it never times
                // out).
                let timed_out = life.saturating_add(timeout).max(from);
                start = Some(start.map_or(timed_out, |s| s.min(timed_out)));
            }
        }
        start.filter(|&s| s < to)
    }
}

/// An outage of one component: from when it went down until it came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outage {
    pub component: String,
    pub start: Millis,
    pub end: Millis,
    /// `status` (reported down) or `heartbeat` (heartbeats missing).
    pub cause: &'static str,
}

impl Outage {
    pub fn duration(&self) -> Millis {
        // Saturating: restore refuses an outage's start outside the decoder's instants, but
        // one near the start of the integers must not panic either.
        self.end.saturating_sub(self.start)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    components: Vec<Component>,
    timeout: Millis,
    credited: Millis,
}

impl Health {
    pub fn new(timeout: Millis) -> Self {
        Health {
            components: Vec::new(),
            timeout,
            credited: Millis::MIN,
        }
    }

    /// Takes the configuration of `fresh`, keeping this one's state (a restored checkpoint).
    pub fn configure_like(&mut self, fresh: &Self) {
        self.timeout = fresh.timeout;
    }

    pub fn in_time(&self, ts: Millis) -> bool {
        ts >= self.credited
    }

    /// Records a status (`Some(up)`) or a heartbeat (`None`) of component `id` at `ts`;
    /// an outage that ends here is pushed to `outages` (`names` gives the component's name).
    pub fn report(
        &mut self,
        store: &mut Store,
        id: u32,
        ts: Millis,
        status: Option<bool>,
        name: &str,
        outages: &mut Vec<Outage>,
    ) {
        if self.credited == Millis::MIN {
            self.credited = ts;
        }
        self.credit_all(store, ts);
        let idx = id as usize;
        if self.components.len() <= idx {
            self.components.resize(idx + 1, Component::default());
        }
        let timeout = self.timeout;
        let c = &mut self.components[idx];
        // Close a heartbeat outage that this sign of life ends, or note one that began.
        if c.outage_start.is_none() {
            if let Some(start) = c.down_from(Millis::MIN, ts, timeout) {
                c.outage_start = Some(start);
                c.outage_cause = if c.down_since.is_some() {
                    Cause::Status
                } else {
                    Cause::Heartbeat
                };
            }
        }
        if status == Some(false) && c.outage_start.is_none() {
            c.outage_start = Some(ts);
            c.outage_cause = Cause::Status;
        }
        c.observe(ts, status);
        if c.down_since.is_none() {
            if let Some(start) = c.outage_start.take() {
                outages.push(Outage {
                    component: name.to_string(),
                    start,
                    end: ts,
                    cause: c.outage_cause.as_str(),
                });
            }
        }
    }

    /// Component `id`'s state (the provisional overlay notes buffered reports on a copy with
    /// [`Component::observe`]: no time is credited and no outage is closed).
    pub(super) fn component(&self, id: u32) -> Component {
        self.components
            .get(id as usize)
            .cloned()
            .unwrap_or_default()
    }

    /// Credits down time of every component and of the center up to `t`.
    pub fn credit_all(&mut self, store: &mut Store, t: Millis) {
        if self.components.is_empty() || t <= self.credited {
            self.credited = self.credited.max(t);
            return;
        }
        let from = self.credited;
        let to = t.min(from.saturating_add(CREDIT_REACH)); // past it, not monitored
        let mut center_from: Option<Millis> = None;
        for (id, c) in self.components.iter().enumerate() {
            let down = c.down_from(from, to, self.timeout);
            let scope = Scope::Component(id as u32);
            store.add_span(scope, from, to, |tally, _| tally.monitored = true);
            if let Some(start) = down {
                store.add_span(scope, start, to, |tally, ms| tally.down_ms += ms);
                center_from = Some(center_from.map_or(start, |s: Millis| s.min(start)));
            }
        }
        store.add_span(Scope::Center, from, to, |tally, _| tally.monitored = true);
        if let Some(start) = center_from {
            store.add_span(Scope::Center, start, to, |tally, ms| tally.down_ms += ms);
        }
        self.credited = t;
    }

    /// Whether every component held has a name.
    pub fn check_ids(&self, names: &Names) -> Result<(), String> {
        if self.components.len() > names.components.len() {
            return Err(format!(
                "{} components held, {} component names",
                self.components.len(),
                names.components.len()
            ));
        }
        Ok(())
    }

    /// Whether every component's instants lie where the decoder puts events (within
    /// [1970, 2100): each is an event's, or a sign of life's plus the timeout before an
    /// event), and the time credited where a restored stream's may (`credited`, or not yet).
    /// A sign of life near the end of the integers overflowed the timeout's arithmetic; time
    /// credited from near their start, the calendar's.
    pub fn check_bounds(&self, credited: Range<Millis>) -> Result<(), String> {
        for c in &self.components {
            let instants = [
                ("down since", c.down_since),
                ("alive at", c.last_life),
                ("out since", c.outage_start),
            ];
            let mut instants = instants.into_iter().filter_map(|(w, t)| Some((w, t?)));
            if let Some((what, t)) = instants.find(|(_, t)| !INSTANTS.contains(t)) {
                return Err(format!("a component {what} {t} out of range"));
            }
        }
        if self.credited != Millis::MIN && !credited.contains(&self.credited) {
            let t = self.credited;
            return Err(format!("the components' time credited at {t} out of range"));
        }
        Ok(())
    }

    /// Components down at `t`: each with the instant it went down and the cause. `newer` holds
    /// the state some components will have once the reports still buffered are applied (the
    /// provisional overlay), and wins.
    pub fn down_at(
        &self,
        t: Millis,
        newer: &FxHashMap<u32, Component>,
    ) -> Vec<(u32, Millis, &'static str)> {
        let held = newer.keys().map(|&id| id as usize + 1).max().unwrap_or(0);
        (0..self.components.len().max(held))
            .filter_map(|idx| {
                let id = idx as u32;
                let c = newer.get(&id).or(self.components.get(idx))?;
                let since = c.down_from(Millis::MIN, t.saturating_add(1), self.timeout)?;
                let cause = if c.down_since.is_some() {
                    Cause::Status
                } else {
                    Cause::Heartbeat
                };
                Some((id, since, cause.as_str()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_of_life_or_an_outage_at_the_ends_of_the_integers_does_not_overflow() {
        // Restore refuses such instants; the timeout's arithmetic saturates all the same.
        let mut c = Component::default();
        c.observe(Millis::MAX - 1, None);
        assert_eq!(
            c.down_from(0, Millis::MAX, 30_000),
            None,
            "it times out past the end"
        );
        let mut h = Health::new(30_000);
        h.components.push(c);
        assert!(h.down_at(1_000, &FxHashMap::default()).is_empty());
        let outage = Outage {
            component: "acd".into(),
            start: Millis::MIN,
            end: 1_000,
            cause: Cause::Status.as_str(),
        };
        assert_eq!(outage.duration(), Millis::MAX);
    }
}
