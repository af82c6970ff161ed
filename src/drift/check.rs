//! Drift checks.
//!
//! A check reads the desired grants from Postgres, every permission of the governance account's
//! catalog from Lake Formation (`ListPermissions`, paged), and the current catalog of each product
//! with live grants from its producer (Glue, through the domain's role), then compares them
//! ([`super::compare`]). One check runs at a time across replicas (an advisory lock). A grant that
//! changed while the check ran is not judged (the check may have read it before the change): the
//! next check will. What a check found is repaired by [`super::repair`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Value, json};
use uuid::Uuid;

use super::compare::{self, Desired, Expectation, Finding, Kind, Managed};
use super::model::{CheckSummary, Unverified};
use super::store::{self, DesiredRow, ProductSource};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent, target};
use crate::catalog_sync::glue::{ProducerAccess, ReadErrorKind};
use crate::grants::holder::LfAccount;
use crate::grants::lakeformation::LfError;
use crate::grants::model::GrantState;
use crate::grants::resource::LfResource;
use crate::subscriptions::model::SubscriptionStatus;
use crate::schema::TableSchema;

/// Findings listed per audit event (all of them are in `drift_findings`).
const AUDITED_FINDINGS: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("Lake Formation could not list permissions: {0}")]
    Aws(LfError),
}

/// Who started a check or a repair.
#[derive(Debug, Clone)]
pub struct Trigger {
    /// `api`, `reconcile` or `schedule`.
    pub kind: &'static str,
    pub actor: Actor,
}

/// Every account whose Lake Formation holds grants: the governance account (central mode) and
/// each producer-mode domain meshgov grants in, by catalog id.
pub async fn lf_accounts(state: &AppState) -> sqlx::Result<Vec<(String, LfAccount)>> {
    let mut out = vec![(state.aws.account_id().await, LfAccount::Governance)];
    for holder in crate::grants::store::producer_holders(&state.db).await? {
        if let Ok(account) = holder.account() {
            out.push((holder.account_id.clone(), account));
        }
    }
    Ok(out)
}

/// An account whose Lake Formation could not be listed: its grants are not judged.
struct Unlisted {
    catalog: String,
    error: String,
}

/// Every page of `ListPermissions`, in every account that holds grants. The governance account
/// must answer (503 otherwise); a producer account that does not (its grant role broke) is left
/// out, so one producer cannot blind the check for everyone.
async fn list_all(state: &AppState) -> Result<(Vec<compare::Listed>, Vec<Unlisted>), DriftError> {
    let mut all = Vec::new();
    let mut unlisted = Vec::new();
    for (catalog, account) in lf_accounts(state).await? {
        let mut listed = Vec::new();
        let mut token = None;
        let failed = loop {
            match state.lakeformation.list_permissions(&account, token).await {
                Ok(page) => {
                    listed.extend(page.entries);
                    match page.next_token {
                        Some(t) => token = Some(t),
                        None => break None,
                    }
                }
                Err(e) if account == LfAccount::Governance => return Err(DriftError::Aws(e)),
                Err(e) => break Some(e),
            }
        };
        match failed {
            None => all.extend(listed),
            Some(e) => unlisted.push(Unlisted { catalog, error: format!("Lake Formation could not list permissions: {e}") }),
        }
    }
    Ok((all, unlisted))
}

/// The current tables of each product's database, read concurrently (bounded like the workers);
/// `None` for a database that no longer exists; an error for a catalog that could not be read.
async fn read_catalogs(
    state: &AppState,
    sources: Vec<ProductSource>,
) -> HashMap<Uuid, Result<Option<Vec<TableSchema>>, String>> {
    let limit = Arc::new(tokio::sync::Semaphore::new(state.config.sync.worker_concurrency.max(1)));
    let mut reads = tokio::task::JoinSet::new();
    for source in sources {
        let (catalog, limit) = (state.catalog.clone(), limit.clone());
        reads.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let Some(role_arn) = source.sync_role_arn.clone() else {
                return (source.id, Err("the domain has no sync role".to_string()));
            };
            let access = ProducerAccess {
                domain: source.domain_slug.clone(),
                account_id: source.account_id.clone(),
                role_arn,
                external_id: source.external_id.clone(),
            };
            let read = match catalog.tables(&access, &source.source_database).await {
                Ok(tables) => Ok(Some(tables)),
                Err(e) if e.kind == ReadErrorKind::DatabaseNotFound => Ok(None),
                Err(e) => Err(e.message),
            };
            (source.id, read)
        });
    }
    let mut out = HashMap::new();
    while let Some(joined) = reads.join_next().await {
        if let Ok((id, read)) = joined {
            out.insert(id, read);
        }
    }
    out
}

/// Why a grant can no longer exist in the producer's current catalog, if it cannot. Read from its
/// key and, for a data cells filter, the filter's columns.
fn orphaned(g: &DesiredRow, database: &str, tables: Option<&[TableSchema]>) -> Option<String> {
    let Some(tables) = tables else { return Some(format!("database {database} no longer exists")) };
    let resource = LfResource::from_key(&g.resource_key)?;
    let table = resource.table()?;
    let columns: Vec<&str> = match &resource {
        LfResource::DataCellsFilter { .. } => g.filter_columns.iter().flatten().map(String::as_str).collect(),
        _ => resource.columns().iter().map(String::as_str).collect(),
    };
    let Some(schema) = tables.iter().find(|t| t.name.eq_ignore_ascii_case(table)) else {
        return Some(format!("table {table} no longer exists in {database}"));
    };
    let gone: Vec<&str> = columns
        .into_iter()
        .filter(|c| !schema.columns.iter().chain(&schema.partition_keys).any(|k| k.name.eq_ignore_ascii_case(c)))
        .collect();
    (!gone.is_empty()).then(|| format!("column {} no longer exists in {table}", gone.join(", ")))
}

fn expectation(g: &DesiredRow) -> Option<Expectation> {
    match (g.state, g.subscription_status) {
        (GrantState::Granted, SubscriptionStatus::Approved) => Some(Expectation::Present),
        // Failed grants are already visible (provisioning `grant_failed`, retried with `retry`);
        // grants being applied or revoked may or may not be there yet.
        (GrantState::Pending | GrantState::GrantFailed | GrantState::Revoking, _) => Some(Expectation::InFlight),
        (GrantState::RevokeFailed, _) => Some(Expectation::Gone),
        _ => None,
    }
}

/// Runs one check and records it: findings, verified subscriptions, the check's summary, and a
/// `drift.found` audit event for each subscription (or principal) with new findings.
pub async fn check(state: &AppState, trigger: &Trigger) -> Result<(CheckSummary, Vec<Finding>), DriftError> {
    let mut lock = state.db.begin().await?;
    store::lock_checks(&mut lock).await?;
    let started_at = store::clock(&state.db).await?;

    let rows = store::desired(&state.db).await?;
    let mut managed = Managed {
        principals: store::principals(&state.db).await?.into_iter().collect(),
        databases: store::product_databases(&state.db, &state.aws.account_id().await).await?.into_iter().collect(),
    };
    for g in &rows {
        if let Some(resource) = LfResource::from_key(&g.resource_key) {
            managed.databases.insert(Managed::database_of(&resource));
        }
    }
    let (listed, unlisted) = list_all(state).await?;
    let unlisted_in = |key: &str| {
        let catalog = LfResource::from_key(key).map(|r| r.catalog_id().to_string()).unwrap_or_default();
        unlisted.iter().find(|u| u.catalog == catalog)
    };

    let present_products: HashSet<Uuid> =
        rows.iter().filter(|g| expectation(g) == Some(Expectation::Present)).map(|g| g.product_id).collect();
    let sources = store::product_sources(&state.db, &present_products.into_iter().collect::<Vec<_>>()).await?;
    let by_product: HashMap<Uuid, ProductSource> = sources.iter().map(|s| (s.id, s.clone())).collect();
    let catalogs = read_catalogs(state, sources).await;
    let mut unverified = Vec::new();
    for (id, read) in &catalogs {
        if let Err(error) = read {
            let s = &by_product[id];
            unverified.push(Unverified { domain: s.domain_slug.clone(), product: s.slug.clone(), error: error.clone() });
        }
    }
    // Products whose grants live in an account that could not be listed: not judged this time.
    let mut not_listed: BTreeMap<(String, String), String> = BTreeMap::new();
    for g in rows.iter().filter(|g| expectation(g) == Some(Expectation::Present)) {
        if let (Some(u), Some(s)) = (unlisted_in(&g.resource_key), by_product.get(&g.product_id)) {
            not_listed.insert((s.domain_slug.clone(), s.slug.clone()), u.error.clone());
        }
    }
    for ((domain, product), error) in not_listed {
        if !unverified.iter().any(|u: &Unverified| u.domain == domain && u.product == product) {
            unverified.push(Unverified { domain, product, error });
        }
    }
    unverified.sort_by(|a, b| (&a.domain, &a.product).cmp(&(&b.domain, &b.product)));

    // Consumes the rows: at a hundred thousand grants, copies add up.
    let desired: Vec<Desired> = rows
        .into_iter()
        .filter_map(|g| {
            if unlisted_in(&g.resource_key).is_some() {
                return None;
            }
            let expectation = expectation(&g)?;
            let orphaned = match (expectation, catalogs.get(&g.product_id)) {
                (Expectation::Present, Some(Ok(tables))) => {
                    orphaned(&g, &by_product[&g.product_id].source_database, tables.as_deref())
                }
                _ => None,
            };
            Some(Desired {
                grant_id: g.grant_id,
                subscription_id: g.subscription_id,
                principal: g.principal,
                resource_key: g.resource_key,
                permissions: g.permissions,
                expectation,
                orphaned,
            })
        })
        .collect();
    let mut findings = compare::compare(&desired, &listed, &managed);

    // Not judged: grants that changed while we read.
    let changed: HashSet<(String, String)> = store::changed_since(&state.db, started_at)
        .await?
        .into_iter()
        .map(|(p, k)| (p, compare::canonical_key(&k)))
        .collect();
    findings.retain(|f| !changed.contains(&(f.principal.clone(), compare::canonical_key(&f.resource_key))));
    attribute_unexpected(state, &mut findings).await?;
    fill_resources(state, &mut findings).await?;
    let (consumer_side, consumer_unverified) = super::links::check(state, started_at).await?;
    findings.extend(consumer_side);
    for u in consumer_unverified {
        if !unverified.iter().any(|v| v.domain == u.domain && v.product == u.product) {
            unverified.push(u);
        }
    }
    unverified.sort_by(|a, b| (&a.domain, &a.product).cmp(&(&b.domain, &b.product)));

    let verified: Vec<Uuid> = desired
        .iter()
        .filter(|d| d.expectation == Expectation::Present)
        .map(|d| d.subscription_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let count = |k: Kind| findings.iter().filter(|f| f.kind == k).count() as i32;
    let summary = CheckSummary {
        id: Uuid::now_v7(),
        started_at,
        finished_at: store::clock(&state.db).await?,
        desired_grants: desired.len() as i32,
        listed_permissions: listed.len() as i32,
        missing: count(Kind::Missing),
        unexpected: count(Kind::Unexpected),
        orphaned: count(Kind::Orphaned),
        unverified: sqlx::types::Json(unverified),
    };

    let mut tx = state.db.begin().await?;
    let new: HashSet<String> = store::save_findings(&mut tx, started_at, &findings).await?.into_iter().collect();
    store::mark_verified(&mut tx, &verified, started_at).await?;
    store::insert_check(&mut tx, &summary, trigger.kind, &trigger.actor.sub).await?;
    let events = group_new(&findings, &new).into_iter().map(|(target, items)| {
        let details = json!({
            "check_id": summary.id,
            "findings": items.len(),
            "items": items.iter().take(AUDITED_FINDINGS).map(|f| finding_json(f)).collect::<Vec<_>>(),
        });
        NewEvent::new(trigger.actor.clone(), "drift.found", target, details)
    });
    audit::commit(tx, events.collect::<Vec<_>>()).await?;
    lock.rollback().await?;
    Ok((summary, findings))
}

/// The resources of the desired grants a check reports (compared by key only).
async fn fill_resources(state: &AppState, findings: &mut [Finding]) -> sqlx::Result<()> {
    let ids: Vec<Uuid> = findings.iter().filter_map(|f| f.grant_id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let resources: HashMap<Uuid, Value> = store::resources(&state.db, &ids).await?.into_iter().collect();
    for f in findings.iter_mut() {
        if let Some(r) = f.grant_id.and_then(|id| resources.get(&id)) {
            f.resource = r.clone();
        }
    }
    Ok(())
}

/// Names, for each unexpected permission, the last subscription that held the resource.
async fn attribute_unexpected(state: &AppState, findings: &mut [Finding]) -> sqlx::Result<()> {
    let principals: Vec<String> = findings
        .iter()
        .filter(|f| f.kind == Kind::Unexpected)
        .map(|f| f.principal.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if principals.is_empty() {
        return Ok(());
    }
    let holders: HashMap<(String, String), Uuid> = store::past_holders(&state.db, &principals)
        .await?
        .into_iter()
        .map(|(p, k, s)| ((p, compare::canonical_key(&k)), s))
        .collect();
    for f in findings.iter_mut().filter(|f| f.kind == Kind::Unexpected) {
        f.subscription_id = holders.get(&(f.principal.clone(), f.resource_key.clone())).copied();
    }
    Ok(())
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "kind": f.kind.as_str(), "principal": f.principal, "resource": f.resource,
        "permissions": f.permissions, "detail": f.detail,
    })
}

/// New findings by audit target: their subscription, or the principal when none is known.
fn group_new<'a>(findings: &'a [Finding], new: &HashSet<String>) -> BTreeMap<String, Vec<&'a Finding>> {
    let mut out: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in findings.iter().filter(|f| new.contains(&f.finding_key())) {
        out.entry(finding_target(f.subscription_id, &f.principal)).or_default().push(f);
    }
    out
}

/// The audit target of a finding: its subscription, or the principal when none is known.
pub(super) fn finding_target(subscription: Option<Uuid>, principal: &str) -> String {
    match subscription {
        Some(id) => target::subscription(id),
        None => target::principal(principal),
    }
}
