//! `GET /api/v1/agents?queue=`: the live agents view ([`crate::service::agents`]) as the
//! caller's token sees it (a token limited to some queues sees the agents of those queues
//! only, each with only those of its queues).

use super::{error, off_worker, unseen_queue, App};
use crate::service::agents;
use crate::service::auth::Grant;
use crate::service::query::Query;
use crate::service::visible;
use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(super) struct AgentsQuery {
    queue: Option<String>,
}

pub(super) async fn agents_json(
    AxumState(app): AxumState<App>,
    grant: Grant,
    Query(q): Query<AgentsQuery>,
) -> Response {
    if let Some(refused) = unseen_queue(&grant, q.queue.as_deref()) {
        return refused;
    }
    off_worker(move || {
        let view = agents::view(&app.shared.lock(), &grant, q.queue.as_deref());
        match view {
            Some(body) => Json(visible::Noted {
                body,
                access: visible::access(&grant),
            })
            .into_response(),
            None => error(
                StatusCode::NOT_FOUND,
                format!(
                    "no queue named {:?} has been seen",
                    q.queue.unwrap_or_default()
                ),
            ),
        }
    })
    .await
}
