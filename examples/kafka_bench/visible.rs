//! Where `latency` sees a probe in the running service: in `/metrics`
//! (`callpulse_calls_offered_total{queue="probe"}`) and on `/api/v1/board` (the `offered` of
//! queue `probe` in the board's `kpis.queues[]`), each read by a poller of its own so that
//! neither slows the other's resolution.
//!
//! A count cannot tell which probe arrived when probes overtake each other across partitions:
//! when a view counts k, every probe up to k not yet seen gets its delay from its send
//! instant; over all probes that changes little.
//!
//! The board is built at most once per `BOARD_FRESH` (500 ms in `src/service/http.rs`) per
//! window and viewer and served from that cache in between, by design (every wallboard open
//! shares one board; the stream pushes one a second). A probe that reaches the engine just
//! after a build shows on the board only with the next one: the board's delay is the
//! engine's plus the wait for the next build, up to 500 ms (250 ms on average). Each board
//! carries `built_ms` (the service's wall clock when built); the poller keeps the distinct
//! ones to show how far apart the builds were.

use crate::http::{http_get, sample};
use crate::numbers::percentile;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// What one view showed.
#[derive(Default)]
pub struct Polled {
    /// Probe delays in milliseconds, send → the poll that first counted it.
    pub delays: Vec<f64>,
    /// How long each GET took, milliseconds.
    pub get_ms: Vec<f64>,
    /// The board only: the `built_ms` of each distinct board read, in order.
    pub builds: Vec<i64>,
}

/// Both views of one run.
pub struct Seen {
    pub metrics: Polled,
    pub board: Polled,
}

/// How the pollers run.
#[derive(Clone, Copy)]
pub struct Polling {
    pub addr: SocketAddr,
    /// Between two reads of each view.
    pub every: Duration,
    /// How long after the end of sending to keep reading for probes not yet seen.
    pub wait: Duration,
    /// The board's window (`15m`, `60m`, `today`, `interval`).
    pub window: &'static str,
}

/// One read of a view: the probe count, and for the board its `built_ms`.
type Read = Option<(f64, Option<i64>)>;

/// Reads /metrics and /api/v1/board, each on its own thread, until sending is done and every
/// probe was seen in both (or `wait` more has passed).
pub fn poll(p: Polling, probes: &Mutex<Vec<Instant>>, done: &AtomicBool) -> Seen {
    let board_path = format!("/api/v1/board?window={}", p.window);
    std::thread::scope(|s| {
        let metrics = s.spawn(|| poll_view(p, probes, done, || read_metrics(p.addr)));
        let board = s.spawn(|| poll_view(p, probes, done, || read_board(p.addr, &board_path)));
        Seen {
            metrics: metrics.join().unwrap_or_default(),
            board: board.join().unwrap_or_default(),
        }
    })
}

fn read_metrics(addr: SocketAddr) -> Read {
    match http_get(addr, "/metrics") {
        Ok((200, text)) => Some((
            sample(&text, "callpulse_calls_offered_total", "queue=\"probe\"")?,
            None,
        )),
        _ => None,
    }
}

fn read_board(addr: SocketAddr, path: &str) -> Read {
    let (200, body) = http_get(addr, path).ok()? else {
        return None;
    };
    let board: serde_json::Value = serde_json::from_str(&body).ok()?;
    let built = board["built_ms"].as_i64();
    // The probe queue is absent until its first event.
    let offered = board["kpis"]["queues"]
        .as_array()?
        .iter()
        .find(|q| q["queue"] == "probe")
        .and_then(|q| q["offered"].as_u64())
        .unwrap_or(0);
    Some((offered as f64, built))
}

fn poll_view(
    p: Polling,
    probes: &Mutex<Vec<Instant>>,
    done: &AtomicBool,
    read: impl Fn() -> Read,
) -> Polled {
    let mut out = Polled::default();
    let mut done_at = None;
    loop {
        let asked = Instant::now();
        let answer = read();
        let now = Instant::now();
        out.get_ms.push((now - asked).as_secs_f64() * 1e3);
        let (count, built) = answer.unwrap_or((0.0, None));
        if let Some(b) = built.filter(|b| out.builds.last() != Some(b)) {
            out.builds.push(b);
        }
        let sent = probes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let seen = (count as usize).min(sent.len());
        for at in &sent[out.delays.len().min(seen)..seen] {
            out.delays.push((now - *at).as_secs_f64() * 1e3);
        }
        if done.load(Ordering::SeqCst) {
            let since = *done_at.get_or_insert(now);
            if out.delays.len() >= sent.len() || now - since > p.wait {
                return out;
            }
        }
        sleep(p.every.saturating_sub(asked.elapsed()));
    }
}

/// The p50 and p99 of each view beside the bare consumer's, and the goal of issue 14:
/// callpulse's p99 at most the bare consumer's p99 + 50 ms.
pub fn summary(bare: Option<&[f64]>, views: &[(&str, &[f64])]) {
    println!();
    println!(
        "{:<34}  {:>9}  {:>9}  {:>9}  {:>16}",
        "produce → visible (ms)", "p50", "p99", "max", "p99 − bare p99"
    );
    let bare_p99 = bare.filter(|d| !d.is_empty()).map(|d| {
        let s = sorted(d);
        row("bare consumer (poll)", &s, None);
        percentile(&s, 0.99)
    });
    for (name, delays) in views {
        if delays.is_empty() {
            println!("{name:<34}  (no probe seen)");
            continue;
        }
        row(name, &sorted(delays), bare_p99);
    }
}

fn sorted(d: &[f64]) -> Vec<f64> {
    let mut s = d.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

fn row(name: &str, s: &[f64], bare_p99: Option<f64>) {
    let p99 = percentile(s, 0.99);
    let over = bare_p99.map_or("-".to_string(), |b| format!("{:+.1}", p99 - b));
    println!(
        "{name:<34}  {:>9.1}  {:>9.1}  {:>9.1}  {over:>16}",
        percentile(s, 0.5),
        p99,
        s[s.len() - 1],
    );
}
