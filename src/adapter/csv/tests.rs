//! The reader end to end on hand-written rows: columns by name and position, absent values,
//! each kind of time source, midnight, outcomes, skip rules, every rejection, headers.

use super::*;
use crate::event::{Body, Channel, Completed, CompletedOutcome};
use crate::time::Millis;

/// The Anonymous Bank layout, cut down: TSV with a header, times of day on a YYMMDD date.
const BANK: &str = r##"
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

const HEADER: &str = "line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\t\
                      q_start\tq_time\toutcome\tser_time\tserver";

fn csv(mapping: &str) -> Csv {
    Csv::new(Mapping::parse(mapping).unwrap_or_else(|e| panic!("{e}")))
}

fn bank() -> Csv {
    let mut c = csv(BANK);
    c.start_file();
    assert_eq!(read(&mut c, HEADER), Ok(None));
    c
}

/// One row: `Ok(None)` for a header, the event's record, or the reason.
fn read(c: &mut Csv, line: &str) -> Result<Option<(Millis, Completed)>, String> {
    let mut out = Vec::new();
    c.read(line.as_bytes(), &mut out)
        .map_err(|r| r.to_string())?;
    assert!(out.len() <= 1);
    Ok(out.pop().map(|e| match e.body {
        Body::Completed(done) => (e.ts, *done),
        other => panic!("not a completed call: {other:?}"),
    }))
}

fn event(c: &mut Csv, line: &str) -> (Millis, Completed) {
    read(c, line).unwrap().expect("an event")
}

fn utc(text: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

fn row(fields: &[&str]) -> String {
    fields.join("\t")
}

/// A bank row from its distinctive fields; the rest is fixed.
#[allow(clippy::too_many_arguments)]
fn bank_row(
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

#[test]
fn a_served_row_gives_one_completed_call_with_its_latest_time_as_ts() {
    let mut c = bank();
    let line = bank_row(
        "990905", "14:49:00", "14:49:06", "14:49:06", "234", "AGENT", "90", "ROTH",
    );
    let (ts, done) = event(&mut c, &line);
    // Israel is back on +02:00 from 3 September 1999.
    let offered = utc("1999-09-05T14:49:06+02:00");
    assert_eq!(done.call, "990905-AA0101-33116");
    assert_eq!(done.queue, "PS");
    assert_eq!(done.channel, Channel::Voice);
    assert_eq!(done.customer.as_deref(), Some("9664491"));
    assert_eq!(done.agent.as_deref(), Some("ROTH"));
    assert_eq!(done.offered_at, offered);
    assert_eq!(done.outcome, CompletedOutcome::Answered(offered + 234_000));
    assert_eq!(done.ended_at, Some(offered + 324_000));
    assert_eq!(done.resolved, None);
    assert_eq!(ts, offered + 324_000);
    assert!(c.needs_sorting());
}

#[test]
fn empty_values_are_absent_customer_zero_no_server_and_a_direct_call_offered_at_vru_exit() {
    let mut c = bank();
    let line = row(&[
        "AA0101",
        "44970",
        "0",
        "0",
        "NW",
        "990905",
        "15:31:33",
        "15:31:47",
        "0:00:00",
        "0",
        "AGENT",
        "151",
        "NO_SERVER",
    ]);
    let (_, done) = event(&mut c, &line);
    let offered = utc("1999-09-05T15:31:47+02:00");
    assert_eq!(done.customer, None);
    assert_eq!(done.agent, None);
    assert_eq!(done.offered_at, offered);
    assert_eq!(done.outcome, CompletedOutcome::Answered(offered));
    assert_eq!(done.ended_at, Some(offered + 151_000));
}

#[test]
fn an_abandoned_call_has_no_end_and_no_agent() {
    let mut c = bank();
    let line = bank_row(
        "990101", "0:00:31", "0:00:36", "0:00:36", "153", "HANG", "7", "DORIT",
    );
    let (ts, done) = event(&mut c, &line);
    let offered = utc("1999-01-01T00:00:36+02:00");
    assert_eq!(done.outcome, CompletedOutcome::Abandoned(offered + 153_000));
    assert_eq!((done.ended_at, done.agent), (None, None));
    assert_eq!(ts, offered + 153_000);
}

#[test]
fn a_queue_start_after_midnight_is_on_the_next_day_and_one_before_it_on_the_previous() {
    let mut c = bank();
    let line = bank_row(
        "990215", "23:59:50", "23:59:58", "0:00:10", "5", "AGENT", "60", "AVNI",
    );
    assert_eq!(
        event(&mut c, &line).1.offered_at,
        utc("1999-02-16T00:00:10+02:00")
    );
    // Clock jitter: the queue start written a little before the VRU entry, across midnight.
    let line = bank_row(
        "990216", "0:00:05", "0:00:09", "23:58:30", "5", "AGENT", "60", "AVNI",
    );
    assert_eq!(
        event(&mut c, &line).1.offered_at,
        utc("1999-02-15T23:58:30+02:00")
    );
}

#[test]
fn the_phantom_outcome_is_skipped_and_an_unknown_one_is_a_bad_value() {
    let mut c = bank();
    let phantom = bank_row(
        "990101", "1:00:00", "1:00:05", "1:00:05", "3", "PHANTOM", "9", "X",
    );
    assert_eq!(
        read(&mut c, &phantom),
        Err("skipped:outcome_phantom".into())
    );
    let unknown = phantom.replace("PHANTOM", "LOST");
    assert_eq!(read(&mut c, &unknown), Err("bad_value:outcome".into()));
    let none = phantom.replace("PHANTOM", "");
    assert_eq!(read(&mut c, &none), Err("missing_field:outcome".into()));
}

#[test]
fn a_hang_up_that_never_queued_is_skipped_by_the_rule_but_a_queued_one_is_not() {
    let mut c = bank();
    let ivr = bank_row(
        "990101",
        "0:34:12",
        "0:34:23",
        "0:00:00",
        "0",
        "HANG",
        "0",
        "NO_SERVER",
    );
    assert_eq!(read(&mut c, &ivr), Err("skipped:ivr_only".into()));
    let queued = ivr.replace("\t0:00:00\t", "\t0:34:23\t");
    assert!(read(&mut c, &queued).unwrap().is_some());
}

#[test]
fn a_merged_priority_and_type_field_is_put_apart_and_a_short_row_is_a_bad_row() {
    let mut c = bank();
    let merged = row(&[
        "AA0108",
        "3364",
        "0",
        "0       TT",
        "990717",
        "2:17:57",
        "2:18:09",
        "2:18:09",
        "20",
        "AGENT",
        "30",
        "DANA",
    ]);
    let (_, done) = event(&mut c, &merged);
    assert_eq!(done.queue, "TT");
    let short = row(&["AA0108", "3364", "0", "0", "990717", "2:17:57", "2:18:09"]);
    assert_eq!(read(&mut c, &short), Err("bad_value:row".into()));
    let long = format!("{merged}\textra\tmore");
    assert_eq!(read(&mut c, &long), Err("bad_value:row".into()));
    let glued_without_space = merged.replace("0       TT", "0TT");
    assert_eq!(
        read(&mut c, &glued_without_space),
        Err("bad_value:row".into())
    );
}

#[test]
fn stray_spaces_around_values_are_trimmed() {
    let mut c = bank();
    let line = bank_row(
        "990303",
        " 10:37:26",
        "10:37:48 ",
        "10:37:48",
        " 22 ",
        "AGENT",
        "1",
        "X",
    )
    .replace("\tPS\t", "\t TT\t");
    assert_eq!(event(&mut c, &line).1.queue, "TT");
}

#[test]
fn each_rejection_names_its_field() {
    let mut c = bank();
    let ok = bank_row(
        "990101", "9:00:00", "9:00:05", "9:00:05", "10", "AGENT", "20", "X",
    );
    let cases = [
        (ok.replace("\tPS\t", "\t\t"), "missing_field:queue"),
        (ok.replace("33116", ""), "missing_field:call_id"),
        (
            ok.replace("9:00:05\t9:00:05", "\t0:00:00"),
            "missing_field:offered_at",
        ),
        (ok.replace("990101", "990199"), "bad_timestamp"),
        (ok.replace("\t990101\t", "\t\t"), "missing_field:call_id"),
        (ok.replace("9:00:05\t10", "9:0x:05\t10"), "bad_timestamp"),
        (ok.replace("9:00:00", "25:00:00"), "bad_timestamp"),
        (ok.replace("\t10\t", "\t-3\t"), "bad_value:q_time"),
        (ok.replace("\t20\t", "\t2.5\t"), "bad_value:ser_time"),
        (ok.replace("\t10\t", "\t\t"), "missing_field:answered_at"),
    ];
    for (line, reason) in cases {
        assert_eq!(read(&mut c, &line), Err(reason.into()), "{line}");
    }
    assert_eq!(
        c.read(b"AA01\xff\t1", &mut Vec::new()),
        Err(RejectReason::NotUtf8)
    );
    assert_eq!(read(&mut c, "  "), Err("skipped:blank_line".into()));
    assert!(read(&mut c, &ok).unwrap().is_some());
}

#[test]
fn a_missing_date_is_named() {
    let mut c = csv(&BANK.replace(
        "call_id = [\"date\", \"line\", \"call_id\"]",
        "call_id = \"call_id\"",
    ));
    c.start_file();
    read(&mut c, HEADER).unwrap();
    let line = bank_row(
        "", "9:00:00", "9:00:05", "9:00:05", "10", "AGENT", "20", "X",
    );
    assert_eq!(read(&mut c, &line), Err("missing_field:date".into()));
}

#[test]
fn each_file_starts_with_its_own_header_which_may_order_the_columns_differently() {
    let mut c = bank();
    let line = bank_row(
        "990101", "9:00:00", "9:00:05", "9:00:05", "10", "AGENT", "20", "X",
    );
    assert!(read(&mut c, &line).unwrap().is_some());
    // Without start_file the next line is a row, and a header line is no valid row.
    assert!(read(&mut c, HEADER).is_err());
    c.start_file();
    let swapped: Vec<&str> = {
        let mut h: Vec<&str> = HEADER.split('\t').collect();
        h.swap(0, 1);
        h
    };
    assert_eq!(read(&mut c, &swapped.join("\t")), Ok(None));
    let mut fields: Vec<&str> = line.split('\t').collect();
    fields.swap(0, 1);
    assert_eq!(
        event(&mut c, &fields.join("\t")).1.call,
        "990101-AA0101-33116"
    );
}

#[test]
fn a_header_without_a_mapped_column_is_a_bad_header_and_its_rows_lack_that_field() {
    let mut c = csv(BANK);
    c.start_file();
    let header = HEADER.replace("\ttype\t", "\tkind\t");
    assert_eq!(read(&mut c, &header), Err("bad_value:header".into()));
    let line = bank_row(
        "990101", "9:00:00", "9:00:05", "9:00:05", "10", "AGENT", "20", "X",
    );
    assert_eq!(read(&mut c, &line), Err("missing_field:queue".into()));
}

/// A headerless comma export: columns by position, date-times, end times.
const POSITIONS: &str = r##"
[csv]
header = false
timezone = "Asia/Shanghai"
tolerance = "2s"
[csv.columns]
call_id = "#1"
queue = "#2"
agent = "#6"
[csv.times]
offered_at = "#3"
answered_at = "#4"
abandoned_at = "#5"
ended_at = "#5"
"##;

#[test]
fn headerless_rows_by_position_with_datetimes_and_the_outcome_from_which_time_is_present() {
    let mut c = csv(POSITIONS);
    let (ts, done) = event(
        &mut c,
        r#"c1,"Sales, VIP",2026-11-02 09:00:00,2026-11-02 09:00:12,2026-11-02 09:03:00,a7"#,
    );
    assert_eq!(done.queue, "Sales, VIP");
    assert_eq!(done.offered_at, utc("2026-11-02T09:00:00+08:00"));
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("2026-11-02T09:00:12+08:00"))
    );
    assert_eq!(done.ended_at, Some(utc("2026-11-02T09:03:00+08:00")));
    assert_eq!(ts, utc("2026-11-02T09:03:00+08:00"));
    let (_, done) = event(&mut c, "c2,q,2026-11-02 09:00:00,,2026-11-02 09:00:40,");
    assert_eq!(
        done.outcome,
        CompletedOutcome::Abandoned(utc("2026-11-02T09:00:40+08:00"))
    );
    assert_eq!(
        read(&mut c, "c3,q,2026-11-02 09:00:00,,,"),
        Err("missing_field:abandoned_at".into())
    );
    // A row shorter than a position it needs lacks that value; no width to check against.
    assert_eq!(read(&mut c, "c4,q"), Err("missing_field:offered_at".into()));
}

#[test]
fn times_out_of_order_within_the_tolerance_are_moved_up_and_beyond_it_rejected() {
    let mut c = csv(POSITIONS);
    let (_, done) = event(
        &mut c,
        "c1,q,2026-11-02 09:00:02,2026-11-02 09:00:00,2026-11-02 09:01:00,a",
    );
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("2026-11-02T09:00:02+08:00"))
    );
    assert_eq!(
        read(
            &mut c,
            "c1,q,2026-11-02 09:00:03,2026-11-02 09:00:00,2026-11-02 09:01:00,a"
        ),
        Err("inconsistent_times".into())
    );
    assert_eq!(
        read(
            &mut c,
            "c1,q,2026-11-02 09:00:00,2026-11-02 09:01:00,2026-11-02 09:00:50,a"
        ),
        Err("inconsistent_times".into())
    );
    assert_eq!(
        read(&mut c, "c1,q,1969-12-31 23:00:00,,1970-01-01 00:00:00,"),
        Err("bad_timestamp".into())
    );
}

#[test]
fn times_of_day_from_columns_roll_past_midnight_after_the_time_they_follow() {
    let text = r##"
[csv]
header = false
names = ["id", "q", "day", "offer", "answer", "end", "wait"]
date_format = "%Y-%m-%d"
[csv.columns]
call_id = "id"
queue = "q"
date = "day"
[csv.times]
offered_at = "offer"
answered_at = ["answer", "offer + wait"]
ended_at = "end"
"##;
    let mut c = csv(text);
    let (_, done) = event(&mut c, "c1,q,2026-03-01,23:59:50,00:00:10,01:30:00,");
    assert_eq!(done.offered_at, utc("2026-03-01T23:59:50Z"));
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("2026-03-02T00:00:10Z"))
    );
    assert_eq!(done.ended_at, Some(utc("2026-03-02T01:30:00Z")));
    // No answer column value: the next source, a time plus a duration.
    let (_, done) = event(&mut c, "c2,q,2026-03-01,23:59:50,,,25");
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("2026-03-02T00:00:15Z"))
    );
    // Without date_of, the offer is on the row's date as written.
    let (_, done) = event(&mut c, "c3,q,2026-03-01,00:00:05,,,0");
    assert_eq!(done.offered_at, utc("2026-03-01T00:00:05Z"));
    // More than 12 hours before the answer's reference is taken for the next day.
    let (_, done) = event(&mut c, "c4,q,2026-03-01,10:00:00,21:59:59,09:00:00,");
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("2026-03-01T21:59:59Z"))
    );
    assert_eq!(done.ended_at, Some(utc("2026-03-02T09:00:00Z")));
    // A named row width: a short row is a bad row.
    assert_eq!(read(&mut c, "c5,q,2026-03-01"), Err("bad_value:row".into()));
}

#[test]
fn a_column_plus_a_duration_and_skip_rules_on_values_and_presence() {
    let text = r##"
[csv]
header = true
channel = "chat"
[csv.columns]
call_id = "id"
queue = "queue"
outcome = "status"
[csv.empty]
queue = ["-"]
[csv.outcomes]
served = "answered"
lost = "abandoned"
[csv.times]
offered_at = "start"
answered_at = "start + wait"
abandoned_at = "start + wait"
[[csv.skip]]
reason = "test_call"
equals = { queue = ["TEST", "QA"] }
[[csv.skip]]
reason = "no_wait_recorded"
outcome = "abandoned"
present = "status"
empty = "wait"
"##;
    let mut c = csv(text);
    // With a byte-order mark, as spreadsheet exports write.
    assert_eq!(read(&mut c, "\u{feff}id,queue,status,start,wait"), Ok(None));
    let (_, done) = event(&mut c, "c1,q,served,2026-01-05 10:00:00,7");
    assert_eq!(done.channel, Channel::Chat);
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("2026-01-05T10:00:07Z"))
    );
    assert_eq!(
        read(&mut c, "c2,QA,served,2026-01-05 10:00:00,7"),
        Err("skipped:test_call".into())
    );
    assert_eq!(
        read(&mut c, "c3,q,lost,2026-01-05 10:00:00,"),
        Err("skipped:no_wait_recorded".into())
    );
    assert_eq!(
        read(&mut c, "c4,q,served,2026-01-05 10:00:00,"),
        Err("missing_field:answered_at".into())
    );
    assert_eq!(
        read(&mut c, "c5,-,served,2026-01-05 10:00:00,1"),
        Err("missing_field:queue".into())
    );
}

#[test]
fn a_direct_message_stream_without_start_file_reads_its_first_line_as_the_header() {
    let mut c = csv(BANK);
    assert_eq!(read(&mut c, HEADER), Ok(None));
    let line = bank_row(
        "990101", "9:00:00", "9:00:05", "9:00:05", "10", "AGENT", "20", "X",
    );
    assert!(read(&mut c, &line).unwrap().is_some());
}

#[test]
fn a_duration_longer_than_a_day_is_a_bad_value_of_its_column() {
    let mut c = bank();
    let ok = bank_row(
        "990101", "9:00:00", "9:00:05", "9:00:05", "10", "AGENT", "20", "X",
    );
    let day = ok.replace("\t20\t", "\t86400\t");
    let (_, done) = event(&mut c, &day);
    let answered = utc("1999-01-01T09:00:15+02:00");
    assert_eq!(done.ended_at, Some(answered + 86_400_000), "a day at most");
    for (line, reason) in [
        (ok.replace("\t20\t", "\t86401\t"), "bad_value:ser_time"),
        (ok.replace("\t10\t", "\t86401\t"), "bad_value:q_time"),
        (ok.replace("\t10\t", "\t999999999\t"), "bad_value:q_time"),
    ] {
        assert_eq!(read(&mut c, &line), Err(reason.into()), "{line}");
    }
}

#[test]
fn in_the_hour_a_dst_change_repeats_a_time_after_one_of_the_first_pass_may_be_in_the_second() {
    // Israel, 1999-09-03: 02:00 +03:00 became 01:00 +02:00, so 01:00–02:00 happened twice.
    let text = r##"
[csv]
header = false
names = ["id", "q", "status", "day", "offer", "left", "end"]
timezone = "Asia/Jerusalem"
date_format = "%Y-%m-%d"
tolerance = "2s"
[csv.columns]
call_id = "id"
queue = "q"
outcome = "status"
date = "day"
[csv.outcomes]
served = "answered"
lost = "abandoned"
[csv.times]
offered_at = "offer"
answered_at = "left"
abandoned_at = "left"
ended_at = "end"
"##;
    let mut c = csv(text);
    // Offered at 01:50 of the first pass, answered 20 minutes later at 01:10 of the second,
    // ended at 01:30 of the second.
    let (_, done) = event(&mut c, "c1,q,served,1999-09-03,01:50:00,01:10:00,01:30:00");
    assert_eq!(done.offered_at, utc("1999-09-03T01:50:00+03:00"));
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("1999-09-03T01:10:00+02:00"))
    );
    assert_eq!(done.ended_at, Some(utc("1999-09-03T01:30:00+02:00")));
    let (_, done) = event(&mut c, "c2,q,lost,1999-09-03,01:50:00,01:10:00,");
    assert_eq!(
        done.outcome,
        CompletedOutcome::Abandoned(utc("1999-09-03T01:10:00+02:00"))
    );
    // Times that follow in the first pass stay in it: the earlier instant when it is not
    // before the time it follows.
    let (_, done) = event(&mut c, "c3,q,served,1999-09-03,01:10:00,01:20:00,01:40:00");
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("1999-09-03T01:20:00+03:00"))
    );
    assert_eq!(done.ended_at, Some(utc("1999-09-03T01:40:00+03:00")));
    // A second before the offer is within the tolerance: the first pass, moved up to the
    // offer (a wait of 0), not the second pass an hour later.
    let (_, done) = event(&mut c, "c4,q,served,1999-09-03,01:50:00,01:49:59,");
    assert_eq!(
        done.outcome,
        CompletedOutcome::Answered(utc("1999-09-03T01:50:00+03:00"))
    );
}

#[test]
fn a_fresh_reader_has_the_mapping_and_headerlessness_but_none_of_the_state() {
    let line = bank_row(
        "990101", "9:00:00", "9:00:05", "9:00:05", "10", "AGENT", "20", "X",
    );
    // Headerless (Kafka): every fresh reader takes its first record as a row.
    let names: Vec<String> = HEADER.split('\t').map(|n| format!("{n:?}")).collect();
    let named = BANK.replace(
        "header = true\n",
        &format!("header = true\nnames = [{}]\n", names.join(", ")),
    );
    let mut template = csv(&named);
    template.headerless();
    let mut fresh = template.fresh();
    assert_eq!(event(&mut fresh, &line).1.call, "990101-AA0101-33116");
    assert!(fresh.needs_sorting());
    // A reader that learned its columns from a header: a fresh one has yet to read its own.
    let learned = bank();
    let mut fresh = learned.fresh();
    assert_eq!(read(&mut fresh, HEADER), Ok(None));
    assert!(read(&mut fresh, &line).unwrap().is_some());
}
