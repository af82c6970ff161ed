//! HTTP handlers for domains: parse, authorize, call one service function, map the result.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{Domain, DomainPatch, DomainRow, NewDomain};
use super::service;
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppPath, AppQuery, IdempotencyKey, IfMatch};
use crate::http::response::tagged;
use crate::http::pagination::{self, Page};
use crate::http::problem::{ApiError, ApiResult, Problem};
use crate::idempotency::{Created, created};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_domain, list_domains))
        .routes(routes!(get_domain, update_domain, delete_domain))
}

fn require_admin(caller: &Caller, what: &str) -> ApiResult<()> {
    if caller.is_admin() { Ok(()) } else { Err(ApiError::forbidden(format!("only admins may {what}"))) }
}

/// Onboard a domain (admins).
#[utoipa::path(
    post, path = "/domains", tag = "domains",
    request_body = NewDomain,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the original response")),
    responses(
        (status = 201, description = "Created", body = Domain,
         headers(("ETag" = String, description = "Version of the resource"), ("Location" = String))),
        (status = 409, description = "A domain with this slug exists", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn create_domain(
    State(state): State<AppState>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(req): AppJson<NewDomain>,
) -> ApiResult<Response> {
    require_admin(&caller, "onboard domains")?;
    let result = service::create(&state.db, &caller, req, key.as_deref()).await?;
    let view = match result {
        Created::New(row) => Created::New(row.view(&caller)),
        Created::Replayed(body) => Created::Replayed(body),
    };
    Ok(created(view, |d| Some(format!("/api/v1/domains/{}", d.get("slug")?.as_str()?))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Opaque cursor from a previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// List domains, by slug.
#[utoipa::path(
    get, path = "/domains", tag = "domains",
    params(ListQuery),
    responses((status = 200, description = "A page of domains", body = Page<Domain>)),
    security(("bearer" = []))
)]
async fn list_domains(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<ListQuery>,
) -> ApiResult<AppJson<Page<Domain>>> {
    let limit = pagination::limit(query.limit)?;
    let after: Option<String> = pagination::decode_cursor("domains", query.cursor.as_deref())?;
    let rows = super::store::list(&state.db, after.as_deref(), limit).await?;
    let views = rows.iter().map(|r: &DomainRow| r.view(&caller)).collect();
    Ok(AppJson(pagination::page(views, limit, "domains", |d: &Domain| d.slug.clone())))
}

/// Get a domain.
#[utoipa::path(
    get, path = "/domains/{domain}", tag = "domains",
    params(("domain" = String, Path, description = "Domain slug")),
    responses(
        (status = 200, description = "The domain", body = Domain, headers(("ETag" = String))),
        (status = 404, description = "No such domain", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn get_domain(State(state): State<AppState>, caller: Caller, AppPath(slug): AppPath<String>) -> ApiResult<Response> {
    let row = service::get(&state.db, &slug).await?;
    let mut view = row.view(&caller);
    if caller.oversees(&slug) {
        view.health = Some(crate::health::store::domain_health(&state.db, row.id).await?);
    }
    Ok(tagged(StatusCode::OK, row.version, view))
}

/// Change a domain (admins).
#[utoipa::path(
    patch, path = "/domains/{domain}", tag = "domains",
    params(
        ("domain" = String, Path, description = "Domain slug"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if the domain changed since"),
    ),
    request_body = DomainPatch,
    responses(
        (status = 200, description = "The changed domain", body = Domain, headers(("ETag" = String))),
        (status = 404, description = "No such domain", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The catalog mode cannot change while grants on the domain's products are live", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The domain changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn update_domain(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(slug): AppPath<String>,
    if_match: IfMatch,
    AppJson(patch): AppJson<DomainPatch>,
) -> ApiResult<Response> {
    require_admin(&caller, "change domains")?;
    let row = service::update(&state.db, &caller, &slug, patch, &if_match).await?;
    Ok(tagged(StatusCode::OK, row.version, row.view(&caller)))
}

/// Delete a domain that owns no products (admins).
#[utoipa::path(
    delete, path = "/domains/{domain}", tag = "domains",
    params(
        ("domain" = String, Path, description = "Domain slug"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such domain", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The domain still owns products", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The domain changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn delete_domain(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(slug): AppPath<String>,
    if_match: IfMatch,
) -> ApiResult<StatusCode> {
    require_admin(&caller, "delete domains")?;
    service::delete(&state.db, &caller, &slug, &if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}
