//! What a token limited to some queues sees of the API's answers: its queues only. Center
//! totals sum every queue, so such a token gets none (`center`, `today`, the center's trend
//! and targets are `null` or empty) and every answer carries an `access` note that says why.
//! Alerts are its queues' alerts only. Components (availability, outages) are not queues and
//! stay visible. Callers' numbers on the board are masked for a token without `pii`.

use super::alerts::AlertView;
use super::auth::Grant;
use super::kpis::Snapshot;
use super::wallboard::Board;
use crate::alert::ScopeKind;
use crate::record::PeriodRecord;
use serde::Serialize;

/// Why a limited token sees no center figure.
pub const CENTER_WITHHELD: &str =
    "center figures are null: center totals need a token that sees every queue";

/// The note added to the answers of a token limited to some queues.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    pub token: String,
    /// The queues the token sees (seen by the service or not).
    pub queues: Vec<String>,
    pub center: &'static str,
}

/// An answer and, for a limited token, its `access` note beside its own fields.
#[derive(Debug, Serialize)]
pub struct Noted<T> {
    #[serde(flatten)]
    pub body: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
}

/// The note of `grant`; `None` for a caller that sees every queue.
pub fn access(grant: &Grant) -> Option<Access> {
    let queues = grant.queues.as_ref()?;
    Some(Access {
        token: grant.token.as_deref().unwrap_or_default().to_string(),
        queues: queues.iter().cloned().collect(),
        center: CENTER_WITHHELD,
    })
}

/// Whether `grant` sees alert `a`: a limited token sees its queues' alerts only.
pub fn alert(grant: &Grant, a: &AlertView<'_>) -> bool {
    grant.sees_all() || (a.scope == ScopeKind::Queue && a.name.is_some_and(|n| grant.sees(n)))
}

/// The `/api/v1/kpis` snapshot as `grant` sees it.
pub fn snapshot(grant: &Grant, mut s: Snapshot) -> Noted<Snapshot> {
    if !grant.sees_all() {
        s.center = None;
        s.queues
            .retain(|q| q.queue.as_deref().is_some_and(|n| grant.sees(n)));
    }
    Noted {
        body: s,
        access: access(grant),
    }
}

/// Whether `grant` sees interval record `r`: a limited token sees its queues' records only.
pub fn record(grant: &Grant, r: &PeriodRecord) -> bool {
    grant.sees_all() || r.queue.as_deref().is_some_and(|n| grant.sees(n))
}

/// A wallboard payload as `grant` sees it.
pub fn board<'a>(grant: &Grant, mut b: Board<'a>) -> Noted<Board<'a>> {
    if !grant.sees_all() {
        let sees = |name: &String| grant.sees(name);
        b.kpis.center = None;
        b.kpis
            .queues
            .retain(|q| q.queue.as_deref().is_some_and(|n| grant.sees(n)));
        b.today = None;
        b.availability_today = None;
        b.trend.center.clear();
        b.trend.queues.retain(|name, _| sees(name));
        b.targets.center.clear();
        b.targets.queues.retain(|name, _| sees(name));
        if let Some(alerts) = &mut b.alerts {
            alerts.retain(|a| alert(grant, a));
        }
        b.callbacks.queues.retain(|q| grant.sees(&q.queue));
    }
    if grant.masked {
        b.callbacks.masked = true;
        for e in b.callbacks.queues.iter_mut().flat_map(|q| &mut q.entries) {
            e.customer = super::callbacks::mask(&e.customer);
        }
    }
    Noted {
        body: b,
        access: access(grant),
    }
}
