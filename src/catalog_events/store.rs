//! SQL of the catalog events: which domains and products an event concerns.

use sqlx::{FromRow, PgExecutor};
use uuid::Uuid;

#[derive(Debug, Clone, FromRow)]
pub struct Affected {
    pub domain_id: Uuid,
    pub domain: String,
    pub product_id: Uuid,
    pub product: String,
}

/// The live products over `database` in `account` whose tables include one of `tables` (a product
/// of all the database's tables always does; an event naming no table concerns every product of
/// the database), of domains meshgov can sync.
pub async fn affected_products(
    db: impl PgExecutor<'_>,
    account: &str,
    database: &str,
    tables: &[String],
) -> sqlx::Result<Vec<Affected>> {
    sqlx::query_as(
        "SELECT d.id AS domain_id, d.slug AS domain, p.id AS product_id, p.slug AS product
         FROM products p JOIN domains d ON d.id = p.domain_id
         WHERE d.aws_account_id = $1 AND d.sync_role_arn IS NOT NULL
           AND p.source_database = $2 AND p.status <> 'retired'
           AND (cardinality($3::text[]) = 0 OR p.source_tables IS NULL OR p.source_tables && $3::text[])
         ORDER BY d.slug, p.slug",
    )
    .bind(account)
    .bind(database)
    .bind(tables)
    .fetch_all(db)
    .await
}
