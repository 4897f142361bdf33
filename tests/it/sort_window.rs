//! A sorting CSV input (`csv.sort = true`) is sorted within `csv.sort_window`, not whole: on
//! the nine Anonymous Bank files, given in the shell's order (april first), the engine takes
//! the same events in the same order as with a window longer than the data (the whole input
//! sorted), while holding at most the events of one window; a row later than the window is
//! still taken, and counted.

use crate::support::{config, replay_files, Replayed};
use callpulse::adapter::csv::{Csv, Mapping};
use callpulse::adapter::Adapter;
use callpulse::engine::order_of;
use callpulse::time::{Granularity, Millis, HOUR};
use std::io::Write;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const BANK_MAPPING: &str = "config/mappings/anonymous-bank-1999.toml";

/// The shipped bank mapping with its `sort_window` replaced by `window`.
fn bank_adapter(window: &str) -> Adapter {
    let text = std::fs::read_to_string(root().join(BANK_MAPPING)).unwrap();
    assert!(
        text.contains("\nsort_window = \"32d\"\n"),
        "the shipped window"
    );
    let text = text.replace(
        "\nsort_window = \"32d\"\n",
        &format!("\nsort_window = \"{window}\"\n"),
    );
    Adapter::Csv(Box::new(Csv::new(
        Mapping::parse(&text).unwrap_or_else(|e| panic!("{e}")),
    )))
}

/// The nine files as `data/anonymous-bank-1999/*.txt.gz` lists them: by name, not by month.
fn bank_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("data/anonymous-bank-1999"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".txt.gz"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 9);
    assert!(files[0].ends_with("april.txt.gz"));
    files
}

fn bank_replay(window: &str) -> Replayed {
    replay_files(
        &config("[engine]\ntimezone = \"Asia/Jerusalem\""),
        &mut bank_adapter(window),
        &bank_files(),
        &[Granularity::Month, Granularity::Day],
    )
}

/// The most events whose event time lies within `window` of each other (inclusive): what a
/// window of that size can be made to hold at once.
fn most_within(events: &Replayed, window: Millis) -> usize {
    let mut times: Vec<Millis> = events.events.iter().map(|(e, _)| order_of(e).0).collect();
    times.sort_unstable();
    let mut start = 0;
    let mut most = 0;
    for end in 0..times.len() {
        while times[end] - times[start] > window {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    most
}

#[test]
fn the_bank_files_sorted_within_the_window_equal_the_whole_input_sorted_and_hold_a_month() {
    let windowed = bank_replay("32d");
    let whole = bank_replay("3650d"); // longer than the data: nothing leaves before the end
    assert_eq!(
        windowed.progress.past_window, 0,
        "no row later than 32 days"
    );
    assert_eq!(windowed.events.len(), 298_965);
    assert!(
        windowed.events == whole.events,
        "the same events in the same order"
    );
    assert_eq!(windowed.run.emitted, whole.run.emitted, "the same records");
    assert_eq!(windowed.run.stats, whole.run.stats);
    assert_eq!(windowed.run.stats.late, 0);
    assert_eq!(whole.progress.held_max, 298_965, "the whole input held");
    // The window holds at most the events of 32 days of event time: about one month of the
    // nine (the largest month has 37 067 events), not the input.
    let bound = most_within(&windowed, 32 * 24 * HOUR) as u64;
    assert!(
        windowed.progress.held_max <= bound,
        "held {} > {bound}",
        windowed.progress.held_max
    );
    assert!(bound < 298_965 / 4, "{bound}");
}

/// A comma export of five calls, one of them (c0) written after calls 10 minutes later.
const LATE_ROW: &str = "\
c1,q,2026-11-02 09:00:00,2026-11-02 09:00:10,2026-11-02 09:01:00,ANSWERED
c2,q,2026-11-02 09:01:00,2026-11-02 09:01:10,2026-11-02 09:02:00,ANSWERED
c3,q,2026-11-02 09:11:00,2026-11-02 09:11:10,2026-11-02 09:12:00,ANSWERED
c0,q,2026-11-02 08:59:00,2026-11-02 08:59:20,2026-11-02 09:00:00,ANSWERED
c4,q,2026-11-02 09:12:00,,2026-11-02 09:12:30,ABANDONED
";

fn comma_adapter(window: &str) -> Adapter {
    let text = format!(
        r##"[csv]
delimiter = ","
header = false
datetime_format = "%Y-%m-%d %H:%M:%S"
sort = true
sort_window = "{window}"
[csv.columns]
call_id = "#1"
queue = "#2"
outcome = "#6"
[csv.outcomes]
ANSWERED = "answered"
ABANDONED = "abandoned"
[csv.times]
offered_at = "#3"
answered_at = "#4"
abandoned_at = "#5"
ended_at = "#5"
"##
    );
    Adapter::Csv(Box::new(Csv::new(Mapping::parse(&text).unwrap())))
}

#[test]
fn a_row_later_than_the_window_is_still_counted_not_dropped() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(LATE_ROW.as_bytes()).unwrap();
    let cfg = config("[engine]\nlateness = \"30s\"");
    let files = [file.path()];
    // A window of 5 minutes: c3 (09:11) passes c1 and c2 on before c0 (08:59) arrives.
    let late = replay_files(&cfg, &mut comma_adapter("5m"), &files, &[Granularity::Day]);
    assert_eq!(late.progress.past_window, 1);
    let order: Vec<i64> = late.events.iter().map(|(_, o)| o.offset).collect();
    assert_eq!(
        order,
        [1, 2, 4, 3, 5],
        "c0 handed on as it came, after c1 and c2"
    );
    // A window of 15 minutes sorts it into place.
    let sorted = replay_files(&cfg, &mut comma_adapter("15m"), &files, &[Granularity::Day]);
    assert_eq!(sorted.progress.past_window, 0);
    let order: Vec<i64> = sorted.events.iter().map(|(_, o)| o.offset).collect();
    assert_eq!(order, [4, 1, 2, 3, 5]);
    // Either way the engine counts all five calls: c0 late (behind its watermark), revised.
    for replayed in [&late, &sorted] {
        assert_eq!(replayed.run.stats.read, 5);
        assert_eq!(replayed.run.stats.accepted, 5);
        let day = replayed.run.get("queue:q", "day", "2026-11-02T00:00:00Z");
        assert_eq!((day.counts.offered, day.counts.answered), (5, 4));
    }
    assert_eq!(late.run.stats.late, 1, "c0 taken late by the engine");
    assert_eq!(sorted.run.stats.late, 0);
}
