use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub payload: Value,
    pub domain_id: Option<Uuid>,
    pub domain_slug: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_after: DateTime<Utc>,
    pub last_error: Option<String>,
    pub result: Option<Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Where a job stands (the `jobs.status` column).
///
/// Only named in the OpenAPI document: the field holds the column's text, which a CHECK
/// constraint keeps to these values (tests/openapi.rs compares the two).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// A unit of background work and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Job {
    pub id: Uuid,
    /// e.g. `sync_domain`, `sync_product`.
    pub kind: String,
    /// `failed` after its last attempt.
    #[schema(value_type = JobStatus)]
    pub status: String,
    /// The domain the job concerns.
    pub domain: Option<String>,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub attempts: i32,
    pub max_attempts: i32,
    /// When a queued job runs next (after a failed attempt: the backoff).
    pub run_after: DateTime<Utc>,
    pub last_error: Option<String>,
    /// What the job did, once it succeeded.
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobRow {
    /// No attempt comes after this one: what still fails now fails for good.
    pub fn is_last_attempt(&self) -> bool {
        self.attempts >= self.max_attempts
    }
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Job {
        Job {
            id: r.id,
            kind: r.kind,
            status: r.status,
            domain: r.domain_slug,
            payload: r.payload,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            run_after: r.run_after,
            last_error: r.last_error,
            result: r.result,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            finished_at: r.finished_at,
        }
    }
}

/// A job to enqueue (see [`super::BackgroundJob::enqueue`]).
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: Value,
    pub domain_id: Option<Uuid>,
    /// Jobs with the same key do not queue twice: the second request joins the live one.
    pub dedupe_key: Option<String>,
    /// Jobs with the same key do not run at once: one is claimed while none other runs.
    pub concurrency_key: Option<String>,
    pub created_by: String,
    pub max_attempts: i32,
}

/// How a run of a job ended.
#[derive(Debug)]
pub enum JobOutcome {
    Done(Value),
    /// Worth another attempt later (throttling, a dependency down).
    Retry(String),
    /// No attempt will do better (access denied, missing database): fail now.
    Fatal(String),
    /// Not now, and not a failure: run again after this long without spending an attempt (a
    /// webhook's receiver is backing off, or another delivery to it is in flight).
    Defer(std::time::Duration, String),
}
