//! Lines at seconds after T0, events shown as `<seconds after T0> <what>`, and a reader that
//! checks a rejected line appends nothing.

use crate::adapter::queue_log::QueueLog;
use crate::event::{Body, Event};
use crate::reject::RejectReason;
use crate::time::SECOND;

pub(super) const T0: i64 = 1_793_610_000;

/// A line at `secs` seconds after T0: `rest` is everything after the epoch.
pub(super) fn l(secs: i64, rest: &str) -> String {
    format!("{}|{rest}", T0 + secs)
}

/// One event as `<seconds after T0> <what>`.
pub(super) fn show(e: &Event) -> String {
    let what = match &e.body {
        Body::Offered {
            call,
            queue,
            customer,
            priority,
            ..
        } => {
            assert_eq!((customer, priority), (&None, &None));
            format!("offered {call} {queue}")
        }
        Body::Ringing { call, agent } => format!("ringing {call} {agent}"),
        Body::Answered { call, agent } => format!("answered {call} {agent}"),
        Body::Abandoned { call, cause } => format!("abandoned {call} {}", cause.name()),
        Body::Transferred { call, to_queue } => match to_queue {
            Some(q) => format!("overflow {call} {q}"),
            None => format!("transferred {call}"),
        },
        Body::Ended { call, resolved } => {
            assert_eq!(*resolved, None);
            format!("ended {call}")
        }
        Body::AgentState {
            agent,
            state,
            queues,
            reason,
        } => match reason {
            None => format!("agent {agent} {} [{}]", state.name(), queues.join(",")),
            Some(r) => format!("agent {agent} {} [{}] {r}", state.name(), queues.join(",")),
        },
        Body::SystemStatus {
            component,
            up,
            reason,
        } => format!(
            "status {component} {} {}",
            if *up { "up" } else { "down" },
            reason.as_deref().unwrap_or("-")
        ),
        other => panic!("the adapter never emits {other:?}"),
    };
    assert_eq!(e.event_id, None);
    let ms = e.ts - T0 * SECOND;
    if ms % SECOND == 0 {
        format!("{} {what}", ms / SECOND)
    } else {
        format!("{} {what}", ms as f64 / 1000.0)
    }
}

#[derive(Default)]
pub(super) struct Log(pub(super) QueueLog);

impl Log {
    pub(super) fn read(&mut self, line: &str) -> Result<Vec<String>, RejectReason> {
        let mut out = Vec::new();
        let got = self.0.read(line.as_bytes(), &mut out);
        if got.is_err() {
            assert!(out.is_empty(), "a rejected line appends nothing: {out:?}");
        }
        got.map(|()| out.iter().map(show).collect())
    }

    pub(super) fn ok(&mut self, line: &str) -> Vec<String> {
        self.read(line)
            .unwrap_or_else(|r| panic!("{line} rejected as {r}"))
    }

    pub(super) fn all(&mut self, lines: &[String]) -> Vec<String> {
        lines.iter().flat_map(|line| self.ok(line)).collect()
    }
}
