//! The whole HTTP API: every concept's routes with their OpenAPI description, mounted under
//! `/api/v1` beside the operational endpoints, and the document served at `/openapi.json`.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::http::{conditional, cors, openapi, ops, rate_limit};

/// All routes with their OpenAPI description, before state is attached.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .merge(crate::domains::api::router())
        .merge(crate::products::api::router())
        .merge(crate::catalog_sync::api::router())
        .merge(crate::subscriptions::api::router())
        .merge(crate::drift::api::router())
        .merge(crate::jobs::api::router())
        .merge(crate::audit::api::router())
        .merge(crate::events::api::router())
        .merge(crate::webhooks::api::router())
        .merge(crate::access_report::api::router())
        .merge(crate::reviews::api::router());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/v1", v1)
        .merge(ops::router())
        .split_for_parts()
}

/// The OpenAPI document as served at `/openapi.json` and committed at `openapi/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api();
    // Applied to the finished document so the shared responses reach every route.
    utoipa::Modify::modify(&openapi::SharedParts, &mut doc);
    doc
}

/// The service: the routes, and around them (outermost first) the request id, timeout, metrics
/// and access log; CORS, so throttled and failed answers still reach a browser script; the rate
/// limit, before any work; the panic guard; conditional GET; the body limit.
pub fn router(state: AppState) -> Router {
    let (routes, _) = api();
    let spec = openapi::to_pretty_json(&openapi_document());
    let mut app = routes
        .route(
            "/openapi.json",
            get(move || {
                let spec = spec.clone();
                async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], spec).into_response() }
            }),
        )
        .merge(crate::console::router())
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(axum::middleware::from_fn(conditional::not_modified))
        .layer(CatchPanicLayer::custom(ops::panic_response));
    if let Some(limit) = state.config.rate_limit {
        let limits = rate_limit::Limits::new(limit, state.auth.clone());
        app = app.layer(axum::middleware::from_fn_with_state(limits, rate_limit::limit));
    }
    if let Some(cors) = cors::layer(&state.config.cors_origins) {
        app = app.layer(cors);
    }
    app.layer(axum::middleware::from_fn_with_state(state.clone(), ops::observe)).with_state(state)
}

/// What a worker-only replica (`MESHGOV_SERVE_API=false`) answers: the probes and metrics its
/// orchestrator and `meshgov healthcheck` ask for, with the same request ids, metrics and access
/// log; everything else is a 404.
pub fn probes(state: AppState) -> Router {
    let (routes, _) = OpenApiRouter::<AppState>::new().merge(ops::router()).split_for_parts();
    routes
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(CatchPanicLayer::custom(ops::panic_response))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::observe))
        .with_state(state)
}
