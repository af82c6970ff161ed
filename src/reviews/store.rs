//! SQL of reviews: every live subscription with its review date, state and usage, computed from
//! its domain's access policy (nothing is stored ahead of time, so a policy change applies at once).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

use super::model::{Review, ReviewFilter};

/// Live subscriptions as reviews. `due_at` counts from the last confirmation, or from approval;
/// a review is due from 14 days before it (or its whole period, when shorter). Also the rows of
/// the access report.
pub(crate) const REVIEWS: &str = "SELECT s.id AS subscription, d.slug AS domain, p.slug AS product, cd.slug AS consumer_domain,
        s.principal, s.approved_scope AS scope, s.permissions, s.decided_by AS approved_by, s.decided_at AS approved_at,
        floor(extract(epoch FROM now() - s.decided_at) / 86400)::int AS age_days,
        s.reviewed_at, s.reviewed_by, v.due_at,
        CASE WHEN v.due_at IS NULL THEN NULL
             WHEN now() >= v.due_at THEN 'overdue'
             WHEN now() >= v.due_at - make_interval(days => least(14, d.review_every_days)) THEN 'due'
             ELSE 'upcoming' END AS state,
        v.due_at + make_interval(days => d.review_grace_days) AS ends_at,
        jsonb_build_object('last_used_at', u.last_used_at, 'engines', COALESCE(u.engines, '{}'),
            'uses_30d', (SELECT count(*) FROM subscription_uses x
                         WHERE x.subscription_id = s.id AND x.at > now() - interval '30 days')) AS usage,
        (d.unused_after_days IS NOT NULL
         AND COALESCE(u.last_used_at, s.decided_at) < now() - make_interval(days => d.unused_after_days)) AS unused,
        d.approval_policy, d.review_every_days, d.unused_after_days, d.unused_action, s.review_notice,
        s.provisioning, s.expires_at
    FROM subscriptions s
    JOIN products p ON p.id = s.product_id
    JOIN domains d ON d.id = p.domain_id
    JOIN domains cd ON cd.id = s.consumer_domain_id
    LEFT JOIN subscription_usage u ON u.subscription_id = s.id
    CROSS JOIN LATERAL (SELECT COALESCE(s.reviewed_at, s.decided_at) + make_interval(days => d.review_every_days) AS due_at) v
    WHERE s.status = 'approved'";

pub struct ListFilter {
    pub domain: Option<String>,
    pub state: Option<ReviewFilter>,
    /// None: every domain; Some: only these domains, and only where owners may decide.
    pub owned_by: Option<Vec<String>>,
    pub after: Option<Uuid>,
}

pub async fn list(db: impl PgExecutor<'_>, f: &ListFilter, limit: i64) -> sqlx::Result<Vec<Review>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("SELECT * FROM ({REVIEWS}) r WHERE "));
    // Only domains with a rule on: the planner then reads only their subscriptions.
    q.push("(r.review_every_days IS NOT NULL OR r.unused_after_days IS NOT NULL) AND ");
    q.push(match f.state {
        Some(ReviewFilter::Due) => "r.state = 'due'",
        Some(ReviewFilter::Overdue) => "r.state = 'overdue'",
        Some(ReviewFilter::Unused) => "r.unused",
        None => "(r.state IN ('due', 'overdue') OR r.unused)",
    });
    if let Some(domain) = &f.domain {
        q.push(" AND r.domain = ").push_bind(domain);
    }
    if let Some(domains) = &f.owned_by {
        q.push(" AND r.domain = ANY(").push_bind(domains).push(") AND r.approval_policy IN ('owners', 'either')");
    }
    if let Some(after) = f.after {
        q.push(" AND r.subscription > ").push_bind(after);
    }
    q.push(" ORDER BY r.subscription LIMIT ").push_bind(limit + 1);
    q.build_query_as().fetch_all(db).await
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Review>> {
    sqlx::query_as(crate::db::trusted(format!("SELECT * FROM ({REVIEWS}) r WHERE r.subscription = $1"))).bind(id).fetch_optional(db).await
}

/// Records a confirmation: the next review counts from now, and its reminders start over.
pub async fn confirm(tx: &mut PgConnection, id: Uuid, by: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET reviewed_at = now(), reviewed_by = $2, review_notice = NULL,
             version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(by)
    .execute(tx)
    .await?;
    Ok(())
}

/// Marks the reviews that reached `notice` (`due` or `overdue`) and have not been told so; returns
/// them with their dates, each once. The conditions on `s` itself are checked again on the row as
/// it is when the update reaches it: a confirmation or an end committed since the selection read
/// the row wins, and the row is left as it made it.
pub async fn mark_notice(tx: &mut PgConnection, notice: &str) -> sqlx::Result<Vec<(Uuid, DateTime<Utc>)>> {
    sqlx::query_as(crate::db::trusted(format!(
        "UPDATE subscriptions s SET review_notice = $1
         FROM (SELECT r.subscription, r.due_at, r.reviewed_at, r.review_notice FROM ({REVIEWS}) r
               WHERE r.review_every_days IS NOT NULL AND r.state = $1
                 AND (r.review_notice IS NULL OR ($1 = 'overdue' AND r.review_notice = 'due'))
               ORDER BY r.subscription LIMIT 500) r
         WHERE s.id = r.subscription AND s.status = 'approved'
           AND s.reviewed_at IS NOT DISTINCT FROM r.reviewed_at AND s.review_notice IS NOT DISTINCT FROM r.review_notice
         RETURNING s.id, r.due_at"
    )))
    .bind(notice)
    .fetch_all(tx)
    .await
}

/// Overdue reviews past their grace period.
pub async fn past_grace(tx: &mut PgConnection) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(crate::db::trusted(format!(
        "SELECT r.subscription FROM ({REVIEWS}) r
         WHERE r.review_every_days IS NOT NULL AND r.state = 'overdue' AND now() >= r.ends_at ORDER BY 1 LIMIT 500"
    )))
    .fetch_all(tx)
    .await
}

/// Unused subscriptions of domains that revoke them.
pub async fn unused_to_revoke(tx: &mut PgConnection) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(crate::db::trusted(format!(
        "SELECT r.subscription FROM ({REVIEWS}) r
         WHERE r.unused_after_days IS NOT NULL AND r.unused_action = 'revoke' AND r.unused ORDER BY 1 LIMIT 500"
    )))
    .fetch_all(tx)
    .await
}

/// Any constant will do: it names the lock that lets one replica run the reviews at a time.
const REVIEWS_LOCK: i64 = 0x6d65_7368_7276_7773; // "meshrvws"

pub async fn try_lock(tx: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(REVIEWS_LOCK).fetch_one(tx).await
}
