//! How long state lives: QUEUESTART ends every open call and reports Asterisk up,
//! CONFIGRELOAD leaves calls alone, and callids are forgotten 12 hours after their last line
//! so the state stays bounded.

use super::fixture::*;
use crate::adapter::queue_log::FORGET_AFTER;
use crate::time::SECOND;

#[test]
fn queuestart_ends_every_open_call_frees_its_agents_and_reports_asterisk_up() {
    let mut log = Log::default();
    log.all(&[
        l(0, "NONE|sales|PJSIP/bob|ADDMEMBER|"),
        l(0, "NONE|sales|PJSIP/alice|ADDMEMBER|"),
        l(10, "w1|sales|NONE|ENTERQUEUE||x|1"),
        l(11, "a1|sales|NONE|ENTERQUEUE||x|1"),
        l(12, "a1|sales|PJSIP/bob|CONNECT|1|c|0"),
        l(13, "a2|sales|NONE|ENTERQUEUE||x|1"),
        l(14, "a2|sales|PJSIP/alice|CONNECT|1|c|0"),
        l(15, "NONE|NONE|PJSIP/alice|PAUSE|wrapup"),
        l(16, "d1|sales|NONE|ENTERQUEUE||x|1"),
        l(17, "d1|sales|NONE|ABANDON|1|1|1"),
    ]);
    assert_eq!(
        log.ok(&l(60, "NONE|NONE|NONE|QUEUESTART|")),
        [
            "60 ended a1",
            "60 ended a2",
            "60 abandoned w1 failed",
            "60 agent PJSIP/alice not_ready [sales] wrapup",
            "60 agent PJSIP/bob available [sales]",
            "60 status asterisk up QUEUESTART",
        ]
    );
    // Closed: their late lines no longer change the adapter's attempts.
    assert_eq!(
        log.ok(&l(61, "w1|sales|NONE|ENTERQUEUE||x|1")),
        ["61 offered w1#2 sales"]
    );
    assert_eq!(
        log.ok(&l(62, "NONE|NONE|NONE|QUEUESTART|")),
        [
            "62 abandoned w1#2 failed",
            "62 status asterisk up QUEUESTART"
        ]
    );
}

#[test]
fn configreload_reports_asterisk_up_and_leaves_calls_alone() {
    let mut log = Log::default();
    log.ok(&l(0, "u1|sales|NONE|ENTERQUEUE||x|1"));
    assert_eq!(
        log.ok(&l(1, "NONE|NONE|NONE|CONFIGRELOAD|")),
        ["1 status asterisk up CONFIGRELOAD"]
    );
    assert_eq!(
        log.ok(&l(2, "u1|sales|NONE|ABANDON|1|1|2")),
        ["2 abandoned u1 caller"]
    );
}

#[test]
fn callids_are_forgotten_12_hours_after_their_last_line_so_state_stays_bounded() {
    let mut log = Log::default();
    for i in 0..100 {
        log.ok(&l(i, &format!("u{i}|sales|NONE|ENTERQUEUE||x|1")));
        log.ok(&l(i + 30, &format!("u{i}|sales|NONE|ABANDON|1|1|30")));
    }
    assert_eq!(log.0.callids_held(), 100);
    let hours_later = FORGET_AFTER / SECOND + 3_600;
    log.ok(&l(hours_later, "NONE|NONE|NONE|CONFIGRELOAD|"));
    assert_eq!(log.0.callids_held(), 0);
    // A forgotten callid starts over at its first attempt.
    assert_eq!(
        log.ok(&l(hours_later + 1, "u7|sales|NONE|ENTERQUEUE||x|1")),
        [format!("{} offered u7 sales", hours_later + 1)]
    );
}

#[test]
fn a_forgotten_answered_call_no_longer_keeps_its_agent_on_call() {
    let mut log = Log::default();
    log.all(&[
        l(0, "u1|sales|NONE|ENTERQUEUE||x|1"),
        l(1, "u1|sales|PJSIP/bob|CONNECT|1|c|0"),
    ]);
    let later = FORGET_AFTER / SECOND + 3_600;
    assert_eq!(
        log.ok(&l(later, "NONE|sales|PJSIP/bob|UNPAUSE|")),
        [format!("{later} agent PJSIP/bob available [sales]")]
    );
}

#[test]
fn an_outlier_line_far_ahead_does_not_stop_forgetting_so_state_stays_bounded() {
    let mut log = Log::default();
    log.ok(&l(0, "held|sales|NONE|ENTERQUEUE||x|1"));
    // A corrupt epoch, still before 2100 (the engine rejects it as bad_timestamp). Read at its
    // own clock, it forgets every callid held: the price of sweeping on the current line.
    log.ok("4000000000|far|sales|NONE|ENTERQUEUE||x|1");
    assert_eq!(log.0.callids_held(), 1, "only the outlier's own callid");
    // 14 hours of ordinary callers, one a minute, each abandoning after 30 s.
    let minutes = 14 * 60;
    let mut most = 0;
    for i in 0..minutes {
        let t = 60 + i * 60;
        log.ok(&l(t, &format!("u{i}|sales|NONE|ENTERQUEUE||x|1")));
        log.ok(&l(t + 30, &format!("u{i}|sales|NONE|ABANDON|1|1|30")));
        most = most.max(log.0.callids_held());
    }
    // 12 h of callers plus one sweep period (10 min) at most, never all 840 of them.
    assert!(most <= 12 * 60 + 10 + 1, "{most} callids held");
    assert!(log.0.callids_held() <= 12 * 60 + 10);
    // The outlier's callid, last seen "in 2096", was forgotten too: entering again is a new
    // offer, not an overflow of an attempt still waiting.
    let t = 60 + minutes * 60;
    assert_eq!(
        log.ok(&l(t, "far|sales|NONE|ENTERQUEUE||x|1")),
        [format!("{t} offered far sales")]
    );
}

#[test]
fn queuestart_forgets_attempts_never_seen_entering_a_queue_without_ending_them() {
    let mut log = Log::default();
    log.all(&[
        l(0, "NONE|sales|PJSIP/bob|ADDMEMBER|"),
        // Callids that entered their queue before the log begins: a ring, an answer.
        l(1, "r1|sales|PJSIP/bob|RINGNOANSWER|1000"),
        l(2, "c1|sales|PJSIP/bob|CONNECT|20|c|2"),
        l(3, "w1|sales|NONE|ENTERQUEUE||x|1"),
    ]);
    assert_eq!(log.0.callids_held(), 3);
    // Only w1 was offered: only w1 ends. The agent on c1 is freed all the same.
    assert_eq!(
        log.ok(&l(60, "NONE|NONE|NONE|QUEUESTART|")),
        [
            "60 abandoned w1 failed",
            "60 agent PJSIP/bob available [sales]",
            "60 status asterisk up QUEUESTART",
        ]
    );
    assert_eq!(log.0.callids_held(), 1);
    // Forgotten, r1 starts over at its first attempt; w1, closed, at its second.
    assert_eq!(
        log.ok(&l(61, "r1|sales|NONE|ENTERQUEUE||x|1")),
        ["61 offered r1 sales"]
    );
    assert_eq!(
        log.ok(&l(62, "w1|sales|NONE|ENTERQUEUE||x|1")),
        ["62 offered w1#2 sales"]
    );
}

#[test]
fn queuestart_does_not_end_an_unoffered_attempt_that_overflowed_into_a_queue() {
    let mut log = Log::default();
    // The ring shows a caller that entered support before the log; its ENTERQUEUE into
    // sales is an overflow of that attempt, never an offer the engine has.
    log.ok(&l(0, "o1|support|PJSIP/bob|RINGNOANSWER|1000"));
    assert_eq!(
        log.ok(&l(5, "o1|sales|NONE|ENTERQUEUE||x|1")),
        ["5 overflow o1 sales"]
    );
    assert_eq!(
        log.ok(&l(60, "NONE|NONE|NONE|QUEUESTART|")),
        ["60 status asterisk up QUEUESTART"]
    );
}
