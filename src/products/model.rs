use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::schema::TableSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Public,
    Internal,
    Confidential,
    Restricted,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Public => "public",
            Classification::Internal => "internal",
            Classification::Confidential => "confidential",
            Classification::Restricted => "restricted",
        }
    }

}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    Draft,
    Published,
    Deprecated,
    Retired,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Published => "published",
            ProductStatus::Deprecated => "deprecated",
            ProductStatus::Retired => "retired",
        }
    }

}

/// A lifecycle action and the states it may start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Publish,
    Deprecate,
    Retire,
}

impl Lifecycle {
    /// The state after the action, or `None` when the action is not allowed from `from`.
    /// Publishing a deprecated product takes the deprecation back; retired is final.
    pub fn apply(self, from: ProductStatus) -> Option<ProductStatus> {
        use ProductStatus::*;
        match (self, from) {
            (Lifecycle::Publish, Draft | Deprecated) => Some(Published),
            (Lifecycle::Deprecate, Published) => Some(Deprecated),
            (Lifecycle::Retire, Published | Deprecated) => Some(Retired),
            _ => None,
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Lifecycle::Publish => "published",
            Lifecycle::Deprecate => "deprecated",
            Lifecycle::Retire => "retired",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductRow {
    pub id: Uuid,
    pub domain_id: Uuid,
    pub domain_slug: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub classification: Classification,
    pub tags: Vec<String>,
    pub owner: String,
    pub source_database: String,
    pub source_tables: Option<Vec<String>>,
    pub schema_version: i32,
    pub schema_synced_at: Option<DateTime<Utc>>,
    pub status: ProductStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub sync_status: String,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_sync_error: Option<String>,
    pub missing_tables: Vec<String>,
    pub last_breaking_change_at: Option<DateTime<Utc>>,
    pub auto_approve: bool,
}

/// Where the product's catalog sync stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductSync {
    #[schema(value_type = crate::domains::model::SyncStatus)]
    pub status: String,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Declared tables that the producer's catalog does not have.
    pub missing_tables: Vec<String>,
    /// When the last breaking schema change was detected (see `schema-changes`).
    pub last_breaking_change_at: Option<DateTime<Utc>>,
}

/// Where a product's data lives in its domain's Glue catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Glue database in the owning domain's account.
    #[schema(pattern = "^[a-z0-9_]{1,255}$", example = "sales_curated")]
    pub database: String,
    /// Tables of the database that belong to the product; absent or null: all of them.
    #[serde(default)]
    #[schema(max_items = 1000, min_items = 1)]
    pub tables: Option<Vec<String>>,
}

/// A data product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Product {
    pub id: Uuid,
    /// Slug of the owning domain.
    pub domain: String,
    #[schema(example = "daily-sell-out")]
    pub slug: String,
    pub name: String,
    pub description: String,
    pub classification: Classification,
    /// Subscription requests are approved at once by the system (public products only).
    pub auto_approve: bool,
    pub tags: Vec<String>,
    /// Person or team accountable for the product.
    pub owner: String,
    pub source: Source,
    /// Incremented by catalog sync whenever the synced schema changes.
    pub schema_version: i32,
    pub schema_synced_at: Option<DateTime<Utc>>,
    pub sync: ProductSync,
    pub status: ProductStatus,
    /// Incremented on every change; the ETag is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// How its live subscriptions' grants stand (on `GET` of one product, for its domain's
    /// producers, stewards and admins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<crate::health::HealthRollup>,
}

impl From<ProductRow> for Product {
    fn from(r: ProductRow) -> Product {
        Product {
            id: r.id,
            domain: r.domain_slug,
            slug: r.slug,
            name: r.name,
            description: r.description,
            classification: r.classification,
            auto_approve: r.auto_approve,
            tags: r.tags,
            owner: r.owner,
            source: Source { database: r.source_database, tables: r.source_tables },
            schema_version: r.schema_version,
            schema_synced_at: r.schema_synced_at,
            sync: ProductSync {
                status: r.sync_status,
                last_sync_at: r.last_sync_at,
                last_error: r.last_sync_error,
                missing_tables: r.missing_tables,
                last_breaking_change_at: r.last_breaking_change_at,
            },
            status: r.status,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            published_at: r.published_at,
            health: None,
        }
    }
}

/// Registers a data product in a domain. It starts as a draft.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    #[schema(pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", min_length = 2, max_length = 63, example = "daily-sell-out")]
    pub slug: String,
    #[schema(min_length = 1, max_length = 200, example = "Daily sell-out")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Defaults to `internal`.
    #[serde(default)]
    pub classification: Option<Classification>,
    /// Approve subscription requests at once (public products only). Defaults to false.
    #[serde(default)]
    pub auto_approve: Option<bool>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// Defaults to the caller's subject.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    pub source: Source,
}

/// Changes a product, as a JSON Merge Patch: absent fields stay as they are; `null` empties
/// `description` and `tags` and is refused elsewhere. `source` can change only while a draft.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[schema(min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// `null` empties it.
    #[schema(max_length = 10000)]
    #[serde(default, deserialize_with = "crate::http::patch::null_empties", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub classification: Option<Classification>,
    /// Approve subscription requests at once (public products only).
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub auto_approve: Option<bool>,
    /// `null` empties them.
    #[schema(max_items = 50)]
    #[serde(default, deserialize_with = "crate::http::patch::null_empties", skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[schema(min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner: Option<String>,
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub source: Option<Source>,
}

/// The synced schema of a product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductSchema {
    pub domain: String,
    pub product: String,
    /// 0 until the first sync.
    pub schema_version: i32,
    pub synced_at: Option<DateTime<Utc>>,
    pub tables: Vec<TableSchema>,
}

/// What changed in a product's schema (the `schema_changes.kind` column).
///
/// Only named in the OpenAPI document: the field holds the column's text, which a CHECK
/// constraint keeps to these values (tests/openapi.rs compares the two).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SchemaChangeKind {
    TableAdded,
    TableDropped,
    ColumnAdded,
    ColumnRemoved,
    ColumnRetyped,
    PartitionKeysChanged,
    TableChanged,
}

/// One detected change of a product's schema.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct SchemaChange {
    pub id: i64,
    /// The schema version this change produced.
    pub schema_version: i32,
    #[schema(value_type = SchemaChangeKind)]
    pub kind: String,
    #[sqlx(rename = "table_name")]
    pub table: String,
    #[sqlx(rename = "column_name")]
    pub column: Option<String>,
    /// Removals, retypings and partition changes break consumers; additions do not.
    pub breaking: bool,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub detected_at: DateTime<Utc>,
}

/// Catalog search filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Full-text query over names, descriptions, tags, table and column names
    /// (web-search syntax: words, "quoted phrases", -excluded).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only products of this domain (slug).
    #[param(max_length = 63)]
    pub domain: Option<String>,
    pub status: Option<ProductStatus>,
    /// Only products carrying this tag.
    #[param(max_length = 50)]
    pub tag: Option<String>,
    pub classification: Option<Classification>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Listing a domain's products: the search filters without `domain`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DomainProductsQuery {
    pub status: Option<ProductStatus>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProductStatus::*;

    #[test]
    fn lifecycle_transitions() {
        assert_eq!(Lifecycle::Publish.apply(Draft), Some(Published));
        assert_eq!(Lifecycle::Publish.apply(Deprecated), Some(Published));
        assert_eq!(Lifecycle::Publish.apply(Published), None);
        assert_eq!(Lifecycle::Publish.apply(Retired), None);
        assert_eq!(Lifecycle::Deprecate.apply(Published), Some(Deprecated));
        assert_eq!(Lifecycle::Deprecate.apply(Draft), None);
        assert_eq!(Lifecycle::Retire.apply(Deprecated), Some(Retired));
        assert_eq!(Lifecycle::Retire.apply(Draft), None);
        assert_eq!(Lifecycle::Retire.apply(Retired), None);
    }
}
