//! SQL of the audit trail.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::chain::{self, GENESIS_HASH, HashInput};
use super::model::{AuditEvent, BadEvent, NewEvent, VerifyReport};
use crate::http::request_id;

/// Any constant will do: it names the lock that serializes appends to the chain.
const CHAIN_LOCK: i64 = 0x6d65_7368_6175_6469; // "meshaudi"

/// Appends `event` inside the caller's transaction. Appends are serialized by a transaction-scoped
/// advisory lock, so concurrent writers each link to the true previous event; the lock is held
/// until the caller commits, which is why callers append last, just before committing: use
/// [`super::commit`], unless what follows the append needs the event's `seq` (a webhook starts
/// after its own registration).
pub async fn append(tx: &mut PgConnection, event: NewEvent) -> sqlx::Result<AuditEvent> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CHAIN_LOCK).execute(&mut *tx).await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *tx).await?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS_HASH.to_string()));
    let seq = prev_seq + 1;
    let at = chain::truncate_to_micros(Utc::now());
    let request_id = request_id::current();
    let hash = chain::event_hash(&HashInput {
        seq,
        at,
        actor_sub: &event.actor.sub,
        actor_roles: &event.actor.roles,
        action: &event.action,
        target: &event.target,
        request_id: &request_id,
        details: &event.details,
        prev_hash: &prev_hash,
    });
    sqlx::query_as(
        "INSERT INTO audit_events (seq, at, actor_sub, actor_roles, action, target, request_id, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING seq, at, actor_sub, actor_roles, action, target, request_id, details, prev_hash, hash",
    )
    .bind(seq)
    .bind(at)
    .bind(&event.actor.sub)
    .bind(&event.actor.roles)
    .bind(&event.action)
    .bind(&event.target)
    .bind(&request_id)
    .bind(&event.details)
    .bind(&prev_hash)
    .bind(&hash)
    .fetch_one(&mut *tx)
    .await
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Newest first (the default) or oldest first.
    pub descending: bool,
    pub after_seq: Option<i64>,
}

pub async fn list(db: &PgPool, filter: &AuditFilter, limit: i64) -> sqlx::Result<Vec<AuditEvent>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT seq, at, actor_sub, actor_roles, action, target, request_id, details, prev_hash, hash
         FROM audit_events WHERE true",
    );
    if let Some(actor) = &filter.actor {
        q.push(" AND actor_sub = ").push_bind(actor);
    }
    if let Some(action) = &filter.action {
        q.push(" AND action = ").push_bind(action);
    }
    if let Some(target) = &filter.target {
        q.push(" AND target = ").push_bind(target);
    }
    if let Some(since) = filter.since {
        q.push(" AND at >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        q.push(" AND at < ").push_bind(until);
    }
    if let Some(after) = filter.after_seq {
        q.push(if filter.descending { " AND seq < " } else { " AND seq > " }).push_bind(after);
    }
    q.push(if filter.descending { " ORDER BY seq DESC" } else { " ORDER BY seq ASC" });
    q.push(" LIMIT ").push_bind(limit + 1);
    q.build_query_as().fetch_all(db).await
}

/// Walks the whole chain in order, in batches, and reports the first event that does not verify.
pub async fn verify(db: &PgPool) -> sqlx::Result<VerifyReport> {
    const BATCH: i64 = 5000;
    let mut checked = 0i64;
    let mut prev_seq = 0i64;
    let mut prev_hash = GENESIS_HASH.to_string();
    loop {
        let batch: Vec<AuditEvent> = sqlx::query_as(
            "SELECT seq, at, actor_sub, actor_roles, action, target, request_id, details, prev_hash, hash
             FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(prev_seq)
        .bind(BATCH)
        .fetch_all(db)
        .await?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            let bad = |problem: &str, detail: String| VerifyReport {
                ok: false,
                events_checked: checked,
                head_hash: None,
                first_bad: Some(BadEvent { seq: e.seq, problem: problem.into(), detail }),
            };
            if e.seq != prev_seq + 1 {
                return Ok(bad("missing_event", format!("expected seq {}, found {}", prev_seq + 1, e.seq)));
            }
            if e.prev_hash != prev_hash {
                return Ok(bad("broken_link", "prev_hash does not equal the previous event's hash".into()));
            }
            let recomputed = chain::event_hash(&HashInput {
                seq: e.seq,
                at: e.at,
                actor_sub: &e.actor_sub,
                actor_roles: &e.actor_roles,
                action: &e.action,
                target: &e.target,
                request_id: &e.request_id,
                details: &e.details,
                prev_hash: &e.prev_hash,
            });
            if recomputed != e.hash {
                return Ok(bad("hash_mismatch", "the event's content does not match its hash".into()));
            }
            checked += 1;
            prev_seq = e.seq;
            prev_hash = e.hash.clone();
        }
    }
    Ok(VerifyReport {
        ok: true,
        events_checked: checked,
        head_hash: (checked > 0).then_some(prev_hash),
        first_bad: None,
    })
}
