//! `GET /api/v1/trend?queue=`: the service level's last 24 hours, today's share of intervals
//! that met the target and today against last week ([`crate::service::trend`]), as the
//! caller's token sees it (a token limited to some queues gets those queues only).

use super::{error, off_worker, unseen_queue, App};
use crate::service::auth::Grant;
use crate::service::query::Query;
use crate::service::trend;
use crate::service::visible;
use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct TrendQuery {
    queue: Option<String>,
}

/// `/api/v1/trend`: the live part under the lock, last week from the store after it.
pub(super) async fn trend_json(
    AxumState(app): AxumState<App>,
    grant: Grant,
    Query(q): Query<TrendQuery>,
) -> Response {
    if let Some(refused) = unseen_queue(&grant, q.queue.as_deref()) {
        return refused;
    }
    off_worker(move || {
        let sees = |name: Option<&str>| name.map_or(grant.sees_all(), |n| grant.sees(n));
        let (mut answer, last_week) = trend::live(&app.shared.lock(), q.queue.as_deref(), sees);
        if let Some(queue) = q.queue.as_deref().filter(|_| answer.scopes.is_empty()) {
            return error(
                StatusCode::NOT_FOUND,
                format!("no queue named {queue:?} has been seen"),
            );
        }
        if let Some(last_week) = last_week {
            trend::fill_last_week(&mut answer, &last_week);
        }
        Json(visible::Noted {
            body: answer,
            access: visible::access(&grant),
        })
        .into_response()
    })
    .await
}
