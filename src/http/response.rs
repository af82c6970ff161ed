//! Response shapes shared by the resource handlers.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::extract::{AppJson, etag};
use crate::idempotency::Created;

/// A resource with its ETag header.
pub fn tagged<T: serde::Serialize>(status: StatusCode, version: i64, body: T) -> Response {
    let mut response = (status, AppJson(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// The answer to a create: 201 with Location and ETag, or the first attempt's answer replayed.
///
/// `location` reads the resource's URL from its JSON, so a replay (which has only the stored
/// JSON) carries the same headers as the original answer.
pub fn created<T: serde::Serialize>(result: Created<T>, location: impl Fn(&Value) -> Option<String>) -> Response {
    let (body, replayed) = match result {
        Created::New(item) => (serde_json::to_value(&item).unwrap_or_default(), false),
        Created::Replayed(body) => (body, true),
    };
    let mut headers = HeaderMap::new();
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    if let Some(v) = body.get("version").and_then(Value::as_i64)
        && let Ok(v) = HeaderValue::from_str(&etag(v))
    {
        headers.insert(header::ETAG, v);
    }
    if let Some(url) = location(&body)
        && let Ok(v) = HeaderValue::from_str(&url)
    {
        headers.insert(header::LOCATION, v);
    }
    (StatusCode::CREATED, headers, AppJson(body)).into_response()
}

