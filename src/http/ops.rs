//! Operations endpoints (`/healthz`, `/readyz`, `/metrics`) and the middleware every request
//! passes through: request id, timeout, metrics and the access log.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::AppJson;
use super::problem::ApiError;
use super::request_id;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz)).routes(routes!(metrics))
}

/// The process-wide Prometheus recorder (a recorder can be installed once per process).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                )
                .expect("valid buckets")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (tests build many apps in one process);
            // then this handle simply renders what this recorder saw.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The process answers.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // only named in the OpenAPI document
pub enum Liveness {
    Ok,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // only named in the OpenAPI document
pub enum ReadyStatus {
    Ready,
    NotReady,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(value_type = Liveness)]
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    #[schema(value_type = ReadyStatus)]
    pub status: String,
    pub database: bool,
    pub migrations_applied: bool,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is alive.", body = Health)), security(()))]
async fn healthz() -> AppJson<Health> {
    AppJson(Health { status: "ok".into() })
}

/// Readiness: the database answers and every migration this build knows is applied.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Not ready", body = Readiness),
    ),
    security(())
)]
async fn readyz(State(state): State<AppState>) -> Response {
    let migrations_applied = crate::db::migrations_applied(&state.db).await;
    let database = migrations_applied.is_ok();
    let migrations_applied = migrations_applied.unwrap_or(false);
    let ready = database && migrations_applied;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = Readiness { status: if ready { "ready" } else { "not_ready" }.into(), database, migrations_applied };
    (status, AppJson(body)).into_response()
}

/// Prometheus metrics: request counts and latency by route and status, connection pool usage.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")),
    security(())
)]
async fn metrics(State(state): State<AppState>) -> Response {
    let pool = &state.db;
    metrics::gauge!("db_pool_connections").set(pool.size() as f64);
    metrics::gauge!("db_pool_idle_connections").set(pool.num_idle() as f64);
    metrics::gauge!("db_pool_max_connections").set(pool.options().get_max_connections() as f64);
    // Less this one.
    metrics::gauge!("http_requests_in_flight").set(state.in_flight.count().saturating_sub(1) as f64);
    let text = state.metrics.render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Per request: counts it in flight, assigns the request id, applies the timeout, records metrics and logs one line.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let _counted = state.in_flight.enter();
    let id = request_id::from_headers_or_new(request.headers());
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let started = Instant::now();
    let timeout = state.config.request_timeout;
    let mut response = request_id::scope(id.clone(), async move {
        match tokio::time::timeout(timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => ApiError::unavailable("timeout", "the request took too long and was abandoned").into_response(),
        }
    })
    .await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let labels = [("method", method.to_string()), ("route", route.clone()), ("status", status.to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(request_id::HEADER, v);
    }
    let ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, %route, status, ms, "request failed");
    } else {
        tracing::info!(request_id = %id, %method, %route, status, ms, "request");
    }
    response
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not support the method")
}

/// A panic in a handler becomes a 500 problem instead of a dropped connection.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked").into_response()
}
