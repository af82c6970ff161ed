//! SQL of the job queue.

use std::time::Duration;

use serde_json::Value;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::model::{JobRow, NewJob};

const COLUMNS: &str = "j.id, j.kind, j.payload, j.domain_id, d.slug AS domain_slug, j.status, j.attempts,
    j.max_attempts, j.run_after, j.last_error, j.result, j.created_by, j.created_at, j.updated_at, j.finished_at";

fn trusted(sql: String) -> sqlx::AssertSqlSafe<String> {
    crate::db::trusted(sql)
}

/// Enqueues `job` in the caller's transaction (typed jobs go through [`super::BackgroundJob::enqueue`]), or returns the live job with the same dedupe key;
/// one round trip. The live job may finish between the insert's conflict check and the lookup
/// (which reads the statement's snapshot); then the statement is tried again.
pub async fn enqueue(tx: &mut PgConnection, job: &NewJob) -> sqlx::Result<JobRow> {
    let sql = format!(
        "WITH inserted AS (
             INSERT INTO jobs (id, kind, payload, domain_id, dedupe_key, created_by, max_attempts, concurrency_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running') DO NOTHING
             RETURNING *)
         SELECT {COLUMNS} FROM inserted j LEFT JOIN domains d ON d.id = j.domain_id
         UNION ALL
         SELECT {COLUMNS} FROM jobs j LEFT JOIN domains d ON d.id = j.domain_id
         WHERE j.dedupe_key = $5 AND j.status IN ('queued', 'running') AND NOT EXISTS (SELECT 1 FROM inserted)"
    );
    for _ in 0..3 {
        let found: Option<JobRow> = sqlx::query_as(trusted(sql.clone()))
            .bind(Uuid::now_v7())
            .bind(job.kind)
            .bind(&job.payload)
            .bind(job.domain_id)
            .bind(&job.dedupe_key)
            .bind(&job.created_by)
            .bind(job.max_attempts)
            .bind(&job.concurrency_key)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = found {
            return Ok(row);
        }
    }
    Err(sqlx::Error::Protocol("a job with this dedupe key kept finishing while being enqueued".into()))
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<JobRow>> {
    sqlx::query_as(trusted(format!("SELECT {COLUMNS} FROM jobs j LEFT JOIN domains d ON d.id = j.domain_id WHERE j.id = $1")))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Which kinds a worker claims.
#[derive(Debug, Clone, Copy)]
pub enum Kinds<'a> {
    Any,
    Only(&'a [&'static str]),
    Except(&'a [&'static str]),
}

/// Claims the next runnable job of `kinds`: queued and due, or running with an expired lease (its
/// worker died), and not held back by a running job with its concurrency key. The attempt is
/// counted at claim time, so a job that crashes its worker still runs out of attempts instead of
/// looping forever.
pub async fn claim_of(db: &PgPool, lease: Duration, kinds: Kinds<'_>) -> sqlx::Result<Option<JobRow>> {
    let (only, except): (Option<&[&str]>, Option<&[&str]>) = match kinds {
        Kinds::Any => (None, None),
        Kinds::Only(k) => (Some(k), None),
        Kinds::Except(k) => (None, Some(k)),
    };
    let claimed = sqlx::query_as(trusted(format!(
        "WITH next AS (
             SELECT id FROM jobs
             WHERE ((status = 'queued' AND run_after <= now())
                    OR (status = 'running' AND locked_until < now()))
               AND ($2::text[] IS NULL OR kind = ANY($2))
               AND ($3::text[] IS NULL OR kind <> ALL($3))
               -- One running job per concurrency key (a unique index holds it): not while another
               -- runs (a dead worker's included: it is reclaimed first), and not while another
               -- claim takes a job of the key (its lock), which would collide on the index.
               AND (concurrency_key IS NULL
                    OR (NOT EXISTS (SELECT 1 FROM jobs r
                                    WHERE r.concurrency_key = jobs.concurrency_key AND r.status = 'running'
                                      AND r.id <> jobs.id)
                        AND pg_try_advisory_xact_lock(hashtext('meshgov-job-key'), hashtext(concurrency_key))))
             ORDER BY run_after
             LIMIT 1
             FOR UPDATE SKIP LOCKED),
         j AS (
             UPDATE jobs SET status = 'running', attempts = attempts + 1,
                 locked_until = now() + make_interval(secs => $1), updated_at = now()
             FROM next WHERE jobs.id = next.id
             RETURNING jobs.*)
         SELECT {COLUMNS} FROM j LEFT JOIN domains d ON d.id = j.domain_id"
    )))
    .bind(lease.as_secs_f64())
    .bind(only)
    .bind(except)
    .fetch_optional(db)
    .await;
    match claimed {
        // Two claims of one key crossed (the second read before the first committed): the index
        // refused the second; its job waits for the next look.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23505") => Ok(None),
        other => other,
    }
}

/// Claims the next runnable job of any kind (see [`claim_of`]).
pub async fn claim(db: &PgPool, lease: Duration) -> sqlx::Result<Option<JobRow>> {
    claim_of(db, lease, Kinds::Any).await
}

/// Extends a running job's lease (its worker is alive and still at it).
pub async fn renew_lease(db: &PgPool, id: Uuid, lease: Duration) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET locked_until = now() + make_interval(secs => $2) WHERE id = $1 AND status = 'running'",
    )
    .bind(id)
    .bind(lease.as_secs_f64())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn succeed(db: impl PgExecutor<'_>, id: Uuid, result: &Value) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET status = 'succeeded', result = $2, last_error = NULL, locked_until = NULL,
             finished_at = now(), updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(result)
    .execute(db)
    .await?;
    Ok(())
}

/// Puts a claimed job back in the queue for `delay` and gives back the attempt its claim counted.
pub async fn defer(db: impl PgExecutor<'_>, id: Uuid, delay: Duration) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), locked_until = NULL,
             run_after = now() + make_interval(secs => $2), updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(delay.as_secs_f64())
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed attempt: back to the queue at `retry_at`, or `failed` for good.
pub async fn fail(db: impl PgExecutor<'_>, id: Uuid, error: &str, retry_in: Option<Duration>) -> sqlx::Result<()> {
    match retry_in {
        Some(delay) => sqlx::query(
            "UPDATE jobs SET status = 'queued', last_error = $2, locked_until = NULL,
                 run_after = now() + make_interval(secs => $3), updated_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(delay.as_secs_f64())
        .execute(db)
        .await?,
        None => sqlx::query(
            "UPDATE jobs SET status = 'failed', last_error = $2, locked_until = NULL,
                 finished_at = now(), updated_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .execute(db)
        .await?,
    };
    Ok(())
}
