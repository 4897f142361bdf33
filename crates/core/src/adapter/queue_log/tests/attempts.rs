//! Attempts of one callid: queued again after it ended (a new contact), entering while it
//! waits (an overflow) or while answered, and answers and exits of callids never seen.

use super::fixture::*;

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
