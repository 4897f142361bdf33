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
//! `service.shutdown_timeout`.

pub mod alerts;
pub mod auth;
pub mod checkpoint;
pub mod dead_letter;
pub mod demo;
pub mod evidence;
pub mod follow;
pub mod http;
pub mod json_error;
pub mod kafka;
pub mod kpis;
pub mod metrics;
pub mod query;
pub mod shutdown;
pub mod state;
pub mod visible;
pub mod wallboard;

pub use shutdown::Shutdown;
pub use state::{Shared, State};

use anyhow::Context as _;
use std::net::SocketAddr;
use std::time::Duration;

/// Serves `shared` on `listen` while `input` runs on its own thread; stops both on a signal
/// or when `shutdown` is triggered, or when the input ends (an error).
pub fn serve(
    shared: Shared,
    listen: SocketAddr,
    shutdown: Shutdown,
    input: impl FnOnce(Shared, Shutdown) -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<()> {
    let timeout = Duration::from_millis(shared.lock().config.service.shutdown_timeout as u64);
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
        tracing::info!(%local, "serving /metrics, /api/v1 and the wallboard");
        eprintln!("callpulse: serving http://{local}/ (wallboard at /, metrics at /metrics)");

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

        let http_stop = Shutdown::new();
        let stop = http_stop.clone();
        let server = tokio::spawn(async move {
            axum::serve(listener, http::router_until(shared, stop.clone()))
                .with_graceful_shutdown(async move { stop.wait().await })
                .await
        });

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
                match tokio::time::timeout_at(deadline, done_rx).await {
                    Ok(result) => {
                        result.unwrap_or_else(|_| Err(anyhow::anyhow!("input thread died")))
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
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "HTTP server"),
            Ok(Err(e)) => tracing::warn!(error = %e, "HTTP server task"),
            Err(_) => tracing::warn!("HTTP connections still open at shutdown; closing"),
        }
        input_result
    })
}
