//! The one error type of the HTTP layer, rendered as RFC 9457 `application/problem+json`.
//!
//! Which error to use where:
//! - services and stores return `ApiError` directly; build it with the constructors below so every
//!   failure a client can cause has a stable snake_case `code` and a 4xx status;
//! - anything unexpected (a database failure, a bug) goes through [`ApiError::internal`]: it is
//!   logged with the request id and answered with a generic 500 that discloses nothing;
//! - extractor rejections (bad JSON, bad path, bad query) are mapped in `http::extract`, so no
//!   client input ever produces axum's plain-text errors or a 5xx.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::request_id;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type (`urn:meshgov:problem:<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the status.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable machine-readable code, e.g. `not_found`, `validation_failed`, `precondition_failed`.
    pub code: String,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// The request id (also in the `x-request-id` response header); quote it in support requests.
    pub request_id: String,
    /// Per-field errors (validation failures only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldError>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `name` or `source.tables[2]`.
    pub field: String,
    /// Stable code, e.g. `required`, `too_long`, `invalid_format`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), code: code.to_string(), message: message.into() }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Set on 401 so clients learn how to authenticate.
    pub www_authenticate: bool,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError { status, code, detail: detail.into(), errors: Vec::new(), www_authenticate: false }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail);
        e.www_authenticate = true;
        e
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            detail,
            errors,
            www_authenticate: false,
        }
    }

    /// An unexpected failure: logged in full, answered without details.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, request_id = %request_id::current(), "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an internal error occurred")
    }

    /// 429 `rate_limited`; the caller adds `Retry-After`, which only it knows.
    pub fn rate_limited(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
    }

    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
    }

    pub fn to_problem(&self) -> Problem {
        Problem {
            type_: format!("urn:meshgov:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status.as_u16(),
            code: self.code.to_string(),
            detail: self.detail.clone(),
            request_id: request_id::current(),
            errors: self.errors.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if database_unreachable(&err) {
            tracing::warn!(error = %err, "database unreachable");
            return ApiError::unavailable("database_unavailable", "the database is not reachable; try again shortly");
        }
        ApiError::internal(err)
    }
}

/// Whether an error means the database cannot be reached right now (it restarts, fails over, or
/// the network drops), which a client may retry (503, with `Retry-After`), rather than a bug (500):
/// the pool timed out or is closed, the connection broke, or the server said it is shutting down,
/// not accepting connections or read-only (SQLSTATE class 08, 57P01–57P03, 25006).
pub fn database_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 25006: a read-only transaction, what a failed-over replica answers until it is promoted.
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "25006")
        }),
        _ => false,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.to_problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
        // Unavailable for a moment (a database restarting or failing over, a dependency down):
        // tell clients when to try again rather than let them hammer or give up.
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        if self.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Maps a unique or check violation raised by the database to a client error; anything else is
/// internal. Stores call this with the constraint names they know, so no string matching on
/// messages is spread around.
pub fn on_constraint(
    err: sqlx::Error,
    map: impl FnOnce(&str) -> Option<ApiError>,
) -> ApiError {
    if let sqlx::Error::Database(db) = &err
        && let Some(name) = db.constraint()
        && let Some(mapped) = map(name)
    {
        return mapped;
    }
    ApiError::from(err)
}

/// Collects field errors while validating a request, then fails once with all of them.
#[derive(Debug, Default)]
pub struct Violations(pub Vec<FieldError>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records the error of a parse and returns its value, if any.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::validation(self.0)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_is_a_503_not_a_500() {
        let reset = sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "Connection reset by peer"));
        for err in [reset, sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed] {
            assert_eq!(ApiError::from(err).status.as_u16(), 503);
        }
        assert_eq!(ApiError::from(sqlx::Error::RowNotFound).status.as_u16(), 500);
    }
}
