//! Bad argument values: one line naming the value, exit 2, before anything runs.

use super::{callpulse, stderr};

#[test]
fn a_bad_argument_exits_2_with_one_line_naming_the_value() {
    let out = callpulse(&["replay", "--period", "week", "x.jsonl"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("'week'"), "{err}");
}

#[test]
fn simulate_refuses_a_start_without_an_offset() {
    let out = callpulse(&["simulate", "--start", "2026-11-02T00:00:00"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("RFC 3339"), "{}", stderr(&out));
}

#[test]
fn a_bad_listen_address_is_a_usage_error() {
    let out = callpulse(&["demo", "--listen", "localhost"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("'localhost'"), "{err}");
}

/// Values are checked where the arguments are parsed: one line naming the value, exit 2,
/// before any configuration is read or anything is started.
#[test]
fn a_bad_value_of_a_checked_option_exits_2_naming_it() {
    for (args, value, says) in [
        (
            &["produce", "--rate=-1", "-"][..],
            "'-1'",
            "events per second",
        ),
        (
            &["produce", "--rate", "NaN", "-"][..],
            "'NaN'",
            "events per second",
        ),
        (
            &[
                "simulate",
                "--brokers",
                "b:9092",
                "--topic",
                "t",
                "--rate",
                "inf",
            ][..],
            "'inf'",
            "events per second",
        ),
        (&["simulate", "--hours", "0"][..], "'0'", "at most 9600"),
        (
            &["simulate", "--hours", "9601"][..],
            "'9601'",
            "at most 9600",
        ),
        (&["demo", "--backfill", "2x"][..], "'2x'", "--backfill"),
        (
            &["run", "--listen", ":9898"][..],
            "':9898'",
            "127.0.0.1:9898",
        ),
    ] {
        let out = callpulse(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("callpulse: "), "{err}");
        assert!(err.contains(value) && err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn an_unknown_input_format_is_a_usage_error() {
    let out = callpulse(&["replay", "--input-format", "xml", "-"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("xml"), "{}", stderr(&out));
}
