//! Response shapes shared by the resource handlers.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

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
pub fn created<T: serde::Serialize>(result: Created<T>, location: impl Fn(&T) -> String, version: impl Fn(&T) -> i64) -> Response {
    match result {
        Created::New(item) => {
            let mut response = tagged(StatusCode::CREATED, version(&item), &item);
            if let Ok(v) = HeaderValue::from_str(&location(&item)) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response
        }
        Created::Replayed(body) => {
            let mut headers = HeaderMap::new();
            headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
            if let Some(v) = body.get("version").and_then(|v| v.as_i64())
                && let Ok(v) = HeaderValue::from_str(&etag(v))
            {
                headers.insert(header::ETAG, v);
            }
            (StatusCode::CREATED, headers, AppJson(body)).into_response()
        }
    }
}

