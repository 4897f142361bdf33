//! `[kafka]`, `[http]` and `[service]`: what the live service (`callpulse run` and `demo`)
//! needs beyond the engine.

use super::agent_names::AgentNames;
use super::tokens::Tokens;
use super::wallboard::Wallboard;
use super::Checker;
use crate::time::{Millis, SECOND};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `[kafka]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawKafka {
    /// Bootstrap servers, `host:port[,host:port…]`.
    pub brokers: String,
    pub group_id: String,
    pub topics: Vec<String>,
    pub dead_letter_topic: String,
    /// Any librdkafka setting, passed through as is (TLS, SASL, timeouts…).
    pub client: BTreeMap<String, String>,
}

impl Default for RawKafka {
    fn default() -> Self {
        RawKafka {
            brokers: "127.0.0.1:9092".into(),
            group_id: "callpulse".into(),
            topics: vec!["call-events".into()],
            dead_letter_topic: "call-events.dead-letter".into(),
            client: BTreeMap::new(),
        }
    }
}

/// `[http]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawHttp {
    pub listen: String,
    /// The access tokens file (docs/src/operator/security.md); empty: none, every endpoint
    /// open, and the default bind is loopback.
    pub tokens_file: String,
    pub header_read_timeout: String,
    pub idle_timeout: String,
    pub max_connections: u64,
    pub max_streams: u64,
    pub fd_reserve: u64,
    /// PEM certificate chain and private key: both or neither (HTTPS when set).
    pub tls_cert_file: String,
    pub tls_key_file: String,
    /// The agents' display names file; empty: the live agents view shows ids.
    pub agent_names: String,
    /// Per-agent series on `/metrics` (`callpulse_agent_*{agent}`); off by default.
    pub agent_metrics: bool,
    /// The wallboard file: colour rules, flash and sound; empty: none.
    pub wallboard: String,
}

/// The documented default address of `/metrics`, the API and the wallboard.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9898";

impl Default for RawHttp {
    fn default() -> Self {
        RawHttp {
            listen: DEFAULT_LISTEN.into(),
            tokens_file: String::new(),
            header_read_timeout: "10s".into(),
            idle_timeout: "60s".into(),
            max_connections: 1_024,
            max_streams: 256,
            fd_reserve: 128,
            tls_cert_file: String::new(),
            tls_key_file: String::new(),
            agent_names: String::new(),
            agent_metrics: false,
            wallboard: String::new(),
        }
    }
}

/// `[service]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawService {
    pub keep_intervals: String,
    pub idle_after: String,
    pub ready_max_lag: u64,
    pub shutdown_timeout: String,
}

impl Default for RawService {
    fn default() -> Self {
        RawService {
            keep_intervals: "24h".into(),
            idle_after: "10s".into(),
            ready_max_lag: 1_000,
            shutdown_timeout: "10s".into(),
        }
    }
}

/// Kafka settings of `callpulse run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaConfig {
    pub brokers: String,
    pub group_id: String,
    pub topics: Vec<String>,
    pub dead_letter_topic: String,
    pub client: BTreeMap<String, String>,
}

/// The live service's own settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceConfig {
    pub listen: SocketAddr,
    /// The HTTP server's limits and TLS files.
    pub http: HttpLimits,
    /// How long closed interval records stay in memory for `/api/v1/intervals`.
    pub keep_intervals: Millis,
    /// With no message for this long and no lag, the watermark follows the wall clock.
    pub idle_after: Millis,
    /// `/readyz` answers ready only while every assigned partition lags by at most this.
    pub ready_max_lag: u64,
    /// Longest time from SIGINT/SIGTERM to exit.
    pub shutdown_timeout: Millis,
    /// The access tokens of `http.tokens_file`, read when the configuration is validated;
    /// `None`: no tokens file, every endpoint open.
    pub tokens: Option<Tokens>,
    /// The display names of `http.agent_names`, read when the configuration is validated.
    pub agent_names: Option<AgentNames>,
    /// `http.agent_metrics`: per-agent series on `/metrics` (at most `limits.max_agents`).
    pub agent_metrics: bool,
    /// The wallboard file of `http.wallboard`, read when the configuration is validated.
    pub wallboard: Wallboard,
}

/// The limits of the HTTP server (docs/src/operator/security.md, "HTTP limits").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// From waiting for a request (a new connection, or after a response) to its whole head.
    pub header_read_timeout: Millis,
    /// A connection on which no byte moves either way for this long is closed.
    pub idle_timeout: Millis,
    /// Open connections at most (less when the file-descriptor limit is lower).
    pub max_connections: usize,
    /// Open event streams (`/api/v1/stream`) at most.
    pub max_streams: usize,
    /// File descriptors kept free below the process limit for everything but connections.
    pub fd_reserve: usize,
    /// `(certificate chain, private key)` PEM files: HTTPS when set.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// librdkafka settings that callpulse sets itself: passing them would break its guarantees.
const MANAGED: [(&str, &str); 5] = [
    ("bootstrap.servers", "set kafka.brokers instead"),
    ("group.id", "set kafka.group_id instead"),
    (
        "enable.auto.offset.store",
        "callpulse stores offsets after applying events",
    ),
    (
        "enable.partition.eof",
        "callpulse needs it to know it has caught up",
    ),
    ("isolation.level", "callpulse reads committed messages only"),
];

pub(super) fn kafka(c: &mut Checker, k: &RawKafka) -> KafkaConfig {
    for (key, value) in [
        ("kafka.brokers", &k.brokers),
        ("kafka.group_id", &k.group_id),
        ("kafka.dead_letter_topic", &k.dead_letter_topic),
    ] {
        if value.trim().is_empty() {
            c.problem(key, "must not be empty");
        }
    }
    if k.topics.is_empty() || k.topics.iter().any(|t| t.trim().is_empty()) {
        c.problem(
            "kafka.topics",
            format!("needs at least one topic name, got {:?}", k.topics),
        );
    }
    if k.topics.contains(&k.dead_letter_topic) {
        c.problem(
            "kafka.dead_letter_topic",
            format!(
                "must not be one of kafka.topics, got {:?}",
                k.dead_letter_topic
            ),
        );
    }
    for (key, why) in MANAGED {
        if k.client.contains_key(key) {
            c.problem(format!("kafka.client.\"{key}\""), why);
        }
    }
    KafkaConfig {
        brokers: k.brokers.trim().into(),
        group_id: k.group_id.trim().into(),
        topics: k.topics.iter().map(|t| t.trim().to_string()).collect(),
        dead_letter_topic: k.dead_letter_topic.trim().into(),
        client: k.client.clone(),
    }
}

pub(super) fn service(c: &mut Checker, h: &RawHttp, s: &RawService) -> ServiceConfig {
    let listen = h.listen.parse().unwrap_or_else(|_| {
        c.problem(
            "http.listen",
            format!(
                "must be an IP address and port such as {DEFAULT_LISTEN}, got {:?}",
                h.listen
            ),
        );
        DEFAULT_LISTEN.parse().expect("the default address parses")
    });
    let tokens = Some(h.tokens_file.trim())
        .filter(|p| !p.is_empty())
        .and_then(|path| match Tokens::load(std::path::Path::new(path)) {
            Ok(tokens) => Some(tokens),
            Err(problems) => {
                for p in problems {
                    c.problem("http.tokens_file", format!("{path}: {p}"));
                }
                None
            }
        });
    let agent_names = path(&h.agent_names).and_then(|file| match AgentNames::load(&file) {
        Ok(names) => Some(names),
        Err(problems) => {
            for p in problems {
                let what = format!("{}: {}: {}", file.display(), p.key, p.message);
                c.problem("http.agent_names", what);
            }
            None
        }
    });
    let wallboard = path(&h.wallboard).map_or_else(Wallboard::default, |file| {
        Wallboard::load(&file).unwrap_or_else(|problems| {
            for p in problems {
                let what = format!("{}: {}: {}", file.display(), p.key, p.message);
                c.problem("http.wallboard", what);
            }
            Wallboard::default()
        })
    });
    ServiceConfig {
        listen,
        tokens,
        agent_names,
        wallboard,
        agent_metrics: h.agent_metrics,
        http: http_limits(c, h),
        keep_intervals: c.duration("service.keep_intervals", &s.keep_intervals, 0),
        idle_after: c.duration("service.idle_after", &s.idle_after, SECOND),
        ready_max_lag: s.ready_max_lag,
        shutdown_timeout: c.duration("service.shutdown_timeout", &s.shutdown_timeout, SECOND),
    }
}

/// An optional file: `None` when the key is empty.
fn path(text: &str) -> Option<PathBuf> {
    Some(text.trim())
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

fn http_limits(c: &mut Checker, h: &RawHttp) -> HttpLimits {
    let mut count = |key: &str, n: u64, min: u64, max: u64| {
        if (min..=max).contains(&n) {
            n as usize
        } else {
            c.problem(key, format!("must be {min} to {max}, got {n}"));
            min as usize
        }
    };
    let max_connections = count("http.max_connections", h.max_connections, 1, 1_000_000);
    let max_streams = count("http.max_streams", h.max_streams, 0, 1_000_000);
    let fd_reserve = count("http.fd_reserve", h.fd_reserve, 16, 1_000_000);
    let tls = match (path(&h.tls_cert_file), path(&h.tls_key_file)) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        (cert, _) => {
            let (given, missing) = if cert.is_some() {
                ("http.tls_cert_file", "http.tls_key_file")
            } else {
                ("http.tls_key_file", "http.tls_cert_file")
            };
            c.problem(missing, format!("must be set when {given} is"));
            None
        }
    };
    HttpLimits {
        header_read_timeout: c.duration("http.header_read_timeout", &h.header_read_timeout, 100),
        idle_timeout: c.duration("http.idle_timeout", &h.idle_timeout, SECOND),
        max_connections,
        max_streams,
        fd_reserve,
        tls,
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    #[test]
    fn the_wallboard_file_is_read_with_the_config_and_its_problems_name_the_key() {
        assert_eq!(Config::default().service.wallboard, Default::default());
        // No tempfile crate here: a file of this process's own in the temporary folder.
        let file = std::env::temp_dir().join(format!("callpulse-wb-{}.toml", std::process::id()));
        std::fs::write(&file, "[on_new_alert]\nflash = true\n").unwrap();
        let text = format!("[http]\nwallboard = {:?}\n", file.display().to_string());
        let c = Config::parse(&text, "t.toml").unwrap();
        assert!(c.service.wallboard.on_new_alert.flash);
        std::fs::write(&file, "[[colours.waiting]]\nbelow = 5\ncolour = \"pink\"\n").unwrap();
        let err = Config::parse(&text, "t.toml").unwrap_err();
        assert_eq!(err.problems[0].key, "http.wallboard");
        assert!(
            err.problems[0].message.ends_with("colours.waiting[0].colour: must be one of green, amber, red, blue, grey, got \"pink\""),
            "{err}"
        );
        let missing = Config::parse("[http]\nwallboard = \"/nonexistent/w.toml\"\n", "t.toml");
        assert_eq!(missing.unwrap_err().problems[0].key, "http.wallboard");
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn http_limits_have_their_documented_defaults_and_bad_values_are_named() {
        let c = Config::default().service;
        assert_eq!(c.http.header_read_timeout, 10_000);
        assert_eq!(c.http.idle_timeout, 60_000);
        assert_eq!(
            (
                c.http.max_connections,
                c.http.max_streams,
                c.http.fd_reserve
            ),
            (1_024, 256, 128)
        );
        assert_eq!(c.http.tls.clone(), None);
        assert!(c.tokens.is_none());
        assert!(c.listen.ip().is_loopback(), "the default bind is loopback");
        let err = Config::parse(
            "[http]\nmax_connections = 0\nheader_read_timeout = \"10ms\"\ntls_cert_file = \"c.pem\"\n",
            "t.toml",
        )
        .unwrap_err();
        let keys: Vec<_> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "http.max_connections",
                "http.tls_key_file",
                "http.header_read_timeout"
            ],
            "{err}"
        );
    }
}
