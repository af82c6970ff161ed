//! `GET /events`: the feed of state changes as CloudEvents, for anyone authenticated; each reader
//! sees the events of what they may read.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{EventPage, FeedQuery};
use super::service;
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppQuery};
use crate::http::problem::{ApiResult, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

/// Read the event feed: CloudEvents 1.0 for every state change the caller may see, in audit order.
///
/// Admins and stewards see every event; others see the events of products that are not drafts,
/// of drafts of the domains they produce for, of subscriptions of their domains (as consumer) or
/// to their domains' products (as producer), and of the domains they belong to. A request examines
/// at most 5,000 audit events after `after`, so a page may hold fewer than `limit` events (even
/// none) while more follow: continue from `next_after` until it stops moving.
#[utoipa::path(
    get, path = "/events", tag = "events",
    params(FeedQuery),
    responses(
        (status = 200, description = "The next events and where to resume", body = EventPage),
        (status = 400, description = "Invalid `after` or `limit`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<FeedQuery>,
) -> ApiResult<AppJson<EventPage>> {
    Ok(AppJson(service::feed(&state, &caller, query).await?))
}
