//! SQL of products. Every list is one query (a join for the domain slug, no per-row lookups) with
//! keyset pagination on the UUIDv7 id, newest first.

use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::db::trusted;

use super::model::{ProductRow, SchemaChange};
use crate::schema::SchemaDocument;
use crate::http::problem::{ApiError, on_constraint};

const COLUMNS: &str = "p.id, p.domain_id, d.slug AS domain_slug, p.slug, p.name, p.description, p.classification,
    p.tags, p.owner, p.source_database, p.source_tables, p.schema_version, p.schema_synced_at, p.status,
    p.version, p.created_at, p.updated_at, p.published_at, p.sync_status, p.last_sync_at, p.last_sync_error,
    p.missing_tables, p.last_breaking_change_at, p.auto_approve";

pub struct ProductFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub classification: &'a str,
    pub tags: &'a [String],
    pub owner: &'a str,
    pub source_database: &'a str,
    pub source_tables: Option<&'a [String]>,
    pub auto_approve: bool,
}

fn constraint_error(name: &str) -> Option<ApiError> {
    match name {
        "products_domain_id_slug_key" => {
            Some(ApiError::conflict("product_exists", "the domain already has a product with this slug"))
        }
        // The domain was deleted while the product was being created.
        "products_domain_id_fkey" => Some(ApiError::not_found("the domain no longer exists")),
        _ => None,
    }
}

pub async fn insert(
    tx: &mut PgConnection,
    domain_id: Uuid,
    slug: &str,
    f: &ProductFields<'_>,
) -> Result<ProductRow, ApiError> {
    sqlx::query_as(trusted(format!(
        "WITH p AS (
             INSERT INTO products (id, domain_id, slug, name, description, classification, tags, owner,
                                   source_database, source_tables, auto_approve)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *)
         SELECT {COLUMNS} FROM p JOIN domains d ON d.id = p.domain_id"
    )))
    .bind(Uuid::now_v7())
    .bind(domain_id)
    .bind(slug)
    .bind(f.name)
    .bind(f.description)
    .bind(f.classification)
    .bind(f.tags)
    .bind(f.owner)
    .bind(f.source_database)
    .bind(f.source_tables)
    .bind(f.auto_approve)
    .fetch_one(tx)
    .await
    .map_err(|e| on_constraint(e, constraint_error))
}

pub async fn update(tx: &mut PgConnection, id: Uuid, f: &ProductFields<'_>) -> sqlx::Result<ProductRow> {
    sqlx::query_as(trusted(format!(
        "WITH p AS (
             UPDATE products SET name = $2, description = $3, classification = $4, tags = $5, owner = $6,
                 source_database = $7, source_tables = $8, auto_approve = $9, version = version + 1, updated_at = now()
             WHERE id = $1 RETURNING *)
         SELECT {COLUMNS} FROM p JOIN domains d ON d.id = p.domain_id"
    )))
    .bind(id)
    .bind(f.name)
    .bind(f.description)
    .bind(f.classification)
    .bind(f.tags)
    .bind(f.owner)
    .bind(f.source_database)
    .bind(f.source_tables)
    .bind(f.auto_approve)
    .fetch_one(tx)
    .await
}

pub async fn set_status(tx: &mut PgConnection, id: Uuid, status: &str) -> sqlx::Result<ProductRow> {
    sqlx::query_as(trusted(format!(
        "WITH p AS (
             UPDATE products SET status = $2, version = version + 1, updated_at = now(),
                 published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) ELSE published_at END
             WHERE id = $1 RETURNING *)
         SELECT {COLUMNS} FROM p JOIN domains d ON d.id = p.domain_id"
    )))
    .bind(id)
    .bind(status)
    .fetch_one(tx)
    .await
}

/// The product `slug` of domain `domain`; `for_update` locks the product row.
pub async fn find(
    db: impl PgExecutor<'_>,
    domain: &str,
    slug: &str,
    for_update: bool,
) -> sqlx::Result<Option<ProductRow>> {
    let lock = if for_update { " FOR UPDATE OF p" } else { "" };
    sqlx::query_as(trusted(format!(
        "SELECT {COLUMNS} FROM products p JOIN domains d ON d.id = p.domain_id
         WHERE d.slug = $1 AND p.slug = $2{lock}"
    )))
    .bind(domain)
    .bind(slug)
    .fetch_optional(db)
    .await
}

pub async fn schema(db: &PgPool, id: Uuid) -> sqlx::Result<SchemaDocument> {
    let (doc,): (sqlx::types::Json<SchemaDocument>,) =
        sqlx::query_as("SELECT schema FROM products WHERE id = $1").bind(id).fetch_one(db).await?;
    Ok(doc.0)
}

pub async fn schema_changes(
    db: &PgPool,
    product_id: Uuid,
    after_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<SchemaChange>> {
    sqlx::query_as(
        "SELECT id, schema_version, kind, table_name, column_name, breaking, details, detected_at
         FROM schema_changes WHERE product_id = $1 AND ($2::bigint IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
    )
    .bind(product_id)
    .bind(after_id)
    .bind(limit + 1)
    .fetch_all(db)
    .await
}

/// Validated search filters.
#[derive(Debug, Default)]
pub struct SearchFilter {
    pub q: Option<String>,
    pub domain: Option<String>,
    pub status: Option<&'static str>,
    pub tag: Option<String>,
    pub classification: Option<&'static str>,
    /// `None`: the caller sees drafts everywhere; otherwise only drafts of these domains.
    pub drafts_visible_in: Option<Vec<String>>,
    pub before_id: Option<Uuid>,
}

pub async fn search(db: &PgPool, f: &SearchFilter, limit: i64) -> sqlx::Result<Vec<ProductRow>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {COLUMNS} FROM products p JOIN domains d ON d.id = p.domain_id WHERE true"
    ));
    if let Some(text) = &f.q {
        q.push(" AND p.search @@ websearch_to_tsquery('english', ").push_bind(text).push(")");
    }
    if let Some(domain) = &f.domain {
        q.push(" AND d.slug = ").push_bind(domain);
    }
    if let Some(status) = f.status {
        q.push(" AND p.status = ").push_bind(status);
    }
    if let Some(tag) = &f.tag {
        q.push(" AND p.tags @> ARRAY[").push_bind(tag).push("]::text[]");
    }
    if let Some(classification) = f.classification {
        q.push(" AND p.classification = ").push_bind(classification);
    }
    if let Some(domains) = &f.drafts_visible_in {
        q.push(" AND (p.status <> 'draft' OR d.slug = ANY(").push_bind(domains).push("))");
    }
    if let Some(before) = f.before_id {
        q.push(" AND p.id < ").push_bind(before);
    }
    q.push(" ORDER BY p.id DESC LIMIT ").push_bind(limit + 1);
    q.build_query_as().fetch_all(db).await
}
