//! Catalog sync: read each product's tables from its producer's Glue catalog, diff them with the
//! last snapshot, and record what changed — a new schema version, one row per change with its
//! breaking flag, an audit event — in one transaction per product. A sync that finds nothing new
//! writes nothing but its bookkeeping (when it ran, whether it worked). Failures keep the last
//! good snapshot and are visible on the domain, the product and the job.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use uuid::Uuid;

use super::diff::{self, Change};
use super::glue::{ProducerAccess, ReadError, ReadErrorKind};
use super::store::{self, SyncTarget};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent};
use crate::domains::model::DomainRow;
use crate::jobs::{JobOutcome, NewJob, model::JobRow};
use crate::products::model::{SchemaDocument, TableSchema};

const ATTEMPTS: i32 = 5;
/// Audit events list at most this many changes; every change is in `schema_changes`.
const AUDITED_CHANGES: usize = 100;

pub fn domain_sync_job(domain_id: Uuid, domain: &str, created_by: &str) -> NewJob {
    NewJob {
        kind: "sync_domain",
        payload: json!({ "domain": domain }),
        domain_id: Some(domain_id),
        dedupe_key: Some(format!("sync:{domain}")),
        created_by: created_by.to_string(),
        max_attempts: ATTEMPTS,
    }
}

pub fn product_sync_job(domain_id: Uuid, domain: &str, product_id: Uuid, product: &str, created_by: &str) -> NewJob {
    NewJob {
        kind: "sync_product",
        payload: json!({ "domain": domain, "product": product, "product_id": product_id }),
        domain_id: Some(domain_id),
        dedupe_key: Some(format!("sync:{domain}/{product}")),
        created_by: created_by.to_string(),
        max_attempts: ATTEMPTS,
    }
}

pub fn access_of(domain: &DomainRow) -> Option<ProducerAccess> {
    Some(ProducerAccess {
        domain: domain.slug.clone(),
        account_id: domain.aws_account_id.clone(),
        role_arn: domain.sync_role_arn.clone()?,
        external_id: domain.external_id.clone(),
    })
}

/// The worker's entry point for `sync_domain` and `sync_product` jobs.
pub async fn run_job(state: &AppState, job: &JobRow) -> JobOutcome {
    let Some(domain_id) = job.domain_id else { return JobOutcome::Fatal("the job names no domain".into()) };
    let only = job.payload.get("product_id").and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok());
    match sync(state, domain_id, only, &job.created_by).await {
        Ok(outcome) => outcome,
        Err(e) => JobOutcome::Retry(format!("database error: {e}")),
    }
}

/// Syncs a domain's products (or one of them). At most one sync per domain runs at a time across
/// replicas: the domain's advisory lock is held for the whole sync.
pub async fn sync(state: &AppState, domain_id: Uuid, only: Option<Uuid>, triggered_by: &str) -> sqlx::Result<JobOutcome> {
    let mut lock = state.db.begin().await?;
    if !store::try_lock_domain(&mut lock, domain_id).await? {
        return Ok(JobOutcome::Done(json!({ "skipped": "another sync of this domain is running" })));
    }
    let Some(domain) = crate::domains::store::find_by_id(&state.db, domain_id).await? else {
        return Ok(JobOutcome::Fatal("the domain no longer exists".into()));
    };
    let Some(access) = access_of(&domain) else {
        let error = "the domain has no sync_role_arn: set one to sync its catalog";
        store::domain_synced(&state.db, domain.id, Some(error)).await?;
        return Ok(JobOutcome::Fatal(error.into()));
    };
    let targets = store::products_to_sync(&state.db, domain.id, only).await?;
    if let Err(e) = state.catalog.check_access(&access).await {
        store::domain_synced(&state.db, domain.id, Some(&e.message)).await?;
        return Ok(failure(e));
    }

    // Products often share a database: read each once.
    let mut reads: BTreeMap<&str, Result<Vec<TableSchema>, ReadError>> = BTreeMap::new();
    for target in &targets {
        if !reads.contains_key(target.source_database.as_str()) {
            let read = state.catalog.tables(&access, &target.source_database).await;
            reads.insert(&target.source_database, read);
        }
    }

    let mut products = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut retry = false;
    for target in &targets {
        match &reads[target.source_database.as_str()] {
            Ok(tables) => {
                let report = apply(state, &domain, target, tables, triggered_by).await?;
                products.push(report);
            }
            Err(e) => {
                let message = match e.kind {
                    ReadErrorKind::DatabaseNotFound => {
                        format!("database {:?} does not exist in account {}", target.source_database, domain.aws_account_id)
                    }
                    _ => e.message.clone(),
                };
                store::product_failed(&state.db, target.id, &message).await?;
                errors.push(format!("{}: {message}", target.slug));
                retry |= e.retryable;
            }
        }
    }
    let error = (!errors.is_empty()).then(|| errors.join("; "));
    store::domain_synced(&state.db, domain.id, error.as_deref()).await?;
    lock.rollback().await?;
    let report = json!({ "domain": domain.slug, "products": products, "errors": errors });
    Ok(match error {
        Some(e) if retry => JobOutcome::Retry(e),
        _ => JobOutcome::Done(report),
    })
}

fn failure(e: ReadError) -> JobOutcome {
    // A role that cannot be assumed may be fixed by the producer soon: retry with backoff either
    // way; the job ends failed, with the cause, after its last attempt.
    JobOutcome::Retry(e.message)
}

/// Records one product's read: diff, new version and audit event when something changed.
async fn apply(
    state: &AppState,
    domain: &DomainRow,
    target: &SyncTarget,
    tables: &[TableSchema],
    triggered_by: &str,
) -> sqlx::Result<Value> {
    let (selected, missing) = select(tables, target.source_tables.as_deref());
    let new = SchemaDocument { tables: selected };
    let mut tx = state.db.begin().await?;
    let current = store::lock_schema(&mut tx, target.id).await?;
    let mut changes = diff::diff(&current, &new);
    let mut version = None;
    let mut effects = Vec::new();
    if !changes.is_empty() {
        let v = crate::products::store::replace_schema(&mut tx, target.id, &new).await?;
        // Grants on what is gone are revoked or narrowed in this same transaction, with the jobs
        // that carry it out, so a crash cannot record the change and forget its consequence.
        let (done, to_apply) = super::consequences::apply(&mut tx, target.id, &mut changes).await?;
        for subscription in to_apply {
            let job = crate::grants::service::job("apply_grants", subscription, domain.id, "system:catalog-sync");
            crate::jobs::store::enqueue(&mut tx, &job).await?;
        }
        effects = done;
        store::insert_changes(&mut tx, target.id, v, &changes).await?;
        let breaking = changes.iter().any(|c| c.breaking);
        if breaking {
            store::mark_breaking(&mut tx, target.id).await?;
        }
        version = Some(v);
        store::product_synced(&mut *tx, target.id, &missing).await?;
        audit::append(&mut tx, schema_changed_event(domain, target, v, &changes, &effects, triggered_by)).await?;
    } else {
        store::product_synced(&mut *tx, target.id, &missing).await?;
    }
    tx.commit().await?;
    Ok(json!({
        "product": target.slug,
        "changes": changes.len(),
        "breaking": changes.iter().any(|c| c.breaking),
        "schema_version": version,
        "missing_tables": missing,
        "grant_effects": effects,
    }))
}

fn schema_changed_event(
    domain: &DomainRow,
    target: &SyncTarget,
    version: i32,
    changes: &[Change],
    grant_effects: &[Value],
    triggered_by: &str,
) -> NewEvent {
    let listed: Vec<Value> = changes.iter().take(AUDITED_CHANGES).map(Change::to_json).collect();
    NewEvent::new(
        Actor { sub: "system:catalog-sync".into(), roles: Vec::new() },
        "product.schema_changed",
        crate::products::service::target(&domain.slug, &target.slug),
        json!({
            "schema_version": version,
            "breaking": changes.iter().any(|c| c.breaking),
            "change_count": changes.len(),
            "changes": listed,
            "grant_effects": grant_effects,
            "triggered_by": triggered_by,
        }),
    )
}

/// The product's tables: all of the database's, or the declared ones; and the declared tables
/// the catalog does not have.
fn select(tables: &[TableSchema], declared: Option<&[String]>) -> (Vec<TableSchema>, Vec<String>) {
    match declared {
        None => (tables.to_vec(), Vec::new()),
        Some(names) => {
            let selected = tables.iter().filter(|t| names.contains(&t.name)).cloned().collect();
            let missing = names.iter().filter(|n| !tables.iter().any(|t| &t.name == *n)).cloned().collect();
            (selected, missing)
        }
    }
}
