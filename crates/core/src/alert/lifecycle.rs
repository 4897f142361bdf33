//! The alert lifecycle, the same as Prometheus's: inactive → pending (breached) → firing (the
//! breach lasted the criterion's `for`) → resolved (no longer breached, past the hysteresis).
//!
//! [`Alerts::evaluate`] is pure: it takes the live clock and one observation per (criterion,
//! scope), so tests drive it with controlled time. At each evaluation of one scope:
//!
//! - not judged (no value, or volume below `min_volume`, or disabled): a pending alert is
//!   dropped and a firing one resolves;
//! - inactive and breached: pending since now; it fires at once when `for` is 0;
//! - pending: still breached and pending for at least `for`: firing; not breached: dropped;
//! - firing: stays firing while the value is on the bad side of the clear level (the
//!   threshold moved by the hysteresis); otherwise resolved.

use super::measure::{ScopeKind, Sums, WindowKind};
use super::profile::{Comparison, Criterion, Profile, Severity};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Pending,
    Firing,
    Resolved,
}

/// One alert: a criterion judged for one scope. It is also its own checkpoint form (see
/// [`Saved`]): the enums serialise as the words the profile, the logs and the API use
/// (`critical`, `queue`, `15m`, `<`), so a checkpoint written while these fields were strings
/// reads back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub criterion: String,
    pub clause: String,
    pub name_zh: String,
    pub name_en: String,
    pub severity: Severity,
    pub scope: ScopeKind,
    /// The queue or component name; empty for the center.
    pub name: String,
    pub window: WindowKind,
    pub comparison: Comparison,
    pub threshold: f64,
    /// The level the value must get back past to resolve.
    pub clear_level: f64,
    pub for_seconds: f64,
    /// The value at the last evaluation (when judged).
    pub value: Option<f64>,
    pub volume: u64,
    /// The rule's scoring coefficient of the value, for criteria with bands.
    pub coefficient: Option<f64>,
    pub state: Phase,
    /// When the breach began (pending since); the alert's start.
    pub active_since: Millis,
    pub firing_since: Option<Millis>,
    pub resolved_at: Option<Millis>,
}

impl Alert {
    /// How long it lasted, from the breach to its resolution (`None` while open).
    pub fn duration(&self) -> Option<Millis> {
        self.resolved_at.map(|r| r - self.active_since)
    }
}

/// What happened to an alert at an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Pending(Alert),
    /// A pending alert whose breach ended before its `for`.
    Dropped(Alert),
    Firing(Alert),
    Resolved(Alert),
}

impl Transition {
    pub fn alert(&self) -> &Alert {
        match self {
            Transition::Pending(a)
            | Transition::Dropped(a)
            | Transition::Firing(a)
            | Transition::Resolved(a) => a,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Transition::Pending(_) => "pending",
            Transition::Dropped(_) => "dropped",
            Transition::Firing(_) => "firing",
            Transition::Resolved(_) => "resolved",
        }
    }
}

/// One observation: criterion index in the profile, scope name (empty for the center), sums.
pub type Observation = (usize, String, Sums);

/// The alerts of one profile: the active ones, the scopes judged so far, recent history.
#[derive(Debug, Clone)]
pub struct Alerts {
    profile: Arc<Profile>,
    /// Active alerts by (criterion, scope name).
    active: BTreeMap<(usize, String), Alert>,
    /// Every (criterion, scope) judged at least once, and whether it is firing: the gauge.
    known: BTreeMap<(usize, String), bool>,
    history: VecDeque<Alert>,
    keep: usize,
}

impl Alerts {
    /// Alerts of `profile`, remembering the last `keep` resolved ones.
    pub fn new(profile: Arc<Profile>, keep: usize) -> Self {
        Alerts {
            profile,
            active: BTreeMap::new(),
            known: BTreeMap::new(),
            history: VecDeque::new(),
            keep,
        }
    }

    pub fn profile(&self) -> &Arc<Profile> {
        &self.profile
    }

    /// Judges every observation at live time `now`; returns the transitions, in order.
    /// A (criterion, scope) with an active alert that is not observed counts as not judged:
    /// a pending alert is dropped, a firing one resolves.
    pub fn evaluate(
        &mut self,
        now: Millis,
        observations: impl IntoIterator<Item = Observation>,
    ) -> Vec<Transition> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (index, name, sums) in observations {
            let key = (index, name);
            self.judge(now, &key, Some(&sums), &mut out);
            seen.insert(key);
        }
        let unseen: Vec<_> = self
            .active
            .keys()
            .filter(|k| !seen.contains(*k))
            .cloned()
            .collect();
        for key in unseen {
            self.judge(now, &key, None, &mut out);
        }
        out
    }

    fn judge(
        &mut self,
        now: Millis,
        key: &(usize, String),
        sums: Option<&Sums>,
        out: &mut Vec<Transition>,
    ) {
        let profile = Arc::clone(&self.profile);
        let c = &profile.criteria[key.0];
        let limits = c.limits_for(&key.1);
        let measure = c.measure;
        let judged = sums.filter(|_| limits.enabled).and_then(|s| {
            let value = c.value(s)?;
            let volume = c.volume(s);
            let min = if measure.has_volume() {
                limits.min_volume.max(1)
            } else {
                0
            };
            (volume >= min).then_some((value, volume))
        });
        let breached = judged.is_some_and(|(v, _)| c.comparison.breaches(v, limits.threshold));
        let holding = judged.is_some_and(|(v, _)| {
            let clear = c
                .comparison
                .clear_level(limits.threshold, limits.hysteresis);
            c.comparison.breaches(v, clear)
        });
        if sums.is_some() {
            self.known.insert(key.clone(), false);
        } else if let Some(firing) = self.known.get_mut(key) {
            *firing = false;
        }
        let update = |a: &mut Alert| {
            if let Some((value, volume)) = judged {
                a.value = Some(value);
                a.volume = volume;
                a.coefficient = c.coefficient(value);
            }
        };
        match self.active.get_mut(key) {
            None if breached => {
                let mut a = new_alert(c, &key.1, now);
                update(&mut a);
                out.push(Transition::Pending(a.clone()));
                if limits.hold == 0 {
                    a.state = Phase::Firing;
                    a.firing_since = Some(now);
                    out.push(Transition::Firing(a.clone()));
                }
                self.active.insert(key.clone(), a);
            }
            None => {}
            Some(a) if a.state == Phase::Pending => {
                update(a);
                if !breached {
                    out.push(Transition::Dropped(a.clone()));
                    self.active.remove(key);
                } else if now - a.active_since >= limits.hold {
                    a.state = Phase::Firing;
                    a.firing_since = Some(now);
                    out.push(Transition::Firing(a.clone()));
                }
            }
            Some(a) => {
                update(a);
                if !holding {
                    a.state = Phase::Resolved;
                    a.resolved_at = Some(now);
                    let a = self.active.remove(key).expect("the alert is active");
                    if self.history.len() == self.keep {
                        self.history.pop_back();
                    }
                    if self.keep > 0 {
                        self.history.push_front(a.clone());
                    }
                    out.push(Transition::Resolved(a));
                }
            }
        }
        if self
            .active
            .get(key)
            .is_some_and(|a| a.state == Phase::Firing)
        {
            self.known.insert(key.clone(), true);
        }
    }

    /// Pending and firing alerts, by criterion and scope.
    pub fn active(&self) -> impl Iterator<Item = &Alert> {
        self.active.values()
    }

    /// Resolved alerts, newest first.
    pub fn history(&self) -> impl Iterator<Item = &Alert> {
        self.history.iter()
    }

    /// Every (criterion, scope name) judged so far and whether it is firing now.
    pub fn known(&self) -> impl Iterator<Item = (&Criterion, &str, bool)> {
        self.known
            .iter()
            .map(|((i, name), firing)| (&self.profile.criteria[*i], name.as_str(), *firing))
    }
}

fn new_alert(c: &Criterion, name: &str, now: Millis) -> Alert {
    let limits = c.limits_for(name);
    Alert {
        criterion: c.id.clone(),
        clause: c.clause.clone(),
        name_zh: c.name_zh.clone(),
        name_en: c.name_en.clone(),
        severity: limits.severity,
        scope: c.scope,
        name: name.to_string(),
        window: c.window,
        comparison: c.comparison,
        threshold: limits.threshold,
        clear_level: c
            .comparison
            .clear_level(limits.threshold, limits.hysteresis),
        for_seconds: crate::time::seconds(limits.hold),
        value: None,
        volume: 0,
        coefficient: None,
        state: Phase::Pending,
        active_since: now,
        firing_since: None,
        resolved_at: None,
    }
}

mod saved;
pub use saved::Saved;

#[cfg(test)]
mod tests;
