//! `GET /audit` and `GET /audit/verify`: stewards and admins only, since the trail names every
//! actor and every decision.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{AuditEvent, VerifyReport};
use super::service::{self, AuditQuery};
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppQuery};
use crate::http::pagination::Page;
use crate::http::problem::{ApiResult, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit)).routes(routes!(verify_audit))
}

/// List audit events.
#[utoipa::path(
    get, path = "/audit", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit events", body = Page<AuditEvent>),
        (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(query): AppQuery<AuditQuery>,
) -> ApiResult<AppJson<Page<AuditEvent>>> {
    Ok(AppJson(service::list(&state.db, &caller, query).await?))
}

/// Verify the audit chain.
///
/// Walks every event in order, recomputes its hash and checks its link to the previous event;
/// reports the first event that does not verify.
#[utoipa::path(
    get, path = "/audit/verify", tag = "audit",
    responses((status = 200, description = "Result of the walk", body = VerifyReport)),
    security(("bearer" = []))
)]
async fn verify_audit(State(state): State<AppState>, caller: Caller) -> ApiResult<AppJson<VerifyReport>> {
    Ok(AppJson(service::verify(&state.db, &caller).await?))
}
