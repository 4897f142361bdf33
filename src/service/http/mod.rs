//! The HTTP side of the service (axum, one port): `/metrics`, the JSON API, health probes and
//! the wallboard at `/` (with its stream, `/api/v1/stream`).
//!
//! No async worker ever waits for the state lock or builds a large answer: every handler that
//! reads the state runs on the blocking pool ([`off_worker`]), takes what it needs under the
//! lock and writes the answer after releasing it, so `/healthz` answers during any scrape.
//! With `http.tokens_file`, [`auth::require`] guards every route and the handlers show a
//! token limited to some queues only those ([`visible`]).

mod agents;
mod board;
mod callbacks;
mod trend;

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
use board::{board_json, stream, Boards};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone)]
struct App {
    shared: Shared,
    metrics: Arc<metrics::Metrics>,
    /// The latest board of each window and when it was built: every wallboard open shares
    /// it, so the state is locked for one board a second, not one per screen.
    boards: Arc<Boards>,
    /// Ends the wallboards' streams when the server stops.
    stop: Shutdown,
    /// One permit per open event stream (`http.max_streams`).
    streams: Arc<tokio::sync::Semaphore>,
    /// The input's change number ([`super::state::State::changes`]), read without the lock.
    changes: tokio::sync::watch::Receiver<u64>,
}

/// The router of a service over `shared`.
pub fn router(shared: Shared) -> Router {
    router_until(shared, Shutdown::new())
}

/// The router of a service over `shared` whose event streams end when `stop` is triggered.
pub fn router_until(shared: Shared, stop: Shutdown) -> Router {
    let metrics = Arc::new(metrics::Metrics::new(&shared));
    let tokens = shared.lock().config.service.tokens.clone();
    let max_streams = shared.lock().config.service.http.max_streams;
    let changes = shared.lock().changes();
    let router = Router::new()
        .route("/", get(page))
        .route(wallboard::CSS_PATH, get(css))
        .route(wallboard::JS_PATH, get(js))
        .route(wallboard::AUTH_JS_PATH, get(auth_js))
        .route(wallboard::CALLBACKS_JS_PATH, get(callbacks_js))
        .route(wallboard::CALLBACKS_CSS_PATH, get(callbacks_css))
        .route(wallboard::AGENTS_JS_PATH, get(agents_js))
        .route(wallboard::AGENTS_CSS_PATH, get(agents_css))
        .route(wallboard::TREND_JS_PATH, get(trend_js))
        .route(wallboard::TREND_CSS_PATH, get(trend_css))
        .route("/api/v1/agents", get(agents::agents_json))
        .route("/api/v1/board", get(board_json))
        .route("/api/v1/stream", get(stream))
        .route("/metrics", get(metrics_text))
        .route("/api/v1/kpis", get(kpis_json))
        .route("/api/v1/intervals", get(intervals_json))
        .route("/api/v1/trend", get(trend::trend_json))
        .route("/api/v1/outages", get(outages_json))
        .route("/api/v1/rejected", get(rejected_json))
        .route("/api/v1/alerts", get(alerts_json))
        .route("/api/v1/callbacks", get(callbacks::callbacks_json))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(App {
            shared,
            metrics,
            boards: Arc::default(),
            stop,
            streams: Arc::new(tokio::sync::Semaphore::new(max_streams)),
            changes,
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

/// 403 for a `queue` the caller's token does not see; `None` when it sees it (or none is named).
fn unseen_queue(grant: &Grant, queue: Option<&str>) -> Option<Response> {
    let queue = queue.filter(|q| !grant.sees(q))?;
    Some(error(
        StatusCode::FORBIDDEN,
        format!(
            "token {:?} does not see queue {queue:?}",
            grant.token.as_deref().unwrap_or_default()
        ),
    ))
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

async fn callbacks_js() -> Response {
    asset("text/javascript; charset=utf-8", wallboard::CALLBACKS_JS)
}

async fn callbacks_css() -> Response {
    asset("text/css; charset=utf-8", wallboard::CALLBACKS_CSS)
}

async fn auth_js() -> Response {
    asset("text/javascript; charset=utf-8", wallboard::AUTH_JS)
}

async fn agents_js() -> Response {
    asset("text/javascript; charset=utf-8", wallboard::AGENTS_JS)
}

async fn agents_css() -> Response {
    asset("text/css; charset=utf-8", wallboard::AGENTS_CSS)
}

async fn trend_js() -> Response {
    asset("text/javascript; charset=utf-8", wallboard::TREND_JS)
}

async fn trend_css() -> Response {
    asset("text/css; charset=utf-8", wallboard::TREND_CSS)
}

async fn metrics_text(AxumState(app): AxumState<App>) -> Response {
    off_worker(move || {
        let text = metrics::render(&app.metrics);
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
    if let Some(refused) = unseen_queue(&grant, q.queue.as_deref()) {
        return refused;
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
