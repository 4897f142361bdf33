//! The query-string extractor of the HTTP side: axum's `Query`, except that a query it cannot
//! read (a duplicate parameter such as `?window=15m&window=60m`, a value of the wrong type)
//! gets the same JSON `400` as every other bad request, not axum's plain-text one.

use super::json_error::bad_request;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use serde::de::DeserializeOwned;

/// The longest part of a bad query string an error quotes back.
const QUOTE_MAX: usize = 200;

/// The parameters of a request's query string, as `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::try_from_uri(&parts.uri) {
            Ok(axum::extract::Query(t)) => Ok(Query(t)),
            Err(rejection) => {
                // The deserializer's own words, without axum's capitalised preamble.
                let mut cause: &dyn std::error::Error = &rejection;
                while let Some(inner) = cause.source() {
                    cause = inner;
                }
                let text = parts.uri.query().unwrap_or_default();
                let quoted: String = text.chars().take(QUOTE_MAX).collect();
                let more = if quoted.len() < text.len() { "…" } else { "" };
                Err(bad_request(format!(
                    "invalid query {quoted:?}{more}: {cause}"
                )))
            }
        }
    }
}
