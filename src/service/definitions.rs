//! Service levels by the definitions of the running profile: the live figures of each
//! `service_level` criterion that counts calls otherwise than 9.3.1 ([`crate::kpi::definition`]),
//! next to the 9.3.1 figure every view shows, each stamped with its definition.

use super::state::State;
use crate::alert::{Measure, ScopeKind};
use crate::kpi::{CallCounts, ServiceLevelDefinition};
use serde::Serialize;

/// The service level of one scope by one criterion's definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractLevel {
    /// The criterion (alert name) that judges by it.
    pub criterion: String,
    /// [`ServiceLevelDefinition::stamp`]: `9.3.1 abandons=ignored flow_outs=out`.
    pub definition: String,
    pub service_level: Option<f64>,
    /// The calls the definition counts (its denominator).
    pub counted: u64,
}

/// The stamp of the 9.3.1 figure under this engine (its short abandons).
pub fn rule_stamp(state: &State) -> String {
    ServiceLevelDefinition::RULE.stamp(state.engine.config().short_abandon)
}

/// The service level of the scope named `name` (`""` for the center) by each enabled
/// criterion of the profile that judges its kind by another definition than 9.3.1, from the
/// window's `counts`.
pub fn contract_levels(
    state: &State,
    kind: ScopeKind,
    name: &str,
    counts: &CallCounts,
) -> Vec<ContractLevel> {
    let Some(alerts) = state.alerts.as_ref() else {
        return Vec::new();
    };
    let short = state.engine.config().short_abandon;
    alerts
        .profile()
        .criteria
        .iter()
        .filter(|c| c.measure == Measure::ServiceLevel && c.scope == kind)
        .filter(|c| !c.definition.is_rule() && c.limits_for(name).enabled)
        .map(|c| {
            let (met, counted) = c.definition.met_and_counted(counts);
            ContractLevel {
                criterion: c.id.clone(),
                definition: c.definition.stamp(short),
                service_level: crate::kpi::ratio(met as f64, counted as f64),
                counted,
            }
        })
        .collect()
}
