//! Drift checks and their repair.
//!
//! A check reads the desired grants from Postgres, every permission of the governance account's
//! catalog from Lake Formation (`ListPermissions`, paged), and the current catalog of each product
//! with live grants from its producer (Glue, through the domain's role), then compares them
//! ([`super::compare`]). One check runs at a time across replicas (an advisory lock). A grant that
//! changed while the check ran is not judged (the check may have read it before the change): the
//! next check will.
//!
//! Repair (`reconcile`) goes through the job queue like every other grant: missing grants go back
//! to `pending` and their subscription's grant job re-applies them; unexpected permissions are
//! revoked by a `revoke_unexpected` job (which checks again, under the principal's lock, that no
//! grant wants them by then); orphaned grants are handed to a catalog sync of their product, whose
//! schema-change handling revokes or narrows them and records the breaking change.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Value, json};
use uuid::Uuid;

use super::compare::{self, Desired, Expectation, Finding, Kind, Managed};
use super::model::{CheckSummary, PlannedGrant, PlannedRevoke, PlannedSync, ReconcilePlan, Unverified};
use super::store::{self, DesiredRow, ProductSource};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent};
use crate::catalog_sync::glue::{ProducerAccess, ReadErrorKind};
use crate::grants::lakeformation::{BATCH_LIMIT, Entry, LfError};
use crate::jobs::{JobOutcome, NewJob, model::JobRow};
use crate::products::model::TableSchema;

/// Findings listed per audit event (all of them are in `drift_findings`).
const AUDITED_FINDINGS: usize = 50;
const ATTEMPTS: i32 = 5;
/// Why repair work was done, as the grant applier's audit events say.
pub const REPAIR: &str = "drift_repair";

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

/// The governance account's id: the catalog a resource without `CatalogId` belongs to.
async fn governance_account(state: &AppState) -> String {
    let arn = state.aws.principal_arn().await.unwrap_or_default();
    arn.split(':').nth(4).filter(|a| a.len() == 12).unwrap_or("000000000000").to_string()
}

/// Every page of `ListPermissions`.
async fn list_all(state: &AppState) -> Result<Vec<compare::Listed>, LfError> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = state.lakeformation.list_permissions(token).await?;
        all.extend(page.entries);
        match page.next_token {
            Some(t) => token = Some(t),
            None => return Ok(all),
        }
    }
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
/// key (`table|…|t`, `columns|…|t|a,b`, `filter|…|t|name`) and a filter's columns.
fn orphaned(g: &DesiredRow, database: &str, tables: Option<&[TableSchema]>) -> Option<String> {
    let Some(tables) = tables else { return Some(format!("database {database} no longer exists")) };
    let parts: Vec<&str> = g.resource_key.split('|').collect();
    let (table, columns): (&str, Vec<&str>) = match parts.as_slice() {
        ["table", _, _, t] => (t, Vec::new()),
        ["columns", _, _, t, cols] => (t, cols.split(',').collect()),
        ["filter", _, _, t, _] => (t, g.filter_columns.iter().flatten().map(String::as_str).collect()),
        _ => return None,
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
    match (g.state.as_str(), g.subscription_status.as_str()) {
        ("granted", "approved") => Some(Expectation::Present),
        // Failed grants are already visible (provisioning `grant_failed`, retried with `retry`);
        // grants being applied or revoked may or may not be there yet.
        ("pending" | "grant_failed" | "revoking", _) => Some(Expectation::InFlight),
        ("revoke_failed", _) => Some(Expectation::Gone),
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
        databases: store::product_databases(&state.db).await?.into_iter().collect(),
    };
    for g in &rows {
        let key = compare::desired_key(&g.resource_key);
        let mut parts = key.split('|');
        if let (Some(_), Some(c), Some(d)) = (parts.next(), parts.next(), parts.next()) {
            managed.databases.insert(format!("{c}|{d}"));
        }
    }
    let listed = list_all(state).await.map_err(DriftError::Aws)?;

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
    unverified.sort_by(|a, b| (&a.domain, &a.product).cmp(&(&b.domain, &b.product)));

    // Consumes the rows: at a hundred thousand grants, copies add up.
    let desired: Vec<Desired> = rows
        .into_iter()
        .filter_map(|g| {
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
    let default_catalog = governance_account(state).await;
    let mut findings = compare::compare(&desired, &listed, &managed, &default_catalog);

    // Not judged: grants that changed while we read.
    let changed: HashSet<(String, String)> = store::changed_since(&state.db, started_at)
        .await?
        .into_iter()
        .map(|(p, k)| (p, compare::desired_key(&k)))
        .collect();
    findings.retain(|f| !changed.contains(&(f.principal.clone(), compare::desired_key(&f.resource_key))));
    attribute_unexpected(state, &mut findings).await?;
    fill_resources(state, &mut findings).await?;

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
    // Audit last: the chain's lock is held only until commit.
    for (target, items) in group_new(&findings, &new) {
        let details = json!({
            "check_id": summary.id,
            "findings": items.len(),
            "items": items.iter().take(AUDITED_FINDINGS).map(|f| finding_json(f)).collect::<Vec<_>>(),
        });
        audit::append(&mut tx, NewEvent::new(trigger.actor.clone(), "drift.found", target, details)).await?;
    }
    tx.commit().await?;
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
        .map(|(p, k, s)| ((p, compare::desired_key(&k)), s))
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

fn finding_target(subscription: Option<Uuid>, principal: &str) -> String {
    match subscription {
        Some(id) => crate::subscriptions::service::target(id),
        None => format!("principal:{principal}"),
    }
}

/// What to repair, and how.
#[derive(Debug, Clone, Copy)]
pub struct Repairs {
    pub regrant_missing: bool,
    pub revoke_unexpected: bool,
    pub sync_orphaned: bool,
}

impl Repairs {
    pub const ALL: Repairs = Repairs { regrant_missing: true, revoke_unexpected: true, sync_orphaned: true };
}

/// Checks, plans the repair of what the check found, and, with `apply`, queues it.
pub async fn reconcile(state: &AppState, trigger: &Trigger, apply: bool, repairs: Repairs) -> Result<ReconcilePlan, DriftError> {
    let (check, findings) = self::check(state, trigger).await?;
    let grant: Vec<PlannedGrant> = findings
        .iter()
        .filter(|f| f.kind == Kind::Missing && repairs.regrant_missing)
        .filter_map(|f| {
            Some(PlannedGrant {
                subscription_id: f.subscription_id?,
                grant_id: f.grant_id?,
                principal: f.principal.clone(),
                resource: f.resource.clone(),
                permissions: f.permissions.clone(),
            })
        })
        .collect();
    let revoke: Vec<PlannedRevoke> = findings
        .iter()
        .filter(|f| f.kind == Kind::Unexpected && repairs.revoke_unexpected)
        .map(|f| PlannedRevoke {
            subscription_id: f.subscription_id,
            principal: f.principal.clone(),
            resource_key: f.resource_key.clone(),
            resource: f.resource.clone(),
            permissions: f.permissions.clone(),
            grant_option: f.grant_option.clone(),
        })
        .collect();
    let orphaned_grants: Vec<Uuid> =
        findings.iter().filter(|f| f.kind == Kind::Orphaned && repairs.sync_orphaned).filter_map(|f| f.grant_id).collect();
    let to_sync = store::products_of_grants(&state.db, &orphaned_grants).await?;
    let sync: Vec<PlannedSync> = to_sync
        .iter()
        .map(|p| PlannedSync { domain: p.domain_slug.clone(), product: p.slug.clone(), orphaned_grants: p.grants as usize })
        .collect();

    let mut plan = ReconcilePlan { check, applied: apply, grant, revoke, sync, jobs: Vec::new() };
    if !apply || (plan.grant.is_empty() && plan.revoke.is_empty() && plan.sync.is_empty()) {
        return Ok(plan);
    }
    let by = &trigger.actor.sub;
    let mut tx = state.db.begin().await?;
    let ids: Vec<Uuid> = plan.grant.iter().map(|g| g.grant_id).collect();
    let requeued = store::requeue_missing(&mut tx, &ids).await?;
    let mut subscriptions: Vec<Uuid> = requeued.iter().map(|(_, s)| *s).collect::<HashSet<_>>().into_iter().collect();
    subscriptions.sort();
    for id in &subscriptions {
        crate::grants::store::refresh_provisioning(&mut tx, *id).await?;
        let domain_id = store::product_domain_of(&mut tx, *id).await?;
        let mut job = crate::grants::service::job("apply_grants", *id, domain_id, by);
        job.payload["reason"] = json!(REPAIR);
        plan.jobs.push(crate::jobs::store::enqueue(&mut tx, &job).await?.id);
    }
    let mut by_principal: BTreeMap<&str, Vec<&PlannedRevoke>> = BTreeMap::new();
    for r in &plan.revoke {
        by_principal.entry(&r.principal).or_default().push(r);
    }
    for (principal, entries) in by_principal {
        let job = NewJob {
            kind: "revoke_unexpected",
            payload: json!({ "principal": principal, "reason": REPAIR, "entries": entries }),
            domain_id: None,
            dedupe_key: None,
            created_by: by.clone(),
            max_attempts: ATTEMPTS,
        };
        plan.jobs.push(crate::jobs::store::enqueue(&mut tx, &job).await?.id);
    }
    for p in &to_sync {
        let job = crate::catalog_sync::service::product_sync_job(p.domain_id, &p.domain_slug, p.id, &p.slug, by);
        plan.jobs.push(crate::jobs::store::enqueue(&mut tx, &job).await?.id);
    }
    let details = json!({
        "check_id": plan.check.id, "trigger": trigger.kind, "grant": requeued.len(), "revoke": plan.revoke.len(),
        "sync": plan.sync.len(), "jobs": plan.jobs,
    });
    audit::append(&mut tx, NewEvent::new(trigger.actor.clone(), "drift.reconcile_requested", "drift", details)).await?;
    tx.commit().await?;
    Ok(plan)
}

/// The periodic reconcile: a check, and the repairs the configuration allows.
pub async fn run_scheduled(state: &AppState) -> JobOutcome {
    let r = &state.config.reconcile;
    let repairs =
        Repairs { regrant_missing: r.regrant_missing, revoke_unexpected: r.revoke_unexpected, sync_orphaned: r.sync_orphaned };
    let trigger = Trigger { kind: "schedule", actor: Actor { sub: "system:reconcile".into(), roles: Vec::new() } };
    match reconcile(state, &trigger, true, repairs).await {
        Ok(plan) => JobOutcome::Done(json!({
            "check_id": plan.check.id, "missing": plan.check.missing, "unexpected": plan.check.unexpected,
            "orphaned": plan.check.orphaned, "jobs": plan.jobs,
        })),
        Err(e) => JobOutcome::Retry(e.to_string()),
    }
}

/// Enqueues the periodic reconcile when the last one finished more than `interval` ago; the job's
/// dedupe key keeps replicas from queueing it twice. Returns whether it queued one.
pub async fn enqueue_if_due(state: &AppState, interval: std::time::Duration) -> sqlx::Result<bool> {
    let mut tx = state.db.begin().await?;
    if !store::try_lock_schedule(&mut tx).await? {
        return Ok(false);
    }
    if store::reconcile_queued(&mut *tx).await? {
        return Ok(false);
    }
    let last = store::last_scheduled(&mut *tx).await?;
    let now = store::clock(&mut *tx).await?;
    let due = last.is_none_or(|at| now - at >= chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::MAX));
    if !due {
        return Ok(false);
    }
    let job = NewJob {
        kind: "reconcile",
        payload: json!({}),
        domain_id: None,
        dedupe_key: Some("reconcile".into()),
        created_by: "system:scheduler".into(),
        max_attempts: 3,
    };
    crate::jobs::store::enqueue(&mut tx, &job).await?;
    tx.commit().await?;
    Ok(true)
}

/// The worker's entry point for `revoke_unexpected` jobs: revokes permissions a check found that
/// no grant wants, unless one wants them by now.
pub async fn run_revoke_unexpected(state: &AppState, job: &JobRow) -> JobOutcome {
    let principal = job.payload.get("principal").and_then(Value::as_str).map(str::to_string);
    let entries: Option<Vec<PlannedRevoke>> =
        job.payload.get("entries").cloned().and_then(|e| serde_json::from_value(e).ok());
    let (Some(principal), Some(entries)) = (principal, entries) else {
        return JobOutcome::Fatal("the job names no principal or entries".into());
    };
    match revoke_unexpected(state, &principal, entries).await {
        Ok(outcome) => outcome,
        Err(e) => JobOutcome::Retry(format!("database error: {e}")),
    }
}

async fn revoke_unexpected(state: &AppState, principal: &str, entries: Vec<PlannedRevoke>) -> sqlx::Result<JobOutcome> {
    let mut lock = state.db.begin().await?;
    crate::grants::store::lock_principal(&mut lock, principal).await?;
    let mut wanted: HashMap<String, HashSet<String>> = HashMap::new();
    for (key, perms) in store::wanted_now(&mut lock, principal).await? {
        wanted.entry(compare::desired_key(&key)).or_default().extend(perms);
    }
    let mut work: Vec<(PlannedRevoke, Entry)> = Vec::new();
    for (i, mut r) in entries.into_iter().enumerate() {
        let still = wanted.get(&r.resource_key);
        // Still wanted: keep the permission, take only its grant option.
        r.permissions.retain(|p| !still.is_some_and(|w| w.contains(p)));
        if r.permissions.is_empty() && r.grant_option.is_empty() {
            continue;
        }
        let entry = Entry {
            id: i.to_string(),
            principal: principal.to_string(),
            resource: r.resource.clone(),
            permissions: r.permissions.clone(),
            grant_option: r.grant_option.clone(),
        };
        work.push((r, entry));
    }
    let actor = Actor { sub: "system:reconcile".into(), roles: Vec::new() };
    let mut transient = Vec::new();
    let mut failed = Vec::new();
    let mut revoked = 0;
    for batch in work.chunks(BATCH_LIMIT) {
        let entries: Vec<Entry> = batch.iter().map(|(_, e)| e.clone()).collect();
        let answer = match state.lakeformation.batch_revoke(&entries).await {
            Ok(answer) => answer,
            Err(e) if e.retryable => {
                transient.push(e.to_string());
                continue;
            }
            Err(e) => {
                failed.push(e.to_string());
                continue;
            }
        };
        // `done`: no longer held; `changed`: revoked by this call (a retried job finds the ones an
        // earlier attempt revoked already gone, and does not report them repaired twice).
        let mut done = Vec::new();
        let mut changed = Vec::new();
        for (r, e) in batch {
            match answer.failures.iter().find(|f| f.id == e.id) {
                None => {
                    done.push(r);
                    changed.push(r);
                }
                Some(f) if f.code == "InvalidInputException" && f.message.starts_with("No permissions revoked") => done.push(r),
                Some(f) if crate::grants::lakeformation::retryable_code(&f.code) => transient.push(format!("{}: {}", f.code, f.message)),
                Some(f) => failed.push(format!("{}: {}", f.code, f.message)),
            }
        }
        let mut tx = state.db.begin().await?;
        let gone: Vec<String> = done.iter().map(|r| r.resource_key.clone()).collect();
        store::forget_unexpected(&mut tx, principal, &gone).await?;
        let call = json!({
            "aws_request_id": answer.request_id, "entries": entries.len(), "reason": REPAIR,
            "resources": changed.iter().map(|r| &r.resource_key).collect::<Vec<_>>(), "failures": answer.failures.iter().map(|f| json!({"id": f.id, "code": f.code, "message": f.message})).collect::<Vec<_>>(),
        });
        if !changed.is_empty() {
            audit::append(&mut tx, NewEvent::new(actor.clone(), "lakeformation.batch_revoke", format!("principal:{principal}"), call))
                .await?;
        }
        let mut by_target: BTreeMap<String, Vec<&PlannedRevoke>> = BTreeMap::new();
        for r in &changed {
            by_target.entry(finding_target(r.subscription_id, principal)).or_default().push(r);
        }
        for (target, items) in by_target {
            let details = json!({
                "revoked": items.iter().map(|r| json!({"resource": r.resource, "permissions": r.permissions})).collect::<Vec<_>>(),
            });
            audit::append(&mut tx, NewEvent::new(actor.clone(), "drift.repaired", target, details)).await?;
        }
        tx.commit().await?;
        revoked += changed.len();
    }
    lock.rollback().await?;
    Ok(if !transient.is_empty() {
        JobOutcome::Retry(transient.join("; "))
    } else if !failed.is_empty() {
        JobOutcome::Fatal(failed.join("; "))
    } else {
        JobOutcome::Done(json!({ "revoked": revoked }))
    })
}
