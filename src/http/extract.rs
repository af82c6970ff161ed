//! Extractors whose rejections come out as problem documents, never as axum's plain text.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::problem::ApiError;

/// A JSON body. Syntax errors are 400, type and unknown-field errors 422, a missing
/// content type 415, an oversized body 413.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", body_error_text(&e));
                err.errors.push(super::problem::FieldError::new("body", "invalid", body_error_text(&e)));
                err
            }
            JsonRejection::JsonSyntaxError(e) => ApiError::bad_request("malformed_json", body_error_text(&e)),
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected a JSON body with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the request body is too large")
            }
            other => ApiError::bad_request("unreadable_body", other.body_text()),
        }
    }
}

/// serde's message without axum's prefix, which repeats itself.
fn body_error_text(e: &dyn std::error::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// A path parameter. Path values that do not parse name no resource: 404.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct AppPath<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::not_found(format!("no such resource ({})", rejection.body_text()))
    }
}

/// Query parameters. Unknown parameters are refused so a typo is not silently ignored.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid_query", rejection.body_text())
    }
}

/// The `If-Match` precondition of a write: absent (unconditional), `*`, or a list of ETags.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<Vec<String>>);

impl IfMatch {
    /// The precondition that the resource is still at this ETag (a form holding the version it
    /// was rendered from).
    pub fn exactly(etag: String) -> IfMatch {
        IfMatch(Some(vec![etag]))
    }

    /// Fails with 412 unless the precondition holds for the resource's current ETag.
    pub fn check(&self, current_etag: &str) -> Result<(), ApiError> {
        match &self.0 {
            None => Ok(()),
            Some(tags) if tags.iter().any(|t| t == "*" || t == current_etag) => Ok(()),
            Some(_) => Err(ApiError::precondition_failed(format!(
                "the resource has changed (current ETag {current_etag}); fetch it again and retry"
            ))),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(axum::http::header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value
            .to_str()
            .map_err(|_| ApiError::bad_request("invalid_if_match", "If-Match must be ASCII"))?;
        let tags = entity_tags(text).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match must be `*` or 1 to 20 ETags as the API sends them (\"3\"), separated by commas",
            )
        })?;
        Ok(IfMatch(Some(tags)))
    }
}

/// `*`, or 1 to 20 entity tags separated by commas and spaces: `"…"` or `W/"…"` with up to 64
/// visible ASCII characters other than `"` inside (RFC 9110 §8.8.3), which may include commas, so
/// the list is read tag by tag, not split. The shape the OpenAPI document gives `If-Match`
/// (src/http/openapi.rs). `None` when malformed.
fn entity_tags(text: &str) -> Option<Vec<String>> {
    if text == "*" {
        return Some(vec![text.to_string()]);
    }
    let mut tags = Vec::new();
    let mut rest = text;
    loop {
        let weak = rest.starts_with("W/");
        let quoted = rest.get(if weak { 2 } else { 0 }..)?.strip_prefix('"')?;
        let opaque = &quoted[..quoted.find('"')?];
        if opaque.len() > 64 || !opaque.bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b)) {
            return None;
        }
        let (tag, after) = rest.split_at(if weak { 2 } else { 0 } + opaque.len() + 2);
        tags.push(tag.to_string());
        rest = after.trim_start_matches(' ');
        if rest.is_empty() {
            break;
        }
        rest = rest.strip_prefix(',')?.trim_start_matches(' ');
    }
    (tags.len() <= 20).then_some(tags)
}

/// The optional `Idempotency-Key` of a create.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| (0x21..0x7f).contains(&b)))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                )
            })?;
        Ok(IdempotencyKey(Some(key.to_string())))
    }
}

/// A strong ETag from a resource's version counter.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// An optional JSON body: an empty body means `T::default()`. For actions whose body only
/// refines them (a comment, a narrower scope). Errors are problems, as with [`AppJson`].
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: Default + serde::de::DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "the request body is too large")
            } else {
                ApiError::bad_request("unreadable_body", e.body_text())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        serde_json::from_slice(&bytes).map(OptionalJson).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                ApiError::bad_request("malformed_json", e.to_string())
            } else {
                let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", e.to_string());
                err.errors.push(super::problem::FieldError::new("body", "invalid", e.to_string()));
                err
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::entity_tags;

    #[test]
    fn if_match_lists_are_read_tag_by_tag() {
        assert_eq!(entity_tags("*").unwrap(), ["*"]);
        assert_eq!(entity_tags(r#""3""#).unwrap(), [r#""3""#]);
        // A comma inside a tag belongs to it (RFC 9110 allows it), and spaces around the commas.
        assert_eq!(entity_tags(r#""a,b"   ,  W/"c" ,"d""#).unwrap(), [r#""a,b""#, r#"W/"c""#, r#""d""#]);
        assert_eq!(entity_tags(r#""""#).unwrap(), [r#""""#]);
        assert_eq!(entity_tags(&vec![r#""1""#; 20].join(",")).unwrap().len(), 20);
        for bad in ["", "0", "3", r#""3"#, r#""3","#, r#","3""#, r#""3",,"4""#, r#""3" "4""#, r#""3"x"#, "*, \"3\"", "w/\"3\"",
            "\"3\"\t,\"4\"", "\"caf\u{e9}\""]
        {
            assert!(entity_tags(bad).is_none(), "{bad:?}");
        }
        assert!(entity_tags(&format!("\"{}\"", "a".repeat(65))).is_none());
        assert!(entity_tags(&vec![r#""1""#; 21].join(",")).is_none());
    }
}
