//! Reading and decoding on a thread of its own, beside the one that takes the events: a
//! replay's two halves (reading and decoding lines; the engine) each get a core. The sink
//! sees exactly the calls [`read_files`] would make, in the same order; only who makes them
//! changes.
//!
//! ```text
//!   reader thread: lines ─► adapter ─► batches of 512 ─┐ (at most 2 batches in flight,
//!                                                      │  128 for a sorting input)
//!   caller's thread:                                   └─► sink.event / reject / tick
//! ```

use super::files::{read_files, Progress, Sink};
use crate::adapter::Adapter;
use crate::event::Event;
use crate::reject::{Origin, RejectReason};
use std::sync::mpsc::{sync_channel, SyncSender};

/// Calls of the sink sent together: few enough hand-overs that they cost nothing per event.
const BATCH: usize = 512;
/// Batches in flight: the reader runs at most this far ahead of the sink (bounded memory).
const IN_FLIGHT: usize = 2;
/// Batches in flight for a sorting input, whose sort window hands on its events in bursts (a
/// month at once, for an export ordered by line): room for a burst lets the reader go on
/// with the next file while the sink takes it, instead of the two halves taking turns.
/// At most 64 Ki events.
const IN_FLIGHT_SORTED: usize = 128;

/// One call of the [`Sink`], carried to the caller's thread.
enum Call {
    Event(Event, Origin),
    Reject(RejectReason, Origin, Vec<u8>),
    Tick(Progress),
}

/// [`read_files`] with the reading and decoding on another thread; the sink's calls are
/// made on this one. An error of the sink stops the reading and is the one returned.
pub fn read_files_alongside(
    files: &[String],
    adapter: &mut Adapter,
    max_bytes: usize,
    sink: &mut impl Sink,
) -> anyhow::Result<Progress> {
    let in_flight = match adapter.sort_window() {
        Some(_) => IN_FLIGHT_SORTED,
        None => IN_FLIGHT,
    };
    let (sender, receiver) = sync_channel::<Vec<Call>>(in_flight);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut batches = Batches {
                sender,
                batch: Vec::with_capacity(BATCH),
            };
            let read = read_files(files, adapter, max_bytes, &mut batches);
            let sent = batches.send();
            read.and_then(|progress| sent.map(|()| progress))
        });
        let mut taken = Ok(());
        'batches: for batch in receiver.iter() {
            for call in batch {
                taken = match call {
                    Call::Event(event, origin) => sink.event(event, origin),
                    Call::Reject(reason, origin, bytes) => sink.reject(reason, origin, &bytes),
                    Call::Tick(progress) => sink.tick(&progress),
                };
                if taken.is_err() {
                    break 'batches;
                }
            }
        }
        // The reader, blocked on a full queue, sees the queue gone and stops.
        drop(receiver);
        let read = match reader.join() {
            Ok(read) => read,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        taken?;
        read
    })
}

/// The reader thread's sink: calls, batched and sent.
struct Batches {
    sender: SyncSender<Vec<Call>>,
    batch: Vec<Call>,
}

impl Batches {
    fn push(&mut self, call: Call) -> anyhow::Result<()> {
        self.batch.push(call);
        if self.batch.len() >= BATCH {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> anyhow::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.sender
            .send(batch)
            .map_err(|_| anyhow::anyhow!("the events' consumer stopped"))
    }
}

impl Sink for Batches {
    fn event(&mut self, event: Event, origin: Origin) -> anyhow::Result<()> {
        self.push(Call::Event(event, origin))
    }

    fn reject(&mut self, reason: RejectReason, origin: Origin, bytes: &[u8]) -> anyhow::Result<()> {
        self.push(Call::Reject(reason, origin, bytes.to_vec()))
    }

    fn tick(&mut self, progress: &Progress) -> anyhow::Result<()> {
        self.push(Call::Tick(progress.clone()))?;
        // A tick is where the caller shows progress: it should not wait for a full batch.
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::Adapter;
    use std::io::Write;

    /// Every call a sink received, in order, as text.
    #[derive(Default)]
    struct Log {
        calls: Vec<String>,
        fail_after: Option<usize>,
    }

    impl Sink for Log {
        fn event(&mut self, event: Event, origin: Origin) -> anyhow::Result<()> {
            self.calls
                .push(format!("event {} {}", origin.offset, event.ts));
            match self.fail_after {
                Some(n) if self.calls.len() >= n => anyhow::bail!("the sink is full"),
                _ => Ok(()),
            }
        }
        fn reject(
            &mut self,
            reason: RejectReason,
            origin: Origin,
            bytes: &[u8],
        ) -> anyhow::Result<()> {
            let line = String::from_utf8_lossy(bytes);
            self.calls
                .push(format!("reject {} {reason} {line}", origin.offset));
            Ok(())
        }
        fn tick(&mut self, p: &Progress) -> anyhow::Result<()> {
            self.calls
                .push(format!("tick {} {} {}", p.records, p.events, p.rejected));
            Ok(())
        }
    }

    fn file_of(lines: usize) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        for i in 0..lines {
            if i % 97 == 5 {
                writeln!(f, "not json {i}").unwrap();
            } else {
                let ts = 1_800_000_000_000u64 + i as u64 * 1000;
                let line =
                    format!(r#"{{"type":"call.offered","ts":{ts},"call_id":"c{i}","queue":"q"}}"#);
                writeln!(f, "{line}").unwrap();
            }
        }
        f
    }

    #[test]
    fn the_sink_sees_the_same_calls_in_the_same_order_as_reading_on_its_own_thread() {
        let f = file_of(10_000); // several batches and ticks, rejects among them
        let files = vec![f.path().display().to_string()];
        let (mut here, mut there) = (Log::default(), Log::default());
        let a = read_files(
            &files,
            &mut Adapter::Canonical(Default::default()),
            1 << 16,
            &mut here,
        )
        .unwrap();
        let b = read_files_alongside(
            &files,
            &mut Adapter::Canonical(Default::default()),
            1 << 16,
            &mut there,
        )
        .unwrap();
        assert_eq!(here.calls, there.calls);
        assert!(here.calls.iter().any(|c| c.starts_with("reject")));
        assert!(here.calls.iter().filter(|c| c.starts_with("tick")).count() >= 3);
        assert_eq!(
            (a.records, a.events, a.rejected),
            (b.records, b.events, b.rejected)
        );
    }

    #[test]
    fn an_error_of_the_sink_stops_the_reader_and_is_the_error_returned() {
        let f = file_of(50_000);
        let files = vec![f.path().display().to_string()];
        let mut sink = Log {
            fail_after: Some(1_000),
            ..Log::default()
        };
        let err = read_files_alongside(
            &files,
            &mut Adapter::Canonical(Default::default()),
            1 << 16,
            &mut sink,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "the sink is full");
        assert_eq!(
            sink.calls.len(),
            1_000,
            "nothing reaches the sink after its error"
        );
    }
}
