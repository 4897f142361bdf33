//! The wallboard's assets: built in, with their content types, a Content-Security-Policy
//! against other origins, nothing loaded from elsewhere, no inline script or style.

use super::board::*;
use crate::support::service::Service;
use std::time::Duration;

// ---- the assets ----------------------------------------------------------------------------

/// GET `url`: status, the headers asked for (lower-case names) and the body.
fn get_with_headers(url: &str, names: &[&str]) -> (u16, Vec<Option<String>>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent.get(url).call().unwrap();
    let headers = names
        .iter()
        .map(|n| {
            response
                .headers()
                .get(*n)
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap();
    (status, headers, body)
}

#[test]
fn the_wallboard_assets_are_built_in_with_their_types_and_a_policy_against_other_origins() {
    let demo = Service::start(&["demo", "--seed", "7"], &[]);
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/wallboard/wallboard.css", "text/css; charset=utf-8"),
        ("/wallboard/wallboard.js", "text/javascript; charset=utf-8"),
        ("/wallboard/auth.js", "text/javascript; charset=utf-8"),
        ("/wallboard/callbacks.js", "text/javascript; charset=utf-8"),
        ("/wallboard/callbacks.css", "text/css; charset=utf-8"),
        ("/wallboard/agents.js", "text/javascript; charset=utf-8"),
        ("/wallboard/agents.css", "text/css; charset=utf-8"),
        ("/wallboard/trend.js", "text/javascript; charset=utf-8"),
        ("/wallboard/trend.css", "text/css; charset=utf-8"),
        ("/wallboard/colours.js", "text/javascript; charset=utf-8"),
        ("/wallboard/signal.js", "text/javascript; charset=utf-8"),
        ("/wallboard/signal.css", "text/css; charset=utf-8"),
    ] {
        let (code, h, body) = get_with_headers(
            &format!("{}{path}", demo.base),
            &[
                "content-type",
                "content-security-policy",
                "x-content-type-options",
            ],
        );
        assert_eq!(code, 200, "{path}");
        assert_eq!(h[0].as_deref(), Some(content_type), "{path}");
        let csp = h[1].clone().unwrap_or_default();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("http"),
            "{csp}"
        );
        assert_eq!(h[2].as_deref(), Some("nosniff"), "{path}");
        // Nothing fetched from elsewhere: no URL but the SVG namespace, no font, no import.
        let foreign = body
            .replace("http://www.w3.org/2000/svg", "")
            .contains("://");
        assert!(!foreign, "{path} names another origin");
        for banned in ["@import", "@font-face", "url(", "cdn"] {
            assert!(!body.contains(banned), "{path} contains {banned}");
        }
    }
    let (_, _, html) = get_with_headers(&format!("{}/", demo.base), &[]);
    for script in [
        "auth",
        "callbacks",
        "trend",
        "colours",
        "signal",
        "wallboard",
        "agents",
    ] {
        assert!(
            html.contains(&format!(
                r#"<script src="/wallboard/{script}.js" defer></script>"#
            )),
            "the scripts are files: the CSP forbids inline script"
        );
    }
    assert_eq!(html.matches("<script").count(), 7);
    assert!(!html.contains("style="), "no inline style either");
    // The board is the stream's payload, once.
    let (code, h, body) =
        get_with_headers(&format!("{}/api/v1/board", demo.base), &["content-type"]);
    assert_eq!(code, 200);
    assert_eq!(h[0].as_deref(), Some("application/json"));
    check_board(&json(&body));
}
