//! The wallboard's payload over HTTP: `/api/v1/board` once, `/api/v1/stream` as Server-Sent
//! Events. One board per window and viewer is built at a time and shared by every screen
//! open; a stream pushes a new one as soon as the input changed something, at most once a
//! second and at least every 5 s.

use super::{blocking, off_worker, App};
use crate::service::auth::Grant;
use crate::service::json_error::{bad_request, error};
use crate::service::kpis::LiveWindow;
use crate::service::query::Query;
use crate::service::{visible, wallboard};
use axum::extract::State as AxumState;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The latest board of each window (by name) and viewer ([`Grant::key`]), when it was built,
/// the input's change number it shows ([`super::state::State::changes`]), and its JSON.
pub(super) type Boards =
    std::sync::Mutex<BTreeMap<(&'static str, String), (Instant, u64, Arc<str>)>>;

/// A board younger than this, of the same change number, is served again rather than built
/// anew.
const BOARD_FRESH: Duration = Duration::from_millis(500);

#[derive(Debug, Deserialize)]
pub(super) struct BoardQuery {
    window: Option<String>,
}

fn board_window(q: &BoardQuery) -> Result<LiveWindow, String> {
    let name = q.window.as_deref().unwrap_or("15m");
    LiveWindow::parse(name)
        .ok_or_else(|| format!("window must be one of 15m, 60m, today, interval, got {name:?}"))
}

/// One wallboard payload, as each event of `/api/v1/stream` carries it.
pub(super) async fn board_json(
    AxumState(app): AxumState<App>,
    grant: Grant,
    Query(q): Query<BoardQuery>,
) -> Response {
    let window = match board_window(&q) {
        Ok(w) => w,
        Err(e) => return bad_request(e),
    };
    off_worker(move || {
        let version = *app.changes.borrow();
        let body = board(&app, window, &grant, version);
        (
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    })
    .await
}

/// The board of `window` as `grant` sees it after the input's change `version`: the shared
/// one while fresh, else built now (and shared). Blocks: call it off the async workers.
fn board(app: &App, window: LiveWindow, grant: &Grant, version: u64) -> Arc<str> {
    let key = (window.name(), grant.key());
    let mut boards = app.boards.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((built, seen, board)) = boards.get(&key) {
        if *seen >= version && built.elapsed() < BOARD_FRESH {
            return board.clone();
        }
    }
    let board: Arc<str> = if grant.sees_all() && !grant.masked {
        wallboard::board_json(&app.shared.lock(), window).into()
    } else {
        let state = app.shared.lock();
        let seen = visible::board(grant, wallboard::board(&state, window));
        serde_json::to_string(&seen)
            .expect("a board serialises")
            .into()
    };
    boards.insert(key, (Instant::now(), version, board.clone()));
    board
}

/// Server-Sent Events: a wallboard payload at once, then as soon as the input changed
/// something ([`super::state::State::changes`]), at most every
/// [`wallboard::PUSH_AT_MOST_EVERY_MS`] and at least every
/// [`wallboard::PUSH_AT_LEAST_EVERY_MS`]; comments keep an idle proxy from closing the
/// connection; the browser reconnects after `retry` (2 s) when it drops.
pub(super) async fn stream(
    AxumState(app): AxumState<App>,
    grant: Grant,
    Query(q): Query<BoardQuery>,
) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use std::time::Duration;
    let window = match board_window(&q) {
        Ok(w) => w,
        Err(e) => return bad_request(e),
    };
    // Held by the stream: released when it ends or its client goes.
    let Ok(permit) = app.streams.clone().try_acquire_owned() else {
        let mut refused = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many event streams open (http.max_streams); try again later".into(),
        );
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        return refused;
    };
    let at_most = Duration::from_millis(wallboard::PUSH_AT_MOST_EVERY_MS);
    let at_least = Duration::from_millis(wallboard::PUSH_AT_LEAST_EVERY_MS);
    let stop = app.stop.clone();
    let changes = app.changes.clone();
    let events = futures_util::stream::unfold(
        ((app, grant, permit, changes), None::<tokio::time::Instant>),
        move |((app, grant, permit, mut changes), last)| async move {
            if let Some(last) = last {
                tokio::select! {
                    changed = changes.changed() => {
                        if changed.is_err() {
                            // The input is gone: only the idle pushes are left.
                            tokio::time::sleep_until(last + at_least).await;
                        }
                    }
                    _ = tokio::time::sleep_until(last + at_least) => {}
                }
                tokio::time::sleep_until(last + at_most).await;
            }
            let version = *changes.borrow_and_update();
            let data = {
                let (app, grant) = (app.clone(), grant.clone());
                blocking(move || board(&app, window, &grant, version)).await?
            };
            let mut event = Event::default().event("board").data(&*data);
            if last.is_none() {
                event = event.retry(Duration::from_secs(2));
            }
            let sent = tokio::time::Instant::now();
            Some((
                Ok::<_, std::convert::Infallible>(event),
                ((app, grant, permit, changes), Some(sent)),
            ))
        },
    )
    .take_until(Box::pin(async move { stop.wait().await }));
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
