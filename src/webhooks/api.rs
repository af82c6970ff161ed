//! HTTP handlers for webhooks: register, list, get, delete, delivery history, redelivery.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::model::{Delivery, DeliveryQuery, ListQuery, NewWebhook, Webhook};
use super::service;
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppPath, AppQuery, IdempotencyKey};
use crate::http::pagination::{self, Page};
use crate::http::problem::{ApiResult, Problem};
use crate::idempotency::created;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(get_webhook, delete_webhook))
        .routes(routes!(list_deliveries))
        .routes(routes!(redeliver))
}

/// Register a webhook (anyone authenticated).
///
/// From now on the URL receives, as signed POSTs (Standard Webhooks: `webhook-id`,
/// `webhook-timestamp`, `webhook-signature`), every event of the feed the caller may read now,
/// optionally only some types. The answer holds the signing `secret`, which is never shown again.
#[utoipa::path(
    post, path = "/webhooks", tag = "webhooks",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the original response")),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered; the body holds the signing secret", body = Webhook,
         headers(("Location" = String))),
    ),
    security(("bearer" = []))
)]
async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(req): AppJson<NewWebhook>,
) -> ApiResult<Response> {
    let result = service::create(&state, &caller, req, key.as_deref()).await?;
    Ok(created(result, |v| Some(format!("/api/v1/webhooks/{}", v.get("id")?.as_str()?))))
}

/// List webhooks, newest first: one's own; stewards and admins see all.
#[utoipa::path(
    get, path = "/webhooks", tag = "webhooks",
    params(ListQuery),
    responses((status = 200, description = "A page of webhooks", body = Page<Webhook>)),
    security(("bearer" = []))
)]
async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<ListQuery>,
) -> ApiResult<AppJson<Page<Webhook>>> {
    let (rows, limit) = service::list(&state, &caller, query).await?;
    let items = rows.into_iter().map(Webhook::from).collect();
    Ok(AppJson(pagination::page(items, limit, "webhooks", |w: &Webhook| w.id)))
}

/// Get a webhook (its registrant, stewards, admins).
#[utoipa::path(
    get, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn get_webhook(State(state): State<AppState>, caller: Caller, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<Webhook>> {
    Ok(AppJson(Webhook::from(service::get(&state, &caller, id).await?)))
}

/// Delete a webhook and its delivery history (its registrant, stewards, admins). Deliveries still
/// queued are not sent.
#[utoipa::path(
    delete, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn delete_webhook(State(state): State<AppState>, caller: Caller, AppPath(id): AppPath<Uuid>) -> ApiResult<StatusCode> {
    service::delete(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List a webhook's deliveries, newest event first, with their attempts and last answer;
/// `state=dead` lists the dead letters (its registrant, stewards, admins).
#[utoipa::path(
    get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<Delivery>),
        (status = 404, description = "No such webhook", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn list_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(id): AppPath<Uuid>,
    AppQuery(query): AppQuery<DeliveryQuery>,
) -> ApiResult<AppJson<Page<Delivery>>> {
    let (rows, limit) = service::deliveries(&state, &caller, id, query).await?;
    let items = rows.into_iter().map(Delivery::from).collect();
    Ok(AppJson(pagination::page(items, limit, "webhook-deliveries", |d: &Delivery| d.seq)))
}

/// Send a dead-lettered delivery again, with a fresh set of attempts (its registrant, stewards,
/// admins).
#[utoipa::path(
    post, path = "/webhooks/{id}/deliveries/{seq}/redeliver", tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id"), ("seq" = i64, Path, description = "The event's seq")),
    responses(
        (status = 202, description = "Queued again", body = Delivery),
        (status = 404, description = "No such webhook or delivery", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The delivery is not dead, or the webhook is disabled", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    AppPath((id, seq)): AppPath<(Uuid, i64)>,
) -> ApiResult<Response> {
    let row = service::redeliver(&state, &caller, id, seq).await?;
    Ok((StatusCode::ACCEPTED, AppJson(Delivery::from(row))).into_response())
}
