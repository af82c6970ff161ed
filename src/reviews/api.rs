//! HTTP handlers of access reviews.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::model::{Confirmation, Review, ReviewQuery, ReviewRevocation};
use super::service;
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppPath, AppQuery, OptionalJson};
use crate::http::pagination::{self, Page};
use crate::http::problem::{ApiResult, Problem};
use crate::subscriptions::model::Subscription;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_reviews)).routes(routes!(confirm_review)).routes(routes!(revoke_review))
}

/// List access reviews due or overdue, and unused subscriptions (approvers, stewards, admins).
///
/// Each with the subscription's scope, who approved it and when, its age, the last confirmation,
/// the review's date and state, when it ends unless confirmed, and its usage. Domains set reviews
/// and the unused rule in their `access_policy`.
#[utoipa::path(
    get, path = "/reviews", tag = "reviews",
    params(ReviewQuery),
    responses(
        (status = 200, description = "A page of reviews, oldest approvals first", body = Page<Review>),
    ),
    security(("bearer" = []))
)]
async fn list_reviews(State(state): State<AppState>, caller: Caller, AppQuery(query): AppQuery<ReviewQuery>) -> ApiResult<AppJson<Page<Review>>> {
    let (rows, limit) = service::list(&state.db, &caller, query).await?;
    Ok(AppJson(pagination::page(rows, limit, "reviews", |r: &Review| r.subscription)))
}

/// Confirm that a subscription's access is still needed (its domain's approvers, admins).
///
/// The next review counts from now. The review's id is its subscription's.
#[utoipa::path(
    post, path = "/reviews/{id}/confirm", tag = "reviews",
    params(("id" = Uuid, Path, description = "Subscription id")),
    request_body(content = Confirmation, description = "Optional: an empty body confirms without a comment"),
    responses(
        (status = 200, description = "Confirmed; the review with its next date", body = Review),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not live, or its domain does not review access", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn confirm_review(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    OptionalJson(body): OptionalJson<Confirmation>,
) -> ApiResult<AppJson<Review>> {
    Ok(AppJson(service::confirm(&state.db, &caller, id, body).await?))
}

/// End a subscription from its review, with a comment (its domain's approvers, admins).
///
/// A revoke: its grants are revoked by a job; poll the subscription's `provisioning`.
#[utoipa::path(
    post, path = "/reviews/{id}/revoke", tag = "reviews",
    params(("id" = Uuid, Path, description = "Subscription id")),
    request_body(content = ReviewRevocation, description = "Why: the consumer reads it"),
    responses(
        (status = 202, description = "Revoked; grants are being revoked", body = Subscription),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not live", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn revoke_review(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<ReviewRevocation>,
) -> ApiResult<Response> {
    let row = service::revoke(&state, &caller, id, body).await?;
    Ok((StatusCode::ACCEPTED, AppJson(Subscription::from(row))).into_response())
}
