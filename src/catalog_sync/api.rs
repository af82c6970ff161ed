//! Sync on demand (202 with a job to poll) and the readiness check of a domain. A product's sync is
//! requested under the product's path, by `products::api`.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::readiness::{self, DomainReadiness};
use super::service;
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppPath};
use crate::http::problem::{ApiResult, Problem};
use crate::jobs::api::accepted;
use crate::jobs::model::Job;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sync_domain))
        .routes(routes!(domain_readiness))
}

/// Sync a domain's catalog now (its producers, admins).
///
/// Answers 202 with the job to poll; a sync already queued or running is returned instead of a
/// second one.
#[utoipa::path(
    post, path = "/domains/{domain}/sync", tag = "catalog sync",
    params(("domain" = String, Path, description = "Domain slug")),
    responses(
        (status = 202, description = "The sync job", body = Job, headers(("Location" = String))),
        (status = 404, description = "No such domain", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The domain has no sync role", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn sync_domain(State(state): State<AppState>, caller: Caller, AppPath(slug): AppPath<String>) -> ApiResult<Response> {
    let domain = service::syncable(&state, &caller, &slug).await?;
    Ok(accepted(service::queue_sync(&state, &caller, &domain, None).await?))
}

/// Check that meshgov can work with a domain (its producers, admins).
///
/// Live checks, item by item: the sync role can be assumed, the product databases can be read,
/// Lake Formation accepts calls in the governance account. Includes the trust policy the sync
/// role needs.
#[utoipa::path(
    get, path = "/domains/{domain}/readiness", tag = "catalog sync",
    params(("domain" = String, Path, description = "Domain slug")),
    responses(
        (status = 200, description = "The checks and their results", body = DomainReadiness),
        (status = 404, description = "No such domain", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn domain_readiness(State(state): State<AppState>, caller: Caller, AppPath(slug): AppPath<String>) -> ApiResult<AppJson<DomainReadiness>> {
    let domain = crate::domains::service::get(&state.db, &slug).await?;
    service::authorize(&caller, &slug)?;
    Ok(AppJson(readiness::check_domain(&state, &domain).await?))
}
