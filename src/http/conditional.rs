//! Conditional GET: a read whose `If-None-Match` names the resource's current `ETag` is answered
//! `304 Not Modified` without a body, so a client polling a resource it already holds does not
//! download it again. The handler still runs (the ETag comes from the row it reads); what is
//! saved is the transfer and the client's parsing.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// Turns a successful GET or HEAD whose `ETag` matches the request's `If-None-Match` into a 304
/// carrying the same headers (ETag, x-request-id…) except those describing the dropped body.
pub async fn not_modified(request: Request, next: Next) -> Response {
    let if_none_match = match *request.method() {
        Method::GET | Method::HEAD => request.headers().get(header::IF_NONE_MATCH).cloned(),
        _ => None,
    };
    let response = next.run(request).await;
    let Some(if_none_match) = if_none_match else { return response };
    // RFC 9110 §13.2.1: the condition is evaluated only where the answer would be a success.
    if !response.status().is_success() {
        return response;
    }
    let Some(etag) = response.headers().get(header::ETAG) else { return response };
    if !matches(&if_none_match, etag) {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::empty())
}

/// Weak comparison (RFC 9110 §8.8.3.2), as `If-None-Match` uses: `W/"3"` and `"3"` are the same
/// tag; `*` matches any current representation.
fn matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let (Ok(list), Ok(etag)) = (if_none_match.to_str(), etag.to_str()) else { return false };
    let opaque = |tag: &str| {
        let tag = tag.trim();
        tag.strip_prefix("W/").unwrap_or(tag).to_string()
    };
    let current = opaque(etag);
    list.split(',').map(str::trim).filter(|t| !t.is_empty()).any(|t| t == "*" || opaque(t) == current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(list: &str, etag: &str) -> bool {
        matches(&HeaderValue::from_str(list).unwrap(), &HeaderValue::from_str(etag).unwrap())
    }

    #[test]
    fn weak_comparison_of_a_list() {
        assert!(m("\"3\"", "\"3\""));
        assert!(m("W/\"3\"", "\"3\""));
        assert!(m("\"3\"", "W/\"3\""));
        assert!(m("\"1\", \"3\"", "\"3\""));
        assert!(m("*", "\"3\""));
        assert!(!m("\"2\"", "\"3\""));
        assert!(!m("3", "\"3\""), "an unquoted tag is another tag");
        assert!(!m("", "\"3\""));
    }
}
