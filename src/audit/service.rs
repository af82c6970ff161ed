//! Reading the audit trail: stewards and admins only, since it names every actor and every
//! decision. The API's handlers and the console's pages both read it here.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgPool;
use utoipa::{IntoParams, ToSchema};

use super::model::{AuditEvent, VerifyReport};
use super::store::{self, AuditFilter};
use crate::http::auth::Caller;
use crate::http::pagination::{self, Page};
use crate::http::problem::{ApiError, ApiResult};
use crate::validate;

pub fn authorize(caller: &Caller) -> ApiResult<()> {
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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events by this subject.
    #[param(max_length = 256)]
    pub actor: Option<String>,
    /// Only events with this action, e.g. `product.published`.
    #[param(max_length = 100)]
    pub action: Option<String>,
    /// Only events about this target, e.g. `domain:sales`.
    #[param(max_length = 300)]
    pub target: Option<String>,
    /// Events at or after this instant (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Events before this instant (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Newest first (`desc`, the default) or oldest first.
    #[param(inline)]
    pub order: Option<Order>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A page of audit events matching `query`.
pub async fn list(db: &PgPool, caller: &Caller, query: AuditQuery) -> ApiResult<Page<AuditEvent>> {
    authorize(caller)?;
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
    let rows = store::list(db, &filter, limit).await?;
    Ok(pagination::page(rows, limit, kind, |e| e.seq))
}

/// Walks the whole chain (see [`store::verify`]).
pub async fn verify(db: &PgPool, caller: &Caller) -> ApiResult<VerifyReport> {
    authorize(caller)?;
    Ok(store::verify(db).await?)
}
