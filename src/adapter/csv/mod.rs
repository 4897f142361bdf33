//! CSV/TSV call records → canonical `call.completed` events (placeholder, being written).

use crate::event::Event;
use crate::reject::RejectReason;

/// Reads CSV rows of one stream with a column mapping.
#[derive(Debug, Default)]
pub struct Csv {}

impl Csv {
    pub fn read(&mut self, _bytes: &[u8], _out: &mut Vec<Event>) -> Result<(), RejectReason> {
        Err(RejectReason::UnknownType)
    }

    pub fn start_file(&mut self) {}

    pub fn needs_sorting(&self) -> bool {
        false
    }
}
