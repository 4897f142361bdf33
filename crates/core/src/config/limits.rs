//! `[limits]`: how far an input can grow the service's state. Every name an event brings (a
//! queue, an agent, a component) is kept for the life of the process, and every customer for
//! the repeat-contact window; without a cap a stream of made-up names grows memory and the
//! `/metrics` exposition without end. See `docs/src/operator/limits.md`.

use super::Checker;
use serde::{Deserialize, Serialize};

/// `[limits]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawLimits {
    pub max_queues: u64,
    pub max_agents: u64,
    pub max_components: u64,
    pub max_customers: u64,
    pub max_name_bytes: u64,
}

impl Default for RawLimits {
    fn default() -> Self {
        let d = Limits::default();
        RawLimits {
            max_queues: d.queues as u64,
            max_agents: d.agents as u64,
            max_components: d.components as u64,
            max_customers: d.customers as u64,
            max_name_bytes: d.name_bytes as u64,
        }
    }
}

/// The validated limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Distinct queue names kept; an event naming one more is rejected (`limit:queues`).
    pub queues: usize,
    /// Distinct agents with an `agent.state`; one more is rejected (`limit:agents`).
    pub agents: usize,
    /// Distinct components reporting health; one more is rejected (`limit:components`).
    pub components: usize,
    /// Customers tracked at once for repeat contacts; beyond it, a new customer's offer is
    /// counted but not tracked (the call is accepted).
    pub customers: usize,
    /// Longest name or id in bytes (queue, agent, component, customer, call, survey,
    /// complaint); an event with a longer one is rejected (`limit:name_length`).
    pub name_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            queues: 200,
            agents: 5_000,
            components: 200,
            customers: 200_000,
            name_bytes: 256,
        }
    }
}

/// The largest value any limit accepts: more would not fit the ids the engine uses.
const MAX: u64 = u32::MAX as u64;

/// Checks `[limits]`.
pub(super) fn limits(c: &mut Checker, raw: &RawLimits) -> Limits {
    let d = Limits::default();
    let mut count = |key: &str, value: u64, min: u64, default: usize| {
        if (min..=MAX).contains(&value) {
            value as usize
        } else {
            c.problem(
                format!("limits.{key}"),
                format!("must be {min} to {MAX}, got {value}"),
            );
            default
        }
    };
    Limits {
        queues: count("max_queues", raw.max_queues, 1, d.queues),
        agents: count("max_agents", raw.max_agents, 1, d.agents),
        components: count("max_components", raw.max_components, 1, d.components),
        customers: count("max_customers", raw.max_customers, 0, d.customers),
        name_bytes: count("max_name_bytes", raw.max_name_bytes, 8, d.name_bytes),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn limits_default_to_the_documented_values_and_bad_ones_name_their_key() {
        let l = Config::default().engine.limits;
        assert_eq!(
            (l.queues, l.agents, l.components, l.customers, l.name_bytes),
            (200, 5_000, 200, 200_000, 256)
        );
        let err =
            Config::parse("[limits]\nmax_queues = 0\nmax_name_bytes = 2\n", "t.toml").unwrap_err();
        let keys: Vec<_> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["limits.max_queues", "limits.max_name_bytes"]);
        assert!(err.to_string().contains("got 0"), "{err}");
    }
}
