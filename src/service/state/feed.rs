//! Reading one input record into the engine: with the input's adapter or a Kafka partition's
//! own, refused whole when too large, its events' delays observed, and a message read again
//! after a restart not counted twice.

use super::{Process, State};
use crate::adapter::Adapter;
use crate::engine::Engine;
use crate::event::Event;
use crate::reject::{Origin, RejectReason};
use crate::time::Millis;

/// The fields [`State::feed`] needs, borrowed apart from the adapter that reads.
struct Feeder<'a> {
    engine: &'a mut Engine,
    process: &'a mut Process,
    delays: &'a prometheus::Histogram,
    scratch: &'a mut Vec<Event>,
    max_bytes: usize,
    /// A message read again after a restart: its event was taken, and counted, before the
    /// checkpoint (see [`Engine::ingest_again`]).
    again: bool,
}

impl Feeder<'_> {
    fn feed(&mut self, adapter: &mut Adapter, bytes: &[u8], origin: Origin, now: Millis) -> Fed {
        if !self.again {
            self.process.messages += 1;
        }
        self.scratch.clear();
        let result = if bytes.len() > self.max_bytes {
            Err(RejectReason::TooLarge)
        } else {
            adapter.read(bytes, self.scratch)
        };
        match result {
            Ok(()) => {
                self.engine.set_wall_clock(Some(now));
                let mut fed = Fed::default();
                for event in self.scratch.drain(..) {
                    let ts = event.ts;
                    fed.read = fed.read.max(Some(ts));
                    let entered = if self.again {
                        self.engine.ingest_again(event, origin)
                    } else {
                        self.delays.observe((now - ts).max(0) as f64 / 1_000.0);
                        self.engine.ingest_entered(event, origin)
                    };
                    // Only an event the clock took says how far its partition has come.
                    if entered {
                        fed.entered = fed.entered.max(Some(ts));
                    }
                }
                fed
            }
            Err(reason) => {
                self.engine.reject(reason, origin, bytes);
                Fed::default()
            }
        }
    }
}

/// The event times of one input record's events.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fed {
    /// The newest of the events the engine's clock took into event time.
    pub entered: Option<Millis>,
    /// The newest of all its events.
    pub read: Option<Millis>,
}

impl State {
    /// Reads one input record (message or line) with the input's adapter and feeds its events
    /// to the engine; `now` is the wall clock. Returns the newest time of its events, if any.
    pub fn feed(&mut self, bytes: &[u8], origin: Origin, now: Millis) -> Fed {
        self.feed_from(None, bytes, origin, now)
    }

    /// [`State::feed`] with the adapter of `stream` (a Kafka partition: its own ordered stream,
    /// one PBX's queue_log say), made from the input's adapter when first met; `None`: the
    /// input's adapter itself.
    pub(in crate::service) fn feed_from(
        &mut self,
        stream: Option<(u32, i32)>,
        bytes: &[u8],
        origin: Origin,
        now: Millis,
    ) -> Fed {
        self.feed_again_from(stream, bytes, origin, now, false)
    }

    /// [`State::feed_from`]; `again`: a message read again after a restart (see
    /// [`Engine::ingest_again`]).
    pub(in crate::service) fn feed_again_from(
        &mut self,
        stream: Option<(u32, i32)>,
        bytes: &[u8],
        origin: Origin,
        now: Millis,
        again: bool,
    ) -> Fed {
        let adapter = match stream {
            None => &mut self.adapter,
            Some(key) => self
                .partition_adapters
                .entry(key)
                .or_insert_with(|| self.adapter.fresh()),
        };
        let mut feeder = Feeder {
            engine: &mut self.engine,
            process: &mut self.process,
            delays: &self.delays,
            scratch: &mut self.scratch,
            max_bytes: self.config.engine.max_event_bytes,
            again,
        };
        feeder.feed(adapter, bytes, origin, now)
    }
}
