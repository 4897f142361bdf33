//! Rows of the Anonymous Bank layout: served, abandoned and direct calls, absent values,
//! midnight, outcomes, skip rules, merged fields, every rejection, headers.

use super::fixture::*;
use crate::adapter::csv::*;
use crate::event::{Channel, CompletedOutcome};

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
