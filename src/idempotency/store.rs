use serde_json::Value;
use sqlx::PgConnection;

use crate::http::problem::ApiError;

pub enum Claim {
    /// The key is new: go on, and call [`complete`] in the same transaction.
    Fresh,
    /// The key was used before for the same request: answer with this body.
    Replay(Value),
}

/// How long a key is remembered: a retry after that is treated as a new request.
pub const RETENTION_HOURS: i32 = 24;

/// Claims `key` for `subject`. If a concurrent request holds the same key, the insert waits for
/// that transaction, so a retry racing its original still sees one outcome. A key older than the
/// retention period is taken over as if it were new.
pub async fn claim(
    tx: &mut PgConnection,
    subject: &str,
    key: &str,
    request_hash: &str,
) -> Result<Claim, ApiError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (subject, key, request_hash, status, body)
         VALUES ($1, $2, $3, 0, 'null'::jsonb)
         ON CONFLICT (subject, key) DO UPDATE
             SET request_hash = excluded.request_hash, status = 0, body = 'null'::jsonb, created_at = now()
             WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)",
    )
    .bind(subject)
    .bind(key)
    .bind(request_hash)
    .bind(RETENTION_HOURS)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let (stored_hash, body): (String, Value) =
        sqlx::query_as("SELECT request_hash, body FROM idempotency_keys WHERE subject = $1 AND key = $2")
            .bind(subject)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
    if stored_hash != request_hash {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was already used for a different request",
        ));
    }
    Ok(Claim::Replay(body))
}

pub async fn complete(tx: &mut PgConnection, subject: &str, key: &str, status: u16, body: &Value) -> sqlx::Result<()> {
    sqlx::query("UPDATE idempotency_keys SET status = $3, body = $4 WHERE subject = $1 AND key = $2")
        .bind(subject)
        .bind(key)
        .bind(status as i16)
        .bind(body)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
