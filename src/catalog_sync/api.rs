//! Sync on demand (202 with a job to poll) and the readiness check of a domain.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::readiness::{self, DomainReadiness};
use super::service;
use crate::AppState;
use crate::domains::model::DomainRow;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppPath};
use crate::http::problem::{ApiError, ApiResult, Problem};
use crate::jobs::model::Job;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sync_domain))
        .routes(routes!(sync_product))
        .routes(routes!(domain_readiness))
}

fn authorize(caller: &Caller, domain: &str) -> ApiResult<()> {
    if caller.is_admin() || caller.is_producer_in(domain) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("only producers of domain {domain:?} and admins may do this")))
    }
}

async fn syncable_domain(state: &AppState, caller: &Caller, slug: &str) -> ApiResult<DomainRow> {
    let domain = crate::domains::service::get(&state.db, slug).await?;
    authorize(caller, slug)?;
    if domain.sync_role_arn.is_none() {
        return Err(ApiError::conflict("no_sync_role", "the domain has no sync_role_arn: set one before syncing"));
    }
    Ok(domain)
}

fn accepted(job: crate::jobs::model::JobRow) -> Response {
    let location = format!("/api/v1/jobs/{}", job.id);
    let mut response = (StatusCode::ACCEPTED, AppJson(Job::from(job))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
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
    let domain = syncable_domain(&state, &caller, &slug).await?;
    let mut tx = state.db.begin().await?;
    let job = crate::jobs::store::enqueue(&mut tx, &service::domain_sync_job(domain.id, &domain.slug, &caller.sub)).await?;
    tx.commit().await?;
    Ok(accepted(job))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
struct ProductPath {
    /// Domain slug.
    domain: String,
    /// Product slug.
    product: String,
}

/// Sync one product's tables now (its domain's producers, admins).
#[utoipa::path(
    post, path = "/domains/{domain}/products/{product}/sync", tag = "catalog sync",
    params(ProductPath),
    responses(
        (status = 202, description = "The sync job", body = Job, headers(("Location" = String))),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The domain has no sync role, or the product is retired", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn sync_product(State(state): State<AppState>, caller: Caller, AppPath(path): AppPath<ProductPath>) -> ApiResult<Response> {
    let product = crate::products::service::get(&state.db, &caller, &path.domain, &path.product).await?;
    let domain = syncable_domain(&state, &caller, &path.domain).await?;
    if product.status == "retired" {
        return Err(ApiError::conflict("product_retired", "a retired product is not synced"));
    }
    let mut tx = state.db.begin().await?;
    let job = crate::jobs::store::enqueue(
        &mut tx,
        &service::product_sync_job(domain.id, &domain.slug, product.id, &product.slug, &caller.sub),
    )
    .await?;
    tx.commit().await?;
    Ok(accepted(job))
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
    authorize(&caller, &slug)?;
    Ok(AppJson(readiness::check_domain(&state, &domain).await?))
}
