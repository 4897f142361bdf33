//! Service-level definitions: which calls a service level counts, and as what.
//!
//! 9.3.1 of the rule divides the calls answered within the threshold by the calls offered to a
//! person; abandoned calls stay in the denominator ("abandons against"). Contracts often define
//! it otherwise, and the wallboards of Cisco, Genesys and Talkdesk let a center choose:
//!
//! | option | values | what changes |
//! |---|---|---|
//! | `abandons` | `against` (9.3.1, Cisco type 2), `ignored` (type 1), `for` (type 3) | calls abandoned within the threshold stay in the denominator; leave it; or count as met |
//! | `short_abandon` | unset (the engine's `engine.short_abandon`), `"0s"` (none), the engine's value | abandons shorter than it leave numerator and denominator |
//! | `flow_outs` | `in` (9.3.1), `out` | calls that left the queue for another before answer stay in its denominator, or leave it |
//! | `callbacks` | `in` (9.3.1), `excluded` | calls that left the queue with a callback request stay in the denominator, or leave it |
//!
//! Abandons beyond the threshold always count against (every type of Cisco's too): the caller
//! was not answered in time. Timed-out calls always count against. Every definition is
//! computed from the additive [`CallCounts`], so it adds up across intervals and instances
//! like 9.3.1 does. Short abandons and abandons within the threshold are both "abandons
//! waiting less than a bound", so one set holds the other: the abandons that are both are the
//! smaller count.

use super::counts::CallCounts;
use crate::time::{format_duration, Millis};
use serde::Serialize;

/// What abandons within the threshold count as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Abandons {
    /// In the denominator, not met (9.3.1; Cisco type 2).
    #[default]
    Against,
    /// Out of the denominator (Cisco type 1).
    Ignored,
    /// Met: numerator and denominator (Cisco type 3).
    For,
}

/// Which abandons are short, and leave numerator and denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortAbandons {
    /// Those the engine counts as short (`engine.short_abandon`; none when it is unset).
    #[default]
    AsCounted,
    /// None: every abandon counts, even those the engine counts as short.
    None,
    /// Those shorter than this: the engine's threshold, stated (checked against it when the
    /// profile is loaded with a configuration: the engine counts short abandons at one bound).
    Below(Millis),
}

/// Whether calls that flowed out of a queue stay in its denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowOuts {
    #[default]
    In,
    Out,
}

/// Whether calls that left the queue with a callback request stay in its denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Callbacks {
    #[default]
    In,
    Excluded,
}

/// One service-level definition. The default is 9.3.1 as callpulse applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct ServiceLevelDefinition {
    pub abandons: Abandons,
    pub short_abandon: ShortAbandons,
    pub flow_outs: FlowOuts,
    pub callbacks: Callbacks,
}

impl ServiceLevelDefinition {
    /// 9.3.1: abandons against, the engine's short abandons out, flow-outs and callbacks in.
    pub const RULE: ServiceLevelDefinition = ServiceLevelDefinition {
        abandons: Abandons::Against,
        short_abandon: ShortAbandons::AsCounted,
        flow_outs: FlowOuts::In,
        callbacks: Callbacks::In,
    };

    /// The variants `replay --sl-variants` prints beside 9.3.1: each option changed alone.
    pub const VARIANTS: [(&'static str, ServiceLevelDefinition); 6] = [
        ("9.3.1", Self::RULE),
        (
            "abandons=ignored",
            Self::RULE.with_abandons(Abandons::Ignored),
        ),
        ("abandons=for", Self::RULE.with_abandons(Abandons::For)),
        (
            "short_abandon=0s",
            Self::RULE.with_short(ShortAbandons::None),
        ),
        ("flow_outs=out", Self::RULE.with_flow_outs(FlowOuts::Out)),
        (
            "callbacks=excluded",
            Self::RULE.with_callbacks(Callbacks::Excluded),
        ),
    ];

    pub const fn with_abandons(mut self, abandons: Abandons) -> Self {
        self.abandons = abandons;
        self
    }

    pub const fn with_short(mut self, short_abandon: ShortAbandons) -> Self {
        self.short_abandon = short_abandon;
        self
    }

    pub const fn with_flow_outs(mut self, flow_outs: FlowOuts) -> Self {
        self.flow_outs = flow_outs;
        self
    }

    pub const fn with_callbacks(mut self, callbacks: Callbacks) -> Self {
        self.callbacks = callbacks;
        self
    }

    /// The calls met (numerator) and counted (denominator) under this definition.
    pub fn met_and_counted(&self, c: &CallCounts) -> (u64, u64) {
        let short = match self.short_abandon {
            ShortAbandons::None => 0,
            ShortAbandons::AsCounted | ShortAbandons::Below(_) => c.short_abandoned,
        };
        // Abandons within the threshold that are not short: one of the two sets holds the
        // other (see the module docs).
        let early = c.abandoned_within.saturating_sub(short);
        let mut met = c.answered_within;
        let mut counted = c.offered.saturating_sub(short);
        match self.abandons {
            Abandons::Against => {}
            Abandons::Ignored => counted = counted.saturating_sub(early),
            Abandons::For => met += early,
        }
        if self.flow_outs == FlowOuts::Out {
            counted = counted.saturating_sub(c.flowed_out);
        }
        if self.callbacks == Callbacks::Excluded {
            counted = counted.saturating_sub(c.callbacks_requested);
        }
        (met, counted)
    }

    /// The service level under this definition; `None` when no call counts.
    pub fn service_level(&self, c: &CallCounts) -> Option<f64> {
        let (met, counted) = self.met_and_counted(c);
        super::ratio(met as f64, counted as f64)
    }

    /// Whether this is 9.3.1 as the rule writes it.
    pub fn is_rule(&self) -> bool {
        *self == Self::RULE
    }

    /// The definition as part of a Prometheus name: empty for 9.3.1, else each option that
    /// differs, `_abandons_ignored_flow_outs_out`. Short abandons stated at the engine's
    /// bound are the engine's (`engine.short_abandon`, checked when the profile is loaded).
    pub fn name_suffix(&self) -> String {
        let mut out = String::new();
        match self.abandons {
            Abandons::Against => {}
            Abandons::Ignored => out.push_str("_abandons_ignored"),
            Abandons::For => out.push_str("_abandons_for"),
        }
        if self.short_abandon == ShortAbandons::None {
            out.push_str("_short_abandon_none");
        }
        if self.flow_outs == FlowOuts::Out {
            out.push_str("_flow_outs_out");
        }
        if self.callbacks == Callbacks::Excluded {
            out.push_str("_callbacks_excluded");
        }
        out
    }

    /// The definition in words, stamped on the figures it computes: `9.3.1`, then each
    /// option that differs from it, and the short abandons excluded whenever there are:
    /// `9.3.1 short_abandon=5s`, `9.3.1 abandons=ignored flow_outs=out`. `engine_short` is
    /// the engine's `engine.short_abandon`.
    pub fn stamp(&self, engine_short: Option<Millis>) -> String {
        let short = match self.short_abandon {
            ShortAbandons::AsCounted => engine_short,
            ShortAbandons::None => None,
            ShortAbandons::Below(ms) => Some(ms),
        };
        let short = match short {
            Some(ms) => Some(format_duration(ms)),
            None => engine_short.map(|_| "0s".to_string()),
        };
        self.words(short)
    }

    /// The definition in the profile's words, without the engine's short abandons (an alert
    /// rule's annotation, written before any engine runs): `9.3.1 abandons=for`.
    pub fn declared(&self) -> String {
        self.words(match self.short_abandon {
            ShortAbandons::AsCounted => None,
            ShortAbandons::None => Some("0s".into()),
            ShortAbandons::Below(ms) => Some(format_duration(ms)),
        })
    }

    fn words(&self, short: Option<String>) -> String {
        let mut out = String::from("9.3.1");
        match self.abandons {
            Abandons::Against => {}
            Abandons::Ignored => out.push_str(" abandons=ignored"),
            Abandons::For => out.push_str(" abandons=for"),
        }
        if let Some(short) = short {
            out.push_str(" short_abandon=");
            out.push_str(&short);
        }
        if self.flow_outs == FlowOuts::Out {
            out.push_str(" flow_outs=out");
        }
        if self.callbacks == Callbacks::Excluded {
            out.push_str(" callbacks=excluded");
        }
        out
    }
}

#[cfg(test)]
mod tests;
