//! `callpulse demo`'s input: the built-in simulator, paced by the wall clock, instead of Kafka.
//!
//! The simulated day starts at local midnight (or `--backfill` ago) and is replayed at once,
//! so today's KPIs are there from the first second (`/readyz` answers ready once the backfill
//! is applied); from then on each event is applied when
//! the wall clock reaches its time. Rejected lines (the simulator writes a few malformed ones
//! on purpose) are counted, kept for `/api/v1/rejected` and, with `--rejected`, written to a
//! file.

use super::backpressure::{finish_deadline, wait_for_evidence};
use super::shutdown::Shutdown;
use super::state::Shared;
use crate::output::RejectWriter;
use crate::reject::Origin;
use crate::sim::{SimConfig, Simulator};
use crate::time::wall_clock;
use crate::time::Millis;
use std::io::Write;
use std::time::Duration;

/// Lines applied under one lock of the state.
const CHUNK: usize = 10_000;

/// Runs the simulator from `start` until shutdown, feeding the shared state.
pub fn run(
    shared: Shared,
    sim: SimConfig,
    mut rejected: Option<RejectWriter<Box<dyn Write + Send>>>,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let mut sim = Simulator::new(sim);
    let mut held: Option<(Millis, String)> = None;
    let mut offset: i64 = 0;
    while !shutdown.is_triggered() {
        // Backpressure: the simulator waits while the evidence store cannot be written.
        if shared.lock().evidence_backed_up()
            && wait_for_evidence(&shared, || shutdown.is_triggered())
        {
            break;
        }
        let now = wall_clock();
        let mut backlog = false;
        {
            let mut state = shared.lock();
            let mut fed = 0;
            loop {
                if fed == CHUNK {
                    // The backfill: let HTTP in between chunks.
                    backlog = true;
                    break;
                }
                fed += 1;
                let (at, line) = match held.take() {
                    Some(h) => h,
                    None => match sim.next() {
                        Some(line) => (sim.now(), line),
                        None => break,
                    },
                };
                if at > now {
                    held = Some((at, line));
                    break;
                }
                offset += 1;
                let origin = Origin {
                    source: 0,
                    partition: 0,
                    offset,
                };
                state.feed(line.as_bytes(), origin, now);
            }
            if !backlog {
                // Caught up with the wall clock; during the backfill the clock is the events'.
                // From here on today's figures are whole: `/readyz` answers ready.
                state.process.input_ready = true;
                state.idle_advance(now);
            }
            let rejections = state.drain();
            state.keep_rejected(&rejections, now);
            state.process.dead_letters += rejections.len() as u64;
            if let Some(w) = rejected.as_mut() {
                for r in &rejections {
                    w.write(r, "demo")?;
                }
                w.flush()?;
            }
        }
        if !backlog {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let mut state = shared.lock();
    let deadline = finish_deadline(&state);
    state.finish_evidence(deadline, wall_clock());
    Ok(())
}
