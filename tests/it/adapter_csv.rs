//! The CSV/TSV input adapter: a fixture with every quirk of the Anonymous Bank files through
//! the adapter and the engine with hand-computed KPIs, a headerless comma export, every
//! mapping file shipped, and the nine real Anonymous Bank files.

use crate::support::{config, replay_files, Replayed};
use callpulse::adapter::csv::{Csv, Mapping};
use callpulse::adapter::Adapter;
use callpulse::record::PeriodRecord;
use callpulse::time::{seconds, Granularity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mapping(path: &Path) -> Mapping {
    Mapping::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Replays `files` through `adapter` with the configuration `cfg`, as `callpulse replay` does
/// (sorted by event time when the mapping says the export is not in time order).
fn replay(adapter: &mut Adapter, files: &[PathBuf], cfg: &str, g: &[Granularity]) -> Replayed {
    replay_files(&config(cfg), adapter, files, g)
}

/// The records the adapter rejected: (reason, line).
fn rejected_lines(replayed: &Replayed) -> Vec<(String, i64)> {
    replayed
        .rejected
        .iter()
        .map(|(reason, origin)| (reason.to_string(), origin.offset))
        .collect()
}

#[test]
fn every_mapping_file_under_config_mappings_loads() {
    let dir = root().join("config/mappings");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            mapping(&path);
            loaded += 1;
        }
    }
    assert!(loaded >= 1, "no mapping in {}", dir.display());
    mapping(&root().join("tests/fixtures/csv/calls-positions.toml"));
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/csv").join(name)
}

/// (offered, answered, answered within 20 s, abandoned, wait of answered calls in seconds)
fn calls(r: &PeriodRecord) -> (u64, u64, u64, u64, f64) {
    (
        r.counts.offered,
        r.counts.answered,
        r.counts.answered_within,
        r.counts.abandoned,
        seconds(r.counts.wait_ms),
    )
}

/// (conversations ended in the period, their talk seconds)
fn handled(r: &PeriodRecord) -> (u64, f64) {
    (r.handled, r.talk_seconds_sum)
}

#[test]
fn the_bank_fixture_with_every_quirk_gives_hand_computed_kpis_per_queue_and_day() {
    let m = mapping(&root().join("config/mappings/anonymous-bank-1999.toml"));
    let mut adapter = Adapter::Csv(Box::new(Csv::new(m)));
    let files = [fixture("bank-1999-03.tsv"), fixture("bank-1999-04.tsv")];
    let replayed = replay(
        &mut adapter,
        &files,
        "[engine]\ntimezone = \"Asia/Jerusalem\"",
        &[Granularity::Day, Granularity::Month],
    );
    assert_eq!(
        replayed.data_records(),
        22,
        "data rows of both files, headers excluded"
    );
    assert_eq!(replayed.progress.records, 22 + 2, "and the two headers");
    assert_eq!(
        rejected_lines(&replayed),
        [
            ("skipped:ivr_only".to_string(), 7),        // HANG, never queued
            ("skipped:outcome_phantom".to_string(), 8), // PHANTOM
            ("skipped:ivr_only".to_string(), 12),       // merged "0       TT", never queued
            ("skipped:ivr_only".to_string(), 13),       // type AA, never queued
            ("bad_timestamp".to_string(), 14),          // q_start 11:6x:05
            ("bad_value:row".to_string(), 15),          // 8 fields of 17
            ("skipped:outcome_phantom".to_string(), 22),
        ]
    );
    let run = replayed.run;
    let s = &run.stats;
    assert_eq!((s.read, s.accepted, s.rejected_total()), (22, 15, 7));
    assert_eq!(s.accepted + s.rejected_total(), s.read);
    assert_eq!(
        s.duplicates, 0,
        "the April call 33001 of AA0101 is not the March one"
    );
    assert_eq!(run.rejected("skipped:ivr_only"), 3);
    assert_eq!(run.rejected("skipped:outcome_phantom"), 2);
    // The replay sorts the export by the engine's event order, a completed call at its offer:
    // nothing arrives late. (Sorted by `ts`, the time of a row's last step, two calls did.)
    assert_eq!((s.late, s.revisions), (0, 0));

    let day = |who: &str, date: &str| run.get(who, "day", &format!("{date}T00:00:00+02:00"));
    // 15 March. PS: waits 10 and 30 s answered, 60 s abandoned, and the call queued at
    // 23:59:50 answered at 00:00:15 (25 s), counted on the day of its offer.
    let ps = day("queue:PS", "1999-03-15");
    assert_eq!(calls(&ps), (4, 3, 1, 1, 65.0));
    assert_eq!(ps.abandon_wait_seconds_sum, 60.0);
    assert_eq!(ps.service_level, Some(0.25));
    assert_eq!(
        handled(&ps),
        (2, 360.0),
        "the 23:59:50 call ended on the 16th"
    );
    // NW: two calls put straight through to an agent (wait 0, one with NO_SERVER), and a
    // conversation from 23:50:17 to 00:10:17.
    let nw = day("queue:NW", "1999-03-15");
    assert_eq!(calls(&nw), (3, 3, 3, 0, 10.0));
    assert_eq!(handled(&nw), (2, 240.0));
    // TT: the merged row (wait 5 s, 300 s talk) and the " TT" row (abandoned after 40 s).
    let tt = day("queue:TT", "1999-03-15");
    assert_eq!(calls(&tt), (2, 1, 1, 1, 5.0));
    assert_eq!(handled(&tt), (1, 300.0));
    assert_eq!(calls(&day("center", "1999-03-15")), (9, 7, 5, 2, 80.0));

    // 16 March. PS: wait 20 s (within), the call whose VRU entry was 23:59:55 on the 15th
    // but queued at 00:00:02 (abandoned after 10 s), the 8.4-hour conversation (wait 10 s).
    let ps = day("queue:PS", "1999-03-16");
    assert_eq!(calls(&ps), (3, 2, 2, 1, 30.0));
    assert_eq!(ps.abandoned_within_threshold, 1);
    assert_eq!(handled(&ps), (3, 120.0 + 30_238.0 + 300.0));
    // NW: queued at 07:57:00, three minutes before its VRU entry (clock jitter), wait 30 s;
    // a hang-up with q_time 0; the conversation that crossed midnight ends here.
    let nw = day("queue:NW", "1999-03-16");
    assert_eq!(calls(&nw), (2, 1, 0, 1, 30.0));
    assert_eq!(handled(&nw), (2, 300.0 + 1_200.0));
    assert!(
        !run.finals()
            .keys()
            .any(|(who, _, start)| who == "queue:TT" && start.starts_with("1999-03-16")),
        "the only TT row of the 16th is a phantom"
    );

    let month = |who: &str, start: &str| run.get(who, "month", start);
    let march = month("queue:PS", "1999-03-01T00:00:00+02:00");
    assert_eq!(calls(&march), (7, 5, 3, 2, 95.0));
    assert_eq!(march.service_level, Some(3.0 / 7.0));
    // The April call repeats the vru+line and call_id of a March call: a call of its own.
    let april = month("queue:PS", "1999-04-01T00:00:00+02:00");
    assert_eq!(calls(&april), (1, 1, 1, 0, 12.0));
    assert_eq!(handled(&april), (1, 180.0));
}

#[test]
fn a_headerless_comma_export_by_position_with_datetimes_and_end_times() {
    let m = mapping(&fixture("calls-positions.toml"));
    let mut adapter = Adapter::Csv(Box::new(Csv::new(m)));
    assert!(!adapter.needs_sorting());
    let replayed = replay(
        &mut adapter,
        &[fixture("calls-positions.csv")],
        "[engine]\ntimezone = \"Asia/Shanghai\"",
        &[Granularity::Interval],
    );
    assert_eq!(
        rejected_lines(&replayed),
        [
            ("missing_field:abandoned_at".to_string(), 5),
            ("skipped:outcome_test".to_string(), 6),
            ("inconsistent_times".to_string(), 7), // answered a minute before the start
            ("bad_timestamp".to_string(), 9),      // 2026-11-02T09:11:00
        ]
    );
    let agents: Vec<Option<String>> = replayed
        .events
        .iter()
        .map(|(e, _)| match &e.body {
            callpulse::event::Body::Completed(c) => c.agent.as_ref().map(|a| a.to_string()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(agents[1].as_deref(), Some(r#"Li "Lucky" Wei"#));
    let run = replayed.run;
    assert_eq!((run.stats.read, run.stats.accepted), (9, 5));
    let at = "2026-11-02T09:00:00+08:00";
    let sales = run.get("queue:Sales, VIP", "interval", at);
    assert_eq!(calls(&sales), (3, 2, 1, 1, 60.0));
    assert_eq!(sales.abandoned_within_threshold, 1);
    assert_eq!(sales.aht_seconds, Some(180.0));
    // c8's answer, a second before its start, is within the tolerance: a wait of 0.
    let support = run.get("queue:Support", "interval", at);
    assert_eq!(calls(&support), (2, 2, 2, 0, 20.0));
    assert_eq!(support.aht_seconds, Some(90.0));
}

/// Per month: data rows (the header excluded), rows skipped as PHANTOM, rows skipped as
/// hang-ups that never left the IVR. Every other row gives an event.
const BANK_EXPECTED: [(&str, u64, u64, u64); 9] = [
    ("january", 31_599, 240, 1_198),
    ("february", 33_344, 278, 1_941),
    ("march", 38_801, 407, 1_943),
    ("april", 32_036, 305, 2_454),
    ("may", 39_553, 418, 2_068),
    ("june", 37_935, 322, 1_755),
    ("july", 39_022, 378, 2_218),
    ("september", 31_371, 163, 1_575),
    ("october", 34_625, 147, 1_511),
];

#[test]
fn the_nine_anonymous_bank_files_give_an_event_or_an_expected_skip_for_every_row() {
    let dir = &root().join("data/anonymous-bank-1999");
    let m = mapping(&root().join("config/mappings/anonymous-bank-1999.toml"));
    // One thread per month: the files are independent streams.
    let months: Vec<(u64, BTreeMap<String, u64>, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = BANK_EXPECTED
            .iter()
            .map(|(month, ..)| {
                let m = m.clone();
                scope.spawn(move || {
                    let mut adapter = Adapter::Csv(Box::new(Csv::new(m)));
                    let replayed = replay(
                        &mut adapter,
                        &[dir.join(format!("{month}.txt.gz"))],
                        "[engine]\ntimezone = \"Asia/Jerusalem\"",
                        &[Granularity::Month],
                    );
                    (
                        replayed.data_records(),
                        replayed.rejected_by_reason(),
                        replayed.events.len() as u64,
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut total = 0;
    for ((month, rows, phantom, ivr), (read, reasons, events)) in BANK_EXPECTED.iter().zip(months) {
        let expected = BTreeMap::from([
            ("skipped:ivr_only".to_string(), *ivr),
            ("skipped:outcome_phantom".to_string(), *phantom),
        ]);
        assert_eq!(reasons, expected, "{month}");
        assert_eq!(read, *rows, "{month}");
        assert_eq!(
            events + phantom + ivr,
            read,
            "{month}: one event per other row"
        );
        total += read;
    }
    assert_eq!(total, 318_286);
}
