//! A `text/event-stream` client on ureq, for the service's `/api/v1/stream`: open the stream
//! (with a bearer token when given), then read its events one by one, each within a deadline.
//! Chunked transfer coding and the response head are ureq's; only the event format (blocks of
//! `name: value` lines, `:` comments) is read here.

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

/// How long [`EventStream::open`] waits for the response head, and how long one read of the
/// body may block (a read that blocks longer fails [`EventStream::next_event`]).
const PATIENCE: Duration = Duration::from_secs(30);

/// An open GET of an event stream: its status and headers, then its events as they come.
/// Dropping it closes the connection.
pub struct EventStream {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    lines: BufReader<ureq::BodyReader<'static>>,
}

/// One event: its fields in order (comments left out), and when it was read.
#[derive(Debug)]
pub struct Event {
    pub fields: Vec<(String, String)>,
    pub at: Instant,
}

impl Event {
    /// The value of the first field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl EventStream {
    /// GETs `url` with `Accept: text/event-stream` and `Authorization: Bearer <token>` when
    /// given; any status is returned, not an error (read a refusal with [`Self::into_text`]).
    pub fn open(url: &str, token: Option<&str>) -> EventStream {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(PATIENCE))
            .timeout_recv_response(Some(PATIENCE))
            .timeout_per_read(Some(PATIENCE))
            .build()
            .into();
        let mut request = agent.get(url).header("Accept", "text/event-stream");
        if let Some(t) = token {
            request = request.header("Authorization", &format!("Bearer {t}"));
        }
        let response = request.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let (parts, body) = response.into_parts();
        EventStream {
            status: parts.status.as_u16(),
            headers: parts.headers,
            lines: BufReader::new(body.into_reader()),
        }
    }

    /// The value of the response header `name`, if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The whole body as text (a refused stream's JSON error).
    pub fn into_text(mut self) -> String {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut self.lines, &mut text).expect("the body reads");
        text
    }

    /// The next event that has fields, read within `within` (checked after each line; a
    /// silent server fails the read after [`PATIENCE`]). Panics when the stream ends, fails
    /// or is late.
    pub fn next_event(&mut self, within: Duration) -> Event {
        let deadline = Instant::now() + within;
        let mut fields = Vec::new();
        loop {
            let mut line = String::new();
            let n = self
                .lines
                .read_line(&mut line)
                .unwrap_or_else(|e| panic!("the stream failed: {e}"));
            assert!(n > 0, "the stream ended");
            let line = line.trim_end_matches('\n').trim_end_matches('\r');
            if line.is_empty() {
                if !fields.is_empty() {
                    return Event {
                        fields,
                        at: Instant::now(),
                    };
                }
            } else if !line.starts_with(':') {
                let (k, v) = line.split_once(':').unwrap_or((line, ""));
                fields.push((k.to_string(), v.strip_prefix(' ').unwrap_or(v).to_string()));
            }
            assert!(
                Instant::now() < deadline,
                "no whole event within {within:?}; so far {fields:?}"
            );
        }
    }
}
