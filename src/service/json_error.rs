//! The body of every HTTP answer that is not a success: `{"error": "…"}` with the status that
//! says what went wrong, so a client reads one shape of error from every endpoint.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// An answer of `status` with a JSON body naming the problem.
pub fn error(status: StatusCode, message: String) -> Response {
    #[derive(Serialize)]
    struct Body {
        error: String,
    }
    (status, Json(Body { error: message })).into_response()
}

/// A `400 Bad Request` with a JSON body naming the problem.
pub fn bad_request(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}
