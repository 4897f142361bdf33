//! The alerts' state in a checkpoint: the active alerts, the scopes judged and the resolved
//! ones kept for the API, so a restarted service goes on with the same alerts (a firing alert
//! stays firing: no second `pending` or `firing` transition, and its resolution is recorded).
//!
//! Each alert is saved as itself: [`Alert`] serialises its severity, scope, window and
//! comparison as the strings earlier builds kept there, so their checkpoints read back (the
//! test `a_checkpoint_of_the_string_typed_alerts_restores` holds one).

use super::{Alert, Alerts};
use serde::{Deserialize, Serialize};

/// [`Alerts`] without its profile (the running one applies).
#[derive(Debug, Serialize, Deserialize)]
pub struct Saved {
    active: Vec<((usize, String), Alert)>,
    known: Vec<((usize, String), bool)>,
    history: Vec<Alert>,
}

impl Alerts {
    /// The state to keep in a checkpoint.
    pub fn save(&self) -> Saved {
        Saved {
            active: self
                .active
                .iter()
                .map(|(k, a)| (k.clone(), a.clone()))
                .collect(),
            known: self.known.iter().map(|(k, f)| (k.clone(), *f)).collect(),
            history: self.history.iter().cloned().collect(),
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
        self.active = saved.active.into_iter().collect();
        self.known = saved.known.into_iter().collect();
        self.history = saved.history.into_iter().collect();
        true
    }
}
