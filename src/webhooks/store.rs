//! SQL of webhooks and their deliveries.

use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::model::{DeliveryRow, WebhookRow};
use crate::audit::model::AuditEvent;

const COLUMNS: &str = "id, url, description, types, secret, owner_sub, owner_roles, owner_domains, status,
    disabled_reason, cursor_seq, consecutive_failures, failing_since, retry_after, created_at, updated_at";

const DELIVERY_COLUMNS: &str = "d.webhook_id, d.seq, a.action, a.target, d.state, d.attempts, d.last_status,
    d.last_error, d.job_id, d.created_at, d.updated_at, d.delivered_at";

fn trusted(sql: String) -> sqlx::AssertSqlSafe<String> {
    crate::db::trusted(sql)
}

pub struct NewRow<'a> {
    pub id: Uuid,
    pub url: &'a str,
    pub description: &'a str,
    pub types: Option<&'a [String]>,
    pub secret: &'a str,
    pub owner_sub: &'a str,
    pub owner_roles: &'a [String],
    pub owner_domains: &'a [String],
}

pub async fn insert(tx: &mut PgConnection, row: &NewRow<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhooks (id, url, description, types, secret, owner_sub, owner_roles, owner_domains, cursor_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)",
    )
    .bind(row.id)
    .bind(row.url)
    .bind(row.description)
    .bind(row.types)
    .bind(row.secret)
    .bind(row.owner_sub)
    .bind(row.owner_roles)
    .bind(row.owner_domains)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sets where fan-out starts (or continues) for a webhook.
pub async fn set_cursor(tx: &mut PgConnection, id: Uuid, seq: i64) -> sqlx::Result<WebhookRow> {
    sqlx::query_as(trusted(format!(
        "UPDATE webhooks SET cursor_seq = $2, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(seq)
    .fetch_one(&mut *tx)
    .await
}

/// How long the webhook's receiver still backs off, if it does (by the database's clock, which
/// set it).
pub async fn backoff_left(db: &PgPool, id: Uuid) -> sqlx::Result<Option<std::time::Duration>> {
    let seconds: Option<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM retry_after - now())::float8 FROM webhooks WHERE id = $1 AND retry_after > now()",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(seconds.map(std::time::Duration::from_secs_f64))
}

/// A failed attempt: the receiver backs off until `now + backoff`, and so do its queued
/// deliveries. Returns when the receiver may be tried again.
pub async fn receiver_failed(db: &PgPool, id: Uuid, backoff: impl Fn(i32) -> std::time::Duration) -> sqlx::Result<chrono::DateTime<chrono::Utc>> {
    let mut tx = db.begin().await?;
    let failures: i32 = sqlx::query_scalar(
        "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now())
         WHERE id = $1 RETURNING consecutive_failures",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let until: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("UPDATE webhooks SET retry_after = now() + make_interval(secs => $2) WHERE id = $1 RETURNING retry_after")
            .bind(id)
            .bind(backoff(failures).as_secs_f64())
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(
        "UPDATE jobs SET run_after = $2, updated_at = now()
         WHERE kind = 'deliver_webhook' AND status = 'queued' AND payload ->> 'webhook_id' = $1::text AND run_after < $2",
    )
    .bind(id)
    .bind(until)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(until)
}

/// A delivered attempt: the receiver is healthy again.
pub async fn receiver_answered(db: &PgPool, id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL, retry_after = NULL
         WHERE id = $1 AND consecutive_failures > 0",
    )
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<WebhookRow>> {
    sqlx::query_as(trusted(format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1")))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Newest first; only `owner`'s when set.
pub async fn list(db: &PgPool, owner: Option<&str>, before: Option<Uuid>, limit: i64) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as(trusted(format!(
        "SELECT {COLUMNS} FROM webhooks
         WHERE ($1::text IS NULL OR owner_sub = $1) AND ($2::uuid IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3"
    )))
    .bind(owner)
    .bind(before)
    .bind(limit + 1)
    .fetch_all(db)
    .await
}

pub async fn delete(tx: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut *tx).await?;
    Ok(())
}

pub async fn disable(db: &PgPool, id: Uuid, reason: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE webhooks SET status = 'disabled', disabled_reason = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(reason)
        .execute(db)
        .await?;
    Ok(())
}

/// Active webhooks whose cursor is behind `head`.
pub async fn behind(db: &PgPool, head: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT id FROM webhooks WHERE status = 'active' AND cursor_seq < $1 ORDER BY cursor_seq")
        .bind(head)
        .fetch_all(db)
        .await
}

/// Locks an active webhook for fan-out; `None` when another replica holds it (it is fanning it
/// out now) or it is gone or disabled.
pub async fn lock_active(tx: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<WebhookRow>> {
    sqlx::query_as(trusted(format!(
        "SELECT {COLUMNS} FROM webhooks WHERE id = $1 AND status = 'active' FOR UPDATE SKIP LOCKED"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
}

/// Queues a delivery under `job_id`: a new one at fan-out, or a dead one sent again.
pub async fn queue_delivery(tx: &mut PgConnection, webhook_id: Uuid, seq: i64, job_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, seq, job_id) VALUES ($1, $2, $3)
         ON CONFLICT (webhook_id, seq) DO UPDATE SET state = 'pending', job_id = $3, updated_at = now()",
    )
    .bind(webhook_id)
    .bind(seq)
    .bind(job_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn find_delivery(db: impl PgExecutor<'_>, webhook_id: Uuid, seq: i64) -> sqlx::Result<Option<DeliveryRow>> {
    sqlx::query_as(trusted(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN audit_events a ON a.seq = d.seq
         WHERE d.webhook_id = $1 AND d.seq = $2"
    )))
    .bind(webhook_id)
    .bind(seq)
    .fetch_optional(db)
    .await
}

/// A webhook's deliveries, newest event first, optionally in one state.
pub async fn deliveries(
    db: &PgPool,
    webhook_id: Uuid,
    state: Option<&str>,
    before_seq: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(trusted(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN audit_events a ON a.seq = d.seq
         WHERE d.webhook_id = $1 AND ($2::text IS NULL OR d.state = $2) AND ($3::bigint IS NULL OR d.seq < $3)
         ORDER BY d.seq DESC LIMIT $4"
    )))
    .bind(webhook_id)
    .bind(state)
    .bind(before_seq)
    .bind(limit + 1)
    .fetch_all(db)
    .await
}

/// Records one attempt: its HTTP status (if the receiver answered), its error, and the state it
/// leaves the delivery in.
pub async fn record_attempt(
    db: &PgPool,
    webhook_id: Uuid,
    seq: i64,
    state: &str,
    status: Option<u16>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, last_status = $4, last_error = $5,
             delivered_at = CASE WHEN $3 = 'delivered' THEN now() END, updated_at = now()
         WHERE webhook_id = $1 AND seq = $2",
    )
    .bind(webhook_id)
    .bind(seq)
    .bind(state)
    .bind(status.map(|s| s as i16))
    .bind(error.map(|e| e.chars().take(2000).collect::<String>()))
    .execute(db)
    .await?;
    Ok(())
}

/// One audit event, to send.
pub async fn event(db: &PgPool, seq: i64) -> sqlx::Result<Option<AuditEvent>> {
    sqlx::query_as(
        "SELECT seq, at, actor_sub, actor_roles, action, target, request_id, details, prev_hash, hash
         FROM audit_events WHERE seq = $1",
    )
    .bind(seq)
    .fetch_optional(db)
    .await
}
