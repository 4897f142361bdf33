//! The Asterisk queue_log adapter end to end: a rotated log, `tests/fixtures/queue_log/`
//! (`queue_log.1`, then `queue_log`, read as one stream), through `Adapter::QueueLog` and the
//! engine, to hand-computed KPIs. Time zone UTC, 2026-11-02 09:00–10:00
//! (09:00:00Z = epoch 1793610000); threshold 20 s.
//!
//! The story of the log. Asterisk 1.4 wrote it (1.4 layouts: `ENTERQUEUE url|callerid`,
//! `CONNECT holdtime|bridged`, `EXITWITHTIMEOUT position`, `EXITWITHKEY key|position`,
//! `TRANSFER` without origposition, `PAUSEALL`) until it restarted at 09:31:00 (`QUEUESTART`)
//! with two calls open; the newer version it came back as writes the 1.6+/13+ layouts
//! (`CONNECT …|ringtime`, `ENTERQUEUE …|position`, `RINGCANCELED`, `BLINDTRANSFER`,
//! `ATTENDEDTRANSFER`, `WITHDRAW`, `PAUSE` with queue `NONE`). The log rotated at 09:15,
//! while C9 waited: its `ENTERQUEUE` is the last line of `queue_log.1`, its `CONNECT` the
//! first of `queue_log`. Agents: alice (sales + support), bob (sales), dave (sales +
//! support), Agent/1003 (a 1.4 agent channel, support).
//!
//! Calls (wait = answer or exit − entry into that queue):
//!
//! | call | queue | entered | outcome | wait (s) |
//! |---|---|---|---|---|
//! | C1 `…030.12` | sales | 09:00:30 | answered by alice, completed 09:04:42 | 12 |
//! | C2 `…120.21` | support | 09:02:00 | answered by Agent/1003, completed 09:07:25 | 25 |
//! | C3 `…180.31` | sales | 09:03:00 | `ABANDON` | 35 |
//! | C4 `…300.44` | support | 09:05:00 | `EXITWITHTIMEOUT` (1.4) → timed out | 60 |
//! | C4#2 | sales | 09:06:01 | the same caller queued again: answered by bob, `TRANSFER` | 15 |
//! | C5 `…480.51` | sales | 09:08:00 | `EXITWITHKEY` (1.4) → abandoned | 40 |
//! | C7 `…720.61` | support | 09:12:00 | `EXITEMPTY` (alice, dave paused, 1003 off) → timed out | 3 |
//! | C8 `…780.71` | sales | 09:13:00 | `SYSCOMPAT` → timed out (failed) | 10 |
//! | C9 `…890.81` | sales | 09:14:50 | across the rotation: answered by bob 09:15:08, completed | 18 |
//! | C10 `…1020.91` | support | 09:17:00 | `ABANDON` | 5 |
//! | C11 `…1080.101` | support | 09:18:00 | answered by dave, completed | 27 |
//! | C12 `…1740.131` | sales | 09:29:00 | answered by alice 09:29:07, ended by the restart 09:31:00 | 7 |
//! | C13 `…1830.141` | support | 09:30:30 | waiting at the restart → timed out (failed) | 30 |
//! | C14 `…1920.201` | sales | 09:32:00 | answered by alice, `BLINDTRANSFER` | 16 |
//! | C15 `…1980.211` | support | 09:33:00 | `EXITWITHTIMEOUT` (new layout) → timed out | 60 |
//! | C16 `…2160.221` | sales | 09:36:00 | `EXITWITHKEY` (new layout) → abandoned | 9 |
//! | C17 `…2220.231` | sales | 09:37:00 | `WITHDRAW` → timed out | 50 |
//! | C18 `…2280.241` | support | 09:38:00 | `RINGCANCELED`, `ABANDON` | 24 |
//! | C19 `…2400.251` | support → sales | 09:40:00 | a second `ENTERQUEUE` at 09:40:30 while waiting (its exit line lost): overflow to sales; answered by bob 09:40:40, `ATTENDEDTRANSFER` | 10 in sales, 40 center |
//! | C20 `…2760.271` | sales | 09:46:00 | answered by dave after exactly 20 s, completed | 20 |
//!
//! - **sales**: offered 12 (C1, C3, C4#2, C5, C8, C9, C12, C14, C16, C17, C19 by overflow,
//!   C20); answered 7, all within 20 s; abandoned 3 (C3, C5, C16); timed out 2 (C8, C17);
//!   ASA (12+15+18+7+16+10+20)/7 = 98/7 = 14 s; transferred 3 (C4#2, C14, C19); handled 7.
//! - **support**: offered 9 (C2, C4, C7, C10, C11, C13, C15, C18, C19); answered 2, none
//!   within 20 s; abandoned 2 (C10, C18); timed out 4 (C4, C7, C13, C15); flowed out 1 (C19);
//!   ASA (25+27)/2 = 26 s; transferred 0; handled 2.
//! - **center**: each call once, at its first offer: 20 (21 queue offers − C19 counted in both);
//!   answered 9; within 20 s 6 (C19 waited 40 s from its first offer); abandoned 5; timed out
//!   6; ASA (98 − 10 + 40 + 25 + 27)/9 = 180/9 = 20 s; transferred 3; handled 9.
//!
//! Lines rejected by the adapter (7): `skipped:did`, `skipped:agentcalled`,
//! `skipped:info`, `skipped:agentdump`, a garbage line (`missing_field:event`), a bad epoch
//! (`bad_timestamp`), a custom verb (`unknown_type`). The engine rejects one event more: the
//! `COMPLETECALLER` at 09:00:02 of a call that entered its queue before the log begins
//! (`no_offer`). Events: 43 from `queue_log.1` and 59 from `queue_log` (counted line by line
//! in the fixture); duplicates 4 (a `PAUSEALL` with its two per-queue `PAUSE` lines states
//! the same `agent.state` three times, and so does the `UNPAUSEALL`).
//!
//! Agent time (one state per agent, credited to each of its queues): alice paused
//! 09:11:30–09:15:30 (240 s), dave in support only 09:11:40–09:16:40 (300 s, not ready in
//! sales too), bob 09:45–09:50 (300 s). dave was a member 09:00:20–09:55:00 (3,280 s), on
//! calls 240 + 180 s: available 3,280 − 420 − 300 = 2,560 s.

use crate::support::{config, replay_files, Replayed};
use callpulse::adapter::queue_log::QueueLog;
use callpulse::adapter::Adapter;
use callpulse::reject::RejectReason;
use callpulse::time::{seconds, Granularity};

const DAY: &str = "2026-11-02T00:00:00Z";

/// The replay of the fixture (`queue_log.1`, then `queue_log`), as `callpulse replay` does.
fn replay() -> Replayed {
    let files = ["queue_log.1", "queue_log"].map(|name| {
        format!(
            "{}/tests/fixtures/queue_log/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    replay_files(
        &config(""),
        &mut Adapter::QueueLog(QueueLog::new()),
        &files,
        &[Granularity::Interval, Granularity::Day],
    )
}

#[test]
fn the_rotated_log_gives_the_hand_computed_kpis_of_each_queue_and_the_center() {
    let r = replay().run;
    // (offered, answered, within 20 s, abandoned, timed out, transferred, handled)
    let expected = [
        ("queue:sales", (12, 7, 7, 3, 2, 3, 7), 14.0),
        ("queue:support", (9, 2, 0, 2, 4, 0, 2), 26.0),
        ("center", (20, 9, 6, 5, 6, 3, 9), 20.0),
    ];
    for (who, counts, asa) in expected {
        let d = r.get(who, "day", DAY);
        assert_eq!(
            (
                d.counts.offered,
                d.counts.answered,
                d.counts.answered_within,
                d.counts.abandoned,
                d.timed_out,
                d.transferred,
                d.handled
            ),
            counts,
            "{who}"
        );
        assert_eq!(d.asa_seconds, Some(asa), "{who}");
        assert_eq!(d.threshold_seconds, 20.0);
    }
    let sales = r.get("queue:sales", "day", DAY);
    let support = r.get("queue:support", "day", DAY);
    assert_eq!((sales.flowed_in, sales.flowed_out), (1, 0));
    assert_eq!((support.flowed_in, support.flowed_out), (0, 1));
    let center = r.get("center", "day", DAY);
    assert_eq!(center.service_level, Some(0.3));
    assert_eq!(center.answer_rate, Some(0.45));
    assert_eq!(center.abandon_rate, Some(0.25));
    // Unanswered waits: the system's (C4 60, C7 3, C8 10, C13 30, C15 60, C17 50) and the
    // callers' (C3 35, C5 40, C10 5, C16 9, C18 24).
    assert_eq!(center.timed_out_wait_seconds_sum, 213.0);
    assert_eq!(center.abandon_wait_seconds_sum, 113.0);
}

#[test]
fn a_call_across_the_rotation_counts_in_the_interval_of_its_entry() {
    let r = replay().run;
    // sales, 09:00–09:15: C1, C3, C4#2, C5, C8 and C9, whose answer is in the newer file.
    let first = r.get("queue:sales", "interval", "2026-11-02T09:00:00Z");
    assert_eq!(
        (
            first.counts.offered,
            first.counts.answered,
            first.counts.abandoned,
            first.timed_out
        ),
        (6, 3, 2, 1)
    );
    assert_eq!(seconds(first.counts.wait_ms), 12.0 + 15.0 + 18.0);
    let next = r.get("queue:sales", "interval", "2026-11-02T09:15:00Z");
    assert_eq!(
        (next.counts.offered, next.counts.answered),
        (1, 1),
        "C12 only"
    );
}

#[test]
fn the_restart_ends_the_open_calls_at_its_instant() {
    let r = replay().run;
    // Handle time counts where the conversation ended: in sales, 09:30–09:45, C12 (answered
    // 09:29:07, ended by the restart at 09:31:00: 113 s), C14 (180 s) and C19 (240 s).
    let sales = r.get("queue:sales", "interval", "2026-11-02T09:30:00Z");
    assert_eq!(sales.handled, 3);
    assert_eq!(sales.talk_seconds_sum, 113.0 + 180.0 + 240.0);
    // support, 09:30–09:45: C13 entered at 09:30:30 and was still waiting at 09:31:00: timed
    // out (failed), not abandoned; then C15 timed out, C18 abandoned, C19 flowed out.
    let support = r.get("queue:support", "interval", "2026-11-02T09:30:00Z");
    assert_eq!(
        (
            support.counts.offered,
            support.timed_out,
            support.counts.abandoned,
            support.flowed_out
        ),
        (4, 2, 1, 1)
    );
    assert_eq!(support.timed_out_wait_seconds_sum, 30.0 + 60.0);
}

#[test]
fn rejected_and_skipped_lines_are_counted_by_reason_and_every_event_is_accounted_for() {
    let replayed = replay();
    let r = &replayed.run;
    for (reason, n) in [
        ("skipped:did", 1),
        ("skipped:agentcalled", 1),
        ("skipped:info", 1),
        ("skipped:agentdump", 1),
        ("missing_field:event", 1),
        ("bad_timestamp", 1),
        ("unknown_type", 1),
        ("no_offer", 1),
    ] {
        assert_eq!(r.rejected(reason), n, "{reason}");
    }
    assert_eq!(r.stats.rejected_total(), 8);
    assert_eq!(replayed.progress.records, 38 + 44);
    assert_eq!(replayed.events_per_file, [43, 59]);
    assert_eq!(
        r.stats.read,
        43 + 59 + 7,
        "every event and every rejected line"
    );
    assert_eq!(r.stats.accepted + r.stats.rejected_total(), r.stats.read);
    assert_eq!(r.stats.duplicates, 4);
    assert_eq!((r.stats.late, r.stats.revisions), (0, 0));
    // The no_offer is the end of a call that entered its queue before the log begins:
    // queue_log.1, line 2, kept as the canonical event the adapter made of it.
    let no_offer: Vec<_> = r
        .rejections
        .iter()
        .filter(|x| x.reason == RejectReason::NoOffer)
        .collect();
    assert_eq!(
        (no_offer[0].origin.source, no_offer[0].origin.offset),
        (0, 2)
    );
    let kept = String::from_utf8_lossy(&no_offer[0].bytes);
    assert!(kept.contains(r#""call_id":"1793609800.5""#), "{kept}");
    // Lines rejected by the adapter are kept as they were read.
    let garbage = r
        .rejections
        .iter()
        .find(|x| x.reason == RejectReason::MissingField("event"))
        .unwrap();
    assert_eq!(garbage.bytes, b"queue_log: write error, line lost");
}

#[test]
fn agents_in_two_queues_who_pause_are_not_ready_in_each_of_their_queues() {
    let r = replay().run;
    let dave = r.get("agent:PJSIP/dave", "day", DAY);
    assert_eq!(dave.agent_available_seconds, 2560.0);
    assert_eq!(dave.agent_on_call_seconds, 420.0);
    assert_eq!(dave.agent_not_ready_seconds, 300.0);
    let alice = r.get("agent:PJSIP/alice", "day", DAY);
    assert_eq!(alice.agent_not_ready_seconds, 240.0);
    // On calls: C1 240 s, C12 113 s (to the restart), C14 180 s.
    assert_eq!(alice.agent_on_call_seconds, 533.0);
    // sales: alice 240 + dave 300 + bob 300; support: alice 240 + dave 300.
    assert_eq!(
        r.get("queue:sales", "day", DAY).agent_not_ready_seconds,
        840.0
    );
    assert_eq!(
        r.get("queue:support", "day", DAY).agent_not_ready_seconds,
        540.0
    );
    assert_eq!(r.get("center", "day", DAY).agent_not_ready_seconds, 840.0);
}

/// Replays one queue_log written from `lines` (a temporary file) through the adapter and the
/// engine, as `callpulse replay` does.
fn replay_lines(lines: &[String]) -> Replayed {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue_log");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    replay_files(
        &config(""),
        &mut Adapter::QueueLog(QueueLog::new()),
        &[path],
        &[Granularity::Day],
    )
}

/// A line at `secs` seconds after 2026-11-02T09:00:00Z.
fn at(secs: i64, rest: &str) -> String {
    format!("{}|{rest}", 1_793_610_000 + secs)
}

#[test]
fn a_restart_ends_no_call_the_engine_was_never_offered_so_it_causes_no_no_offer() {
    let r = replay_lines(&[
        at(0, "NONE|sales|PJSIP/bob|ADDMEMBER|"),
        at(0, "NONE|sales|PJSIP/alice|ADDMEMBER|"),
        // Callers that entered their queue before the log begins: a ring, an answer.
        at(1, "r1|sales|PJSIP/bob|RINGNOANSWER|1000"),
        at(2, "c1|sales|PJSIP/alice|CONNECT|20|c|0"),
        at(3, "w1|sales|NONE|ENTERQUEUE||x|1"),
        at(60, "NONE|NONE|NONE|QUEUESTART|"),
    ])
    .run;
    // The ring and the answer are the engine's to reject; the restart (line 6) adds nothing.
    let no_offer: Vec<i64> = r
        .rejections
        .iter()
        .filter(|x| x.reason == RejectReason::NoOffer)
        .map(|x| x.origin.offset)
        .collect();
    assert!(!no_offer.is_empty());
    assert!(!no_offer.contains(&6), "no_offer at lines {no_offer:?}");
    assert_eq!(no_offer.iter().filter(|&&line| line >= 5).count(), 0);
    // w1, offered, ends at the restart: timed out (failed).
    let sales = r.get("queue:sales", "day", DAY);
    assert_eq!(
        (sales.counts.offered, sales.timed_out, sales.counts.answered),
        (1, 1, 0)
    );
}

#[test]
fn a_line_with_a_far_future_epoch_is_rejected_by_the_engine_and_the_callers_after_it_count() {
    let mut lines = vec![
        at(0, "u0|sales|NONE|ENTERQUEUE||x|1"),
        // 2096-10-02: a valid epoch for the adapter, a jump the engine refuses.
        "4000000000|NONE|NONE|NONE|CONFIGRELOAD|".to_string(),
        // The adapter forgot u0 at the outlier; its answer still names the call u0.
        at(10, "u0|sales|PJSIP/bob|CONNECT|10|c|0"),
    ];
    for i in 1..=3 {
        lines.push(at(i * 60, &format!("u{i}|sales|NONE|ENTERQUEUE||x|1")));
        lines.push(at(i * 60 + 5, &format!("u{i}|sales|NONE|ABANDON|1|1|5")));
    }
    let r = replay_lines(&lines).run;
    assert_eq!(r.rejected("bad_timestamp"), 1);
    assert_eq!(r.stats.rejected_total(), 1);
    let sales = r.get("queue:sales", "day", DAY);
    assert_eq!(
        (
            sales.counts.offered,
            sales.counts.answered,
            sales.counts.abandoned
        ),
        (4, 1, 3)
    );
}
