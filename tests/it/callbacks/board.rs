//! The board's callback list through one router, as screens of different viewers share it:
//! one token's board is never served to another who may see less.

use super::day;
use crate::http_access::tokens_file;
use crate::support::service::feed_all;
use axum::http::header;
use callpulse::config::{Config, Tokens};
use callpulse::service::{Shared, State};
use callpulse::time::rfc3339;
use serde_json::Value;
use tower::ServiceExt as _;

#[tokio::test]
async fn one_router_serves_the_board_masked_to_a_read_token_and_in_full_to_a_pii_token() {
    let mut cfg = Config::default();
    cfg.engine.lateness = 0;
    cfg.service.tokens = Some(Tokens::parse(&tokens_file()).unwrap());
    let shared = Shared::new(State::new(cfg, vec!["test".into()]));
    let t0 = rfc3339::parse("2026-11-02T10:00:00Z").unwrap();
    feed_all(&shared, &day(t0), t0 + 300_000);
    let router = callpulse::service::http::router(shared);
    // The full board first: a read token asking within the board's freshness must not get it.
    for (token, second) in [
        ("auditor", "13900005678"),
        ("reader", "*******5678"),
        ("boss", "13900005678"),
        ("sup-q2", ""),
    ] {
        let request = axum::http::Request::get("/api/v1/board")
            .header(header::AUTHORIZATION, format!("Bearer {token}-secret"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200, "{token}");
        let body = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap();
        let board: Value = serde_json::from_slice(&body).unwrap();
        let queues = board["callbacks"]["queues"].as_array().unwrap();
        if second.is_empty() {
            assert!(queues.is_empty(), "{token} does not see sales: {queues:?}");
            continue;
        }
        assert_eq!(queues[0]["pending"], 2, "{token}");
        assert_eq!(
            queues[0]["entries"][1]["customer"], second,
            "{token}: {board}"
        );
    }
}
