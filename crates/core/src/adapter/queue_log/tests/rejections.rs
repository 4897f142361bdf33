//! Every rejection has its reason and appends nothing.

use super::fixture::*;
use crate::reject::RejectReason;

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
