//! The Kafka input of `callpulse run` (`callpulse::service::kafka::consume`) on its own
//! thread, as the tests drive it: start, wait for a state, stop and take its final counts.

use super::cluster::eventually;
use callpulse::config::Config;
use callpulse::engine::Stats;
use callpulse::service::{kafka, Shared, Shutdown, State};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The Kafka input of `callpulse run`, running on its own thread.
pub(super) struct Service {
    pub(super) shared: Shared,
    shutdown: Shutdown,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
    /// How the input ended, once it has.
    ended: Arc<Mutex<Option<String>>>,
}

impl Service {
    pub(super) fn start(cfg: &Config) -> Service {
        let shared = Shared::new(State::new(cfg.clone(), cfg.kafka.topics.clone()));
        let shutdown = Shutdown::new();
        let ended = Arc::new(Mutex::new(None));
        let thread = std::thread::Builder::new()
            .name("service-input".into())
            .spawn({
                let (shared, shutdown, k) = (shared.clone(), shutdown.clone(), cfg.kafka.clone());
                let ended = ended.clone();
                move || {
                    let result = kafka::consume(shared, &k, shutdown);
                    let how = match &result {
                        Ok(()) => "returned".to_string(),
                        Err(e) => format!("failed: {e:#}"),
                    };
                    *ended.lock().unwrap() = Some(how);
                    result
                }
            })
            .expect("input thread");
        Service {
            shared,
            shutdown,
            thread: Some(thread),
            ended,
        }
    }

    pub(super) fn stats(&self) -> Stats {
        self.shared.lock().engine.stats()
    }

    /// Panics if the input stopped on its own (it runs until shutdown).
    pub(super) fn assert_running(&self) {
        let thread = self.thread.as_ref().expect("not stopped yet");
        if thread.is_finished() {
            let ended = self.ended.lock().unwrap().clone();
            panic!("the input stopped by itself: {ended:?}");
        }
    }

    /// Waits until `done` holds for the state; panics with `what` and the state at the
    /// deadline.
    pub(super) fn wait_for(&self, what: &str, done: impl Fn(&State) -> bool) {
        eventually(what, || {
            self.assert_running();
            let state = self.shared.lock();
            if done(&state) {
                Ok(())
            } else {
                Err(describe(&state))
            }
        });
    }

    /// Waits until the service has read `read` messages in all, nothing is pending on the
    /// dead-letter topic, and every rejection has been written as a dead letter.
    pub(super) fn wait_until_settled(&self, read: u64) {
        self.wait_for(&format!("{read} messages read and dead-lettered"), |s| {
            let stats = s.engine.stats();
            stats.read == read
                && !s.process.dead_letters_blocked
                && s.process.dead_letters == stats.rejected_total()
        });
    }

    /// Triggers shutdown and waits for the input to commit and return.
    /// Stops the input and returns the engine's final counts and the dead letters written.
    pub(super) fn stop(mut self) -> (Stats, u64) {
        self.shutdown.trigger();
        let thread = self.thread.take().expect("stopped once");
        eventually("the input stops after shutdown", || {
            if thread.is_finished() {
                Ok(())
            } else {
                Err("still running".into())
            }
        });
        thread
            .join()
            .expect("the input thread panicked")
            .expect("the input returned an error");
        // Shutdown applies what was still buffered: the final figures come after it.
        let s = self.shared.lock();
        (s.engine.stats(), s.process.dead_letters)
    }
}

impl Drop for Service {
    /// A failed test must not leave the input running against a cluster that goes away.
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// What the service did, for failure messages.
fn describe(s: &State) -> String {
    format!(
        "stats {:?}, messages {}, dead letters {} (errors {}, blocked {}), partitions {:?}",
        s.engine.stats(),
        s.process.messages,
        s.process.dead_letters,
        s.process.dead_letter_errors,
        s.process.dead_letters_blocked,
        s.process.partitions,
    )
}
