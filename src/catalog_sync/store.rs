//! SQL of catalog sync: which domains are due, the products to read, and recording results.

use std::time::Duration;

use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::diff::Change;
use crate::grants::holder::CatalogMode;
use crate::schema::SchemaDocument;

/// Any constant will do: it names the lock that lets one replica queue the due syncs at a time.
const SCHEDULE_LOCK: i64 = 0x6d65_7368_7363_6864; // "meshschd"

/// Lets one replica's scheduler queue the due syncs at a time, for the life of `tx`.
pub async fn try_lock_schedule(tx: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(SCHEDULE_LOCK).fetch_one(tx).await
}

#[derive(Debug, sqlx::FromRow)]
pub struct DueDomain {
    pub id: Uuid,
    pub slug: String,
}

pub async fn domains_due(tx: &mut PgConnection, interval: Duration) -> sqlx::Result<Vec<DueDomain>> {
    sqlx::query_as(
        "SELECT id, slug FROM domains
         WHERE sync_role_arn IS NOT NULL
           AND (last_sync_at IS NULL OR last_sync_at < now() - make_interval(secs => $1))
         ORDER BY last_sync_at NULLS FIRST",
    )
    .bind(interval.as_secs_f64())
    .fetch_all(tx)
    .await
}

/// Replaces a product's synced schema and bumps its version (tests and the benchmarks use it too,
/// to give products a schema).
pub async fn replace_schema(tx: &mut PgConnection, id: Uuid, schema: &SchemaDocument) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "UPDATE products SET schema = $2, schema_version = schema_version + 1, schema_synced_at = now(),
             version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING schema_version",
    )
    .bind(id)
    .bind(sqlx::types::Json(schema))
    .fetch_one(tx)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SyncTarget {
    pub id: Uuid,
    pub slug: String,
    pub source_database: String,
    pub source_tables: Option<Vec<String>>,
}

/// The products a sync reads: all but retired ones, or just `only`.
pub async fn products_to_sync(db: &PgPool, domain_id: Uuid, only: Option<Uuid>) -> sqlx::Result<Vec<SyncTarget>> {
    sqlx::query_as(
        "SELECT id, slug, source_database, source_tables FROM products
         WHERE domain_id = $1 AND status <> 'retired' AND ($2::uuid IS NULL OR id = $2)
         ORDER BY slug",
    )
    .bind(domain_id)
    .bind(only)
    .fetch_all(db)
    .await
}

/// The stored snapshot, with the product row locked until the transaction ends.
pub async fn lock_schema(tx: &mut PgConnection, product_id: Uuid) -> sqlx::Result<LockedSchema> {
    sqlx::query_as("SELECT schema, schema_version, mirrored_version FROM products WHERE id = $1 FOR UPDATE")
        .bind(product_id)
        .fetch_one(tx)
        .await
}

pub async fn insert_changes(tx: &mut PgConnection, product_id: Uuid, version: i32, changes: &[Change]) -> sqlx::Result<()> {
    let kinds: Vec<&str> = changes.iter().map(|c| c.kind).collect();
    let tables: Vec<&str> = changes.iter().map(|c| c.table.as_str()).collect();
    let columns: Vec<Option<&str>> = changes.iter().map(|c| c.column.as_deref()).collect();
    let breaking: Vec<bool> = changes.iter().map(|c| c.breaking).collect();
    let details: Vec<serde_json::Value> = changes.iter().map(|c| c.details.clone()).collect();
    sqlx::query(
        "INSERT INTO schema_changes (product_id, schema_version, kind, table_name, column_name, breaking, details)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::bool[], $7::jsonb[])",
    )
    .bind(product_id)
    .bind(version)
    .bind(&kinds)
    .bind(&tables)
    .bind(&columns)
    .bind(&breaking)
    .bind(&details)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn mark_breaking(tx: &mut PgConnection, product_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE products SET last_breaking_change_at = now() WHERE id = $1").bind(product_id).execute(tx).await?;
    Ok(())
}

/// Sync bookkeeping, not a change of the product: the ETag version is left alone.
pub async fn product_synced(db: impl PgExecutor<'_>, product_id: Uuid, missing_tables: &[String]) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE products SET sync_status = 'ok', last_sync_at = now(), last_sync_error = NULL, missing_tables = $2
         WHERE id = $1",
    )
    .bind(product_id)
    .bind(missing_tables)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn product_failed(db: impl PgExecutor<'_>, product_id: Uuid, error: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE products SET sync_status = 'failed', last_sync_at = now(), last_sync_error = $2 WHERE id = $1")
        .bind(product_id)
        .bind(error)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn domain_synced(db: impl PgExecutor<'_>, domain_id: Uuid, error: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE domains SET last_sync_at = now(),
             sync_status = CASE WHEN $2::text IS NULL THEN 'ok' ELSE 'failed' END,
             last_sync_success_at = CASE WHEN $2::text IS NULL THEN now() ELSE last_sync_success_at END,
             last_sync_error = $2
         WHERE id = $1",
    )
    .bind(domain_id)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// Session-independent lock key of a domain's sync.
pub fn sync_lock_key(domain_id: Uuid) -> i64 {
    let (hi, lo) = domain_id.as_u64_pair();
    (hi ^ lo ^ 0x7379_6e63) as i64
}

/// Takes the domain's sync lock for the life of `tx`; false when another sync holds it.
pub async fn try_lock_domain(tx: &mut PgConnection, domain_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(sync_lock_key(domain_id)).fetch_one(tx).await
}

/// A product's last snapshot, locked for a sync to replace it.
#[derive(Debug, sqlx::FromRow)]
pub struct LockedSchema {
    #[sqlx(json)]
    pub schema: SchemaDocument,
    pub schema_version: i32,
    /// The version the governance account's mirror matches (central mode).
    pub mirrored_version: i32,
}

/// What the mirror of a product is made from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MirrorSource {
    pub slug: String,
    pub domain_slug: String,
    pub catalog_mode: CatalogMode,
    pub account_id: String,
    pub source_database: String,
    pub data_access_role_arn: Option<String>,
    #[sqlx(json)]
    pub schema: SchemaDocument,
    pub schema_version: i32,
    pub mirrored_version: i32,
}

pub async fn mirror_source(db: impl PgExecutor<'_>, product_id: Uuid) -> sqlx::Result<Option<MirrorSource>> {
    sqlx::query_as(
        "SELECT p.slug, d.slug AS domain_slug, d.catalog_mode, d.aws_account_id AS account_id, p.source_database,
                d.data_access_role_arn, p.schema, p.schema_version, p.mirrored_version
         FROM products p JOIN domains d ON d.id = p.domain_id WHERE p.id = $1",
    )
    .bind(product_id)
    .fetch_optional(db)
    .await
}

/// Records a run of the mirror: the schema version it now matches (never going back, should a
/// reclaimed run finish late), or why it could not. Returns the product's schema version now.
pub async fn mirrored(tx: &mut PgConnection, product_id: Uuid, version: Option<i32>, error: Option<&str>) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "UPDATE products SET mirrored_version = greatest(mirrored_version, coalesce($2, 0)), mirror_error = $3
         WHERE id = $1 RETURNING schema_version",
    )
    .bind(product_id)
    .bind(version)
    .bind(error)
    .fetch_one(tx)
    .await
}

/// The distinct S3 locations of the synced tables of `products`.
pub async fn table_locations(db: impl PgExecutor<'_>, products: &[Uuid]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT t ->> 'location' FROM products p, jsonb_array_elements(p.schema -> 'tables') t
         WHERE p.id = ANY($1) AND t ->> 'location' IS NOT NULL ORDER BY 1",
    )
    .bind(products)
    .fetch_all(db)
    .await
}
