//! Certification alerts: a profile of criteria mapped to the rule's clauses ([`profile`]),
//! what each measures ([`measure`]), the pending → firing → resolved lifecycle
//! ([`lifecycle`]), the words of an alert in both languages ([`text`]), the equivalent
//! Prometheus rules ([`rules`]). The delivery to Alertmanager and webhooks is the service's
//! (`callpulse::notify`): it needs an HTTP client, and this crate does no I/O.
//!
//! ```text
//! live engine ─► Sums per (criterion, scope) ─► Alerts::evaluate ─► transitions
//!                     │                                              ├─► log line
//!                     └─► /metrics window gauges ─► Prometheus rules └─► notifier thread
//!                                                                         (Alertmanager, webhook)
//! ```

pub mod lifecycle;
pub mod measure;
pub mod profile;
pub mod rules;
pub mod text;

pub use lifecycle::{Alert, Alerts, Observation, Phase, Transition};
pub use measure::{Measure, ScopeKind, Sum, Sums, WindowKind};
pub use profile::{Comparison, Criterion, Limits, Profile, Severity};
