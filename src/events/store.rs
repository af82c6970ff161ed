//! SQL of the feed: which audit events a reader may see, decided in one query by joining each
//! event's parsed target to what it names. The feed and webhook fan-out both use [`visible`], so a
//! webhook can never receive more than its registrant could read.

use sqlx::PgExecutor;

use super::model::INTERNAL_ACTIONS;
use crate::audit::model::AuditEvent;
use crate::http::auth::{Caller, Role};

/// What a reader may see, reduced to what the query needs (DESIGN.md §3).
#[derive(Debug, Clone)]
pub struct Audience {
    pub sub: String,
    /// Admins and stewards see every event.
    pub everything: bool,
    /// Domains the reader belongs to (any role): their `domain:` events.
    pub member_of: Vec<String>,
    /// Domains the reader produces for: their drafts' events and subscriptions to their products.
    pub producer_in: Vec<String>,
    /// Domains the reader consumes for: their subscriptions.
    pub consumer_in: Vec<String>,
}

impl From<&Caller> for Audience {
    fn from(caller: &Caller) -> Audience {
        Audience {
            sub: caller.sub.clone(),
            everything: caller.sees_everything(),
            member_of: caller.domains.iter().cloned().collect(),
            producer_in: caller.producer_domains(),
            consumer_in: if caller.has(Role::Consumer) { caller.domains.iter().cloned().collect() } else { Vec::new() },
        }
    }
}

/// The newest seq of the trail (0 when empty). Appends hold a lock until they commit, so every
/// event up to this seq is committed and none will appear below it later.
pub async fn head(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM audit_events").fetch_one(db).await
}

/// The events in `(after, upto]` the audience may see, oldest first, at most `limit`; only the
/// given actions when `actions` is set.
///
/// Targets are parsed in SQL: `product:{domain}/{product}` (not a draft: anyone; a draft: the
/// domain's producers), `subscription:{id}` (consumers of its consumer domain, producers of the
/// product's domain, its requester — as `GET /subscriptions/{id}`), `domain:{slug}` (the domain's
/// members). Everything else (`principal:…`, `drift`, `webhook:…`) only admins and stewards see.
pub async fn visible(
    db: impl PgExecutor<'_>,
    audience: &Audience,
    after: i64,
    upto: i64,
    actions: Option<&[String]>,
    limit: i64,
) -> sqlx::Result<Vec<AuditEvent>> {
    // The uuid cast sits in a CASE so it only runs on targets shaped like a subscription's.
    sqlx::query_as(
        "SELECT a.seq, a.at, a.actor_sub, a.actor_roles, a.action, a.target, a.request_id, a.details,
                a.prev_hash, a.hash
         FROM audit_events a
         LEFT JOIN domains pd
             ON a.target LIKE 'product:%' AND pd.slug = split_part(substr(a.target, 9), '/', 1)
         LEFT JOIN products p
             ON p.domain_id = pd.id AND p.slug = split_part(substr(a.target, 9), '/', 2)
         LEFT JOIN subscriptions s
             ON s.id = CASE WHEN a.target ~ '^subscription:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                            THEN substr(a.target, 14)::uuid END
         LEFT JOIN products sp ON sp.id = s.product_id
         LEFT JOIN domains spd ON spd.id = sp.domain_id
         LEFT JOIN domains scd ON scd.id = s.consumer_domain_id
         WHERE a.seq > $1 AND a.seq <= $2
           AND a.action <> ALL($3)
           AND ($4::text[] IS NULL OR a.action = ANY($4))
           AND ($5
                OR (a.target LIKE 'domain:%' AND substr(a.target, 8) = ANY($6))
                OR (p.id IS NOT NULL AND (p.status <> 'draft' OR pd.slug = ANY($7)))
                OR (s.id IS NOT NULL AND (scd.slug = ANY($8) OR spd.slug = ANY($7) OR s.requested_by = $9)))
         ORDER BY a.seq
         LIMIT $10",
    )
    .bind(after)
    .bind(upto)
    .bind(INTERNAL_ACTIONS)
    .bind(actions)
    .bind(audience.everything)
    .bind(&audience.member_of)
    .bind(&audience.producer_in)
    .bind(&audience.consumer_in)
    .bind(&audience.sub)
    .bind(limit)
    .fetch_all(db)
    .await
}
