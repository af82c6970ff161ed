//! CORS for browser consoles on other origins, only when `MESHGOV_CORS_ORIGINS` lists them.
//!
//! Without origins no layer is added: responses carry no CORS headers, so browsers keep the API
//! same-origin, and an `OPTIONS` request is answered like any other unrouted method (405). With
//! origins, tower-http answers every `OPTIONS` as a preflight (200, no body), before the rate
//! limit, so preflights do not spend a caller's tokens.
//! Credentials mode (`Access-Control-Allow-Credentials`) is never enabled: the API takes a bearer
//! token that a script sets in `Authorization`, which needs a preflight but no cookies.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::request_id;

/// How long a browser may cache a preflight's answer.
const MAX_AGE: Duration = Duration::from_secs(600);

/// The layer for the configured origins (already validated and normalized by the config), or
/// `None` when there are none.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    let request_id = HeaderName::from_static(request_id::HEADER);
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
                HeaderName::from_static("idempotency-key"),
                request_id.clone(),
            ])
            // Without these a script cannot read them: concurrency, created resources, back-off,
            // support requests and replayed creates.
            .expose_headers([
                header::ETAG,
                header::LOCATION,
                header::RETRY_AFTER,
                request_id,
                HeaderName::from_static("idempotent-replayed"),
            ])
            .max_age(MAX_AGE),
    )
}
