//! HTTP handlers for data products and catalog search.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{
    DomainProductsQuery, ProductStatus, Lifecycle, NewProduct, Product, ProductPatch, ProductSchema, SchemaChange, SearchQuery,
};
use super::{service, store};
use crate::AppState;
use crate::domains;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppPath, AppQuery, IdempotencyKey, IfMatch};
use crate::http::pagination::{self, Page};
use crate::http::problem::{ApiError, ApiResult, Problem};
use crate::jobs::api::accepted;
use crate::jobs::model::Job;
use crate::http::response::tagged;
use crate::idempotency::{Created, created};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_product, list_domain_products))
        .routes(routes!(get_product, update_product))
        .routes(routes!(publish_product))
        .routes(routes!(deprecate_product))
        .routes(routes!(retire_product))
        .routes(routes!(sync_product))
        .routes(routes!(get_product_schema))
        .routes(routes!(list_schema_changes))
        .routes(routes!(search_products))
}

fn to_page(rows: Vec<super::model::ProductRow>, limit: i64) -> Page<Product> {
    pagination::page(rows.into_iter().map(Product::from).collect(), limit, "products", |p: &Product| p.id)
}

/// Register a product in a domain (its producers, admins). It starts as a draft.
#[utoipa::path(
    post, path = "/domains/{domain}/products", tag = "products",
    params(
        ("domain" = String, Path, description = "Domain slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the original response"),
    ),
    request_body = NewProduct,
    responses(
        (status = 201, description = "Created", body = Product,
         headers(("ETag" = String, description = "Version of the resource"), ("Location" = String))),
        (status = 404, description = "No such domain", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The domain already has a product with this slug", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn create_product(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(domain): AppPath<String>,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(req): AppJson<NewProduct>,
) -> ApiResult<Response> {
    service::authorize_write(&caller, &domain)?;
    let result = match service::create(&state.db, &caller, &domain, req, key.as_deref()).await? {
        Created::New(row) => Created::New(Product::from(row)),
        Created::Replayed(body) => Created::Replayed(body),
    };
    Ok(created(result, |p| {
        Some(format!("/api/v1/domains/{}/products/{}", p.get("domain")?.as_str()?, p.get("slug")?.as_str()?))
    }))
}

/// List a domain's products, newest first.
#[utoipa::path(
    get, path = "/domains/{domain}/products", tag = "products",
    params(("domain" = String, Path, description = "Domain slug"), DomainProductsQuery),
    responses(
        (status = 200, description = "A page of products", body = Page<Product>),
        (status = 404, description = "No such domain", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn list_domain_products(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(domain): AppPath<String>,
    AppQuery(query): AppQuery<DomainProductsQuery>,
) -> ApiResult<AppJson<Page<Product>>> {
    domains::service::get(&state.db, &domain).await?;
    let search = SearchQuery { status: query.status, cursor: query.cursor, limit: query.limit, ..Default::default() };
    let (rows, limit) = service::search(&state.db, &caller, search, Some(&domain)).await?;
    Ok(AppJson(to_page(rows, limit)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct ProductPath {
    /// Domain slug.
    domain: String,
    /// Product slug.
    product: String,
}

/// Get a product.
#[utoipa::path(
    get, path = "/domains/{domain}/products/{product}", tag = "products",
    params(ProductPath),
    responses(
        (status = 200, description = "The product", body = Product, headers(("ETag" = String))),
        (status = 404, description = "No such product (or a draft the caller may not see)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn get_product(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(path): AppPath<ProductPath>,
) -> ApiResult<Response> {
    let row = service::get(&state.db, &caller, &path.domain, &path.product).await?;
    let health = if caller.oversees(&path.domain) {
        Some(crate::health::store::product_health(&state.db, row.id).await?)
    } else {
        None
    };
    Ok(tagged(StatusCode::OK, row.version, Product { health, ..Product::from(row) }))
}

/// Change a product (its domain's producers, admins).
#[utoipa::path(
    patch, path = "/domains/{domain}/products/{product}", tag = "products",
    params(ProductPath, ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if the product changed since")),
    request_body = ProductPatch,
    responses(
        (status = 200, description = "The changed product", body = Product, headers(("ETag" = String))),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The change is not allowed in the product's state", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The product changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn update_product(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(path): AppPath<ProductPath>,
    if_match: IfMatch,
    AppJson(patch): AppJson<ProductPatch>,
) -> ApiResult<Response> {
    let row = service::update(&state.db, &caller, &path.domain, &path.product, patch, &if_match).await?;
    Ok(tagged(StatusCode::OK, row.version, Product::from(row)))
}

async fn transition(state: &AppState, caller: &Caller, path: &ProductPath, action: Lifecycle, if_match: &IfMatch) -> ApiResult<Response> {
    let row = service::transition(&state.db, caller, &path.domain, &path.product, action, if_match).await?;
    Ok(tagged(StatusCode::OK, row.version, Product::from(row)))
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
    let product = service::get(&state.db, &caller, &path.domain, &path.product).await?;
    let domain = crate::catalog_sync::service::syncable(&state, &caller, &path.domain).await?;
    if product.status == ProductStatus::Retired {
        return Err(ApiError::conflict("product_retired", "a retired product is not synced"));
    }
    Ok(accepted(crate::catalog_sync::service::queue_sync(&state, &caller, &domain, Some((product.id, &product.slug))).await?))
}

/// Publish a product: draft or deprecated → published. Only published products can be subscribed to.
#[utoipa::path(
    post, path = "/domains/{domain}/products/{product}/publish", tag = "products",
    params(ProductPath, ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "The published product", body = Product, headers(("ETag" = String))),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the product's status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The product changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn publish_product(State(state): State<AppState>, caller: Caller, AppPath(path): AppPath<ProductPath>, if_match: IfMatch) -> ApiResult<Response> {
    transition(&state, &caller, &path, Lifecycle::Publish, &if_match).await
}

/// Deprecate a product: published → deprecated. Still readable, no longer recommended.
#[utoipa::path(
    post, path = "/domains/{domain}/products/{product}/deprecate", tag = "products",
    params(ProductPath, ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "The deprecated product", body = Product, headers(("ETag" = String))),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the product's status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The product changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn deprecate_product(State(state): State<AppState>, caller: Caller, AppPath(path): AppPath<ProductPath>, if_match: IfMatch) -> ApiResult<Response> {
    transition(&state, &caller, &path, Lifecycle::Deprecate, &if_match).await
}

/// Retire a product: published or deprecated → retired (final).
#[utoipa::path(
    post, path = "/domains/{domain}/products/{product}/retire", tag = "products",
    params(ProductPath, ("If-Match" = Option<String>, Header, description = "ETag from a previous read")),
    responses(
        (status = 200, description = "The retired product", body = Product, headers(("ETag" = String))),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the product's status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The product changed since the given ETag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn retire_product(State(state): State<AppState>, caller: Caller, AppPath(path): AppPath<ProductPath>, if_match: IfMatch) -> ApiResult<Response> {
    transition(&state, &caller, &path, Lifecycle::Retire, &if_match).await
}

/// The product's schema as last synced from its producer's Glue catalog.
#[utoipa::path(
    get, path = "/domains/{domain}/products/{product}/schema", tag = "products",
    params(ProductPath),
    responses(
        (status = 200, description = "The synced schema", body = ProductSchema),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn get_product_schema(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(path): AppPath<ProductPath>,
) -> ApiResult<AppJson<ProductSchema>> {
    let row = service::get(&state.db, &caller, &path.domain, &path.product).await?;
    let doc = store::schema(&state.db, row.id).await?;
    Ok(AppJson(ProductSchema {
        domain: row.domain_slug,
        product: row.slug,
        schema_version: row.schema_version,
        synced_at: row.schema_synced_at,
        tables: doc.tables,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ChangesQuery {
    /// Opaque cursor from a previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// Detected changes of the product's schema, newest first.
#[utoipa::path(
    get, path = "/domains/{domain}/products/{product}/schema-changes", tag = "products",
    params(ProductPath, ChangesQuery),
    responses(
        (status = 200, description = "A page of schema changes", body = Page<SchemaChange>),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn list_schema_changes(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(path): AppPath<ProductPath>,
    AppQuery(query): AppQuery<ChangesQuery>,
) -> ApiResult<AppJson<Page<SchemaChange>>> {
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor("schema-changes", query.cursor.as_deref())?;
    let row = service::get(&state.db, &caller, &path.domain, &path.product).await?;
    let changes = store::schema_changes(&state.db, row.id, after, limit).await?;
    Ok(AppJson(pagination::page(changes, limit, "schema-changes", |c| c.id)))
}

/// Search the catalog, newest first.
///
/// Drafts appear only to their domain's producers, stewards and admins.
#[utoipa::path(
    get, path = "/products", tag = "products",
    params(SearchQuery),
    responses((status = 200, description = "A page of products", body = Page<Product>)),
    security(("bearer" = []))
)]
async fn search_products(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<SearchQuery>,
) -> ApiResult<AppJson<Page<Product>>> {
    let (rows, limit) = service::search(&state.db, &caller, query, None).await?;
    Ok(AppJson(to_page(rows, limit)))
}
