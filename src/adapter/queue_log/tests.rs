//! The mapping of every queue_log verb, both version layouts, and every rejection, through
//! [`QueueLog::read`]. Times are seconds after 2026-11-02T09:00:00Z (epoch 1793610000).

use super::{QueueLog, FORGET_AFTER};
use crate::event::{Body, Event};
use crate::reject::RejectReason;
use crate::time::SECOND;

const T0: i64 = 1_793_610_000;

/// A line at `secs` seconds after T0: `rest` is everything after the epoch.
fn l(secs: i64, rest: &str) -> String {
    format!("{}|{rest}", T0 + secs)
}

/// One event as `<seconds after T0> <what>`.
fn show(e: &Event) -> String {
    let what = match &e.body {
        Body::Offered {
            call,
            queue,
            customer,
            priority,
            ..
        } => {
            assert_eq!((customer, priority), (&None, &None));
            format!("offered {call} {queue}")
        }
        Body::Ringing { call, agent } => format!("ringing {call} {agent}"),
        Body::Answered { call, agent } => format!("answered {call} {agent}"),
        Body::Abandoned { call, cause } => format!("abandoned {call} {}", cause.name()),
        Body::Transferred { call, to_queue } => match to_queue {
            Some(q) => format!("overflow {call} {q}"),
            None => format!("transferred {call}"),
        },
        Body::Ended { call, resolved } => {
            assert_eq!(*resolved, None);
            format!("ended {call}")
        }
        Body::AgentState {
            agent,
            state,
            queues,
        } => format!("agent {agent} {} [{}]", state.name(), queues.join(",")),
        Body::SystemStatus {
            component,
            up,
            reason,
        } => format!(
            "status {component} {} {}",
            if *up { "up" } else { "down" },
            reason.as_deref().unwrap_or("-")
        ),
        other => panic!("the adapter never emits {other:?}"),
    };
    assert_eq!(e.event_id, None);
    let ms = e.ts - T0 * SECOND;
    if ms % SECOND == 0 {
        format!("{} {what}", ms / SECOND)
    } else {
        format!("{} {what}", ms as f64 / 1000.0)
    }
}

#[derive(Default)]
struct Log(QueueLog);

impl Log {
    fn read(&mut self, line: &str) -> Result<Vec<String>, RejectReason> {
        let mut out = Vec::new();
        let got = self.0.read(line.as_bytes(), &mut out);
        if got.is_err() {
            assert!(out.is_empty(), "a rejected line appends nothing: {out:?}");
        }
        got.map(|()| out.iter().map(show).collect())
    }

    fn ok(&mut self, line: &str) -> Vec<String> {
        self.read(line)
            .unwrap_or_else(|r| panic!("{line} rejected as {r}"))
    }

    fn all(&mut self, lines: &[String]) -> Vec<String> {
        lines.iter().flat_map(|line| self.ok(line)).collect()
    }
}

#[test]
fn enterqueue_is_an_offer_in_both_layouts_without_the_caller_id() {
    let mut log = Log::default();
    // 1.4: url|callerid; 1.6+: url|callerid|position.
    assert_eq!(
        log.ok(&l(0, "u1|sales|NONE|ENTERQUEUE||13800138000")),
        ["0 offered u1 sales"]
    );
    assert_eq!(
        log.ok(&l(1, "u2|support|NONE|ENTERQUEUE||13800138000|3")),
        ["1 offered u2 support"]
    );
}

#[test]
fn connect_of_asterisk_1_6_rings_ringtime_seconds_before_the_answer_and_puts_the_agent_on_call() {
    let mut log = Log::default();
    log.ok(&l(0, "u1|sales|NONE|ENTERQUEUE||x|1"));
    assert_eq!(
        log.ok(&l(12, "u1|sales|PJSIP/bob|CONNECT|12|1793610012.7|4")),
        [
            "8 ringing u1 PJSIP/bob",
            "12 answered u1 PJSIP/bob",
            "12 agent PJSIP/bob on_call [sales]"
        ]
    );
}

#[test]
fn connect_of_asterisk_1_4_without_ringtime_answers_without_a_ring() {
    let mut log = Log::default();
    log.ok(&l(0, "u1|sales|NONE|ENTERQUEUE||x"));
    assert_eq!(
        log.ok(&l(25, "u1|sales|Agent/1003|CONNECT|25|1793610025.9")),
        [
            "25 answered u1 Agent/1003",
            "25 agent Agent/1003 on_call [sales]"
        ]
    );
    // A ringtime of 0 is no ring either.
    log.ok(&l(30, "u2|sales|NONE|ENTERQUEUE||x"));
    assert_eq!(
        log.ok(&l(31, "u2|sales|PJSIP/bob|CONNECT|1|c|0"))[0],
        "31 answered u2 PJSIP/bob"
    );
}

#[test]
fn a_ring_never_begins_before_the_caller_entered_its_queue() {
    let mut log = Log::default();
    log.ok(&l(100, "u1|sales|NONE|ENTERQUEUE||x|1"));
    assert_eq!(
        log.ok(&l(103, "u1|sales|PJSIP/bob|CONNECT|3|c|9"))[0],
        "100 ringing u1 PJSIP/bob"
    );
    log.ok(&l(200, "u2|sales|NONE|ENTERQUEUE||x|1"));
    assert_eq!(
        log.ok(&l(201, "u2|sales|PJSIP/bob|RINGNOANSWER|15000")),
        ["200 ringing u2 PJSIP/bob"]
    );
}

#[test]
fn ringnoanswer_and_ringcanceled_ring_ringtime_milliseconds_earlier() {
    let mut log = Log::default();
    log.ok(&l(0, "u1|sales|NONE|ENTERQUEUE||x|1"));
    assert_eq!(
        log.ok(&l(20, "u1|sales|PJSIP/bob|RINGNOANSWER|15000")),
        ["5 ringing u1 PJSIP/bob"]
    );
    assert_eq!(
        log.ok(&l(35, "u1|sales|PJSIP/alice|RINGCANCELED|3500")),
        ["31.5 ringing u1 PJSIP/alice"]
    );
    // A ringtime left out rings at the line's time.
    assert_eq!(
        log.ok(&l(36, "u1|sales|PJSIP/bob|RINGNOANSWER|")),
        ["36 ringing u1 PJSIP/bob"]
    );
}

#[test]
fn completecaller_and_completeagent_end_the_call_and_free_the_agent() {
    let mut log = Log::default();
    log.all(&[
        l(0, "u1|sales|NONE|ENTERQUEUE||x|1"),
        l(5, "u1|sales|PJSIP/bob|CONNECT|5|c|0"),
        l(6, "u2|sales|NONE|ENTERQUEUE||x|1"),
        l(7, "u2|sales|PJSIP/alice|CONNECT|1|c|0"),
    ]);
    assert_eq!(
        log.ok(&l(65, "u1|sales|PJSIP/bob|COMPLETECALLER|5|60|1")),
        ["65 ended u1", "65 agent PJSIP/bob available [sales]"]
    );
    assert_eq!(
        log.ok(&l(67, "u2|sales|PJSIP/alice|COMPLETEAGENT|1|60|1")),
        ["67 ended u2", "67 agent PJSIP/alice available [sales]"]
    );
}

#[test]
fn transfers_of_every_kind_count_a_transfer_and_end_the_call() {
    let mut log = Log::default();
    let transfers = [
        "TRANSFER|2000|from-internal|5|60",
        "TRANSFER|2000|from-internal|5|60|1",
        "BLINDTRANSFER|2000|from-internal|5|60|1",
        "ATTENDEDTRANSFER|BRIDGE|1793610099.4|5|60|1",
        "ATTENDEDTRANSFER|APP|Voicemail|5|60|1",
        "ATTENDEDTRANSFER|LINK|PJSIP/x-1|PJSIP/y-2|5|60|1",
    ];
    for (i, transfer) in transfers.iter().enumerate() {
        let t = i as i64 * 100;
        let call = format!("u{i}");
        log.ok(&l(t, &format!("{call}|support|NONE|ENTERQUEUE||x|1")));
        log.ok(&l(
            t + 5,
            &format!("{call}|support|PJSIP/bob|CONNECT|5|c|2"),
        ));
        assert_eq!(
            log.ok(&l(t + 65, &format!("{call}|support|PJSIP/bob|{transfer}"))),
            [
                format!("{} transferred {call}", t + 65),
                format!("{} ended {call}", t + 65),
                format!("{} agent PJSIP/bob available [support]", t + 65),
            ],
            "{transfer}"
        );
    }
}

#[test]
fn each_unanswered_exit_has_its_cause_in_every_layout() {
    let exits = [
        ("ABANDON|1|1|35", "caller"),
        ("EXITWITHKEY|5|1", "key"),
        ("EXITWITHKEY|5|1|1|40", "key"),
        ("EXITWITHTIMEOUT|1", "timeout"),
        ("EXITWITHTIMEOUT|1|2|60", "timeout"),
        ("EXITEMPTY|1|1|3", "no_agents"),
        ("WITHDRAW|1|1|50|callback requested", "withdrawn"),
        ("SYSCOMPAT|", "failed"),
    ];
    let mut log = Log::default();
    for (i, (exit, cause)) in exits.iter().enumerate() {
        let t = i as i64 * 100;
        log.ok(&l(t, &format!("u{i}|q|NONE|ENTERQUEUE||x|1")));
        assert_eq!(
            log.ok(&l(t + 30, &format!("u{i}|q|PJSIP/bob|{exit}"))),
            [format!("{} abandoned u{i} {cause}", t + 30)],
            "{exit}"
        );
    }
}

#[test]
fn fractional_epochs_keep_their_milliseconds() {
    let mut log = Log::default();
    assert_eq!(
        log.ok("1793610000.123456|u1|sales|NONE|ENTERQUEUE||x|1"),
        ["0.123 offered u1 sales"]
    );
    assert_eq!(
        log.ok("1793610020.5|u1|sales|PJSIP/bob|CONNECT|20|c|2"),
        [
            "18.5 ringing u1 PJSIP/bob",
            "20.5 answered u1 PJSIP/bob",
            "20.5 agent PJSIP/bob on_call [sales]"
        ]
    );
}

#[test]
fn every_rejection_has_its_reason_and_appends_nothing() {
    let mut log = Log::default();
    log.ok(&l(0, "u1|sales|NONE|ENTERQUEUE||x|1"));
    let cases: [(Vec<u8>, RejectReason); 17] = [
        (
            b"1793610010|u1|sales|\xff|CONNECT|1|c|1".to_vec(),
            RejectReason::NotUtf8,
        ),
        (
            b"ASTERISK QUEUE LOG".to_vec(),
            RejectReason::MissingField("event"),
        ),
        (
            b"1793610010|u1|sales|PJSIP/bob".to_vec(),
            RejectReason::MissingField("event"),
        ),
        (
            b"1793610010|u1|sales|PJSIP/bob|".to_vec(),
            RejectReason::MissingField("event"),
        ),
        (
            b"17936l0010|u1|sales|NONE|ABANDON|1|1|10".to_vec(),
            RejectReason::BadTimestamp,
        ),
        (
            b"5000000000|u1|sales|NONE|ABANDON|1|1|10".to_vec(),
            RejectReason::BadTimestamp,
        ),
        (
            b"1793610010|u1|sales|NONE|CALLPARKED|701".to_vec(),
            RejectReason::UnknownType,
        ),
        (
            b"1793610010|u1|sales|NONE|abandon|1|1|10".to_vec(),
            RejectReason::UnknownType,
        ),
        (
            b"1793610010|u1|sales|NONE|DID|4008001234".to_vec(),
            RejectReason::Skipped("did"),
        ),
        (
            b"1793610010|u1|sales|NONE|INFO|note".to_vec(),
            RejectReason::Skipped("info"),
        ),
        (
            b"1793610010|u1|sales|PJSIP/bob|AGENTDUMP|".to_vec(),
            RejectReason::Skipped("agentdump"),
        ),
        (
            b"1793610010|u1|sales|Agent/1003|AGENTCALLED|1003".to_vec(),
            RejectReason::Skipped("agentcalled"),
        ),
        (
            b"1793610010|NONE|sales|PJSIP/bob|CONNECT|10|c|2".to_vec(),
            RejectReason::MissingField("call_id"),
        ),
        (
            b"1793610010|u2|NONE|NONE|ENTERQUEUE||x|1".to_vec(),
            RejectReason::MissingField("queue"),
        ),
        (
            b"1793610010|u1|sales|NONE|CONNECT|10|c|2".to_vec(),
            RejectReason::MissingField("agent_id"),
        ),
        (
            b"1793610010|u1|sales|PJSIP/bob|CONNECT|10|c|2s".to_vec(),
            RejectReason::BadValue("ringtime"),
        ),
        (
            b"1793610010|u1|sales|PJSIP/bob|CONNECT|ten|c|2".to_vec(),
            RejectReason::BadValue("holdtime"),
        ),
    ];
    for (bytes, reason) in cases {
        let mut out = Vec::new();
        assert_eq!(
            log.0.read(&bytes, &mut out),
            Err(reason),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        assert!(out.is_empty());
    }
    // None of the rejected CONNECT lines answered the call: it is still waiting, so a new
    // entry is an overflow, and no agent was put on a call.
    assert_eq!(
        log.ok(&l(20, "u1|support|NONE|ENTERQUEUE||x|1")),
        ["20 overflow u1 support"]
    );
    assert_eq!(
        log.ok(&l(21, "NONE|NONE|PJSIP/bob|UNPAUSE|")),
        ["21 agent PJSIP/bob available []"]
    );
}

#[test]
fn a_caller_queued_again_after_its_attempt_ended_is_a_new_contact_numbered_from_2() {
    let mut log = Log::default();
    assert_eq!(
        log.all(&[
            l(0, "u1|support|NONE|ENTERQUEUE||x|1"),
            l(60, "u1|support|NONE|EXITWITHTIMEOUT|1|1|60"),
            l(61, "u1|sales|NONE|ENTERQUEUE||x|1"),
            l(70, "u1|sales|PJSIP/bob|CONNECT|9|c|0"),
            l(130, "u1|sales|PJSIP/bob|TRANSFER|8000|from-internal|9|60|1"),
            l(131, "u1|support|NONE|ENTERQUEUE||x|1"),
            l(140, "u1|support|NONE|ABANDON|1|1|9"),
        ]),
        [
            "0 offered u1 support",
            "60 abandoned u1 timeout",
            "61 offered u1#2 sales",
            "70 answered u1#2 PJSIP/bob",
            "70 agent PJSIP/bob on_call [sales]",
            "130 transferred u1#2",
            "130 ended u1#2",
            "130 agent PJSIP/bob available [sales]",
            "131 offered u1#3 support",
            "140 abandoned u1#3 caller",
        ]
    );
}

#[test]
fn an_entry_while_the_attempt_still_waits_is_an_overflow_of_the_same_call() {
    let mut log = Log::default();
    assert_eq!(
        log.all(&[
            l(0, "u1|support|NONE|ENTERQUEUE||x|1"),
            l(30, "u1|sales|NONE|ENTERQUEUE||x|1"),
            l(40, "u1|sales|PJSIP/bob|RINGNOANSWER|15000"),
            l(45, "u1|sales|PJSIP/bob|CONNECT|15|c|2"),
        ]),
        [
            "0 offered u1 support",
            "30 overflow u1 sales",
            // The ring from sales began at 25 s by its ringtime, but the caller came at 30.
            "30 ringing u1 PJSIP/bob",
            "43 ringing u1 PJSIP/bob",
            "45 answered u1 PJSIP/bob",
            "45 agent PJSIP/bob on_call [sales]",
        ]
    );
}

#[test]
fn an_entry_while_the_attempt_is_answered_ends_that_conversation_first() {
    let mut log = Log::default();
    log.all(&[
        l(0, "u1|sales|NONE|ENTERQUEUE||x|1"),
        l(5, "u1|sales|PJSIP/bob|CONNECT|5|c|0"),
    ]);
    assert_eq!(
        log.ok(&l(100, "u1|support|NONE|ENTERQUEUE||x|1")),
        [
            "100 ended u1",
            "100 agent PJSIP/bob available [sales]",
            "100 offered u1#2 support"
        ]
    );
}

#[test]
fn answers_and_exits_of_unknown_callids_keep_the_callid_for_the_engine_to_judge() {
    let mut log = Log::default();
    assert_eq!(
        log.ok(&l(0, "old1|sales|PJSIP/bob|COMPLETECALLER|20|180|1")),
        ["0 ended old1", "0 agent PJSIP/bob available [sales]"]
    );
    assert_eq!(
        log.ok(&l(1, "old2|sales|NONE|ABANDON|2|1|40")),
        ["1 abandoned old2 caller"]
    );
    assert_eq!(
        log.ok(&l(2, "old3|sales|PJSIP/bob|CONNECT|30|c|5")),
        [
            "-3 ringing old3 PJSIP/bob",
            "2 answered old3 PJSIP/bob",
            "2 agent PJSIP/bob on_call [sales]"
        ]
    );
    // The same caller queued again is a new contact, not the call already ended.
    assert_eq!(
        log.ok(&l(3, "old1|sales|NONE|ENTERQUEUE||x|1")),
        ["3 offered old1#2 sales"]
    );
}

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
            "60 agent PJSIP/alice not_ready [sales]",
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
fn agent_queue_lists_follow_addmember_pause_and_removemember() {
    let mut log = Log::default();
    assert_eq!(
        log.all(&[
            l(0, "NONE|sales|PJSIP/dave|ADDMEMBER|"),
            l(1, "NONE|support|PJSIP/dave|ADDMEMBER|"),
            // Asterisk 1.8+: a pause in one queue, with a reason.
            l(2, "NONE|support|PJSIP/dave|PAUSE|break"),
            l(3, "NONE|support|PJSIP/dave|UNPAUSE|"),
            // A pause in all queues: queue NONE, or PAUSEALL (1.4), each undone either way.
            l(4, "NONE|NONE|PJSIP/dave|PAUSE|lunch"),
            l(5, "NONE|NONE|PJSIP/dave|UNPAUSE|"),
            l(6, "NONE|NONE|PJSIP/dave|PAUSEALL|"),
            l(7, "NONE|NONE|PJSIP/dave|UNPAUSEALL|"),
            l(8, "NONE|support|PJSIP/dave|REMOVEMEMBER|"),
            l(9, "NONE|sales|PJSIP/dave|REMOVEMEMBER|"),
            l(10, "NONE|vip|PJSIP/dave|ADDMEMBER|"),
        ]),
        [
            "0 agent PJSIP/dave available [sales]",
            "1 agent PJSIP/dave available [sales,support]",
            "2 agent PJSIP/dave not_ready [sales,support]",
            "3 agent PJSIP/dave available [sales,support]",
            "4 agent PJSIP/dave not_ready [sales,support]",
            "5 agent PJSIP/dave available [sales,support]",
            "6 agent PJSIP/dave not_ready [sales,support]",
            "7 agent PJSIP/dave available [sales,support]",
            "8 agent PJSIP/dave available [sales]",
            "9 agent PJSIP/dave logged_out []",
            "10 agent PJSIP/dave available [vip]",
        ]
    );
}

#[test]
fn a_member_paused_in_two_queues_is_ready_again_only_when_unpaused_in_both() {
    let mut log = Log::default();
    assert_eq!(
        log.all(&[
            l(0, "NONE|sales|PJSIP/dave|ADDMEMBER|"),
            l(0, "NONE|support|PJSIP/dave|ADDMEMBER|"),
            l(1, "NONE|sales|PJSIP/dave|PAUSE|"),
            l(2, "NONE|support|PJSIP/dave|PAUSE|"),
            l(3, "NONE|sales|PJSIP/dave|UNPAUSE|"),
            l(4, "NONE|support|PJSIP/dave|UNPAUSE|"),
        ])[2..],
        [
            "1 agent PJSIP/dave not_ready [sales,support]",
            "2 agent PJSIP/dave not_ready [sales,support]",
            "3 agent PJSIP/dave not_ready [sales,support]",
            "4 agent PJSIP/dave available [sales,support]",
        ]
    );
}

#[test]
fn agentlogin_uses_the_queues_known_and_agentlogoff_logs_out() {
    let mut log = Log::default();
    assert_eq!(
        log.all(&[
            l(0, "NONE|NONE|Agent/1003|AGENTLOGIN|PJSIP/1003-00000001"),
            l(10, "u1|support|NONE|ENTERQUEUE||x"),
            l(20, "u1|support|Agent/1003|CONNECT|10|c"),
            l(80, "u1|support|Agent/1003|COMPLETEAGENT|10|60|1"),
            l(
                90,
                "NONE|NONE|Agent/1003|AGENTLOGOFF|PJSIP/1003-00000001|90"
            ),
            l(100, "NONE|NONE|Agent/1003|AGENTCALLBACKLOGIN|1003@agents"),
            l(
                110,
                "NONE|NONE|Agent/1003|AGENTCALLBACKLOGOFF|1003@agents|10|CommandLogoff"
            ),
        ]),
        [
            "0 agent Agent/1003 available []",
            "10 offered u1 support",
            "20 answered u1 Agent/1003",
            "20 agent Agent/1003 on_call [support]",
            "80 ended u1",
            "80 agent Agent/1003 available [support]",
            "90 agent Agent/1003 logged_out [support]",
            "100 agent Agent/1003 available [support]",
            "110 agent Agent/1003 logged_out [support]",
        ]
    );
}

#[test]
fn unpausing_during_a_call_keeps_the_agent_on_call() {
    let mut log = Log::default();
    assert_eq!(
        log.all(&[
            l(0, "NONE|sales|PJSIP/bob|ADDMEMBER|"),
            l(1, "NONE|sales|PJSIP/bob|PAUSE|"),
            l(2, "u1|sales|NONE|ENTERQUEUE||x|1"),
            l(3, "u1|sales|PJSIP/bob|CONNECT|1|c|0"),
            l(4, "NONE|sales|PJSIP/bob|UNPAUSE|"),
            l(5, "NONE|sales|PJSIP/bob|PAUSE|"),
            l(6, "u1|sales|PJSIP/bob|COMPLETECALLER|1|3|1"),
        ])[2..],
        [
            "2 offered u1 sales",
            "3 answered u1 PJSIP/bob",
            "3 agent PJSIP/bob on_call [sales]",
            "4 agent PJSIP/bob on_call [sales]",
            "5 agent PJSIP/bob on_call [sales]",
            "6 ended u1",
            "6 agent PJSIP/bob not_ready [sales]",
        ]
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
