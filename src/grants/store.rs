//! SQL of desired grants and their apply state.

use serde_json::Value;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::plan::PlannedGrant;
use super::resource::LfResource;
use super::holder::{CatalogMode, LfAccount};
use super::model::{AccessState, Grant, GrantState};

/// A grant the worker has to act on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantWork {
    pub id: Uuid,
    pub principal: String,
    pub resource_type: String,
    pub resource_key: String,
    #[sqlx(json)]
    pub resource: LfResource,
    pub permissions: Vec<String>,
    pub filter: Option<Value>,
    pub state: GrantState,
}

/// Stores a subscription's planned grants in one statement (an approval writes several).
pub async fn insert(
    tx: &mut PgConnection,
    subscription: Uuid,
    principal: &str,
    catalog_id: &str,
    grants: &[PlannedGrant],
) -> sqlx::Result<()> {
    let ids: Vec<Uuid> = grants.iter().map(|_| Uuid::now_v7()).collect();
    let types: Vec<&str> = grants.iter().map(|g| g.resource.kind()).collect();
    let keys: Vec<String> = grants.iter().map(|g| g.resource.key()).collect();
    let resources: Vec<Value> = grants.iter().map(|g| g.resource.to_json()).collect();
    // Postgres arrays of arrays must be rectangular: each grant's permissions travel as one string.
    let permissions: Vec<String> = grants.iter().map(|g| g.permissions.join(",")).collect();
    let filters: Vec<Option<&Value>> = grants.iter().map(|g| g.filter.as_ref()).collect();
    sqlx::query(
        "INSERT INTO grants (id, subscription_id, principal, catalog_id, resource_type, resource_key, resource,
                             permissions, filter)
         SELECT id, $6, $7, $8, resource_type, resource_key, resource, string_to_array(permissions, ','), filter
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $9::jsonb[])
              AS t(id, resource_type, resource_key, resource, permissions, filter)",
    )
    .bind(&ids)
    .bind(&types)
    .bind(&keys)
    .bind(&resources)
    .bind(&permissions)
    .bind(subscription)
    .bind(principal)
    .bind(catalog_id)
    .bind(&filters)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn list(db: impl PgExecutor<'_>, subscription: Uuid) -> sqlx::Result<Vec<Grant>> {
    sqlx::query_as(
        "SELECT id, resource_type, resource, permissions, state, attempts, last_error, kept_for, updated_at
         FROM grants WHERE subscription_id = $1 ORDER BY id",
    )
    .bind(subscription)
    .fetch_all(db)
    .await
}

/// Grants waiting to be granted (`pending`) or revoked (`revoking`).
pub async fn actionable(db: impl PgExecutor<'_>, subscription: Uuid) -> sqlx::Result<Vec<GrantWork>> {
    sqlx::query_as(
        "SELECT id, principal, resource_type, resource_key, resource, permissions, filter, state
         FROM grants WHERE subscription_id = $1 AND state IN ('pending', 'revoking') ORDER BY id",
    )
    .bind(subscription)
    .fetch_all(db)
    .await
}

/// Every grant of a subscription is to be revoked (whatever was or may have been granted), and
/// its consumer access taken down.
pub async fn mark_revoking(tx: &mut PgConnection, subscription: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE grants SET state = 'revoking', last_error = NULL, updated_at = now()
         WHERE subscription_id = $1 AND state IN ('pending', 'granted', 'grant_failed', 'revoke_failed')",
    )
    .bind(subscription)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE consumer_access SET state = 'removing', last_error = NULL, updated_at = now()
         WHERE subscription_id = $1 AND state NOT IN ('removing', 'removed')",
    )
    .bind(subscription)
    .execute(tx)
    .await?;
    Ok(())
}

/// Failed grants and revokes, and failed consumer access, go back to work; returns how many.
pub async fn requeue_failed(tx: &mut PgConnection, subscription: Uuid) -> sqlx::Result<u64> {
    let grants = sqlx::query(
        "UPDATE grants SET state = CASE state WHEN 'grant_failed' THEN 'pending' ELSE 'revoking' END, updated_at = now()
         WHERE subscription_id = $1 AND state IN ('grant_failed', 'revoke_failed')",
    )
    .bind(subscription)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let access = sqlx::query(
        "UPDATE consumer_access SET state = CASE state WHEN 'failed' THEN 'pending' ELSE 'removing' END, updated_at = now()
         WHERE subscription_id = $1 AND state IN ('failed', 'remove_failed')",
    )
    .bind(subscription)
    .execute(tx)
    .await?
    .rows_affected();
    Ok(grants + access)
}

/// Another live subscription that needs the same resource for the same principal, if any.
pub async fn live_holder(
    db: impl PgExecutor<'_>,
    principal: &str,
    resource_key: &str,
    except: Uuid,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT g.subscription_id FROM grants g JOIN subscriptions s ON s.id = g.subscription_id
         WHERE g.principal = $1 AND g.resource_key = $2 AND g.subscription_id <> $3
           AND s.status = 'approved' AND g.state IN ('pending', 'granted', 'grant_failed')
         ORDER BY g.subscription_id LIMIT 1",
    )
    .bind(principal)
    .bind(resource_key)
    .bind(except)
    .fetch_optional(db)
    .await
}

/// Begins a transaction that records work on `subscription`'s grants or access, holding the
/// subscription's row first: decisions (approve, revoke, retry, expiry) lock that row before the
/// grants, so a record taking the grants first and the row last could deadlock with one of them.
pub async fn begin_recording(db: &PgPool, subscription: Uuid) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = db.begin().await?;
    sqlx::query("SELECT 1 FROM subscriptions WHERE id = $1 FOR UPDATE").bind(subscription).execute(&mut *tx).await?;
    Ok(tx)
}

/// Records the outcome of one Lake Formation call for `ids`: their new state and error, one more
/// attempt each — for the grants still in `from`, the state the call was made for. A decision
/// taken while the call was in flight (a revoke, an expiry, a retirement marks the grants
/// `revoking`) is kept, not overwritten: the revoke job it queued then finds the grants to revoke.
pub async fn record(tx: &mut PgConnection, ids: &[Uuid], from: GrantState, to: GrantState, error: Option<&str>) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE grants SET state = $3, last_error = $4, attempts = attempts + 1, updated_at = now()
         WHERE id = ANY($1) AND state = $2",
    )
    .bind(ids)
    .bind(from)
    .bind(to)
    .bind(error)
    .execute(tx)
    .await?;
    Ok(())
}

/// A grant left alone in Lake Formation because `holder` still needs it.
pub async fn keep(tx: &mut PgConnection, id: Uuid, holder: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE grants SET state = 'revoked', kept_for = $2, last_error = NULL, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(holder)
        .execute(tx)
        .await?;
    Ok(())
}

/// After the last attempt: what is still waiting ends failed, visibly — only the grants a run was working on, still in the state it read them in: a grant a decision
/// moved to `revoking` meanwhile is left for the revoke job that decision queued.
pub async fn fail_remaining(tx: &mut PgConnection, worked_on: &[GrantWork], error: &str) -> sqlx::Result<()> {
    let ids_in = |state: GrantState| worked_on.iter().filter(|g| g.state == state).map(|g| g.id).collect::<Vec<_>>();
    sqlx::query(
        "UPDATE grants SET state = CASE state WHEN 'pending' THEN 'grant_failed' ELSE 'revoke_failed' END,
             last_error = coalesce(last_error, $3), updated_at = now()
         WHERE (id = ANY($1) AND state = 'pending') OR (id = ANY($2) AND state = 'revoking')",
    )
    .bind(ids_in(GrantState::Pending))
    .bind(ids_in(GrantState::Revoking))
    .bind(error)
    .execute(tx)
    .await?;
    Ok(())
}

/// Derives the subscription's provisioning state from its grants and its consumer access:
/// `granted` once both are in place (the principal can query), `revoked` once both are gone; a
/// failed revoke shows as `revoke_failed` whether the subscription ended or was only narrowed.
pub async fn refresh_provisioning(tx: &mut PgConnection, subscription: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE subscriptions s SET provisioning = CASE
                 WHEN s.status = 'approved' THEN CASE
                     -- A narrowing (a dropped table or column) whose revoke failed: the principal
                     -- holds more than approved, which shows first.
                     WHEN a.revoke_failed THEN 'revoke_failed'
                     WHEN a.grant_failed OR c.state = 'failed' THEN 'grant_failed'
                     WHEN a.pending OR a.revoking OR c.state = 'pending' THEN 'granting' ELSE 'granted' END
                 ELSE CASE
                     WHEN a.revoke_failed OR c.state = 'remove_failed' THEN 'revoke_failed'
                     WHEN a.revoking OR c.state = 'removing' THEN 'revoking' ELSE 'revoked' END
             END,
             updated_at = now()
         FROM (SELECT coalesce(bool_or(state = 'grant_failed'), false) AS grant_failed,
                      coalesce(bool_or(state = 'pending'), false) AS pending,
                      coalesce(bool_or(state = 'revoke_failed'), false) AS revoke_failed,
                      coalesce(bool_or(state = 'revoking'), false) AS revoking
               FROM grants WHERE subscription_id = $1) a
         LEFT JOIN consumer_access c ON c.subscription_id = $1
         WHERE s.id = $1 AND s.status IN ('approved', 'revoked', 'expired')",
    )
    .bind(subscription)
    .execute(tx)
    .await?;
    Ok(())
}

/// Serializes all Lake Formation work for one principal across workers and replicas, for the
/// life of `tx`: the shared-grant check and the call it leads to happen under the same lock.
pub async fn lock_principal(tx: &mut PgConnection, principal: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('meshgov-grants'), hashtext($1))")
        .bind(principal)
        .execute(tx)
        .await?;
    Ok(())
}

/// A live grant of a product's approved subscriptions, as a schema change sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductGrant {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub principal: String,
    pub catalog_id: String,
    pub resource_type: String,
    #[sqlx(json)]
    pub resource: LfResource,
    pub filter: Option<Value>,
}

pub async fn live_grants_of_product(tx: &mut PgConnection, product: Uuid) -> sqlx::Result<Vec<ProductGrant>> {
    sqlx::query_as(
        "SELECT g.id, g.subscription_id, g.principal, g.catalog_id, g.resource_type, g.resource, g.filter
         FROM grants g JOIN subscriptions s ON s.id = g.subscription_id
         WHERE s.product_id = $1 AND s.status = 'approved' AND g.state IN ('pending', 'granted', 'grant_failed')
         ORDER BY g.subscription_id, g.id",
    )
    .bind(product)
    .fetch_all(tx)
    .await
}

/// One grant is to be revoked (its table or column is gone), while its subscription lives on.
pub async fn mark_one_revoking(tx: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE grants SET state = 'revoking', last_error = NULL, updated_at = now() WHERE id = $1")
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Where a subscription's grants are made: its product's domain, with its catalog mode and roles.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HolderRow {
    pub catalog_mode: CatalogMode,
    pub domain: String,
    pub account_id: String,
    pub grant_role_arn: Option<String>,
    pub external_id: String,
    /// Central mode, and the product's mirror does not match its schema yet: grants on the mirror
    /// would name tables that are not there.
    pub mirror_behind: bool,
}

impl HolderRow {
    /// The Lake Formation to call; an error names what the domain lacks.
    pub fn account(&self) -> Result<LfAccount, String> {
        match (self.catalog_mode, &self.grant_role_arn) {
            (CatalogMode::Central, _) => Ok(LfAccount::Governance),
            (CatalogMode::Producer, Some(role)) => Ok(LfAccount::Producer {
                domain: self.domain.clone(),
                account_id: self.account_id.clone(),
                role_arn: role.clone(),
                external_id: self.external_id.clone(),
            }),
            (CatalogMode::Producer, None) => Err(format!(
                "domain {:?} is in producer mode without a grant_role_arn: meshgov cannot grant in its account",
                self.domain
            )),
        }
    }
}

pub async fn holder_of(db: impl PgExecutor<'_>, subscription: Uuid) -> sqlx::Result<Option<HolderRow>> {
    sqlx::query_as(
        "SELECT d.catalog_mode, d.slug AS domain, d.aws_account_id AS account_id, d.grant_role_arn, d.external_id,
                d.catalog_mode = 'central' AND p.mirrored_version < p.schema_version AS mirror_behind
         FROM subscriptions s JOIN products p ON p.id = s.product_id JOIN domains d ON d.id = p.domain_id
         WHERE s.id = $1",
    )
    .bind(subscription)
    .fetch_optional(db)
    .await
}

/// The producer-mode domains meshgov can grant in (with a grant role): the accounts drift lists.
pub async fn producer_holders(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<HolderRow>> {
    sqlx::query_as(
        "SELECT catalog_mode, slug AS domain, aws_account_id AS account_id, grant_role_arn, external_id,
                false AS mirror_behind
         FROM domains WHERE catalog_mode = 'producer' AND grant_role_arn IS NOT NULL ORDER BY slug",
    )
    .fetch_all(db)
    .await
}

// ---------------------------------------------------------------------------------------------
// Consumer access (the `consumer_access` table): see `super::access`.
// ---------------------------------------------------------------------------------------------

/// Records, at approval, what the subscription needs in the consumer's account: the link
/// `link_database` to `catalog_id`'s `database`, to be set up.
pub async fn insert_access(
    tx: &mut PgConnection,
    subscription: Uuid,
    link_database: &str,
    catalog_id: &str,
    database: &str,
    tables: &[String],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO consumer_access (subscription_id, consumer_account, link_database, target_catalog_id, target_database, tables)
         SELECT s.id, c.aws_account_id, $2, $3, $4, $5
         FROM subscriptions s JOIN domains c ON c.id = s.consumer_domain_id WHERE s.id = $1",
    )
    .bind(subscription)
    .bind(link_database)
    .bind(catalog_id)
    .bind(database)
    .bind(tables)
    .execute(tx)
    .await?;
    Ok(())
}

/// What a consumer access run needs: the subscription's access row, its principal and status,
/// and the consumer domain's link role.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccessWork {
    pub subscription_id: Uuid,
    pub approved: bool,
    /// No grant of the subscription waits to be granted or failed to be (those a schema change
    /// revoked since do not count).
    pub grants_granted: bool,
    pub principal: String,
    pub consumer_domain: String,
    pub link_role_arn: Option<String>,
    pub external_id: String,
    pub consumer_account: String,
    pub link_database: String,
    pub target_catalog_id: String,
    pub target_database: String,
    pub state: AccessState,
}

pub async fn access_work(db: impl PgExecutor<'_>, subscription: Uuid) -> sqlx::Result<Option<AccessWork>> {
    sqlx::query_as(
        "SELECT a.subscription_id, s.status = 'approved' AS approved,
                NOT EXISTS (SELECT 1 FROM grants g WHERE g.subscription_id = s.id AND g.state IN ('pending', 'grant_failed')) AS grants_granted,
                s.principal, c.slug AS consumer_domain, c.link_role_arn, c.external_id, a.consumer_account,
                a.link_database, a.target_catalog_id, a.target_database, a.state
         FROM consumer_access a JOIN subscriptions s ON s.id = a.subscription_id
         JOIN domains c ON c.id = s.consumer_domain_id
         WHERE a.subscription_id = $1",
    )
    .bind(subscription)
    .fetch_optional(db)
    .await
}

/// Records where a run left the access, only from the state the run read (a revoke that came in
/// meanwhile moved it to `removing`, and that stands); false when it had moved.
pub async fn record_access(
    tx: &mut PgConnection,
    subscription: Uuid,
    from: AccessState,
    to: AccessState,
    steps: &Value,
    error: Option<&str>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE consumer_access SET state = $3, steps = $4, last_error = $5, updated_at = now()
         WHERE subscription_id = $1 AND state = $2",
    )
    .bind(subscription)
    .bind(from)
    .bind(to)
    .bind(steps)
    .bind(error)
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether another live (approved) subscription of the consumer's account uses the link, and
/// whether one of `principal`'s does.
pub async fn link_users(
    db: impl PgExecutor<'_>,
    consumer_account: &str,
    link_database: &str,
    principal: &str,
    except: Uuid,
) -> sqlx::Result<(bool, bool)> {
    sqlx::query_as(
        "SELECT coalesce(bool_or(true), false), coalesce(bool_or(s.principal = $3), false)
         FROM consumer_access a JOIN subscriptions s ON s.id = a.subscription_id
         WHERE a.consumer_account = $1 AND a.link_database = $2 AND a.subscription_id <> $4 AND s.status = 'approved'",
    )
    .bind(consumer_account)
    .bind(link_database)
    .bind(principal)
    .bind(except)
    .fetch_one(db)
    .await
}

/// Serializes the work on one resource link (setting it up, taking it down) across workers and
/// replicas, for the life of `tx`.
pub async fn lock_link(tx: &mut PgConnection, consumer_account: &str, link_database: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('meshgov-links'), hashtext($1 || '/' || $2))")
        .bind(consumer_account)
        .bind(link_database)
        .execute(tx)
        .await?;
    Ok(())
}
