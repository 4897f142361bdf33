//! The alerts' state in a checkpoint: the active alerts, the scopes judged and the resolved
//! ones kept for the API, so a restarted service goes on with the same alerts (a firing alert
//! stays firing: no second `pending` or `firing` transition, and its resolution is recorded).

use super::{Alert, Alerts, Phase};
use crate::intern::intern;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// [`Alerts`] without its profile (the running one applies).
#[derive(Debug, Serialize, Deserialize)]
pub struct Saved {
    active: Vec<((usize, String), SavedAlert)>,
    known: Vec<((usize, String), bool)>,
    history: Vec<SavedAlert>,
}

/// An [`Alert`] with owned strings.
#[derive(Debug, Serialize, Deserialize)]
struct SavedAlert {
    criterion: String,
    clause: String,
    name_zh: String,
    name_en: String,
    severity: String,
    scope: String,
    name: String,
    window: String,
    comparison: String,
    threshold: f64,
    clear_level: f64,
    for_seconds: f64,
    value: Option<f64>,
    volume: u64,
    coefficient: Option<f64>,
    state: Phase,
    active_since: Millis,
    firing_since: Option<Millis>,
    resolved_at: Option<Millis>,
}

impl From<&Alert> for SavedAlert {
    fn from(a: &Alert) -> Self {
        SavedAlert {
            criterion: a.criterion.clone(),
            clause: a.clause.clone(),
            name_zh: a.name_zh.clone(),
            name_en: a.name_en.clone(),
            severity: a.severity.into(),
            scope: a.scope.into(),
            name: a.name.clone(),
            window: a.window.into(),
            comparison: a.comparison.into(),
            threshold: a.threshold,
            clear_level: a.clear_level,
            for_seconds: a.for_seconds,
            value: a.value,
            volume: a.volume,
            coefficient: a.coefficient,
            state: a.state,
            active_since: a.active_since,
            firing_since: a.firing_since,
            resolved_at: a.resolved_at,
        }
    }
}

impl From<SavedAlert> for Alert {
    fn from(a: SavedAlert) -> Self {
        Alert {
            criterion: a.criterion,
            clause: a.clause,
            name_zh: a.name_zh,
            name_en: a.name_en,
            severity: intern(&a.severity),
            scope: intern(&a.scope),
            name: a.name,
            window: intern(&a.window),
            comparison: intern(&a.comparison),
            threshold: a.threshold,
            clear_level: a.clear_level,
            for_seconds: a.for_seconds,
            value: a.value,
            volume: a.volume,
            coefficient: a.coefficient,
            state: a.state,
            active_since: a.active_since,
            firing_since: a.firing_since,
            resolved_at: a.resolved_at,
        }
    }
}

impl Alerts {
    /// The state to keep in a checkpoint.
    pub fn save(&self) -> Saved {
        Saved {
            active: self
                .active
                .iter()
                .map(|(k, a)| (k.clone(), a.into()))
                .collect(),
            known: self.known.iter().map(|(k, f)| (k.clone(), *f)).collect(),
            history: self.history.iter().map(Into::into).collect(),
        }
    }

    /// Takes the state of a checkpoint. Criteria are numbered as in the profile: a checkpoint
    /// of another profile (another number of criteria, or other ids) is set aside.
    pub fn restore(&mut self, saved: Saved) -> bool {
        let criteria = &self.profile.criteria;
        let fits = saved
            .active
            .iter()
            .all(|((i, _), a)| criteria.get(*i).is_some_and(|c| c.id == a.criterion))
            && saved.known.iter().all(|((i, _), _)| *i < criteria.len());
        if !fits {
            return false;
        }
        self.active = saved
            .active
            .into_iter()
            .map(|(k, a)| (k, a.into()))
            .collect();
        self.known = saved.known.into_iter().collect();
        self.history = saved.history.into_iter().map(Into::into).collect();
        true
    }
}
