//! Asterisk `queue_log` → canonical events (placeholder, being written).

use crate::event::Event;
use crate::reject::RejectReason;

/// Reads queue_log lines of one stream, in order.
#[derive(Debug, Default)]
pub struct QueueLog {}

impl QueueLog {
    pub fn new() -> Self {
        QueueLog::default()
    }

    pub fn read(&mut self, _bytes: &[u8], _out: &mut Vec<Event>) -> Result<(), RejectReason> {
        Err(RejectReason::UnknownType)
    }
}
