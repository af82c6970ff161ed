//! Repairing what a drift check found, through the job queue like every other grant:
//! - missing grants go back to `pending`, and a `regrant_missing` job re-applies them through the
//!   grant applier, then closes the findings;
//! - unexpected permissions are revoked by a `revoke_unexpected` job, which checks again under the
//!   principal's lock that no grant wants them by then, and revokes through the same batch path as
//!   the applier ([`crate::grants::batch`]);
//! - orphaned grants are handed to a catalog sync of their product, whose schema-change handling
//!   revokes or narrows them and records the breaking change;
//! - a consumer's resource link or DESCRIBE on it gone: the subscription's consumer access goes
//!   back to `pending` and its grant job sets it up again.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;
use uuid::Uuid;

use super::check::{self, DriftError, Trigger, finding_target};
use super::compare::{self, Kind};
use super::jobs::{RegrantMissing, RevokeUnexpected};
use super::model::{PlannedAccess, PlannedGrant, PlannedRevoke, PlannedSync, ReconcilePlan};
use super::store;
use crate::AppState;
use crate::audit::{self, Actor, NewEvent, target};
use crate::catalog_sync::jobs::SyncProduct;
use crate::grants::batch::{self, EntryOutcome, Reason};
use crate::grants::holder::LfAccount;
use crate::grants::jobs::ApplyGrants;
use crate::grants::lakeformation::{BATCH_LIMIT, Entry};
use crate::grants::resource::LfResource;
use crate::jobs::{BackgroundJob, JobOutcome};

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

pub(super) fn actor() -> Actor {
    Actor::system("reconcile")
}

/// Checks, plans the repair of what the check found, and, with `apply`, queues it.
pub async fn reconcile(state: &AppState, trigger: &Trigger, apply: bool, repairs: Repairs) -> Result<ReconcilePlan, DriftError> {
    let (check, findings) = check::check(state, trigger).await?;
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
        .filter_map(|f| {
            Some(PlannedRevoke {
                subscription_id: f.subscription_id,
                principal: f.principal.clone(),
                resource_key: f.resource_key.clone(),
                // As listed, with its catalog id.
                resource: LfResource::from_json(&f.resource, "")?,
                permissions: f.permissions.clone(),
                grant_option: f.grant_option.clone(),
            })
        })
        .collect();
    let orphaned_grants: Vec<Uuid> =
        findings.iter().filter(|f| f.kind == Kind::Orphaned && repairs.sync_orphaned).filter_map(|f| f.grant_id).collect();
    let to_sync = store::products_of_grants(&state.db, &orphaned_grants).await?;
    let sync: Vec<PlannedSync> = to_sync
        .iter()
        .map(|p| PlannedSync { domain: p.domain_slug.clone(), product: p.slug.clone(), orphaned_grants: p.grants as usize })
        .collect();

    // Consumer side: the subscription's access is set up again as a whole (link, DESCRIBE).
    let mut access: Vec<PlannedAccess> = Vec::new();
    for f in findings.iter().filter(|f| f.kind == Kind::Missing && f.grant_id.is_none() && repairs.regrant_missing) {
        let (Some(subscription_id), Some(LfResource::Database { catalog_id, name })) = (f.subscription_id, LfResource::from_key(&f.resource_key))
        else {
            continue;
        };
        if !access.iter().any(|a| a.subscription_id == subscription_id) {
            access.push(PlannedAccess { subscription_id, principal: f.principal.clone(), consumer_account: catalog_id, link_database: name });
        }
    }

    let mut plan = ReconcilePlan { check, applied: apply, grant, revoke, sync, access, jobs: Vec::new() };
    if !apply || (plan.grant.is_empty() && plan.revoke.is_empty() && plan.sync.is_empty() && plan.access.is_empty()) {
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
        plan.jobs.push(RegrantMissing { subscription_id: *id }.enqueue(&mut tx, Some(domain_id), by).await?.id);
    }
    let ids: Vec<Uuid> = plan.access.iter().map(|a| a.subscription_id).collect();
    let relink = store::requeue_access(&mut tx, &ids).await?;
    for id in &relink {
        crate::grants::store::refresh_provisioning(&mut tx, *id).await?;
        let domain_id = store::product_domain_of(&mut tx, *id).await?;
        // The grant job sets the access up after the (unchanged) grants.
        plan.jobs.push(ApplyGrants { subscription_id: *id }.enqueue(&mut tx, Some(domain_id), by).await?.id);
    }
    let mut by_principal: BTreeMap<&str, Vec<PlannedRevoke>> = BTreeMap::new();
    for r in &plan.revoke {
        by_principal.entry(&r.principal).or_default().push(r.clone());
    }
    for (principal, entries) in by_principal {
        let job = RevokeUnexpected { principal: principal.to_string(), reason: Reason::DriftRepair, entries };
        plan.jobs.push(job.enqueue(&mut tx, None, by).await?.id);
    }
    for p in &to_sync {
        let job = SyncProduct { domain: p.domain_slug.clone(), product: p.slug.clone(), product_id: p.id };
        plan.jobs.push(job.enqueue(&mut tx, Some(p.domain_id), by).await?.id);
    }
    let details = json!({
        "check_id": plan.check.id, "trigger": trigger.kind, "grant": requeued.len(), "revoke": plan.revoke.len(),
        "sync": plan.sync.len(), "access": relink.len(), "jobs": plan.jobs,
    });
    let event = NewEvent::new(trigger.actor.clone(), "drift.reconcile_requested", target::DRIFT, details);
    audit::commit(tx, [event]).await?;
    Ok(plan)
}

/// Re-applies a subscription's missing grants (requeued as `pending`) through the grant applier,
/// its calls marked as a drift repair; what it granted again closes those findings.
pub(super) async fn regrant_missing(state: &AppState, subscription: Uuid, last_attempt: bool) -> sqlx::Result<JobOutcome> {
    let applied = crate::grants::applier::apply(state, subscription, last_attempt, Some(Reason::DriftRepair)).await?;
    if !applied.granted.is_empty() {
        let (ids, keys): (Vec<Uuid>, Vec<String>) = applied.granted.into_iter().unzip();
        let mut tx = state.db.begin().await?;
        store::forget_grants(&mut tx, &ids).await?;
        let event = NewEvent::new(actor(), "drift.repaired", target::subscription(subscription), json!({ "regranted": keys }));
        audit::commit(tx, [event]).await?;
    }
    Ok(applied.outcome)
}

/// Revokes permissions a check found that no grant wants, unless one wants them by now.
pub(super) async fn revoke_unexpected(state: &AppState, principal: &str, entries: Vec<PlannedRevoke>) -> sqlx::Result<JobOutcome> {
    let mut lock = state.db.begin().await?;
    crate::grants::store::lock_principal(&mut lock, principal).await?;
    let mut wanted: HashMap<String, HashSet<String>> = HashMap::new();
    for (key, perms) in store::wanted_now(&mut lock, principal).await? {
        wanted.entry(compare::canonical_key(&key)).or_default().extend(perms);
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
    let mut transient = Vec::new();
    let mut failed = Vec::new();
    let mut revoked = 0;
    // Each permission is revoked in the Lake Formation of the account that owns its resource.
    let accounts: HashMap<String, LfAccount> = check::lf_accounts(state).await?.into_iter().collect();
    let mut by_account: BTreeMap<String, Vec<(PlannedRevoke, Entry)>> = BTreeMap::new();
    for (r, e) in work {
        by_account.entry(r.resource.catalog_id().to_string()).or_default().push((r, e));
    }
    let mut batches: Vec<(&String, &[(PlannedRevoke, Entry)])> = Vec::new();
    for (catalog, work) in &by_account {
        batches.extend(work.chunks(BATCH_LIMIT).map(|batch| (catalog, batch)));
    }
    for (catalog, batch) in batches {
        let Some(account) = accounts.get(catalog) else {
            failed.push(format!("no account meshgov grants in owns catalog {catalog}"));
            continue;
        };
        let entries: Vec<Entry> = batch.iter().map(|(_, e)| e.clone()).collect();
        let call = batch::revoke(state.lakeformation.as_ref(), account, &entries).await;
        if !call.answered {
            // Refused as a whole: one error for the batch, and nothing to record.
            match call.outcomes.first() {
                Some(EntryOutcome::Transient(e)) => transient.push(e.clone()),
                Some(EntryOutcome::Failed(e)) => failed.push(e.clone()),
                _ => {}
            }
            continue;
        }
        // `done`: no longer held; `changed`: revoked by this call (a retried job finds the ones an
        // earlier attempt revoked already gone, and does not report them repaired twice).
        let mut done = Vec::new();
        let mut changed = Vec::new();
        for ((r, _), outcome) in batch.iter().zip(&call.outcomes) {
            match outcome {
                EntryOutcome::Changed => {
                    done.push(r);
                    changed.push(r);
                }
                EntryOutcome::AlreadyDone => done.push(r),
                EntryOutcome::Transient(e) => transient.push(e.clone()),
                EntryOutcome::Failed(e) => failed.push(e.clone()),
            }
        }
        let mut tx = state.db.begin().await?;
        let gone: Vec<String> = done.iter().map(|r| r.resource_key.clone()).collect();
        store::forget_unexpected(&mut tx, principal, &gone).await?;
        let mut events = Vec::new();
        if !changed.is_empty() {
            let keys: Vec<String> = changed.iter().map(|r| r.resource_key.clone()).collect();
            let details = call.audit_details(entries.len(), &keys, Some(Reason::DriftRepair));
            events.push(NewEvent::new(actor(), "lakeformation.batch_revoke", target::principal(principal), details));
        }
        let mut by_target: BTreeMap<String, Vec<&PlannedRevoke>> = BTreeMap::new();
        for r in &changed {
            by_target.entry(finding_target(r.subscription_id, principal)).or_default().push(r);
        }
        for (target, items) in by_target {
            let details = json!({
                "revoked": items.iter().map(|r| json!({"resource": r.resource, "permissions": r.permissions})).collect::<Vec<_>>(),
            });
            events.push(NewEvent::new(actor(), "drift.repaired", target, details));
        }
        audit::commit(tx, events).await?;
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
