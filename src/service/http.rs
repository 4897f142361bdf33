//! The HTTP side of the service (axum, one port): `/metrics`, the JSON API, health probes and
//! the wallboard at `/` (with its stream, `/api/v1/stream`).
//!
//! No async worker ever waits for the state lock or builds a large answer: every handler that
//! reads the state runs on the blocking pool ([`off_worker`]), takes what it needs under the
//! lock and writes the answer after releasing it, so `/healthz` answers during any scrape.
//! With `http.tokens_file`, [`auth::require`] guards every route and the handlers show a
//! token limited to some queues only those ([`visible`]).

use super::alerts;
use super::auth::{self, Grant};
use super::intervals;
use super::json_error::{bad_request, error};
use super::kpis::{self, LiveWindow};
use super::metrics;
use super::query::Query;
use super::shutdown::Shutdown;
use super::state::Shared;
use super::visible;
use super::wallboard;
use crate::time::{rfc3339, Millis};
use axum::extract::State as AxumState;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::StreamExt as _;
use prometheus::Registry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone)]
struct App {
    shared: Shared,
    registry: Arc<Registry>,
    /// The latest board of each window and when it was built: every wallboard open shares
    /// it, so the state is locked for one board a second, not one per screen.
    boards: Arc<Boards>,
    /// Ends the wallboards' streams when the server stops.
    stop: Shutdown,
    /// One permit per open event stream (`http.max_streams`).
    streams: Arc<tokio::sync::Semaphore>,
}

/// The latest board of each window (by name) and viewer ([`Grant::key`]), when it was built,
/// the input's change number it shows ([`super::state::State::changes`]), and its JSON.
type Boards = std::sync::Mutex<BTreeMap<(&'static str, String), (Instant, u64, Arc<str>)>>;

/// A board younger than this, of the same change number, is served again rather than built
/// anew.
const BOARD_FRESH: Duration = Duration::from_millis(500);

/// The router of a service over `shared`.
pub fn router(shared: Shared) -> Router {
    router_until(shared, Shutdown::new())
}

/// The router of a service over `shared` whose event streams end when `stop` is triggered.
pub fn router_until(shared: Shared, stop: Shutdown) -> Router {
    let registry = Arc::new(metrics::registry(&shared));
    let tokens = shared.lock().config.service.tokens.clone();
    let max_streams = shared.lock().config.service.http.max_streams;
    let router = Router::new()
        .route("/", get(page))
        .route(wallboard::CSS_PATH, get(css))
        .route(wallboard::JS_PATH, get(js))
        .route(wallboard::AUTH_JS_PATH, get(auth_js))
        .route("/api/v1/board", get(board_json))
        .route("/api/v1/stream", get(stream))
        .route("/metrics", get(metrics_text))
        .route("/api/v1/kpis", get(kpis_json))
        .route("/api/v1/intervals", get(intervals_json))
        .route("/api/v1/outages", get(outages_json))
        .route("/api/v1/rejected", get(rejected_json))
        .route("/api/v1/alerts", get(alerts_json))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(App {
            shared,
            registry,
            boards: Arc::default(),
            stop,
            streams: Arc::new(tokio::sync::Semaphore::new(max_streams)),
        });
    match tokens {
        Some(tokens) => router.layer(axum::middleware::from_fn_with_state(
            Arc::new(tokens),
            auth::require,
        )),
        None => router,
    }
}

/// Runs `f` on the blocking pool and waits for it there: `None` if it panicked (logged).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::error!(error = %e, "an HTTP answer failed");
            None
        }
    }
}

/// The answer `f` builds, built off the async workers (see the module's doc).
async fn off_worker(f: impl FnOnce() -> Response + Send + 'static) -> Response {
    blocking(f).await.unwrap_or_else(|| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the answer could not be built".into(),
        )
    })
}

/// A wallboard asset: its content type, the CSP that forbids loads from elsewhere, no sniffing.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_SECURITY_POLICY,
                wallboard::CONTENT_SECURITY_POLICY,
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn page() -> Response {
    asset("text/html; charset=utf-8", wallboard::INDEX_HTML)
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", wallboard::CSS)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", wallboard::JS)
}

async fn auth_js() -> Response {
    asset("text/javascript; charset=utf-8", wallboard::AUTH_JS)
}

#[derive(Debug, Deserialize)]
struct BoardQuery {
    window: Option<String>,
}

fn board_window(q: &BoardQuery) -> Result<LiveWindow, String> {
    let name = q.window.as_deref().unwrap_or("15m");
    LiveWindow::parse(name)
        .ok_or_else(|| format!("window must be one of 15m, 60m, today, interval, got {name:?}"))
}

/// One wallboard payload, as each event of `/api/v1/stream` carries it.
async fn board_json(
    AxumState(app): AxumState<App>,
    grant: Grant,
    Query(q): Query<BoardQuery>,
) -> Response {
    let window = match board_window(&q) {
        Ok(w) => w,
        Err(e) => return bad_request(e),
    };
    off_worker(move || {
        let version = app.shared.lock().change_number();
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
    let board: Arc<str> = if grant.sees_all() {
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
async fn stream(
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
    let changes = app.shared.lock().changes();
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

async fn metrics_text(AxumState(app): AxumState<App>) -> Response {
    off_worker(move || {
        let text = metrics::render(&app.registry);
        (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response()
    })
    .await
}

#[derive(Debug, Deserialize)]
struct KpisQuery {
    window: Option<String>,
    queue: Option<String>,
}

async fn kpis_json(
    AxumState(app): AxumState<App>,
    grant: Grant,
    Query(q): Query<KpisQuery>,
) -> Response {
    let name = q.window.as_deref().unwrap_or("15m");
    let Some(window) = LiveWindow::parse(name) else {
        return bad_request(format!(
            "window must be one of 15m, 60m, today, interval, got {name:?}"
        ));
    };
    if let Some(queue) = q.queue.as_deref().filter(|q| !grant.sees(q)) {
        return error(
            StatusCode::FORBIDDEN,
            format!(
                "token {:?} does not see queue {queue:?}",
                grant.token.as_deref().unwrap_or_default()
            ),
        );
    }
    off_worker(move || kpis_answer(&app, &grant, window, q)).await
}

/// The snapshot taken under the lock, written after.
fn kpis_answer(app: &App, grant: &Grant, window: LiveWindow, q: KpisQuery) -> Response {
    let snapshot = kpis::snapshot(&app.shared.lock(), window, q.queue.as_deref());
    match snapshot {
        Some(snapshot) => Json(visible::snapshot(grant, snapshot)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!(
                "no queue named {:?} has been seen",
                q.queue.unwrap_or_default()
            ),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct IntervalsQuery {
    from: Option<String>,
    to: Option<String>,
    queue: Option<String>,
}

/// Parses an optional RFC 3339 bound of `/api/v1/intervals`; the error names it.
fn bound(key: &str, value: Option<&str>, default: Millis) -> Result<Millis, String> {
    match value {
        None => Ok(default),
        Some(text) => rfc3339::parse(text)
            .ok_or_else(|| format!("{key} must be an RFC 3339 time with an offset, got {text:?}")),
    }
}

async fn intervals_json(
    AxumState(app): AxumState<App>,
    grant: Grant,
    Query(q): Query<IntervalsQuery>,
) -> Response {
    let (from, to) = match (
        bound("from", q.from.as_deref(), Millis::MIN),
        bound("to", q.to.as_deref(), Millis::MAX),
    ) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(e), _) | (_, Err(e)) => return bad_request(e),
    };
    off_worker(move || {
        let rows = intervals::rows(&app.shared.lock(), from, to);
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| match &q.queue {
                Some(queue) => r.record.queue.as_deref() == Some(queue.as_str()),
                None => true,
            })
            .filter(|r| visible::record(&grant, &r.record))
            .collect();
        Json(rows).into_response()
    })
    .await
}

async fn outages_json(AxumState(app): AxumState<App>) -> Response {
    off_worker(move || outages_answer(&app)).await
}

fn outages_answer(app: &App) -> Response {
    #[derive(Serialize)]
    struct Row {
        component: String,
        start: String,
        end: String,
        seconds: f64,
        cause: &'static str,
        /// Recovered within the 30 minutes of clause 11.2.1.
        within_30_minutes: bool,
    }
    let state = app.shared.lock();
    let calendar = state.engine.calendar();
    let rows: Vec<Row> = state
        .outages()
        .map(|o| Row {
            component: o.component.clone(),
            start: calendar.format(o.start),
            end: calendar.format(o.end),
            seconds: o.duration() as f64 / 1_000.0,
            cause: o.cause,
            within_30_minutes: o.duration() <= 30 * crate::time::MINUTE,
        })
        .collect();
    Json(rows).into_response()
}

async fn rejected_json(AxumState(app): AxumState<App>) -> Response {
    off_worker(move || rejected_answer(&app)).await
}

fn rejected_answer(app: &App) -> Response {
    #[derive(Serialize)]
    struct Row {
        reason: String,
        source: String,
        partition: i32,
        offset: i64,
        at: String,
        bytes: String,
    }
    let state = app.shared.lock();
    let calendar = state.engine.calendar();
    let rows: Vec<Row> = state
        .rejected()
        .map(|(r, at)| Row {
            reason: r.reason.code(),
            source: state
                .sources
                .get(r.origin.source as usize)
                .cloned()
                .unwrap_or_default(),
            partition: r.origin.partition,
            offset: r.origin.offset,
            at: calendar.format(*at),
            bytes: String::from_utf8_lossy(&r.bytes).into_owned(),
        })
        .collect();
    Json(rows).into_response()
}

/// The certification alerts: the profile, the active (pending and firing) alerts and the
/// recently resolved ones, newest first.
async fn alerts_json(AxumState(app): AxumState<App>, grant: Grant) -> Response {
    off_worker(move || alerts_answer(&app, &grant)).await
}

fn alerts_answer(app: &App, grant: &Grant) -> Response {
    #[derive(Serialize)]
    struct ProfileHead<'a> {
        id: &'a str,
        standard: &'a str,
        name_zh: &'a str,
        name_en: &'a str,
        criteria: usize,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        profile: ProfileHead<'a>,
        /// The live clock now (alerts are judged every `alerts.evaluation_interval` of it).
        as_of: Option<String>,
        active: Vec<alerts::AlertView<'a>>,
        resolved: Vec<alerts::AlertView<'a>>,
    }
    let state = app.shared.lock();
    let Some(live) = &state.alerts else {
        return error(
            StatusCode::NOT_FOUND,
            "alerts are off: alerts.profile is empty".into(),
        );
    };
    let calendar = state.engine.calendar();
    let p = live.profile();
    let at = state.clock();
    let body = Body {
        profile: ProfileHead {
            id: &p.id,
            standard: &p.standard,
            name_zh: &p.name_zh,
            name_en: &p.name_en,
            criteria: p.criteria.len(),
        },
        as_of: (at > Millis::MIN).then(|| calendar.format(at)),
        active: live
            .alerts
            .active()
            .map(|a| alerts::view(a, calendar))
            .filter(|a| visible::alert(grant, a))
            .collect(),
        resolved: live
            .alerts
            .history()
            .map(|a| alerts::view(a, calendar))
            .filter(|a| visible::alert(grant, a))
            .collect(),
    };
    Json(visible::Noted {
        body,
        access: visible::access(grant),
    })
    .into_response()
}

async fn readyz(AxumState(app): AxumState<App>) -> Response {
    off_worker(move || {
        let ready = app.shared.lock().ready();
        match ready {
            Ok(()) => (StatusCode::OK, "ready\n").into_response(),
            Err(why) => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {why}\n"),
            )
                .into_response(),
        }
    })
    .await
}
