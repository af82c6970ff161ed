//! `GET /jobs/{id}`: where a piece of background work stands.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::model::{Job, JobRow};
use super::store;
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{AppJson, AppPath};
use crate::http::problem::{ApiError, ApiResult, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_job))
}

/// Get a job (admins, stewards, producers of the job's domain, and whoever started it).
#[utoipa::path(
    get, path = "/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = Job),
        (status = 404, description = "No such job", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
async fn get_job(State(state): State<AppState>, caller: Caller, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<Job>> {
    let job = store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found("no such job"))?;
    let entitled = caller.sees_everything()
        || job.created_by == caller.sub
        || job.domain_slug.as_deref().is_some_and(|d| caller.is_producer_in(d));
    if !entitled {
        return Err(ApiError::forbidden("only admins, stewards, the domain's producers and its starter may see this job"));
    }
    Ok(AppJson(Job::from(job)))
}

/// The answer to a request that queued work: 202 with the job to poll, and its `Location`.
pub fn accepted(job: JobRow) -> Response {
    let location = format!("/api/v1/jobs/{}", job.id);
    let mut response = (StatusCode::ACCEPTED, AppJson(Job::from(job))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}
