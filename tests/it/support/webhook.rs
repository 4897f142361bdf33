//! A webhook receiver standing in for Alertmanager's receivers and for callpulse's
//! `webhook_url`: a small axum app on a loopback port that records every request it takes
//! (path, JSON body, the status it answered) for the test to read in order, answering 200, or
//! the statuses it was told to give first.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// One request the receiver took: its path, its JSON body (`null` when it is not JSON) and
/// the status it answered.
#[derive(Debug)]
pub struct Received {
    pub path: String,
    pub body: Value,
    pub answered: u16,
}

/// The receiver, served by its own thread until it is dropped.
pub struct Webhook {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    rx: mpsc::Receiver<Received>,
    /// Stops the server (the serving thread is not joined: a graceful shutdown waits for the
    /// keep-alive connections a process under test may still hold).
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(Clone)]
struct Shared {
    /// The statuses still to answer before 200s.
    first: Arc<Mutex<VecDeque<StatusCode>>>,
    tx: mpsc::Sender<Received>,
}

async fn take(State(shared): State<Shared>, uri: Uri, body: Bytes) -> StatusCode {
    let status = shared
        .first
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(StatusCode::OK);
    let _ = shared.tx.send(Received {
        path: uri.path().to_string(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        answered: status.as_u16(),
    });
    status
}

impl Webhook {
    /// A receiver answering `first` to its first requests (one status each), then 200.
    pub fn start(first: &[StatusCode]) -> Webhook {
        let (tx, rx) = mpsc::channel();
        let shared = Shared {
            first: Arc::new(Mutex::new(first.iter().copied().collect())),
            tx,
        };
        let app = axum::Router::new().fallback(take).with_state(shared);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, base) = mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                bound
                    .send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        Webhook {
            base: base.recv().expect("the receiver binds a port"),
            rx,
            stop: Some(stop),
        }
    }

    /// The next request, waiting at most `within`.
    pub fn next(&self, what: &str, within: Duration) -> Received {
        self.rx
            .recv_timeout(within)
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    }

    /// Requests already received and not yet taken.
    pub fn pending(&self) -> Vec<Received> {
        self.rx.try_iter().collect()
    }
}

impl Drop for Webhook {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
