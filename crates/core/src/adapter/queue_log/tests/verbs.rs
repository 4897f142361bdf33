//! The call verbs in both version layouts: ENTERQUEUE, CONNECT (with and without ringtime),
//! RINGNOANSWER and RINGCANCELED, the completions, transfers, every unanswered exit, and
//! fractional epochs.

use super::fixture::*;

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
