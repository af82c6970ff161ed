//! SQL of domains.

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::db::trusted;

use super::model::{AccessPolicy, CatalogMode, DomainRow};
use crate::http::problem::{ApiError, on_constraint};

const COLUMNS: &str = "id, slug, name, description, aws_account_id, sync_role_arn, external_id, owners,
    approval_policy, catalog_mode, data_access_role_arn, grant_role_arn, link_role_arn, review_every_days,
    review_grace_days, unused_after_days, unused_action, version, created_at, updated_at, sync_status, last_sync_at, last_sync_success_at, last_sync_error";

pub struct DomainFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub aws_account_id: &'a str,
    pub sync_role_arn: Option<&'a str>,
    pub owners: &'a [String],
    pub approval_policy: &'a str,
    pub catalog_mode: CatalogMode,
    pub data_access_role_arn: Option<&'a str>,
    pub grant_role_arn: Option<&'a str>,
    pub link_role_arn: Option<&'a str>,
    pub access_policy: AccessPolicy,
}

fn constraint_error(name: &str) -> Option<ApiError> {
    match name {
        "domains_slug_key" => Some(ApiError::conflict("domain_exists", "a domain with this slug already exists")),
        "domains_sync_role_arn_check" | "domains_grant_role_arn_check" | "domains_link_role_arn_check" => {
            let field = name.trim_start_matches("domains_").trim_end_matches("_check");
            Some(ApiError::validation(vec![crate::http::problem::FieldError::new(
                field,
                "account_mismatch",
                "the role must be in the domain's AWS account",
            )]))
        }
        _ => None,
    }
}

pub async fn insert(
    tx: &mut PgConnection,
    slug: &str,
    external_id: &str,
    f: &DomainFields<'_>,
) -> Result<DomainRow, ApiError> {
    sqlx::query_as(trusted(format!(
        "INSERT INTO domains (id, slug, name, description, aws_account_id, sync_role_arn, external_id, owners, approval_policy,
                              catalog_mode, data_access_role_arn, grant_role_arn, link_role_arn, review_every_days,
                              review_grace_days, unused_after_days, unused_action)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING {COLUMNS}"
    )))
    .bind(Uuid::now_v7())
    .bind(slug)
    .bind(f.name)
    .bind(f.description)
    .bind(f.aws_account_id)
    .bind(f.sync_role_arn)
    .bind(external_id)
    .bind(f.owners)
    .bind(f.approval_policy)
    .bind(f.catalog_mode)
    .bind(f.data_access_role_arn)
    .bind(f.grant_role_arn)
    .bind(f.link_role_arn)
    .bind(f.access_policy.review_every_days)
    .bind(f.access_policy.review_grace_days)
    .bind(f.access_policy.unused_after_days)
    .bind(f.access_policy.unused_action)
    .fetch_one(tx)
    .await
    .map_err(|e| on_constraint(e, constraint_error))
}

pub async fn update(tx: &mut PgConnection, id: Uuid, f: &DomainFields<'_>) -> Result<DomainRow, ApiError> {
    sqlx::query_as(trusted(format!(
        "UPDATE domains SET name = $2, description = $3, aws_account_id = $4, sync_role_arn = $5, owners = $6,
             approval_policy = $7, catalog_mode = $8, data_access_role_arn = $9, grant_role_arn = $10, link_role_arn = $11,
             review_every_days = $12, review_grace_days = $13, unused_after_days = $14, unused_action = $15,
             version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(f.name)
    .bind(f.description)
    .bind(f.aws_account_id)
    .bind(f.sync_role_arn)
    .bind(f.owners)
    .bind(f.approval_policy)
    .bind(f.catalog_mode)
    .bind(f.data_access_role_arn)
    .bind(f.grant_role_arn)
    .bind(f.link_role_arn)
    .bind(f.access_policy.review_every_days)
    .bind(f.access_policy.review_grace_days)
    .bind(f.access_policy.unused_after_days)
    .bind(f.access_policy.unused_action)
    .fetch_one(tx)
    .await
    .map_err(|e| on_constraint(e, constraint_error))
}

/// Grants on the domain's products that Lake Formation holds or may hold (anything but revoked).
pub async fn count_live_grants(tx: &mut PgConnection, id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM grants g JOIN subscriptions s ON s.id = g.subscription_id
         JOIN products p ON p.id = s.product_id WHERE p.domain_id = $1 AND g.state <> 'revoked'",
    )
    .bind(id)
    .fetch_one(tx)
    .await
}

/// The domain with `slug`; `for_update` locks the row for the rest of the transaction.
pub async fn find(db: impl PgExecutor<'_>, slug: &str, for_update: bool) -> sqlx::Result<Option<DomainRow>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    sqlx::query_as(trusted(format!("SELECT {COLUMNS} FROM domains WHERE slug = $1{lock}")))
        .bind(slug)
        .fetch_optional(db)
        .await
}

pub async fn list(db: impl PgExecutor<'_>, after_slug: Option<&str>, limit: i64) -> sqlx::Result<Vec<DomainRow>> {
    sqlx::query_as(trusted(format!(
        "SELECT {COLUMNS} FROM domains WHERE ($1::text IS NULL OR slug > $1) ORDER BY slug LIMIT $2"
    )))
    .bind(after_slug)
    .bind(limit + 1)
    .fetch_all(db)
    .await
}

pub async fn count_products(tx: &mut PgConnection, id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM products WHERE domain_id = $1").bind(id).fetch_one(tx).await
}

pub async fn delete(tx: &mut PgConnection, id: Uuid) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM domains WHERE id = $1").bind(id).execute(tx).await.map_err(|e| {
        on_constraint(e, |name| {
            (name == "products_domain_id_fkey")
                .then(|| ApiError::conflict("domain_has_products", "delete or move the domain's products first"))
        })
    })?;
    Ok(())
}

pub async fn find_by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<DomainRow>> {
    sqlx::query_as(trusted(format!("SELECT {COLUMNS} FROM domains WHERE id = $1"))).bind(id).fetch_optional(db).await
}

/// Whether a domain has this AWS account (an AWS event's account is one of the mesh's).
pub async fn has_account(db: impl PgExecutor<'_>, account: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM domains WHERE aws_account_id = $1)").bind(account).fetch_one(db).await
}

/// Which of `accounts` are domains' accounts.
pub async fn accounts_among(db: impl PgExecutor<'_>, accounts: &[String]) -> sqlx::Result<std::collections::HashSet<String>> {
    let found: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT aws_account_id FROM domains WHERE aws_account_id = ANY($1)").bind(accounts).fetch_all(db).await?;
    Ok(found.into_iter().collect())
}
