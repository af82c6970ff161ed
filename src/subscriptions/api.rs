//! HTTP handlers for subscriptions: request, list, get, decisions and retry.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::model::{Approval, DecisionComment, Decision, ListQuery, NewSubscription, Rejection, Subscription, SubscriptionRow};
use super::service::{self, Requested};
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppPath, AppQuery, IdempotencyKey, IfMatch, OptionalJson, etag};
use crate::http::pagination::{self, Page};
use crate::http::problem::{ApiResult, Problem};
use crate::idempotency::{Created, created};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_subscription, list_subscriptions))
        .routes(routes!(get_subscription))
        .routes(routes!(approve_subscription))
        .routes(routes!(reject_subscription))
        .routes(routes!(cancel_subscription))
        .routes(routes!(revoke_subscription))
        .routes(routes!(retry_subscription))
}

fn location(id: Uuid) -> String {
    format!("/api/v1/subscriptions/{id}")
}

fn respond(status: StatusCode, row: SubscriptionRow, grants: Option<Vec<crate::grants::model::Grant>>) -> Response {
    let id = row.id;
    let version = row.version;
    let mut body = Subscription::from(row);
    body.grants = grants;
    let mut response = (status, AppJson(body)).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        headers.insert(header::ETAG, v);
    }
    if status == StatusCode::ACCEPTED
        && let Ok(v) = HeaderValue::from_str(&location(id))
    {
        headers.insert(header::LOCATION, v);
    }
    response
}

async fn with_grants(state: &AppState, status: StatusCode, row: SubscriptionRow) -> ApiResult<Response> {
    let grants = crate::grants::store::list(&state.db, row.id).await?;
    Ok(respond(status, row, Some(grants)))
}

/// Ask for access to a published product for a principal of the consumer domain (its consumers,
/// admins).
///
/// An identical live request (same product, principal and scope) is answered 200 with the
/// existing subscription instead of a duplicate. Products set to auto-approve are approved at once.
#[utoipa::path(
    post, path = "/subscriptions", tag = "subscriptions",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request return the original response")),
    request_body = NewSubscription,
    responses(
        (status = 201, description = "Requested (or approved at once)", body = Subscription,
         headers(("ETag" = String), ("Location" = String))),
        (status = 200, description = "An identical live request already exists", body = Subscription,
         headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "The product is not published or has never been synced", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn request_subscription(
    State(state): State<AppState>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(req): AppJson<NewSubscription>,
) -> ApiResult<Response> {
    let loc = |v: &serde_json::Value| Some(format!("/api/v1/subscriptions/{}", v.get("id")?.as_str()?));
    Ok(match service::request(&state, &caller, req, key.as_deref()).await? {
        Requested::New(row) => created(Created::New(Subscription::from(row)), loc),
        Requested::Replayed(body) => created(Created::<Subscription>::Replayed(body), loc),
        Requested::Existing(row) => {
            let id = row.id;
            let mut response = respond(StatusCode::OK, row, None);
            if let Ok(v) = HeaderValue::from_str(&location(id)) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response
        }
    })
}

/// List subscriptions, newest first: consumers see their domains' subscriptions, producers the
/// subscriptions to their domains' products, stewards and admins all.
#[utoipa::path(
    get, path = "/subscriptions", tag = "subscriptions",
    params(ListQuery),
    responses((status = 200, description = "A page of subscriptions", body = Page<Subscription>)),
    security(("bearer" = []))
)]
async fn list_subscriptions(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<ListQuery>,
) -> ApiResult<AppJson<Page<Subscription>>> {
    let (rows, limit) = service::list(&state.db, &caller, query).await?;
    let items = rows.into_iter().map(Subscription::from).collect();
    Ok(AppJson(pagination::page(items, limit, "subscriptions", |s: &Subscription| s.id)))
}

/// Get a subscription with its grants and where each stands.
#[utoipa::path(
    get, path = "/subscriptions/{id}", tag = "subscriptions",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription", body = Subscription, headers(("ETag" = String))),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn get_subscription(State(state): State<AppState>, caller: Caller, AppPath(id): AppPath<Uuid>) -> ApiResult<Response> {
    let (row, grants) = service::get(&state.db, &caller, id).await?;
    Ok(respond(StatusCode::OK, row, Some(grants)))
}

/// Approve a pending subscription (whom the product domain's approval policy names, admins).
///
/// May narrow the tables, columns or expiry, never widen them. Answers 202: the grants are
/// applied in Lake Formation by a job; poll the subscription's `provisioning`.
#[utoipa::path(
    post, path = "/subscriptions/{id}/approve", tag = "subscriptions",
    params(("id" = Uuid, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if the subscription changed since")),
    request_body(content = Approval, description = "Optional; an empty body approves the request as it is"),
    responses(
        (status = 202, description = "Approved; grants are being applied", body = Subscription, headers(("ETag" = String), ("Location" = String))),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending, or the product's schema no longer has what was requested", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The subscription changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn approve_subscription(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    OptionalJson(approval): OptionalJson<Approval>,
) -> ApiResult<Response> {
    let row = service::decide(&state, &caller, id, &if_match, Decision::Approve, approval).await?;
    with_grants(&state, StatusCode::ACCEPTED, row).await
}

async fn simple_decision(state: &AppState, caller: &Caller, id: Uuid, if_match: &IfMatch, decision: Decision, c: DecisionComment) -> ApiResult<SubscriptionRow> {
    service::decide(state, caller, id, if_match, decision, Approval { comment: c.comment, ..Default::default() }).await
}

/// Reject a pending subscription, with a comment (whom the approval policy names, admins).
#[utoipa::path(
    post, path = "/subscriptions/{id}/reject", tag = "subscriptions",
    params(("id" = Uuid, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if the subscription changed since")),
    request_body(content = Rejection, description = "Why: the requester reads it"),
    responses(
        (status = 200, description = "Rejected", body = Subscription, headers(("ETag" = String))),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The subscription changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn reject_subscription(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    OptionalJson(r): OptionalJson<Rejection>,
) -> ApiResult<Response> {
    let row = simple_decision(&state, &caller, id, &if_match, Decision::Reject, DecisionComment { comment: r.comment }).await?;
    Ok(respond(StatusCode::OK, row, None))
}

/// Cancel one's own pending request (the requester, admins).
#[utoipa::path(
    post, path = "/subscriptions/{id}/cancel", tag = "subscriptions",
    params(("id" = Uuid, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if the subscription changed since")),
    request_body(content = DecisionComment, description = "Optional"),
    responses(
        (status = 200, description = "Cancelled", body = Subscription, headers(("ETag" = String))),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The subscription changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn cancel_subscription(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    OptionalJson(c): OptionalJson<DecisionComment>,
) -> ApiResult<Response> {
    let row = simple_decision(&state, &caller, id, &if_match, Decision::Cancel, c).await?;
    Ok(respond(StatusCode::OK, row, None))
}

/// Revoke an approved subscription (whom the approval policy names, admins).
///
/// Answers 202: its grants are revoked in Lake Formation by a job, except those another live
/// subscription of the same principal still needs.
#[utoipa::path(
    post, path = "/subscriptions/{id}/revoke", tag = "subscriptions",
    params(("id" = Uuid, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if the subscription changed since")),
    request_body(content = DecisionComment, description = "Optional"),
    responses(
        (status = 202, description = "Revoked; grants are being removed", body = Subscription, headers(("ETag" = String), ("Location" = String))),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The subscription changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn revoke_subscription(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    if_match: IfMatch,
    OptionalJson(c): OptionalJson<DecisionComment>,
) -> ApiResult<Response> {
    let row = simple_decision(&state, &caller, id, &if_match, Decision::Revoke, c).await?;
    with_grants(&state, StatusCode::ACCEPTED, row).await
}

/// Retry failed provisioning: grants or revokes that ended failed go back to work (stewards, admins).
#[utoipa::path(
    post, path = "/subscriptions/{id}/retry", tag = "subscriptions",
    params(("id" = Uuid, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if the subscription changed since")),
    responses(
        (status = 202, description = "Re-queued", body = Subscription, headers(("ETag" = String), ("Location" = String))),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing failed", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The subscription changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn retry_subscription(State(state): State<AppState>, caller: Caller, AppPath(id): AppPath<Uuid>, if_match: IfMatch) -> ApiResult<Response> {
    let row = service::retry(&caller, &state.db, id, &if_match).await?;
    with_grants(&state, StatusCode::ACCEPTED, row).await
}
