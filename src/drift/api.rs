//! `GET /drift` and `POST /reconcile`: stewards and admins only, since the report names every
//! principal and grant in the mesh.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{DriftQuery, DriftReport, ReconcilePlan, ReconcileQuery};
use super::check::{self, DriftError, Trigger};
use super::repair::{self, Repairs};
use super::store;
use crate::AppState;
use crate::audit::Actor;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppQuery};
use crate::http::problem::{ApiError, ApiResult, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_drift)).routes(routes!(reconcile))
}

fn authorize(caller: &Caller) -> ApiResult<()> {
    if caller.sees_everything() {
        Ok(())
    } else {
        Err(ApiError::forbidden("only stewards and admins may check and repair drift"))
    }
}

impl From<DriftError> for ApiError {
    fn from(e: DriftError) -> ApiError {
        match e {
            DriftError::Db(e) => e.into(),
            DriftError::Aws(e) => ApiError::unavailable("lake_formation_unavailable", e.to_string()),
        }
    }
}

/// Compare the desired grants with Lake Formation.
///
/// Lists `missing` grants (wanted, absent: revoked by hand, table recreated…), `unexpected`
/// permissions (held by a managed principal on a managed resource, wanted by no subscription:
/// granted by hand, left by a failed revoke) and `orphaned` grants (wanted, but their table or
/// column is gone at the producer). By default this runs a check now; `check=false` returns the
/// findings of the last check without calling AWS.
#[utoipa::path(
    get, path = "/drift", tag = "drift",
    params(DriftQuery),
    responses(
        (status = 200, description = "The findings", body = DriftReport),
        (status = 503, description = "Lake Formation could not be read", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn get_drift(State(state): State<AppState>, caller: Caller, AppQuery(q): AppQuery<DriftQuery>) -> ApiResult<AppJson<DriftReport>> {
    authorize(&caller)?;
    // Like every list's limit (`pagination::limit`), with a larger maximum: a report is read whole.
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("invalid_limit", "limit must be from 1 to 1000"));
    }
    let check = if q.check.unwrap_or(true) {
        let trigger = Trigger { kind: "api", actor: Actor::from(&caller) };
        Some(check::check(&state, &trigger).await?.0)
    } else {
        store::last_check(&state.db).await?
    };
    let (missing, unexpected, orphaned) = (
        store::findings(&state.db, "missing", limit).await?,
        store::findings(&state.db, "unexpected", limit).await?,
        store::findings(&state.db, "orphaned", limit).await?,
    );
    let truncated = check.as_ref().is_some_and(|c| {
        (c.missing as usize) > missing.len() || (c.unexpected as usize) > unexpected.len() || (c.orphaned as usize) > orphaned.len()
    });
    Ok(AppJson(DriftReport { check, missing, unexpected, orphaned, truncated }))
}

/// Repair drift: grant again what is missing, revoke what is unexpected, sync products with
/// orphaned grants.
///
/// Runs a check first. Without `apply=true` it only answers the plan; with it, the repairs are
/// queued as jobs (the same durable path and batching as every grant) and audited as
/// `drift.reconcile_requested`; each repair done is audited as `drift.repaired`.
#[utoipa::path(
    post, path = "/reconcile", tag = "drift",
    params(ReconcileQuery),
    responses(
        (status = 200, description = "The plan (not applied)", body = ReconcilePlan),
        (status = 202, description = "The plan, queued as jobs", body = ReconcilePlan),
        (status = 503, description = "Lake Formation could not be read", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn reconcile(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<ReconcileQuery>,
) -> ApiResult<(axum::http::StatusCode, AppJson<ReconcilePlan>)> {
    authorize(&caller)?;
    let apply = q.apply.unwrap_or(false);
    let trigger = Trigger { kind: "reconcile", actor: Actor::from(&caller) };
    let plan = repair::reconcile(&state, &trigger, apply, Repairs::ALL).await?;
    let status = if plan.applied && !plan.jobs.is_empty() { axum::http::StatusCode::ACCEPTED } else { axum::http::StatusCode::OK };
    Ok((status, AppJson(plan)))
}
