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
use super::jobs::{MirrorProduct, SyncDomain, SyncProduct};
use super::store::{self, SyncTarget};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent, target};
use crate::domains::model::DomainRow;
use crate::grants::holder::CatalogMode;
use crate::grants::jobs::ApplyGrants;
use crate::http::auth::Caller;
use crate::http::problem::{ApiError, ApiResult};
use crate::jobs::{BackgroundJob, JobOutcome, JobRow};
use crate::schema::{SchemaDocument, TableSchema};

fn actor() -> Actor {
    Actor::system("catalog-sync")
}

/// Audit events list at most this many changes; every change is in `schema_changes`.
const AUDITED_CHANGES: usize = 100;

/// Producers of the domain and admins sync its catalog and read its readiness.
pub fn authorize(caller: &Caller, domain: &str) -> ApiResult<()> {
    if caller.is_admin() || caller.is_producer_in(domain) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("only producers of domain {domain:?} and admins may do this")))
    }
}

/// Domain `slug`, if `caller` may sync it and it can be synced.
pub async fn syncable(state: &AppState, caller: &Caller, slug: &str) -> ApiResult<DomainRow> {
    let domain = crate::domains::service::get(&state.db, slug).await?;
    authorize(caller, slug)?;
    if domain.sync_role_arn.is_none() {
        return Err(ApiError::conflict("no_sync_role", "the domain has no sync_role_arn: set one before syncing"));
    }
    Ok(domain)
}

/// Queues a sync of `domain`, or of one of its products (id, slug), on behalf of `caller`; a sync
/// already queued or running is returned instead of a second one.
pub async fn queue_sync(state: &AppState, caller: &Caller, domain: &DomainRow, product: Option<(Uuid, &str)>) -> ApiResult<JobRow> {
    let mut tx = state.db.begin().await?;
    let job = match product {
        None => SyncDomain { domain: domain.slug.clone() }.enqueue(&mut tx, Some(domain.id), &caller.sub).await?,
        Some((product_id, product)) => {
            let job = SyncProduct { domain: domain.slug.clone(), product: product.to_string(), product_id };
            job.enqueue(&mut tx, Some(domain.id), &caller.sub).await?
        }
    };
    tx.commit().await?;
    Ok(job)
}

pub fn access_of(domain: &DomainRow) -> Option<ProducerAccess> {
    Some(ProducerAccess {
        domain: domain.slug.clone(),
        account_id: domain.aws_account_id.clone(),
        role_arn: domain.sync_role_arn.clone()?,
        external_id: domain.external_id.clone(),
    })
}

/// What a sync does when another sync of the domain is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenBusy {
    /// Nothing: the running sync (a schedule's, a publication's) reads the catalog anyway.
    Skip,
    /// Run after it: the caller knows of a change the running sync may have read too early
    /// (a catalog event).
    Wait,
}

/// Syncs a domain's products (or one of them). At most one sync per domain runs at a time across
/// replicas: the domain's advisory lock is held for the whole sync.
pub async fn sync(
    state: &AppState,
    domain_id: Uuid,
    only: Option<Uuid>,
    triggered_by: &str,
    when_busy: WhenBusy,
) -> sqlx::Result<JobOutcome> {
    let mut lock = state.db.begin().await?;
    if !store::try_lock_domain(&mut lock, domain_id).await? {
        return Ok(match when_busy {
            WhenBusy::Skip => JobOutcome::Done(json!({ "skipped": "another sync of this domain is running" })),
            // Soon: a sync holds the lock for the time of its Glue reads, usually well under a
            // second, and this one carries a change someone is waiting to see.
            WhenBusy::Wait => JobOutcome::Defer(std::time::Duration::from_millis(200), "another sync of this domain is running".into()),
        });
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
    let mut changes = diff::diff(&current.schema, &new);
    let mut version = None;
    let mut effects = Vec::new();
    // Central mode: the governance account's mirror follows the schema, by a job queued in the same
    // transaction; a mirror already current (no change, nothing left from a failed run) is left alone.
    let mirror_behind = current.mirrored_version < current.schema_version;
    if domain.catalog_mode == CatalogMode::Central && (!changes.is_empty() || mirror_behind) {
        let job = MirrorProduct { domain: domain.slug.clone(), product: target.slug.clone(), product_id: target.id };
        job.enqueue(&mut tx, Some(domain.id), &actor().sub).await?;
    }
    if !changes.is_empty() {
        let v = store::replace_schema(&mut tx, target.id, &new).await?;
        // Grants on what is gone are revoked or narrowed in this same transaction, with the jobs
        // that carry it out, so a crash cannot record the change and forget its consequence.
        let (done, to_apply) = super::consequences::apply(&mut tx, target.id, &mut changes).await?;
        for subscription_id in to_apply {
            ApplyGrants { subscription_id }.enqueue(&mut tx, Some(domain.id), &actor().sub).await?;
        }
        effects = done;
        store::insert_changes(&mut tx, target.id, v, &changes).await?;
        let breaking = changes.iter().any(|c| c.breaking);
        if breaking {
            store::mark_breaking(&mut tx, target.id).await?;
        }
        version = Some(v);
        store::product_synced(&mut *tx, target.id, &missing).await?;
        audit::commit(tx, [schema_changed_event(domain, target, v, &changes, &effects, triggered_by)]).await?;
    } else {
        store::product_synced(&mut *tx, target.id, &missing).await?;
        tx.commit().await?;
    }
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
        actor(),
        "product.schema_changed",
        target::product(&domain.slug, &target.slug),
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
