//! SQL of subscriptions.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::model::{Scope, SubscriptionRow, SubscriptionStatus};
use crate::db::trusted;
use crate::domains::model::ApprovalPolicy;
use crate::grants::holder::{CatalogMode, ProductPlace};
use crate::schema::SchemaDocument;

const COLUMNS: &str = "s.id, s.product_id, p.slug AS product_slug, p.domain_id AS product_domain_id,
    pd.slug AS product_domain, s.consumer_domain_id, cd.slug AS consumer_domain, s.principal, s.requested_scope,
    s.approved_scope, s.permissions, s.justification, s.requested_expires_at, s.expires_at, s.status,
    s.provisioning, s.requested_by, s.decided_by, s.decided_at, s.decision_comment, s.ended_by, s.ended_at,
    s.end_comment, s.version, s.created_at, s.updated_at, s.verified_at,
    (SELECT count(*) FROM drift_findings f WHERE f.subscription_id = s.id) AS open_findings,
    (SELECT to_jsonb(a) FROM consumer_access a WHERE a.subscription_id = s.id) AS access,
    (SELECT jsonb_build_object('last_used_at', u.last_used_at, 'engines', u.engines,
        'uses_30d', (SELECT count(*) FROM subscription_uses x WHERE x.subscription_id = s.id AND x.at > now() - interval '30 days'))
     FROM subscription_usage u WHERE u.subscription_id = s.id) AS usage";

const FROM: &str = "FROM subscriptions s JOIN products p ON p.id = s.product_id
    JOIN domains pd ON pd.id = p.domain_id JOIN domains cd ON cd.id = s.consumer_domain_id";

/// What a request or a decision needs to know about the product.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductContext {
    pub id: Uuid,
    pub slug: String,
    /// The product's lifecycle status, for messages; what the rules need of it is below.
    pub status: String,
    pub draft: bool,
    pub published: bool,
    pub schema_version: i32,
    pub schema: sqlx::types::Json<SchemaDocument>,
    pub source_database: String,
    pub auto_approve: bool,
    pub domain_id: Uuid,
    pub domain_slug: String,
    pub account_id: String,
    pub approval_policy: ApprovalPolicy,
    pub catalog_mode: CatalogMode,
    /// Central mode: the governance account's mirror lags the product's schema (never built after a
    /// switch to central mode, or a failed attempt): grants on it wait for it.
    pub mirror_behind: bool,
}

impl ProductContext {
    pub fn place(&self) -> ProductPlace<'_> {
        ProductPlace {
            mode: self.catalog_mode,
            domain: &self.domain_slug,
            product: &self.slug,
            producer_account: &self.account_id,
            source_database: &self.source_database,
        }
    }
}

const PRODUCT: &str = "SELECT p.id, p.slug, p.status, p.status = 'draft' AS draft, p.status = 'published' AS published,
    p.schema_version, p.schema,
    p.source_database, p.auto_approve, d.id AS domain_id, d.slug AS domain_slug, d.aws_account_id AS account_id,
    d.approval_policy, d.catalog_mode, d.catalog_mode = 'central' AND p.mirrored_version < p.schema_version AS mirror_behind
    FROM products p JOIN domains d ON d.id = p.domain_id";

/// The product, share-locked so it cannot be retired while a request for it is being stored.
pub async fn product_by_slug(tx: &mut PgConnection, domain: &str, product: &str) -> sqlx::Result<Option<ProductContext>> {
    sqlx::query_as(trusted(format!("{PRODUCT} WHERE d.slug = $1 AND p.slug = $2 FOR SHARE OF p")))
        .bind(domain)
        .bind(product)
        .fetch_optional(tx)
        .await
}

pub async fn product_by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<ProductContext> {
    sqlx::query_as(trusted(format!("{PRODUCT} WHERE p.id = $1"))).bind(id).fetch_one(db).await
}

pub struct NewRow<'a> {
    pub product_id: Uuid,
    pub consumer_domain_id: Uuid,
    pub principal: &'a str,
    pub scope: &'a Scope,
    pub scope_hash: &'a str,
    pub permissions: &'a [String],
    pub justification: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
    pub requested_by: &'a str,
}

/// Inserts the request unless an identical one is live; returns (id, whether it is new).
pub async fn insert(tx: &mut PgConnection, r: &NewRow<'_>) -> sqlx::Result<(Uuid, bool)> {
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO subscriptions (id, product_id, consumer_domain_id, principal, requested_scope, scope_hash,
                                    permissions, justification, requested_expires_at, expires_at, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
         ON CONFLICT (product_id, principal, scope_hash) WHERE status IN ('pending', 'approved') DO NOTHING
         RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(r.product_id)
    .bind(r.consumer_domain_id)
    .bind(r.principal)
    .bind(sqlx::types::Json(r.scope))
    .bind(r.scope_hash)
    .bind(r.permissions)
    .bind(r.justification)
    .bind(r.expires_at)
    .bind(r.requested_by)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar(
        "SELECT id FROM subscriptions WHERE product_id = $1 AND principal = $2 AND scope_hash = $3
           AND status IN ('pending', 'approved')",
    )
    .bind(r.product_id)
    .bind(r.principal)
    .bind(r.scope_hash)
    .fetch_one(&mut *tx)
    .await?;
    Ok((id, false))
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid, for_update: bool) -> sqlx::Result<Option<SubscriptionRow>> {
    let lock = if for_update { " FOR UPDATE OF s" } else { "" };
    sqlx::query_as(trusted(format!("SELECT {COLUMNS} {FROM} WHERE s.id = $1{lock}"))).bind(id).fetch_optional(db).await
}

pub async fn approve(
    tx: &mut PgConnection,
    id: Uuid,
    scope: &Scope,
    expires_at: Option<DateTime<Utc>>,
    by: &str,
    comment: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET status = 'approved', provisioning = 'granting', approved_scope = $2, expires_at = $3,
             decided_by = $4, decided_at = now(), decision_comment = $5, version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(sqlx::types::Json(scope))
    .bind(expires_at)
    .bind(by)
    .bind(comment)
    .execute(tx)
    .await?;
    Ok(())
}

/// Rejects a pending request (a decision).
pub async fn reject(tx: &mut PgConnection, id: Uuid, by: &str, comment: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET status = 'rejected', decided_by = $2, decided_at = now(), decision_comment = $3,
             version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(by)
    .bind(comment)
    .execute(tx)
    .await?;
    Ok(())
}

/// Ends a subscription: cancelled (pending), or revoked / expired (approved, grants to revoke).
pub async fn end(tx: &mut PgConnection, id: Uuid, status: &str, by: &str, comment: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET status = $2,
             provisioning = CASE WHEN $2 = 'cancelled' THEN 'none' ELSE 'revoking' END,
             ended_by = $3, ended_at = now(), end_comment = $4, version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(by)
    .bind(comment)
    .execute(tx)
    .await?;
    Ok(())
}

/// Live subscriptions (pending or approved) of a product, locked.
pub async fn live_of_product(tx: &mut PgConnection, product_id: Uuid) -> sqlx::Result<Vec<(Uuid, SubscriptionStatus)>> {
    sqlx::query_as(
        "SELECT id, status FROM subscriptions WHERE product_id = $1 AND status IN ('pending', 'approved')
         ORDER BY id FOR UPDATE",
    )
    .bind(product_id)
    .fetch_all(tx)
    .await
}

/// Approved subscriptions whose expiry has passed, locked (skipping ones another replica holds).
pub async fn due_for_expiry(tx: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT id FROM subscriptions WHERE status = 'approved' AND expires_at <= now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(tx)
    .await
}

#[derive(Debug, Default)]
pub struct ListFilter {
    pub status: Option<&'static str>,
    pub domain: Option<String>,
    pub product: Option<String>,
    pub consumer_domain: Option<String>,
    /// `None`: everything; otherwise subscriptions of these consumer domains or to products of
    /// these producer domains.
    pub visible: Option<(Vec<String>, Vec<String>)>,
    pub before_id: Option<Uuid>,
}

pub async fn list(db: &PgPool, f: &ListFilter, limit: i64) -> sqlx::Result<Vec<SubscriptionRow>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("SELECT {COLUMNS} {FROM} WHERE true"));
    if let Some(status) = f.status {
        q.push(" AND s.status = ").push_bind(status);
    }
    if let Some(domain) = &f.domain {
        q.push(" AND pd.slug = ").push_bind(domain);
    }
    if let Some(product) = &f.product {
        q.push(" AND p.slug = ").push_bind(product);
    }
    if let Some(consumer) = &f.consumer_domain {
        q.push(" AND cd.slug = ").push_bind(consumer);
    }
    if let Some((consumer_domains, producer_domains)) = &f.visible {
        q.push(" AND (cd.slug = ANY(")
            .push_bind(consumer_domains)
            .push(") OR pd.slug = ANY(")
            .push_bind(producer_domains)
            .push("))");
    }
    if let Some(before) = f.before_id {
        q.push(" AND s.id < ").push_bind(before);
    }
    q.push(" ORDER BY s.id DESC LIMIT ").push_bind(limit + 1);
    q.build_query_as().fetch_all(db).await
}

/// Any constant will do: it names the lock that lets one replica expire at a time.
const EXPIRY_LOCK: i64 = 0x6d65_7368_6578_7072; // "meshexpr"

/// Lets one replica's scheduler expire subscriptions at a time, for the life of `tx`.
pub async fn try_lock_expiry(tx: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(EXPIRY_LOCK).fetch_one(tx).await
}
