//! The HTTP server's accept loop and connections, with the limits a hostile network needs:
//! a connection cap below the file-descriptor limit, a request-head timeout, an idle
//! timeout, back-off on accept errors, optional TLS, and a graceful stop.
//!
//! Why not `axum::serve`: it exposes neither a request-head timeout, nor a connection cap,
//! nor its accept errors (it retries them every second, logging each), and tower layers act
//! per request, after the head is read, so they cannot bound a connection that never sends
//! one. So this loop drives hyper's HTTP/1 connection itself. HTTP/1.1 only, as before (axum's
//! `http2` feature is off): no HTTP/2 connection can sit outside the head timeout.
//!
//! Over the cap a connection is accepted and closed at once (not left in the kernel's
//! backlog, where a probe would wait unanswered): the client sees the connection close.

use super::idle::{Activity, Tracked};
use super::shutdown::Shutdown;
use super::tls::Tls;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// How the server treats its connections.
#[derive(Clone)]
pub struct Limits {
    /// Open connections at most (already lowered below the descriptor limit).
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
}

/// Serves `router` on `listener` until `stop`; then closes the listener, lets every open
/// connection finish its response (event streams end on `stop` too) and returns once all are
/// closed. The caller bounds that wait.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<Tls>,
    stop: Shutdown,
) {
    let cap = limits.max_connections;
    let permits = Arc::new(Semaphore::new(cap));
    let mut refused = Throttled::default();
    let mut failing = Throttled::default();
    let mut backoff = Backoff::default();
    loop {
        let accepted = tokio::select! {
            _ = stop.wait() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => {
                backoff.reset();
                stream
            }
            // The peer gave up before we took it: nothing to do.
            Err(e) if per_connection(&e) => continue,
            // Out of descriptors (EMFILE, ENFILE) or memory: retrying at once would spin.
            Err(e) => {
                let pause = backoff.next();
                failing.log(|suppressed| {
                    tracing::error!(
                        error = %e,
                        retry_in_ms = pause.as_millis() as u64,
                        suppressed,
                        "cannot accept connections; backing off"
                    )
                });
                tokio::select! {
                    _ = stop.wait() => break,
                    _ = tokio::time::sleep(pause) => continue,
                }
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            refused.log(|suppressed| {
                tracing::warn!(
                    max_connections = cap,
                    suppressed,
                    "connection cap reached: closing new connections"
                )
            });
            drop(stream);
            continue;
        };
        let (router, limits, tls, stop) =
            (router.clone(), limits.clone(), tls.clone(), stop.clone());
        tokio::spawn(async move {
            connection(stream, router, &limits, tls.as_ref(), stop).await;
            drop(permit);
        });
    }
    drop(listener);
    // Every connection holds a permit until it is closed.
    let _all = permits.acquire_many(cap as u32).await;
}

/// Errors of `accept` that concern one connection only.
fn per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// One connection: the TLS handshake (bounded by the head timeout) if any, then HTTP.
async fn connection(
    stream: TcpStream,
    router: Router,
    limits: &Limits,
    tls: Option<&Tls>,
    stop: Shutdown,
) {
    let _ = stream.set_nodelay(true);
    let activity = Activity::new();
    let io = Tracked::new(stream, activity.clone());
    match tls {
        None => http(io, router, limits, activity, stop).await,
        Some(tls) => {
            match tokio::time::timeout(limits.header_read_timeout, tls.acceptor().accept(io)).await
            {
                Ok(Ok(io)) => http(io, router, limits, activity, stop).await,
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        }
    }
}

/// HTTP/1.1 on `io` until the client closes, a timeout closes it, or `stop` (then the
/// response in progress is finished and the connection closed).
async fn http<IO>(io: IO, router: Router, limits: &Limits, activity: Activity, stop: Shutdown)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(router));
    let mut conn = std::pin::pin!(conn);
    let idle = activity.idle_for(limits.idle_timeout);
    let mut idle = std::pin::pin!(idle);
    tokio::select! {
        done = conn.as_mut() => {
            if let Err(e) = done {
                tracing::debug!(error = %e, "HTTP connection ended");
            }
            return;
        }
        _ = idle.as_mut() => {
            tracing::debug!("closing a connection idle for http.idle_timeout");
            return;
        }
        _ = stop.wait() => {}
    }
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = idle.as_mut() => {}
    }
}

/// Exponential back-off from 10 ms to 1 s.
#[derive(Default)]
struct Backoff {
    next: Option<Duration>,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);

    fn next(&mut self) -> Duration {
        let pause = self.next.unwrap_or(Self::FIRST);
        self.next = Some((pause * 2).min(Self::MAX));
        pause
    }

    fn reset(&mut self) {
        self.next = None;
    }
}

/// A log line at most every [`Throttled::EVERY`], with how many were left out since.
#[derive(Default)]
struct Throttled {
    last: Option<Instant>,
    suppressed: u64,
}

impl Throttled {
    const EVERY: Duration = Duration::from_secs(10);

    /// Calls `log` with the number left out since the last call, or counts this one out.
    fn log(&mut self, log: impl FnOnce(u64)) {
        let now = Instant::now();
        if self.last.is_some_and(|last| now < last + Self::EVERY) {
            self.suppressed += 1;
            return;
        }
        log(self.suppressed);
        self.last = Some(now);
        self.suppressed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_second_and_starts_over_after_a_success() {
        let mut b = Backoff::default();
        let pauses: Vec<u64> = (0..9).map(|_| b.next().as_millis() as u64).collect();
        assert_eq!(pauses, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        b.reset();
        assert_eq!(b.next(), Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_line_is_written_once_per_period_with_the_count_left_out() {
        let mut t = Throttled::default();
        let mut written = Vec::new();
        for _ in 0..5 {
            t.log(|n| written.push(n));
        }
        tokio::time::advance(Throttled::EVERY).await;
        t.log(|n| written.push(n));
        assert_eq!(written, [0, 4]);
    }
}
