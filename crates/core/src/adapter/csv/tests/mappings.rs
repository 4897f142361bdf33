//! Other mappings: columns by position without a header, date-times and end times, times out
//! of order, times of day past midnight, durations, skip rules on values and presence, a
//! direct message stream, DST, and a fresh reader's state.

use super::fixture::*;
use crate::event::{Channel, CompletedOutcome};

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
