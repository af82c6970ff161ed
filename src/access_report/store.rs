//! SQL of the access report: the live subscriptions of the reviews' query, by product and principal.

use sqlx::PgExecutor;

use super::model::AccessRow;

/// The live (approved) subscriptions to `domain`'s products, or to `product` alone, with their
/// usage and review; by product, then principal.
pub async fn rows(db: impl PgExecutor<'_>, domain: &str, product: Option<&str>) -> sqlx::Result<Vec<AccessRow>> {
    let reviews = crate::reviews::store::REVIEWS;
    sqlx::query_as(crate::db::trusted(format!(
        "SELECT r.subscription, r.product, r.consumer_domain, r.principal, r.scope, r.permissions,
                r.approved_at AS since, r.approved_by, r.expires_at, r.provisioning, r.usage,
                r.reviewed_at, r.reviewed_by, r.due_at AS review_due_at, r.state AS review_state, r.unused
         FROM ({reviews}) r
         WHERE r.domain = $1 AND ($2::text IS NULL OR r.product = $2)
         ORDER BY r.product, r.principal, r.subscription"
    )))
    .bind(domain)
    .bind(product)
    .fetch_all(db)
    .await
}
