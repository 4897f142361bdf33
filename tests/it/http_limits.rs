//! The HTTP server under a hostile network (issue 15, finding 3): a flood of idle
//! connections under a low open-file limit, a request head that never ends, more event
//! streams than allowed. Each over real loopback sockets to a `callpulse run` process.
//!
//! The event streams are opened with `support::sse`; the idle connections and the half-sent
//! request heads stay raw `TcpStream`s on purpose: those tests are about the raw protocol (a
//! request never finished), which no HTTP client would send.

use crate::support::service::{try_get, Service};
use crate::support::sse::EventStream;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// `callpulse run` following an empty file, its `[http]` limits set by `envs`
/// (`CALLPULSE_HTTP_*`).
struct Quiet {
    service: Service,
    _dir: tempfile::TempDir,
}

impl Quiet {
    fn start(envs: &[(&str, &str)], nofile: Option<u64>) -> Quiet {
        let dir = tempfile::tempdir().unwrap();
        let path = |f: &str| dir.path().join(f).display().to_string();
        std::fs::write(dir.path().join("events.jsonl"), "").unwrap();
        let config = dir.path().join("callpulse.toml");
        std::fs::write(
            &config,
            format!(
                "[input]\nfollow = {:?}\nposition_file = {:?}\nrejected_file = {:?}\n\n\
                 [alerts]\nprofile = \"\"\n",
                path("events.jsonl"),
                path("position.json"),
                path("rejected.tsv"),
            ),
        )
        .unwrap();
        let args = ["run", "--config", config.to_str().unwrap()];
        let service = match nofile {
            Some(n) => Service::start_with_open_file_limit(n, &args, envs),
            None => Service::start(&args, envs),
        };
        Quiet { service, _dir: dir }
    }

    fn addr(&self) -> String {
        self.service
            .base
            .strip_prefix("http://")
            .unwrap()
            .to_string()
    }
}

/// Polls `/healthz` (each try bounded by ureq's 30 s) until it answers 200, or panics after
/// `within` with the last failure and the log.
fn healthz_answers_within(service: &Service, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let got = try_get(&format!("{}/healthz", service.base));
        if matches!(got, Ok((200, _))) {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "/healthz did not answer 200 within {within:?}: {got:?}\n--- log ---\n{}",
                service.log()
            );
        }
        sleep(Duration::from_millis(200));
    }
}

/// Raises this test process's soft open-file limit to its hard one; returns the soft limit.
fn raise_own_open_file_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    if setrlimit(Resource::Nofile, raised).is_ok() {
        limit.maximum.unwrap_or(u64::MAX)
    } else {
        limit.current.unwrap_or(u64::MAX)
    }
}

#[test]
fn a_flood_of_1100_idle_connections_under_ulimit_1024_leaves_healthz_answering() {
    // The test itself holds 1,100 sockets.
    let own = raise_own_open_file_limit();
    assert!(
        own >= 1_300,
        "this test needs an open-file limit of at least 1300 for itself, the hard limit is {own}"
    );
    let quiet = Quiet::start(&[("CALLPULSE_HTTP_HEADER_READ_TIMEOUT", "3s")], Some(1_024));
    healthz_answers_within(&quiet.service, Duration::from_secs(30));
    let addr = quiet.addr();
    let mut idle = Vec::with_capacity(1_100);
    for _ in 0..1_100 {
        // Connecting succeeds even beyond the server's limits (the kernel's backlog).
        match TcpStream::connect(&addr) {
            Ok(socket) => idle.push(socket),
            Err(e) => panic!("connection {} refused by the kernel: {e}", idle.len()),
        }
    }
    healthz_answers_within(&quiet.service, Duration::from_secs(60));
    let mut quiet = quiet;
    assert!(quiet.service.is_running(), "{}", quiet.service.log());
    drop(idle);
}

#[test]
fn a_request_head_never_finished_is_closed_by_the_server_after_the_header_read_timeout() {
    let quiet = Quiet::start(&[("CALLPULSE_HTTP_HEADER_READ_TIMEOUT", "1s")], None);
    let mut socket = TcpStream::connect(quiet.addr()).unwrap();
    socket.write_all(b"GET /healthz HT").unwrap();
    // Generous: the server's timeout is 1 s; a read that times out means it never closed.
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match socket.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the server kept the half-sent request open: {e}\n--- log ---\n{}",
                quiet.service.log()
            ),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        !answer.contains("200 OK"),
        "half a request line was not served: {answer}"
    );
}

#[test]
fn the_event_stream_over_max_streams_gets_a_json_503_and_a_closed_one_frees_its_place() {
    let quiet = Quiet::start(&[("CALLPULSE_HTTP_MAX_STREAMS", "2")], None);
    let url = format!("{}/api/v1/stream", quiet.service.base);
    // Two streams held open, unread.
    let first = EventStream::open(&url, None);
    let second = EventStream::open(&url, None);
    assert_eq!(
        (first.status, second.status),
        (200, 200),
        "{}",
        quiet.service.log()
    );
    let refused = EventStream::open(&url, None);
    assert_eq!(
        refused.status, 503,
        "the third stream is over http.max_streams = 2"
    );
    assert_eq!(refused.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&refused.into_text()).unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("http.max_streams"),
        "{body}"
    );
    // Other endpoints are not limited by the streams.
    assert_eq!(
        try_get(&format!("{}/healthz", quiet.service.base))
            .unwrap()
            .0,
        200
    );
    drop(first);
    // The server notices the closed stream at its next push (every second).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let kept = EventStream::open(&url, None);
        let status = kept.status;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a closed stream never gave its place back: {status}"
        );
        sleep(Duration::from_millis(200));
    }
}

#[test]
fn without_a_tokens_file_the_service_says_at_start_that_it_serves_this_host_only() {
    let quiet = Quiet::start(&[], None);
    let log = quiet.service.log();
    assert!(
        log.contains("no http.tokens_file: serving this host (loopback) only"),
        "{log}"
    );
}

#[test]
fn sigterm_with_a_stream_and_idle_connections_open_still_stops_cleanly() {
    let quiet = Quiet::start(&[], None);
    let stream = EventStream::open(&format!("{}/api/v1/stream", quiet.service.base), None);
    assert_eq!(stream.status, 200);
    let _idle = TcpStream::connect(quiet.addr()).unwrap();
    let mut half = TcpStream::connect(quiet.addr()).unwrap();
    half.write_all(b"GET /hea").unwrap();
    let Quiet { service, _dir } = quiet;
    let exit = service.terminate(Duration::from_secs(30));
    assert!(exit.success(), "{exit:?}");
}
