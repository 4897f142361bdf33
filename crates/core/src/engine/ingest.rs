//! Taking one event: dedupe, the [`super::clock`]'s judgement of its time, then the reorder
//! buffer (or, behind the watermark, applied at once as a late event). In the live service,
//! names are interned here already, so the provisional overlay can show the event at once.

use super::clock::{Seen, Verdict};
use super::reorder::{self, Queued};
use super::{dedupe, Engine};
use crate::event::Event;
use crate::reject::{Origin, RejectReason};
use crate::time::Millis;

impl Engine {
    /// Interns names as events arrive, so that live figures show an event before the
    /// watermark passes it (the live service; see [`super::provisional`]).
    pub fn set_live_names(&mut self, on: bool) {
        self.live_names = on;
    }

    /// The wall clock of a live input, set before each batch (`None`, the default: replay).
    /// Event time is then bounded by it: an event stamped more than `engine.max_future` ahead
    /// is rejected (`bad_timestamp`), and one near it is taken without corroboration.
    pub fn set_wall_clock(&mut self, now: Option<Millis>) {
        self.clock.set_wall(now);
    }

    /// Takes one decoded event.
    pub fn ingest(&mut self, event: Event, origin: Origin) {
        self.ingest_entered(event, origin);
    }

    /// [`Engine::ingest`], telling whether the event entered event time now (neither a
    /// duplicate, nor tentative, nor refused by the [`super::clock`]): only such an event says how
    /// far its partition has come.
    pub fn ingest_entered(&mut self, event: Event, origin: Origin) -> bool {
        self.take(event, origin, false)
    }

    /// Takes again an event that was in the reorder buffer when a snapshot left the buffer
    /// out ([`Engine::snapshot_unread`]): it was counted as read then, and it is no duplicate
    /// of itself. Like [`Engine::ingest_entered`] otherwise.
    pub fn ingest_again(&mut self, event: Event, origin: Origin) -> bool {
        self.take(event, origin, true)
    }

    fn take(&mut self, event: Event, origin: Origin, again: bool) -> bool {
        if !again {
            self.stats.read += 1;
        }
        let Some(event) = self.admit_name_lengths(event, origin) else {
            return false;
        };
        let digest = dedupe::key(&event);
        if !again && self.dedupe.contains(digest) {
            self.stats.accepted += 1;
            self.stats.duplicates += 1;
            return false;
        }
        self.overlay_changing();
        let queued = Queued::new(event, origin, digest);
        if self.live_names {
            self.intern_names(&queued.event.body);
        }
        let mut rejected = std::mem::take(&mut self.clock_rejected);
        let confirmed = self.clock.confirmed();
        let seen = self.clock.observe(queued.at, queued.key(), &mut rejected);
        self.dedupe.insert(digest, self.dedupe_anchor(queued.at));
        if self.clock.confirmed() != confirmed {
            self.overlay.set_stale(); // events the overlay left out are in the stream's time now
            self.observe_confirmed();
        }
        self.reject_tentative(&mut rejected);
        self.clock_rejected = rejected;
        match seen {
            Seen::Refused => {
                self.refused.push(queued.origin);
                self.reject_applied(RejectReason::BadTimestamp, &queued);
            }
            Seen::Current => self.admit(queued, true),
            Seen::Tentative => self.admit(queued, false),
        }
        if !self.caller_watermark {
            self.advance_to(self.clock.frontier().saturating_sub(self.cfg.lateness));
        }
        seen == Seen::Current
    }

    /// Whether the callback list takes events as they are read (the live service), not only
    /// as the watermark applies them.
    fn callbacks_live(&self) -> bool {
        self.live_names && !self.no_live_windows
    }

    /// Gives the callback list the facts of the buffered events the clock no longer holds
    /// as tentative (it just confirmed some): a fact taken twice changes nothing.
    fn observe_confirmed(&mut self) {
        if !self.callbacks_live() {
            return;
        }
        let tentative: rustc_hash::FxHashSet<_> = self.clock.tentative_keys().collect();
        for q in self.reorder.iter() {
            if !tentative.contains(&q.key()) {
                self.callbacks
                    .observe(&q.event, q.digest, &self.names, false);
            }
        }
    }

    /// Where the dedupe window of an event of time `at` starts, once the clock has seen it:
    /// its own time, but not before the watermark (a late event) nor past the frontier (a
    /// tentative one).
    fn dedupe_anchor(&self, at: Millis) -> Millis {
        let frontier = self.clock.frontier();
        let at = if frontier == Millis::MIN {
            at
        } else {
            at.min(frontier)
        };
        at.max(self.watermark)
    }

    /// Origins of the events the clock rejected (`bad_timestamp`) since the last call.
    pub fn take_refused(&mut self) -> Vec<Origin> {
        std::mem::take(&mut self.refused)
    }

    /// Takes the tentative events the clock rejected out of the reorder buffer.
    pub(super) fn reject_tentative(&mut self, keys: &mut Vec<(reorder::Key, Verdict)>) {
        for (key, verdict) in keys.drain(..) {
            // Not there any more: an idle input's wall clock moved the watermark past it.
            if let Some(q) = self.reorder.remove(key) {
                self.refused.push(q.origin);
                let reason = match verdict {
                    Verdict::Contradicted => RejectReason::BadTimestamp,
                    Verdict::Stale => RejectReason::TooLate,
                };
                self.reject_applied(reason, &q);
            }
        }
    }

    /// Applies a late event at once, or buffers it (`current`: noted in the overlay).
    fn admit(&mut self, mut q: Queued, current: bool) {
        if q.at < self.watermark {
            self.stats.late += 1;
            self.apply(q);
        } else {
            if current {
                self.note_arrival(&mut q);
                if self.callbacks_live() {
                    // Live means now: the list takes the event's facts as it is read.
                    self.callbacks
                        .observe(&q.event, q.digest, &self.names, false);
                }
            }
            self.reorder.push(q);
        }
    }

    /// Interns the names an event carries (see [`Engine::set_live_names`]), unless one of
    /// them is beyond the `[limits]` (the event is rejected when it is applied).
    fn intern_names(&mut self, body: &crate::event::Body) {
        use crate::event::Body;
        if self.names_within_limits(body).is_err() {
            return;
        }
        match body {
            Body::Offered { queue, .. }
            | Body::Survey { queue, .. }
            | Body::Callback { queue, .. } => {
                self.intern_queue(queue);
            }
            Body::Completed(c) => {
                self.intern_queue(&c.queue);
            }
            Body::Transferred {
                to_queue: Some(to), ..
            } => {
                self.intern_queue(to);
            }
            Body::AgentState { agent, queues, .. } => {
                self.names.agents.intern(agent);
                for q in queues {
                    self.intern_queue(q);
                }
            }
            Body::SystemStatus { component, .. } | Body::Heartbeat { component } => {
                self.names.components.intern(component);
            }
            _ => {}
        }
    }
}
