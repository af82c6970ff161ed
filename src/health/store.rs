//! SQL of the health rollups.

use sqlx::PgExecutor;
use uuid::Uuid;

use super::HealthRollup;

/// The health of live subscriptions matching `scope` (`s.product_id = $1` or a domain's products),
/// by the same rules as [`super::health`].
async fn rollup(db: impl PgExecutor<'_>, scope: &str, id: Uuid) -> sqlx::Result<HealthRollup> {
    let sql = format!(
        "SELECT count(*) AS live_subscriptions,
                count(*) FILTER (WHERE h = 'healthy') AS healthy,
                count(*) FILTER (WHERE h = 'drifted') AS drifted,
                count(*) FILTER (WHERE h = 'unverified') AS unverified,
                count(*) FILTER (WHERE h = 'provisioning') AS provisioning,
                count(*) FILTER (WHERE h = 'failing') AS failing,
                coalesce(sum(open_findings), 0)::bigint AS open_findings,
                min(verified_at) AS oldest_verification
         FROM (SELECT s.verified_at, x.open_findings,
                      CASE WHEN s.provisioning IN ('grant_failed', 'revoke_failed') THEN 'failing'
                           WHEN s.provisioning = 'granting' THEN 'provisioning'
                           WHEN x.open_findings > 0 THEN 'drifted'
                           WHEN s.verified_at IS NULL THEN 'unverified'
                           ELSE 'healthy' END AS h
               FROM subscriptions s
               CROSS JOIN LATERAL (SELECT count(*) AS open_findings FROM drift_findings f WHERE f.subscription_id = s.id) x
               WHERE s.status = 'approved' AND {scope}) live"
    );
    sqlx::query_as(crate::db::trusted(sql)).bind(id).fetch_one(db).await
}

pub async fn product_health(db: impl PgExecutor<'_>, product: Uuid) -> sqlx::Result<HealthRollup> {
    rollup(db, "s.product_id = $1", product).await
}

pub async fn domain_health(db: impl PgExecutor<'_>, domain: Uuid) -> sqlx::Result<HealthRollup> {
    rollup(db, "s.product_id IN (SELECT id FROM products WHERE domain_id = $1)", domain).await
}
