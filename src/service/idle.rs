//! The idle timeout of a connection: an I/O wrapper that notes when a byte last moved either
//! way, and a future that resolves once none has moved for the timeout. It catches what a
//! request-head timeout cannot: a client that stops reading a response (the write stalls) or
//! a stream whose reader has gone silent.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// When a byte last moved on one connection.
#[derive(Clone)]
pub struct Activity {
    start: Instant,
    /// Milliseconds from `start` to the last byte moved.
    last: Arc<AtomicU64>,
}

impl Activity {
    pub fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last: Arc::default(),
        }
    }

    fn touch(&self) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.last.fetch_max(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.start + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }

    /// Resolves once no byte has moved for `timeout`.
    pub async fn idle_for(&self, timeout: Duration) {
        loop {
            let deadline = self.last() + timeout;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Activity::new()
    }
}

/// `io` whose reads and writes of at least one byte touch `activity`.
pub struct Tracked<IO> {
    io: IO,
    activity: Activity,
}

impl<IO> Tracked<IO> {
    pub fn new(io: IO, activity: Activity) -> Self {
        Tracked { io, activity }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Tracked<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Tracked<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    #[tokio::test(start_paused = true)]
    async fn a_connection_is_idle_only_after_the_timeout_without_a_byte() {
        let (a, mut b) = tokio::io::duplex(64);
        let activity = Activity::new();
        let mut tracked = Tracked::new(a, activity.clone());
        let timeout = Duration::from_secs(10);
        tokio::time::sleep(Duration::from_secs(8)).await;
        tracked.write_all(b"x").await.unwrap();
        let mut byte = [0u8; 1];
        b.read_exact(&mut byte).await.unwrap();
        let started = Instant::now();
        activity.idle_for(timeout).await;
        assert!(
            started.elapsed() >= timeout,
            "the write 8 s in restarted the clock: idle {:?} after it",
            started.elapsed()
        );
    }
}
