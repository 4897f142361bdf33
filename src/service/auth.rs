//! Access control of the HTTP side. With `http.tokens_file` set, every request but the health
//! probes and the wallboard's own page and assets (compiled-in text, no data) must carry
//! `Authorization: Bearer TOKEN` with a token of the file, as Prometheus sends it from its
//! `authorization` (or `bearer_token_file`) scrape setting. The token's hash is compared with
//! every hash of the file in constant time.
//!
//! - no token or an unknown one: `401` with `WWW-Authenticate: Bearer`;
//! - a token without the scope the endpoint needs: `403` (`/api/v1/rejected` needs `pii`,
//!   everything else `read`; `admin` grants both);
//! - a token without `pii` (or `admin`) sees callers' numbers masked (the callback list on
//!   `/api/v1/callbacks` and the wallboard: [`Grant::masked`]);
//! - a token limited to some queues cannot read what shows every queue (`/metrics`,
//!   `/api/v1/rejected`): `403`; elsewhere the handlers show it only its queues (the
//!   [`Grant`] the middleware leaves in the request).
//!
//! Without a tokens file the middleware is not installed and every endpoint is open.

use super::json_error::error;
use super::wallboard;
use crate::config::{Token, TokenScope, Tokens};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;

/// What the caller of a request may see: every queue (no tokens file, or a token for all
/// queues), or only the queues of its token.
#[derive(Debug, Clone, Default)]
pub struct Grant {
    /// The token's name; `None` without a tokens file.
    pub token: Option<Arc<str>>,
    /// The only queues the caller sees; `None`: every queue and the center totals.
    pub queues: Option<Arc<BTreeSet<String>>>,
    /// Callers' numbers are masked (a token without the `pii` scope); shown in full without
    /// a tokens file, as every endpoint is open then.
    pub masked: bool,
}

impl Grant {
    fn of(token: &Token) -> Grant {
        Grant {
            token: Some(token.name.as_str().into()),
            queues: token.queues.clone().map(Arc::new),
            masked: !token.grants(TokenScope::Pii),
        }
    }

    /// Whether the caller sees queue `name`.
    pub fn sees(&self, name: &str) -> bool {
        self.queues.as_ref().map_or(true, |q| q.contains(name))
    }

    /// Whether the caller sees every queue (and so the center totals).
    pub fn sees_all(&self) -> bool {
        self.queues.is_none()
    }

    /// A key that tells apart callers who see different things (`""`: every queue, numbers
    /// in full).
    pub fn key(&self) -> String {
        let queues = match (&self.queues, &self.token) {
            (Some(_), Some(name)) => name.to_string(),
            _ => String::new(),
        };
        match self.masked {
            true => format!("masked/{queues}"),
            false if queues.is_empty() => queues,
            false => format!("/{queues}"),
        }
    }
}

/// The grant the middleware left in the request; every queue when there is none (no
/// tokens file).
impl<S: Send + Sync> FromRequestParts<S> for Grant {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Grant>().cloned().unwrap_or_default())
    }
}

/// What a path needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Nothing: the probes and the wallboard's compiled-in page and assets.
    Open,
    /// A token with this scope; `all_queues`: one not limited to some queues.
    Scope { scope: TokenScope, all_queues: bool },
}

fn need(path: &str) -> Need {
    match path {
        "/healthz" | "/readyz" | "/" => Need::Open,
        p if [
            wallboard::CSS_PATH,
            wallboard::JS_PATH,
            wallboard::AUTH_JS_PATH,
            wallboard::CALLBACKS_JS_PATH,
            wallboard::CALLBACKS_CSS_PATH,
            wallboard::AGENTS_JS_PATH,
            wallboard::AGENTS_CSS_PATH,
            wallboard::TREND_JS_PATH,
            wallboard::TREND_CSS_PATH,
        ]
        .contains(&p) =>
        {
            Need::Open
        }
        "/metrics" => Need::Scope {
            scope: TokenScope::Read,
            all_queues: true,
        },
        "/api/v1/rejected" => Need::Scope {
            scope: TokenScope::Pii,
            all_queues: true,
        },
        _ => Need::Scope {
            scope: TokenScope::Read,
            all_queues: false,
        },
    }
}

/// The bearer token of `Authorization: Bearer TOKEN` (the scheme in any case), if any.
fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `401` with the challenge a client answers with a bearer token.
fn unauthorized(message: &str, invalid: bool) -> Response {
    let mut response = error(StatusCode::UNAUTHORIZED, message.into());
    let challenge = if invalid {
        "Bearer realm=\"callpulse\", error=\"invalid_token\""
    } else {
        "Bearer realm=\"callpulse\""
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// The middleware: lets a request through with its [`Grant`], or answers 401/403.
pub async fn require(
    State(tokens): State<Arc<Tokens>>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    // For the logs: the path is the client's, so escaped (`?`) and cut short.
    let logged: String = path.chars().take(100).collect();
    let (scope, all_queues) = match need(path) {
        Need::Open => return next.run(request).await,
        Need::Scope { scope, all_queues } => (scope, all_queues),
    };
    let Some(presented) = bearer(&request) else {
        tracing::debug!(path = ?logged, "refused: no bearer token");
        return unauthorized(
            "this endpoint needs a token: send the header Authorization: Bearer TOKEN",
            false,
        );
    };
    let Some(token) = tokens.find(presented) else {
        tracing::info!(path = ?logged, "refused: unknown bearer token");
        return unauthorized("the bearer token is not valid", true);
    };
    if !token.grants(scope) {
        tracing::info!(path = ?logged, token = %token.name, "refused: scope missing");
        return error(
            StatusCode::FORBIDDEN,
            format!(
                "token {:?} lacks the {} scope that {path:?} needs",
                token.name,
                scope.name()
            ),
        );
    }
    if all_queues && token.queues.is_some() {
        tracing::info!(path = ?logged, token = %token.name, "refused: token limited to some queues");
        return error(
            StatusCode::FORBIDDEN,
            format!(
                "token {:?} is limited to some queues; {path:?} shows every queue",
                token.name
            ),
        );
    }
    let grant = Grant::of(token);
    request.extensions_mut().insert(grant);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_probes_and_the_compiled_in_page_are_open() {
        for open in [
            "/healthz",
            "/readyz",
            "/",
            wallboard::JS_PATH,
            wallboard::CSS_PATH,
            wallboard::AGENTS_JS_PATH,
            wallboard::AGENTS_CSS_PATH,
            wallboard::TREND_JS_PATH,
            wallboard::TREND_CSS_PATH,
        ] {
            assert_eq!(need(open), Need::Open, "{open}");
        }
        for closed in [
            "/metrics",
            "/api/v1/kpis",
            "/api/v1/agents",
            "/api/v1/stream",
            "/healthz/",
            "/wallboard/../api/v1/rejected",
            "/nowhere",
        ] {
            assert_ne!(need(closed), Need::Open, "{closed}");
        }
        assert_eq!(
            need("/api/v1/rejected"),
            Need::Scope {
                scope: TokenScope::Pii,
                all_queues: true
            }
        );
    }
}
