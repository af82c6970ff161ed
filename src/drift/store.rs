//! SQL of drift checks, findings and health rollups.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::compare::Finding;
use super::model::{CheckSummary, FindingView};
use crate::grants::holder::{CatalogMode, ProductPlace};
use crate::grants::model::GrantState;
use crate::subscriptions::model::SubscriptionStatus;

/// Any constant will do: it names the lock that lets one drift check run at a time.
const DRIFT_LOCK: i64 = 0x6d65_7368_6472_6674; // "meshdrft"
const RECONCILE_LOCK: i64 = 0x6d65_7368_7263_6e63; // "meshrcnc"

/// Waits until no other check runs (on any replica), for the life of `tx`.
pub async fn lock_checks(tx: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(DRIFT_LOCK).execute(tx).await?;
    Ok(())
}

/// Lets one replica's scheduler decide about the periodic reconcile at a time.
pub async fn try_lock_schedule(tx: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(RECONCILE_LOCK).fetch_one(tx).await
}

pub async fn clock(db: impl PgExecutor<'_>) -> sqlx::Result<DateTime<Utc>> {
    sqlx::query_scalar("SELECT clock_timestamp()").fetch_one(db).await
}

/// A grant that is not (known to be) revoked, with its subscription's status. Compared by its
/// key alone: the JSON resource is read only for the grants a check reports.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DesiredRow {
    pub grant_id: Uuid,
    pub subscription_id: Uuid,
    pub product_id: Uuid,
    pub subscription_status: SubscriptionStatus,
    pub principal: String,
    pub resource_key: String,
    pub permissions: Vec<String>,
    /// The columns of a data cells filter grant's filter (null: every column).
    pub filter_columns: Option<Vec<String>>,
    pub state: GrantState,
}

pub async fn desired(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<DesiredRow>> {
    sqlx::query_as(
        "SELECT g.id AS grant_id, g.subscription_id, s.product_id, s.status AS subscription_status, g.principal,
                g.resource_key, g.permissions, g.state,
                CASE WHEN jsonb_typeof(g.filter -> 'ColumnNames') = 'array'
                     THEN ARRAY(SELECT jsonb_array_elements_text(g.filter -> 'ColumnNames')) END AS filter_columns
         FROM grants g JOIN subscriptions s ON s.id = g.subscription_id
         WHERE g.state <> 'revoked'",
    )
    .fetch_all(db)
    .await
}

/// The Lake Formation resources of `grants`.
pub async fn resources(db: impl PgExecutor<'_>, grants: &[Uuid]) -> sqlx::Result<Vec<(Uuid, Value)>> {
    sqlx::query_as("SELECT id, resource FROM grants WHERE id = ANY($1)").bind(grants).fetch_all(db).await
}

/// Every principal meshgov ever granted to.
pub async fn principals(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT principal FROM grants").fetch_all(db).await
}

/// Where a product lives, for where its grants go.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductPlaceRow {
    pub catalog_mode: CatalogMode,
    pub domain_slug: String,
    pub slug: String,
    pub account_id: String,
    pub source_database: String,
}

/// `catalog|database` of every product that can be or was subscribed to, where its grants go.
pub async fn product_databases(db: impl PgExecutor<'_>, governance_account: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<ProductPlaceRow> = sqlx::query_as(
        "SELECT d.catalog_mode, d.slug AS domain_slug, p.slug, d.aws_account_id AS account_id, p.source_database
         FROM products p JOIN domains d ON d.id = p.domain_id WHERE p.status <> 'draft'",
    )
    .fetch_all(db)
    .await?;
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            let place = ProductPlace {
                mode: r.catalog_mode,
                domain: &r.domain_slug,
                product: &r.slug,
                producer_account: &r.account_id,
                source_database: &r.source_database,
            };
            let target = place.grant_target(governance_account);
            format!("{}|{}", target.catalog_id, target.database.to_lowercase())
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// How to read a product's catalog now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductSource {
    pub id: Uuid,
    pub slug: String,
    pub domain_slug: String,
    pub account_id: String,
    pub sync_role_arn: Option<String>,
    pub external_id: String,
    pub source_database: String,
}

pub async fn product_sources(db: impl PgExecutor<'_>, ids: &[Uuid]) -> sqlx::Result<Vec<ProductSource>> {
    sqlx::query_as(
        "SELECT p.id, p.slug, d.slug AS domain_slug, d.aws_account_id AS account_id, d.sync_role_arn, d.external_id,
                p.source_database
         FROM products p JOIN domains d ON d.id = p.domain_id WHERE p.id = ANY($1) ORDER BY d.slug, p.slug",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

/// `(principal, resource_key)` of grants that changed since `since`: a check that read them
/// before the change cannot judge them.
pub async fn changed_since(db: impl PgExecutor<'_>, since: DateTime<Utc>) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT principal, resource_key FROM grants WHERE updated_at >= $1").bind(since).fetch_all(db).await
}

/// The last subscription that held each resource of `principals` (revoked or failed to revoke).
pub async fn past_holders(db: impl PgExecutor<'_>, principals: &[String]) -> sqlx::Result<Vec<(String, String, Uuid)>> {
    sqlx::query_as(
        "SELECT DISTINCT ON (principal, resource_key) principal, resource_key, subscription_id
         FROM grants WHERE principal = ANY($1) AND state IN ('revoked', 'revoke_failed')
         ORDER BY principal, resource_key, updated_at DESC",
    )
    .bind(principals)
    .fetch_all(db)
    .await
}

/// Stores this check's findings (new ones inserted, known ones touched) and forgets the ones it
/// no longer sees; returns the finding keys that are new.
pub async fn save_findings(tx: &mut PgConnection, at: DateTime<Utc>, findings: &[Finding]) -> sqlx::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(findings.len());
    let (mut kinds, mut keys, mut subs, mut grants, mut principals) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut resource_keys, mut resources, mut permissions, mut details) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for f in findings {
        ids.push(Uuid::now_v7());
        kinds.push(f.kind.as_str());
        keys.push(f.finding_key());
        subs.push(f.subscription_id);
        grants.push(f.grant_id);
        principals.push(f.principal.clone());
        resource_keys.push(f.resource_key.clone());
        resources.push(f.resource.clone());
        // Postgres arrays of arrays must be rectangular: pass the permissions as one string each.
        permissions.push(f.permissions.join(","));
        details.push(f.detail.clone());
    }
    let new: Vec<Option<String>> = sqlx::query_scalar(
        "INSERT INTO drift_findings (id, kind, finding_key, subscription_id, grant_id, principal, resource_key, resource,
                                     permissions, detail, first_seen_at, last_seen_at)
         SELECT id, kind, finding_key, sub, gr, principal, rkey, resource, string_to_array(perms, ','), detail, $11, $11
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[],
                     $9::text[], $10::text[])
              AS t(id, kind, finding_key, sub, gr, principal, rkey, resource, perms, detail)
         ON CONFLICT (finding_key) DO UPDATE SET
             last_seen_at = EXCLUDED.last_seen_at, permissions = EXCLUDED.permissions, detail = EXCLUDED.detail,
             resource = EXCLUDED.resource, subscription_id = EXCLUDED.subscription_id
         RETURNING CASE WHEN xmax = 0 THEN finding_key END",
    )
    .bind(&ids)
    .bind(&kinds)
    .bind(&keys)
    .bind(&subs)
    .bind(&grants)
    .bind(&principals)
    .bind(&resource_keys)
    .bind(&resources)
    .bind(&permissions)
    .bind(&details)
    .bind(at)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM drift_findings WHERE last_seen_at < $1").bind(at).execute(&mut *tx).await?;
    Ok(new.into_iter().flatten().collect())
}

/// Marks subscriptions as verified by the check that started at `at`.
pub async fn mark_verified(tx: &mut PgConnection, subscriptions: &[Uuid], at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query("UPDATE subscriptions SET verified_at = $2 WHERE id = ANY($1) AND status = 'approved'")
        .bind(subscriptions)
        .bind(at)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn insert_check(tx: &mut PgConnection, c: &CheckSummary, trigger: &str, by: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO drift_checks (id, trigger, started_at, finished_at, desired_grants, listed_permissions, missing,
                                   unexpected, orphaned, unverified, checked_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(c.id)
    .bind(trigger)
    .bind(c.started_at)
    .bind(c.finished_at)
    .bind(c.desired_grants)
    .bind(c.listed_permissions)
    .bind(c.missing)
    .bind(c.unexpected)
    .bind(c.orphaned)
    .bind(sqlx::types::Json(&c.unverified))
    .bind(by)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn last_check(db: impl PgExecutor<'_>) -> sqlx::Result<Option<CheckSummary>> {
    sqlx::query_as(
        "SELECT id, started_at, finished_at, desired_grants, listed_permissions, missing, unexpected, orphaned, unverified
         FROM drift_checks ORDER BY finished_at DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await
}

/// Whether a periodic reconcile is queued or running.
pub async fn reconcile_queued(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM jobs WHERE dedupe_key = 'reconcile' AND status IN ('queued', 'running'))")
        .fetch_one(db)
        .await
}

/// When the last scheduled check finished.
pub async fn last_scheduled(db: impl PgExecutor<'_>) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT max(finished_at) FROM drift_checks WHERE trigger = 'schedule'").fetch_one(db).await
}

/// The open findings of one kind, with the product of their subscription.
pub async fn findings(db: impl PgExecutor<'_>, kind: &str, limit: i64) -> sqlx::Result<Vec<FindingView>> {
    sqlx::query_as(
        "SELECT f.id, f.kind, f.subscription_id, pd.slug AS domain, p.slug AS product, f.principal, f.resource,
                f.permissions, f.detail, f.first_seen_at, f.last_seen_at
         FROM drift_findings f
         LEFT JOIN subscriptions s ON s.id = f.subscription_id
         LEFT JOIN products p ON p.id = s.product_id
         LEFT JOIN domains pd ON pd.id = p.domain_id
         WHERE f.kind = $1 ORDER BY f.principal, f.resource_key LIMIT $2",
    )
    .bind(kind)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Findings repaired: a re-grant succeeded, or an unexpected permission was revoked.
pub async fn forget_grants(tx: &mut PgConnection, grant_ids: &[Uuid]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM drift_findings WHERE kind = 'missing' AND grant_id = ANY($1)")
        .bind(grant_ids)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn forget_unexpected(tx: &mut PgConnection, principal: &str, resource_keys: &[String]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM drift_findings WHERE kind = 'unexpected' AND principal = $1 AND resource_key = ANY($2)")
        .bind(principal)
        .bind(resource_keys)
        .execute(tx)
        .await?;
    Ok(())
}

/// Grants due again because a drift check found them missing; returns `(grant, subscription)`.
pub async fn requeue_missing(tx: &mut PgConnection, grant_ids: &[Uuid]) -> sqlx::Result<Vec<(Uuid, Uuid)>> {
    sqlx::query_as(
        "UPDATE grants g SET state = 'pending', last_error = NULL, updated_at = now()
         FROM subscriptions s
         WHERE g.id = ANY($1) AND g.state = 'granted' AND s.id = g.subscription_id AND s.status = 'approved'
         RETURNING g.id, g.subscription_id",
    )
    .bind(grant_ids)
    .fetch_all(tx)
    .await
}

/// Permissions live grants of `principal` want on each of `resource_keys` right now.
pub async fn wanted_now(tx: &mut PgConnection, principal: &str) -> sqlx::Result<Vec<(String, Vec<String>)>> {
    sqlx::query_as(
        "SELECT resource_key, permissions FROM grants
         WHERE principal = $1 AND state IN ('pending', 'granted', 'grant_failed', 'revoking')",
    )
    .bind(principal)
    .fetch_all(tx)
    .await
}

/// A product to sync for its orphaned grants.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductToSync {
    pub id: Uuid,
    pub slug: String,
    pub domain_id: Uuid,
    pub domain_slug: String,
    pub grants: i64,
}

pub async fn products_of_grants(db: impl PgExecutor<'_>, grant_ids: &[Uuid]) -> sqlx::Result<Vec<ProductToSync>> {
    sqlx::query_as(
        "SELECT p.id, p.slug, d.id AS domain_id, d.slug AS domain_slug, count(*) AS grants
         FROM grants g JOIN subscriptions s ON s.id = g.subscription_id
         JOIN products p ON p.id = s.product_id JOIN domains d ON d.id = p.domain_id
         WHERE g.id = ANY($1) GROUP BY p.id, d.id ORDER BY d.slug, p.slug",
    )
    .bind(grant_ids)
    .fetch_all(db)
    .await
}

/// The domain owning a subscription's product (the grant job's domain).
pub async fn product_domain_of(tx: &mut PgConnection, subscription: Uuid) -> sqlx::Result<Uuid> {
    sqlx::query_scalar("SELECT p.domain_id FROM subscriptions s JOIN products p ON p.id = s.product_id WHERE s.id = $1")
        .bind(subscription)
        .fetch_one(tx)
        .await
}

/// A subscription whose consumer access meshgov set up (state `ready`, through the consumer
/// domain's link role, in an account other than the one holding the grants, for a role), and did
/// not change since `before`: what a drift check verifies in the consumer's account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkedAccess {
    pub subscription_id: Uuid,
    pub principal: String,
    pub consumer_domain: String,
    pub link_role_arn: String,
    pub external_id: String,
    pub consumer_account: String,
    pub link_database: String,
    pub target_catalog_id: String,
    pub target_database: String,
    pub product_domain: String,
    pub product: String,
}

pub async fn linked_access(db: impl PgExecutor<'_>, before: DateTime<Utc>) -> sqlx::Result<Vec<LinkedAccess>> {
    sqlx::query_as(
        "SELECT a.subscription_id, s.principal, c.slug AS consumer_domain, c.link_role_arn, c.external_id,
                a.consumer_account, a.link_database, a.target_catalog_id, a.target_database,
                pd.slug AS product_domain, p.slug AS product
         FROM consumer_access a JOIN subscriptions s ON s.id = a.subscription_id
         JOIN domains c ON c.id = s.consumer_domain_id
         JOIN products p ON p.id = s.product_id JOIN domains pd ON pd.id = p.domain_id
         WHERE a.state = 'ready' AND s.status = 'approved' AND c.link_role_arn IS NOT NULL
           AND a.consumer_account <> a.target_catalog_id AND s.principal LIKE 'arn:%' AND a.updated_at < $1
         ORDER BY a.consumer_account, a.link_database, a.subscription_id",
    )
    .bind(before)
    .fetch_all(db)
    .await
}

/// Sets up again the consumer access of `subscriptions` whose link or DESCRIBE a check found
/// missing; returns those that were `ready` (the others are being set up or taken down anyway).
pub async fn requeue_access(tx: &mut PgConnection, subscriptions: &[Uuid]) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "UPDATE consumer_access SET state = 'pending', updated_at = now()
         WHERE subscription_id = ANY($1) AND state = 'ready' RETURNING subscription_id",
    )
    .bind(subscriptions)
    .fetch_all(tx)
    .await
}
