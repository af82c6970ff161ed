//! The console: server-rendered pages for the people (stewards, producers, consumers) at
//! `/console`, in the same binary as the API. Pages read and write through the same services as
//! the API's handlers, so every rule, audit event and error is the same; they differ only in
//! speaking HTML and forms instead of JSON. No JavaScript: plain links and forms, one stylesheet
//! embedded in the binary, and a Content-Security-Policy that allows nothing else.

mod audit;
mod pages;
pub mod session;
mod subscriptions;
mod views;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(pages::home))
        .route("/console/sign-in", get(pages::sign_in_page).post(pages::sign_in))
        .route("/console/sign-out", post(pages::sign_out))
        .route("/console/catalog", get(pages::catalog))
        .route("/console/domains/{domain}/products/{product}", get(pages::product))
        .route("/console/domains/{domain}/products/{product}/request", post(subscriptions::request_access))
        .route("/console/subscriptions", get(subscriptions::list))
        .route("/console/subscriptions/{id}", get(subscriptions::show))
        .route("/console/subscriptions/{id}/{action}", post(subscriptions::decide))
        .route("/console/audit", get(audit::trail))
        .route("/console/audit/verify", get(audit::verify))
        .route("/console/assets/console.css", get(pages::stylesheet))
        .layer(middleware::from_fn(security_headers))
}

/// Only the console's own stylesheet and forms: no script, frame, plugin or foreign origin.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Pages show what one caller may see: never kept by a shared cache. The stylesheet sets its own.
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}
