//! `GET /audit` and `GET /audit/verify`: stewards and admins only, since the trail names every
//! actor and every decision.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{AuditEvent, VerifyReport};
use super::store::{self, AuditFilter};
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppQuery};
use crate::http::pagination::{self, Page};
use crate::http::problem::{ApiError, ApiResult, Problem};
use crate::validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit)).routes(routes!(verify_audit))
}

fn authorize(caller: &Caller) -> ApiResult<()> {
    if caller.sees_everything() {
        Ok(())
    } else {
        Err(ApiError::forbidden("only stewards and admins may read the audit trail"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events by this subject.
    #[param(max_length = 256)]
    actor: Option<String>,
    /// Only events with this action, e.g. `product.published`.
    #[param(max_length = 100)]
    action: Option<String>,
    /// Only events about this target, e.g. `domain:sales`.
    #[param(max_length = 300)]
    target: Option<String>,
    /// Events at or after this instant (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Events before this instant (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// Newest first (`desc`, the default) or oldest first.
    #[param(inline)]
    order: Option<Order>,
    /// Opaque cursor from a previous page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
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
    authorize(&caller)?;
    let limit = pagination::limit(query.limit)?;
    let descending = query.order != Some(Order::Asc);
    let kind = if descending { "audit-desc" } else { "audit-asc" };
    for (name, at) in [("since", query.since), ("until", query.until)] {
        if at.is_some_and(|t| !(1..=9999).contains(&chrono::Datelike::year(&t))) {
            return Err(ApiError::bad_request("invalid_query", format!("{name} must be a date from year 1 to 9999")));
        }
    }
    let filter = AuditFilter {
        actor: validate::query_text("actor", query.actor, 256)?,
        action: validate::query_text("action", query.action, 100)?,
        target: validate::query_text("target", query.target, 300)?,
        since: query.since,
        until: query.until,
        descending,
        after_seq: pagination::decode_cursor(kind, query.cursor.as_deref())?,
    };
    let rows = store::list(&state.db, &filter, limit).await?;
    Ok(AppJson(pagination::page(rows, limit, kind, |e| e.seq)))
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
    authorize(&caller)?;
    Ok(AppJson(store::verify(&state.db).await?))
}
