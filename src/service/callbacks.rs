//! The callback list as the API and the wallboard show it: per queue, the callers to call
//! back (the engine's list: [`crate::engine::callbacks`]), oldest first, with the time since
//! they left the queue at the live clock.
//!
//! Callers' numbers are personal data: a viewer without the `pii` scope (see
//! [`super::auth::Grant::masked`]) sees only their last four characters ([`mask`]). Each
//! queue's entries are cut to a bound; `truncated` says how many more there are.

use super::auth::Grant;
use super::state::State;
use crate::engine::callbacks::{Entry, QueueList};
use crate::time::{Calendar, Millis};
use serde::Serialize;

/// The most entries of one queue an answer of `/api/v1/callbacks` lists.
pub const API_ENTRIES: usize = 200;
/// The most entries of one queue the wallboard shows (the oldest).
pub const BOARD_ENTRIES: usize = 5;

/// The callback list now.
#[derive(Debug, Clone, Serialize)]
pub struct Callbacks {
    /// The live clock the `since_seconds` are measured at; `null` before any event.
    pub as_of: Option<String>,
    /// The day the list is of (its start, in the center's zone).
    pub day: Option<String>,
    /// Whether callers' numbers are masked for this viewer.
    pub masked: bool,
    /// Facts the engine could not keep (its capacity reached): the list may miss callers.
    pub untracked: u64,
    pub queues: Vec<QueueCallbacks>,
}

/// One queue's callers to call back.
#[derive(Debug, Clone, Serialize)]
pub struct QueueCallbacks {
    pub queue: String,
    /// Callers to call back (listed or not).
    pub pending: usize,
    /// Unanswered calls of today without a number: nobody can call them back.
    pub without_number: u64,
    /// Callers pending beyond the entries listed.
    pub truncated: usize,
    pub entries: Vec<EntryView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    /// The caller's id or number (masked without the `pii` scope).
    pub customer: String,
    /// When the oldest of their unanswered calls since they last reached an agent ended.
    pub abandoned_at: String,
    /// How long that call waited before it ended unanswered (from its first offer).
    pub wait_seconds: f64,
    /// Live clock minus `abandoned_at`.
    pub since_seconds: f64,
    /// `abandoned`, `timed_out` or `callback_requested`.
    pub cause: &'static str,
    /// Their unanswered calls in the queue since they last reached an agent of it.
    pub unanswered_calls: u32,
    /// Callback attempts since the oldest of those calls (none answered).
    pub attempts: u32,
    pub last_attempt: Option<Attempt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub at: String,
    /// `no_answer`, `busy` or `failed`.
    pub result: &'static str,
}

/// The list of every queue seen (or of `queue` alone), each cut to `per_queue` entries, as
/// `grant` sees it: its queues only, numbers masked unless it may see them.
pub fn list(state: &State, grant: &Grant, queue: Option<&str>, per_queue: usize) -> Callbacks {
    let engine = &state.engine;
    let calendar = engine.calendar();
    let at = state.clock();
    // The engine's kept list, shared: only the entries shown are copied.
    let lists = engine.callback_lists();
    let none = QueueList::default();
    let names = &engine.names().queues;
    let mut queues: Vec<QueueCallbacks> = (0..names.len() as u32)
        .map(|q| {
            (
                names.name(q).as_str(),
                lists.get(&q).map_or(&none, |l| &**l),
            )
        })
        .filter(|(name, _)| grant.sees(name) && queue.map_or(true, |only| only == *name))
        .map(|(name, list)| view(name, list, per_queue, at, calendar, grant.masked))
        .collect();
    queues.sort_by(|a, b| a.queue.cmp(&b.queue));
    let live = at > Millis::MIN;
    let stream = engine.latest().max(engine.watermark());
    Callbacks {
        as_of: live.then(|| calendar.format(at)),
        // The engine's day: of the stream's time (the live clock may run a lateness ahead).
        day: (stream > Millis::MIN).then(|| {
            let day = calendar.period(crate::time::Granularity::Day, stream);
            calendar.format(day.start)
        }),
        masked: grant.masked,
        untracked: engine.callbacks_untracked(),
        queues,
    }
}

fn view(
    name: &str,
    list: &QueueList,
    per_queue: usize,
    at: Millis,
    calendar: &Calendar,
    masked: bool,
) -> QueueCallbacks {
    let pending = list.entries.len();
    let seconds = |ms: Millis| ms as f64 / 1_000.0;
    let entry = |e: &Entry| EntryView {
        customer: if masked {
            mask(&e.customer)
        } else {
            e.customer.to_string()
        },
        abandoned_at: calendar.format(e.abandoned_at),
        wait_seconds: seconds(e.wait),
        since_seconds: seconds(at.saturating_sub(e.abandoned_at).max(0)),
        cause: e.cause.name(),
        unanswered_calls: e.calls,
        attempts: e.attempts,
        last_attempt: e.last_attempt.map(|(t, result)| Attempt {
            at: calendar.format(t),
            result: result.name(),
        }),
    };
    QueueCallbacks {
        queue: name.to_string(),
        pending,
        without_number: list.without_number,
        truncated: pending.saturating_sub(per_queue),
        entries: list.entries.iter().take(per_queue).map(entry).collect(),
    }
}

/// A caller's id as a viewer without the `pii` scope sees it: its last four characters, the
/// others as `*` (`13800001234` → `*******1234`). An id of four characters or fewer is all
/// `*`: its last four would be the whole of it.
pub fn mask(id: &str) -> String {
    let n = id.chars().count();
    let shown = if n > 4 { 4 } else { 0 };
    id.chars()
        .enumerate()
        .map(|(i, c)| if i + shown < n { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn a_masked_number_shows_its_last_four_characters_and_a_short_id_nothing() {
        assert_eq!(mask("13800001234"), "*******1234");
        assert_eq!(mask("+86 138"), "*** 138");
        assert_eq!(mask("12345"), "*2345");
        assert_eq!(mask("1234"), "****");
        assert_eq!(mask("用户甲乙丙"), "*户甲乙丙");
        assert_eq!(mask(""), "");
    }
}
