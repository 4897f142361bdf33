//! Agents: queue lists from ADDMEMBER, PAUSE and REMOVEMEMBER, pauses in several queues,
//! AGENTLOGIN and AGENTLOGOFF, unpausing during a call.

use super::fixture::*;

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
            "2 agent PJSIP/dave not_ready [sales,support] break",
            "3 agent PJSIP/dave available [sales,support]",
            "4 agent PJSIP/dave not_ready [sales,support] lunch",
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
