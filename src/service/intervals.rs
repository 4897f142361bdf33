//! `/api/v1/intervals`: the interval records of a time range, final or not yet.
//!
//! A final record (`"final": true`) is the latest revision of an interval the watermark has
//! closed: what the evidence store and the report hold. An interval the watermark has not
//! closed yet is served as it stands now (`"final": false`): the events applied so far plus
//! the provisional overlay of those still waiting in the reorder buffer
//! ([`crate::engine::Engine::provisional_intervals`]); its figures can still change, and
//! converge to the final record once the watermark passes the interval's end plus the grace.

use super::state::State;
use crate::engine::Scope;
use crate::record::PeriodRecord;
use crate::time::Millis;
use serde::Serialize;

/// One record of `/api/v1/intervals`: the replay's fields, and whether it is final.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub record: PeriodRecord,
    #[serde(rename = "final")]
    pub is_final: bool,
}

/// The records of the intervals with `from ≤ start < to`, final and provisional, by start
/// and then scope (the center first, then queues and components by id).
pub fn rows(state: &State, from: Millis, to: Millis) -> Vec<Row> {
    let engine = &state.engine;
    let mut rows: Vec<(Millis, Scope, Row)> = state
        .final_intervals(from, to)
        .map(|((start, scope), record)| {
            let row = Row {
                record: record.clone(),
                is_final: true,
            };
            (*start, *scope, row)
        })
        .collect();
    for closed in engine.provisional_intervals() {
        let start = closed.period.start;
        if start < from || start >= to || matches!(closed.scope, Scope::Agent(_)) {
            continue;
        }
        let record = PeriodRecord::new(&closed, engine);
        let row = Row {
            record,
            is_final: false,
        };
        rows.push((start, closed.scope, row));
    }
    rows.sort_by_key(|(start, scope, _)| (*start, *scope));
    rows.into_iter().map(|(_, _, row)| row).collect()
}
