//! The live service: one input (Kafka, or the simulator for `demo`) feeding the engine, and
//! an HTTP server reading it.
//!
//! ```text
//! input thread ─(batch, lock)─► State { engine, records, process } ◄─(lock)─ HTTP handlers
//!   Kafka consumer │ simulator                                         /metrics, /api/v1/…
//!        └─► dead letters (Kafka topic │ memory + file)
//! ```
//!
//! Shutdown (SIGINT/SIGTERM): the input stops taking messages, applies what it read, writes
//! its dead letters and commits its offsets; then the HTTP server stops; all within
//! `service.shutdown_timeout`, except an evidence write under way at the limit, which is
//! waited for (killed, its transaction would roll back and its rows be lost).

pub mod agents;
pub mod alerts;
pub mod auth;
pub mod backpressure;
pub mod callbacks;
pub mod checkpoint;
pub mod dead_letter;
pub mod definitions;
pub mod demo;
pub mod evidence;
pub mod fd_limit;
pub mod follow;
pub mod http;
pub mod idle;
pub mod intervals;
pub mod json_error;
pub mod kafka;
pub mod kpis;
pub mod metrics;
pub mod partitions;
pub mod query;
pub mod server;
pub mod shutdown;
pub mod state;
pub mod tls;
pub mod trend;
pub mod visible;
pub mod wallboard;

pub use shutdown::Shutdown;
pub use state::{Shared, State};

use anyhow::Context as _;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Serves `shared` on `listen` while `input` runs on its own thread; stops both on a signal
/// or when `shutdown` is triggered, or when the input ends (an error).
pub fn serve(
    shared: Shared,
    listen: SocketAddr,
    shutdown: Shutdown,
    input: impl FnOnce(Shared, Shutdown) -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<()> {
    let (timeout, http, guarded) = {
        let service = &shared.lock().config.service;
        let timeout = Duration::from_millis(service.shutdown_timeout as u64);
        (timeout, service.http.clone(), service.tokens.is_some())
    };
    // Evidence writes under way: the shutdown waits for them past its limit.
    let writing = shared.lock().evidence.as_ref().map(|r| r.writing());
    let fd_limit = fd_limit::raise();
    let limits = server::Limits {
        max_connections: fd_limit::connection_cap(http.max_connections, http.fd_reserve, fd_limit),
        header_read_timeout: Duration::from_millis(http.header_read_timeout as u64),
        idle_timeout: Duration::from_millis(http.idle_timeout as u64),
    };
    let tls = match &http.tls {
        Some((cert, key)) => Some(tls::Tls::load(cert, key)?),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let local = listener.local_addr()?;
        let http_stop = Shutdown::new();
        #[cfg(unix)]
        if let Some(tls) = &tls {
            tls.reload_on_sighup(http_stop.clone())
                .context("cannot listen for SIGHUP")?;
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!(%local, scheme, "serving /metrics, /api/v1 and the wallboard");
        tracing::info!(
            max_connections = limits.max_connections,
            max_streams = http.max_streams,
            fd_limit,
            header_read_timeout_ms = http.header_read_timeout,
            idle_timeout_ms = http.idle_timeout,
            "HTTP limits"
        );
        match exposure(local.ip(), guarded) {
            Some((true, message)) => tracing::warn!(%local, "{message}"),
            Some((false, message)) => tracing::info!(%local, "{message}"),
            None => {}
        }
        eprintln!("callpulse: serving {scheme}://{local}/ (wallboard at /, metrics at /metrics)");

        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let input_shared = shared.clone();
        let input_shutdown = shutdown.clone();
        std::thread::Builder::new()
            .name("input".into())
            .spawn(move || {
                let result = input(input_shared, input_shutdown);
                let _ = done_tx.send(result);
            })
            .context("cannot start the input thread")?;

        let stop = http_stop.clone();
        let router = http::router_until(shared, stop.clone());
        let server = tokio::spawn(server::run(listener, router, limits, tls, stop));

        let mut done_rx = done_rx;
        let early = tokio::select! {
            _ = shutdown::signal() => None,
            _ = shutdown.wait() => None,
            result = &mut done_rx => Some(result),
        };
        // One deadline for the whole shutdown: the input's drain and commit, then HTTP.
        let deadline = tokio::time::Instant::now() + timeout;
        let input_result = match early {
            Some(result) => result.unwrap_or_else(|_| Err(anyhow::anyhow!("input thread died"))),
            None => {
                tracing::info!("shutting down");
                shutdown.trigger();
                let mut done_rx = done_rx;
                let died = |_| Err(anyhow::anyhow!("input thread died"));
                match tokio::time::timeout_at(deadline, &mut done_rx).await {
                    Ok(result) => result.unwrap_or_else(died),
                    Err(_) if writing.as_ref().is_some_and(|w| w.load(Ordering::SeqCst) > 0) => {
                        // Killing the process now would roll the transaction back and
                        // lose its rows: the orchestrator's grace period is the limit.
                        tracing::warn!(
                            limit_ms = timeout.as_millis() as u64,
                            "shutdown limit passed while evidence is being written: waiting for the write"
                        );
                        done_rx.await.unwrap_or_else(died)
                    }
                    Err(_) => Err(anyhow::anyhow!(
                        "the input did not stop within {} ms",
                        timeout.as_millis()
                    )),
                }
            }
        };
        shutdown.trigger();
        http_stop.trigger();
        let http_deadline = deadline.max(tokio::time::Instant::now() + Duration::from_millis(200));
        match tokio::time::timeout_at(http_deadline, server).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "HTTP server task"),
            Err(_) => tracing::warn!("HTTP connections still open at shutdown; closing"),
        }
        input_result
    })
}

/// What the start says about who can reach the server at `ip`: loopback only (the default)
/// as information; other hosts with no `http.tokens_file` guarding them as a warning (`true`).
fn exposure(ip: std::net::IpAddr, has_tokens: bool) -> Option<(bool, &'static str)> {
    match (ip.is_loopback(), has_tokens) {
        (true, false) => Some((
            false,
            "no http.tokens_file: serving this host (loopback) only; set http.listen or --listen to serve others",
        )),
        (false, false) => Some((
            true,
            "serving other hosts without http.tokens_file: anyone who reaches this port reads every endpoint, /api/v1/rejected (raw input) included",
        )),
        (_, true) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::exposure;

    #[test]
    fn only_other_hosts_without_a_tokens_file_get_a_warning() {
        let loopback = "127.0.0.1".parse().unwrap();
        let v6_loopback = "::1".parse().unwrap();
        let any = "0.0.0.0".parse().unwrap();
        assert!(matches!(exposure(loopback, false), Some((false, m)) if m.contains("loopback")));
        assert!(matches!(exposure(v6_loopback, false), Some((false, _))));
        assert!(matches!(exposure(any, false), Some((true, m)) if m.contains("tokens_file")));
        assert_eq!(exposure(any, true), None);
        assert_eq!(exposure(loopback, true), None);
    }
}
