//! One queue_log line, `epoch|callid|queue|agent|EVENT|data1|data2|...`, split into its fields
//! and checked completely before anything is emitted: a line is either wholly good or rejected
//! with one reason.

use crate::reject::RejectReason;
use crate::time::Millis;

/// Instants at or after 2100-01-01T00:00:00Z are rejected, as the canonical decoder does.
const MAX_TS: Millis = 4_102_444_800_000;

/// Data fields read; later ones (free text such as the end of a withdraw's info) are not.
const MAX_DATA: usize = 6;

/// The verbs the adapter maps to canonical events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    EnterQueue,
    Connect,
    RingNoAnswer,
    RingCanceled,
    CompleteCaller,
    CompleteAgent,
    Transfer,
    BlindTransfer,
    AttendedTransfer,
    Abandon,
    ExitWithKey,
    ExitWithTimeout,
    ExitEmpty,
    Withdraw,
    SysCompat,
    AgentLogin,
    AgentLogoff,
    AddMember,
    RemoveMember,
    Pause,
    Unpause,
    PauseAll,
    UnpauseAll,
    QueueStart,
    ConfigReload,
}

/// Verbs Asterisk writes that carry nothing callpulse counts: `skipped:<verb>`.
/// `DID` and `INFO` annotate a call, `AGENTDUMP` is an agent hanging up during the member
/// announcement (the caller goes on waiting), `AGENTCALLED` is the old name of a ring (its
/// outcome follows as `CONNECT` or `RINGNOANSWER`), `PENALTY` and `RINGINUSE` are member
/// settings.
const INFORMATIONAL: [(&str, &str); 6] = [
    ("DID", "did"),
    ("INFO", "info"),
    ("AGENTDUMP", "agentdump"),
    ("AGENTCALLED", "agentcalled"),
    ("PENALTY", "penalty"),
    ("RINGINUSE", "ringinuse"),
];

impl Verb {
    fn parse(name: &str) -> Result<Verb, RejectReason> {
        use Verb::*;
        Ok(match name {
            "ENTERQUEUE" => EnterQueue,
            "CONNECT" => Connect,
            "RINGNOANSWER" => RingNoAnswer,
            "RINGCANCELED" => RingCanceled,
            "COMPLETECALLER" => CompleteCaller,
            "COMPLETEAGENT" => CompleteAgent,
            "TRANSFER" => Transfer,
            "BLINDTRANSFER" => BlindTransfer,
            "ATTENDEDTRANSFER" => AttendedTransfer,
            "ABANDON" => Abandon,
            "EXITWITHKEY" => ExitWithKey,
            "EXITWITHTIMEOUT" => ExitWithTimeout,
            "EXITEMPTY" => ExitEmpty,
            "WITHDRAW" => Withdraw,
            "SYSCOMPAT" => SysCompat,
            // Asterisk 1.2/1.4 callback agents log in and off with their own verbs.
            "AGENTLOGIN" | "AGENTCALLBACKLOGIN" => AgentLogin,
            "AGENTLOGOFF" | "AGENTCALLBACKLOGOFF" => AgentLogoff,
            "ADDMEMBER" => AddMember,
            "REMOVEMEMBER" => RemoveMember,
            "PAUSE" => Pause,
            "UNPAUSE" => Unpause,
            "PAUSEALL" => PauseAll,
            "UNPAUSEALL" => UnpauseAll,
            "QUEUESTART" => QueueStart,
            "CONFIGRELOAD" => ConfigReload,
            _ => {
                return Err(INFORMATIONAL
                    .iter()
                    .find(|(verb, _)| *verb == name)
                    .map_or(RejectReason::UnknownType, |(_, why)| {
                        RejectReason::Skipped(why)
                    }))
            }
        })
    }

    /// A verb about one caller's stay in a queue: it needs a callid.
    pub fn is_call(self) -> bool {
        use Verb::*;
        matches!(
            self,
            EnterQueue
                | Connect
                | RingNoAnswer
                | RingCanceled
                | CompleteCaller
                | CompleteAgent
                | Transfer
                | BlindTransfer
                | AttendedTransfer
                | Abandon
                | ExitWithKey
                | ExitWithTimeout
                | ExitEmpty
                | Withdraw
                | SysCompat
        )
    }

    /// A verb that names the agent (member) it is about.
    fn needs_agent(self) -> bool {
        use Verb::*;
        matches!(
            self,
            Connect
                | RingNoAnswer
                | RingCanceled
                | CompleteCaller
                | CompleteAgent
                | Transfer
                | BlindTransfer
                | AttendedTransfer
                | AgentLogin
                | AgentLogoff
                | AddMember
                | RemoveMember
                | Pause
                | Unpause
                | PauseAll
                | UnpauseAll
        )
    }

    /// A verb that names the queue it is about.
    fn needs_queue(self) -> bool {
        matches!(
            self,
            Verb::EnterQueue | Verb::AddMember | Verb::RemoveMember
        )
    }

    /// The data fields that must be whole numbers when present, by position from 0 (`data1`).
    /// `ATTENDEDTRANSFER` has none: its numbers move with its method (`LINK` writes two data
    /// fields where `BRIDGE` and `APP` write one), and none of them is used.
    fn numbers(self) -> &'static [(usize, &'static str)] {
        use Verb::*;
        const EXIT: &[(usize, &str)] = &[(0, "position"), (1, "origposition"), (2, "waittime")];
        match self {
            EnterQueue => &[(2, "position")],
            Connect => &[(0, "holdtime"), (2, "ringtime")],
            RingNoAnswer | RingCanceled => &[(0, "ringtime")],
            CompleteCaller | CompleteAgent => {
                &[(0, "holdtime"), (1, "calltime"), (2, "origposition")]
            }
            Transfer | BlindTransfer => &[(2, "holdtime"), (3, "calltime"), (4, "origposition")],
            Abandon | ExitEmpty | ExitWithTimeout | Withdraw => EXIT,
            ExitWithKey => &[(1, "position"), (2, "origposition"), (3, "waittime")],
            AgentLogoff => &[(1, "logintime")],
            _ => &[],
        }
    }
}

/// One checked line. Identifiers written `NONE` (or left empty) are `""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub ts: Millis,
    pub call: &'a str,
    pub queue: &'a str,
    pub agent: &'a str,
    pub verb: Verb,
    data: [&'a str; MAX_DATA],
}

impl<'a> Line<'a> {
    /// Splits and checks one line (without its line end). The checks, in order: UTF-8
    /// (`not_utf8`), at least five fields (`missing_field:event`), the epoch
    /// (`bad_timestamp`), the verb (`unknown_type`, or `skipped:<verb>` for an informational
    /// one), the identifiers the verb needs (`missing_field:call_id`, `…:queue`,
    /// `…:agent_id`), and its number fields (`bad_value:<field>`).
    pub fn parse(bytes: &'a [u8]) -> Result<Line<'a>, RejectReason> {
        let text = std::str::from_utf8(bytes).map_err(|_| RejectReason::NotUtf8)?;
        let mut fields = text.split('|');
        let mut head = [""; 5];
        for slot in &mut head {
            *slot = fields.next().ok_or(RejectReason::MissingField("event"))?;
        }
        let [epoch, call, queue, agent, verb] = head;
        let ts = parse_epoch(epoch.trim()).ok_or(RejectReason::BadTimestamp)?;
        let verb = verb.trim();
        if verb.is_empty() {
            return Err(RejectReason::MissingField("event"));
        }
        let verb = Verb::parse(verb)?;
        let mut data = [""; MAX_DATA];
        for (slot, field) in data.iter_mut().zip(fields) {
            *slot = field;
        }
        let line = Line {
            ts,
            call: id(call),
            queue: id(queue),
            agent: id(agent),
            verb,
            data,
        };
        if verb.is_call() && line.call.is_empty() {
            return Err(RejectReason::MissingField("call_id"));
        }
        if verb.needs_queue() && line.queue.is_empty() {
            return Err(RejectReason::MissingField("queue"));
        }
        if verb.needs_agent() && line.agent.is_empty() {
            return Err(RejectReason::MissingField("agent_id"));
        }
        for &(at, name) in verb.numbers() {
            if let Some(text) = line.data(at) {
                parse_number(text).ok_or(RejectReason::BadValue(name))?;
            }
        }
        Ok(line)
    }

    /// Data field `i` (0 is `data1`), or `None` when it is absent or empty (older versions
    /// write fewer fields).
    pub fn data(&self, i: usize) -> Option<&'a str> {
        self.data.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    /// Data field `i` as a number; `None` when absent (a present field was checked by
    /// [`Line::parse`] when the verb declares it a number).
    pub fn number(&self, i: usize) -> Option<u64> {
        self.data(i).and_then(parse_number)
    }
}

/// An identifier field: `NONE` and empty both mean "not applicable".
fn id(field: &str) -> &str {
    let field = field.trim();
    if field == "NONE" {
        ""
    } else {
        field
    }
}

/// A whole non-negative number of at most 15 digits.
fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 15 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Epoch seconds, whole (`1793610000`) or fractional (`1793610000.123456`), as UTC
/// milliseconds; digits beyond the millisecond are truncated. Instants outside
/// [1970, 2100) are `None`.
fn parse_epoch(text: &str) -> Option<Millis> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let secs = parse_number(whole)? as Millis;
    let mut ms = secs.checked_mul(1_000)?;
    if let Some(frac) = frac {
        if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut scale = 100;
        for digit in frac.bytes().take(3) {
            ms += Millis::from(digit - b'0') * scale;
            scale /= 10;
        }
    }
    (ms < MAX_TS).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_and_fractional_epochs_become_milliseconds_truncated() {
        assert_eq!(parse_epoch("1793610000"), Some(1_793_610_000_000));
        assert_eq!(parse_epoch("1793610000.123456"), Some(1_793_610_000_123));
        assert_eq!(parse_epoch("1793610000.5"), Some(1_793_610_000_500));
        assert_eq!(parse_epoch("1793610000.0009"), Some(1_793_610_000_000));
        assert_eq!(parse_epoch("0"), Some(0));
    }

    #[test]
    fn epochs_that_are_not_numbers_or_lie_outside_1970_to_2100_are_refused() {
        for bad in [
            "",
            "17936l0000",
            "-1",
            "1793610000.",
            ".5",
            "1793610000.1.2",
            "1793610000,5",
            "4102444800",
            "99999999999999999999",
        ] {
            assert_eq!(parse_epoch(bad), None, "{bad:?}");
        }
        assert_eq!(parse_epoch("4102444799.999"), Some(4_102_444_799_999));
    }

    #[test]
    fn none_and_empty_identifiers_are_not_applicable() {
        let line = Line::parse(b"1793610000|NONE||NONE|QUEUESTART|").unwrap();
        assert_eq!((line.call, line.queue, line.agent), ("", "", ""));
        assert_eq!(line.verb, Verb::QueueStart);
        assert_eq!(line.data(0), None);
    }

    #[test]
    fn missing_trailing_data_reads_as_absent() {
        let line = Line::parse(b"1793610000|c1|q|a|CONNECT|12|c2").unwrap();
        assert_eq!(line.number(0), Some(12));
        assert_eq!(line.data(1), Some("c2"));
        assert_eq!(line.number(2), None);
        assert_eq!(line.data(5), None);
        assert_eq!(line.data(40), None);
    }

    #[test]
    fn the_checks_come_in_a_fixed_order_and_name_the_field() {
        let cases: [(&[u8], RejectReason); 11] = [
            (b"17936\xff0000|c|q|a|ABANDON|1|1|3", RejectReason::NotUtf8),
            (b"1793610000|c|q|a", RejectReason::MissingField("event")),
            (b"1793610000|c|q|a|", RejectReason::MissingField("event")),
            (b"soon|c|q|a|CALLPARKED", RejectReason::BadTimestamp),
            (b"1793610000|c|q|a|CALLPARKED", RejectReason::UnknownType),
            (
                b"1793610000|c|q|NONE|DID|4008",
                RejectReason::Skipped("did"),
            ),
            (
                b"1793610000|NONE|q|a|ABANDON|1|1|3",
                RejectReason::MissingField("call_id"),
            ),
            (
                b"1793610000|c|NONE|NONE|ENTERQUEUE||x",
                RejectReason::MissingField("queue"),
            ),
            (
                b"1793610000|c|q|NONE|CONNECT|3|c2|1",
                RejectReason::MissingField("agent_id"),
            ),
            (
                b"1793610000|c|q|a|CONNECT|3|c2|1s",
                RejectReason::BadValue("ringtime"),
            ),
            (
                b"1793610000|c|q|a|EXITWITHKEY|#|one",
                RejectReason::BadValue("position"),
            ),
        ];
        for (bytes, reason) in cases {
            assert_eq!(
                Line::parse(bytes),
                Err(reason),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn attended_transfers_of_every_method_are_read_without_number_checks() {
        for data in ["BRIDGE|1793610001.9|12|60|1", "LINK|chan-a|chan-b|12|60|1"] {
            let text = format!("1793610000|c|q|a|ATTENDEDTRANSFER|{data}");
            assert!(Line::parse(text.as_bytes()).is_ok(), "{data}");
        }
    }
}
