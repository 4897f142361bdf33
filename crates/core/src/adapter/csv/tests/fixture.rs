//! The Anonymous Bank layout cut down, and reading one row with it or with any mapping.

use crate::adapter::csv::*;
use crate::event::{Body, Completed};
use crate::time::Millis;

/// The Anonymous Bank layout, cut down: TSV with a header, times of day on a YYMMDD date.
pub(super) const BANK: &str = r##"
[csv]
delimiter = "\t"
quote = ""
header = true
merged = [["priority", "type"]]
timezone = "Asia/Jerusalem"
date_format = "%y%m%d"
sort = true
[csv.columns]
call_id = ["date", "line", "call_id"]
queue = "type"
customer = "customer_id"
agent = "server"
outcome = "outcome"
date = "date"
date_of = "vru_entry"
[csv.empty]
customer_id = ["0"]
server = ["NO_SERVER"]
q_start = ["0:00:00"]
[csv.outcomes]
AGENT = "answered"
HANG = "abandoned"
PHANTOM = "ignored"
[csv.times]
offered_at = ["q_start", "vru_exit"]
answered_at = "offered_at + q_time"
abandoned_at = "offered_at + q_time"
ended_at = "answered_at + ser_time"
[[csv.skip]]
reason = "ivr_only"
outcome = "abandoned"
empty = "q_start"
"##;

pub(super) const HEADER: &str =
    "line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\t\
                      q_start\tq_time\toutcome\tser_time\tserver";

pub(super) fn csv(mapping: &str) -> Csv {
    Csv::new(Mapping::parse(mapping).unwrap_or_else(|e| panic!("{e}")))
}

pub(super) fn bank() -> Csv {
    let mut c = csv(BANK);
    c.start_file();
    assert_eq!(read(&mut c, HEADER), Ok(None));
    c
}

/// One row: `Ok(None)` for a header, the event's record, or the reason.
pub(super) fn read(c: &mut Csv, line: &str) -> Result<Option<(Millis, Completed)>, String> {
    let mut out = Vec::new();
    c.read(line.as_bytes(), &mut out)
        .map_err(|r| r.to_string())?;
    assert!(out.len() <= 1);
    Ok(out.pop().map(|e| match e.body {
        Body::Completed(done) => (e.ts, *done),
        other => panic!("not a completed call: {other:?}"),
    }))
}

pub(super) fn event(c: &mut Csv, line: &str) -> (Millis, Completed) {
    read(c, line).unwrap().expect("an event")
}

pub(super) fn utc(text: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

pub(super) fn row(fields: &[&str]) -> String {
    fields.join("\t")
}

/// A bank row from its distinctive fields; the rest is fixed.
#[allow(clippy::too_many_arguments)]
pub(super) fn bank_row(
    date: &str,
    entry: &str,
    exit: &str,
    q_start: &str,
    q_time: &str,
    outcome: &str,
    ser_time: &str,
    server: &str,
) -> String {
    row(&[
        "AA0101", "33116", "9664491", "2", "PS", date, entry, exit, q_start, q_time, outcome,
        ser_time, server,
    ])
}
