//! `GET /api/v1/callbacks?queue=`: today's callers to call back ([`crate::service::callbacks`]),
//! as the caller's token sees them (numbers masked without the `pii` scope).

use super::{error, off_worker, unseen_queue, App};
use crate::service::auth::Grant;
use crate::service::callbacks;
use crate::service::query::Query;
use crate::service::visible;
use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(super) struct CallbacksQuery {
    queue: Option<String>,
}

/// Today's callers to call back, per queue, oldest first (see [`callbacks`]).
pub(super) async fn callbacks_json(
    AxumState(app): AxumState<App>,
    grant: Grant,
    Query(q): Query<CallbacksQuery>,
) -> Response {
    if let Some(refused) = unseen_queue(&grant, q.queue.as_deref()) {
        return refused;
    }
    off_worker(move || {
        let state = app.shared.lock();
        let queue = q.queue.as_deref();
        if let Some(name) = queue.filter(|n| state.engine.names().queues.get(n).is_none()) {
            return error(
                StatusCode::NOT_FOUND,
                format!("no queue named {name:?} has been seen"),
            );
        }
        let list = callbacks::list(&state, &grant, queue, callbacks::API_ENTRIES);
        drop(state);
        Json(visible::Noted {
            body: list,
            access: visible::access(&grant),
        })
        .into_response()
    })
    .await
}
