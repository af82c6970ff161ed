//! Response shapes shared by the resource handlers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::extract::{AppJson, etag};

/// A resource with its ETag header.
pub fn tagged<T: serde::Serialize>(status: StatusCode, version: i64, body: T) -> Response {
    let mut response = (status, AppJson(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}
