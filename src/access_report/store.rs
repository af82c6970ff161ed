//! SQL of the access report.

use sqlx::PgExecutor;

use super::model::AccessRow;

/// The live (approved) subscriptions to `domain`'s products, or to `product` alone, with their
/// usage; by product, then principal.
pub async fn rows(db: impl PgExecutor<'_>, domain: &str, product: Option<&str>) -> sqlx::Result<Vec<AccessRow>> {
    sqlx::query_as(
        "SELECT s.id AS subscription, p.slug AS product, cd.slug AS consumer_domain, s.principal,
                s.approved_scope AS scope, s.permissions, s.decided_at AS since, s.decided_by AS approved_by,
                s.expires_at, s.provisioning, u.last_used_at, COALESCE(u.engines, '{}') AS engines,
                (SELECT count(*) FROM subscription_uses x
                 WHERE x.subscription_id = s.id AND x.at > now() - interval '30 days') AS uses_30d
         FROM subscriptions s
         JOIN products p ON p.id = s.product_id
         JOIN domains d ON d.id = p.domain_id
         JOIN domains cd ON cd.id = s.consumer_domain_id
         LEFT JOIN subscription_usage u ON u.subscription_id = s.id
         WHERE d.slug = $1 AND ($2::text IS NULL OR p.slug = $2) AND s.status = 'approved'
         ORDER BY p.slug, s.principal, s.id",
    )
    .bind(domain)
    .bind(product)
    .fetch_all(db)
    .await
}
