//! The live service of the alerts and metrics benches: a state with the shipped alert profile
//! (12 criteria), fed canonical lines as Kafka messages of one partition.

use callpulse::alert::Profile;
use callpulse::config::Config;
use callpulse::reject::Origin;
use callpulse::service::alerts::LiveAlerts;
use callpulse::service::{Shared, State};
use callpulse::time::Millis;

/// When the benches' hour of calls starts.
pub const T0: Millis = 1_793_491_200_000;

/// A service for a center of `queues` queues (the queue limit raised to it if need be), no
/// lateness: every event is applied as it comes.
pub fn service(queues: usize) -> Shared {
    let mut cfg = Config::default();
    cfg.engine.lateness = 0;
    cfg.engine.limits.queues = cfg.engine.limits.queues.max(queues);
    let profile = Profile::load("yd-t-2823-2015").unwrap();
    let alerts =
        LiveAlerts::new(profile, &cfg.alerts, "http://bench/api/v1/alerts".into()).unwrap();
    Shared::new(State::new(cfg, vec!["bench".into()]).with_alerts(alerts))
}

/// Feeds lines as the messages of one partition, at consecutive offsets.
#[derive(Default)]
pub struct Feed {
    offset: i64,
}

impl Feed {
    /// Feeds `line` at wall-clock time `now`.
    pub fn line(&mut self, state: &mut State, line: String, now: Millis) {
        self.offset += 1;
        let origin = Origin {
            source: 0,
            partition: 0,
            offset: self.offset,
        };
        state.feed(line.as_bytes(), origin, now);
    }

    /// Call `c{call}` offered to queue `q{queue}` at `t`, arriving then.
    pub fn offered(&mut self, state: &mut State, t: Millis, call: i64, queue: i64) {
        let line =
            format!(r#"{{"type":"call.offered","ts":{t},"call_id":"c{call}","queue":"q{queue}"}}"#);
        self.line(state, line, t);
    }

    /// Call `c{call}` answered at `at` by agent `a{queue}`, arriving at `now`.
    pub fn answered(&mut self, state: &mut State, at: Millis, call: i64, queue: i64, now: Millis) {
        let line = format!(
            r#"{{"type":"call.answered","ts":{at},"call_id":"c{call}","agent_id":"a{queue}"}}"#
        );
        self.line(state, line, now);
    }

    /// A heartbeat of component `acd` at `t`, arriving then.
    pub fn heartbeat(&mut self, state: &mut State, t: Millis) {
        let line = format!(r#"{{"type":"system.heartbeat","ts":{t},"component":"acd"}}"#);
        self.line(state, line, t);
    }
}

/// Ends the feeding at `end`: the watermark follows the idle input there, and what closed is
/// taken.
pub fn settle(state: &mut State, end: Millis) {
    state.idle_advance(end);
    state.drain();
}
