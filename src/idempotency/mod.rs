//! `Idempotency-Key` for creates: the first request with a key stores its response in the same
//! transaction as the resource it created; a retry with the same key and the same request gets that
//! response back, a retry with a different request is refused. Keys are scoped to the caller.

pub mod store;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::extract::{AppJson, etag};
use crate::http::problem::{ApiError, ApiResult};

/// What a create returned: made now, or replayed from the first attempt with the same key.
pub enum Created<T> {
    New(T),
    Replayed(Value),
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

/// Fingerprint of a request: method, path and body.
pub fn request_hash(method: &str, path: &str, body: &Value) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Where a create stands with its key: go on (and complete the key when done), or answer again.
pub enum Claim<'a> {
    Fresh(Pending<'a>),
    /// The same request was made before with this key: its answer.
    Replay(Value),
}

/// A claimed key (or none was given) waiting for the create's answer, stored in the same
/// transaction as what the create wrote.
#[must_use = "complete the key in the create's transaction"]
pub struct Pending<'a> {
    key: Option<(&'a str, &'a str)>,
}

/// Claims `key` (when the request has one) for `subject` in the create's transaction.
pub async fn claim<'a>(
    tx: &mut PgConnection,
    subject: &'a str,
    key: Option<&'a str>,
    method: &str,
    path: &str,
    request: &impl Serialize,
) -> ApiResult<Claim<'a>> {
    let Some(key) = key else { return Ok(Claim::Fresh(Pending { key: None })) };
    let hash = request_hash(method, path, &serde_json::to_value(request).unwrap_or_default());
    Ok(match store::claim(tx, subject, key, &hash).await? {
        store::Claim::Fresh => Claim::Fresh(Pending { key: Some((subject, key)) }),
        store::Claim::Replay(body) => Claim::Replay(body),
    })
}

impl Pending<'_> {
    /// Stores the answer a retry with the same key will get.
    pub async fn complete(self, tx: &mut PgConnection, status: u16, body: &impl Serialize) -> ApiResult<()> {
        let Some((subject, key)) = self.key else { return Ok(()) };
        let body = serde_json::to_value(body).map_err(ApiError::internal)?;
        store::complete(tx, subject, key, status, &body).await?;
        Ok(())
    }
}
