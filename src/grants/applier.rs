//! The grant applier: makes Lake Formation match one subscription's desired grants.
//!
//! One run, under the principal's advisory lock (so the "does another live subscription still
//! need this?" check and the revoke it leads to cannot interleave with another run):
//! 1. revokes first: grants another live subscription still needs are kept (no call); the rest
//!    go out in batches of at most 20; "No permissions revoked" counts as done; the data cells
//!    filters of revoked filter grants are deleted;
//! 2. then grants: data cells filters are created, then the entries go out in batches of 20.
//!
//! Each call's outcome — the grants' new states and, when the call changed something, its audit
//! event with the AWS request id — is recorded in one transaction right after the call. A crash
//! between the call and the commit leaves the grants as they were, so the next run repeats the
//! call (grants and revokes are idempotent) and only the recorded call is audited.
//!
//! A whole call refused as throttled, concurrently modified or 5xx is retried by the SDK within the
//! call (`Aws::lakeformation`). Each entry's failure in an answered batch is handled on its own
//! ([`super::batch`]): transient codes leave the entry waiting and the job retries with backoff;
//! other codes fail the entry. After the job's last attempt whatever still waits ends
//! `grant_failed` / `revoke_failed`, and so does the subscription's provisioning.

use serde_json::{Value, json};
use uuid::Uuid;

use super::batch::{self, BatchCall, EntryOutcome, Reason};
use super::holder::LfAccount;
use super::lakeformation::{BATCH_LIMIT, Entry};
use super::model::GrantState;
use super::store::{self, GrantWork};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent, target};
use crate::jobs::JobOutcome;

fn actor() -> Actor {
    Actor::system("grants")
}

/// The entries of grants, for a batch call.
pub fn entries(grants: &[&GrantWork]) -> Vec<Entry> {
    grants
        .iter()
        .map(|g| Entry {
            id: g.id.to_string(),
            principal: g.principal.clone(),
            resource: g.resource.clone(),
            permissions: g.permissions.clone(),
            grant_option: Vec::new(),
        })
        .collect()
}

/// What a run did, for its job's outcome and for whoever asked for it (drift repair).
#[derive(Debug)]
pub struct Applied {
    pub outcome: JobOutcome,
    /// The grants this run granted, with their resource keys.
    pub granted: Vec<(Uuid, String)>,
}

struct Run {
    /// Whose Lake Formation the calls go to.
    account: LfAccount,
    reason: Option<Reason>,
    granted_grants: Vec<(Uuid, String)>,
    transient: Vec<String>,
    granted: usize,
    revoked: usize,
    kept: usize,
    failed: usize,
    calls: usize,
}

/// Applies what `subscription`'s grants are waiting for: revokes, then grants. `last_attempt`:
/// what still waits afterwards fails for good.
pub async fn apply(state: &AppState, subscription: Uuid, last_attempt: bool, reason: Option<Reason>) -> sqlx::Result<Applied> {
    let principal: Option<String> = sqlx::query_scalar("SELECT principal FROM subscriptions WHERE id = $1")
        .bind(subscription)
        .fetch_optional(&state.db)
        .await?;
    let Some(principal) = principal else {
        return Ok(Applied { outcome: JobOutcome::Fatal("the subscription no longer exists".into()), granted: Vec::new() });
    };
    let mut lock = state.db.begin().await?;
    store::lock_principal(&mut lock, &principal).await?;

    let work = store::actionable(&state.db, subscription).await?;
    let holder = store::holder_of(&state.db, subscription).await?;
    let mirror_behind = holder.as_ref().is_some_and(|h| h.mirror_behind);
    let account = match holder.map(|h| h.account()) {
        Some(Ok(account)) => account,
        Some(Err(why)) if !work.is_empty() => {
            // Nothing can be granted or revoked until the domain names its grant role.
            let mut tx = store::begin_recording(&state.db, subscription).await?;
            store::fail_remaining(&mut tx, &work, &why).await?;
            store::refresh_provisioning(&mut tx, subscription).await?;
            let details = json!({ "error": why });
            audit::commit(tx, [NewEvent::new(actor(), "grant.failed", target::subscription(subscription), details)]).await?;
            lock.rollback().await?;
            return Ok(Applied { outcome: JobOutcome::Fatal(why), granted: Vec::new() });
        }
        _ => LfAccount::Governance,
    };
    let mut run = Run {
        account,
        reason,
        granted_grants: Vec::new(),
        transient: Vec::new(),
        granted: 0,
        revoked: 0,
        kept: 0,
        failed: 0,
        calls: 0,
    };
    let revoking: Vec<&GrantWork> = work.iter().filter(|g| g.state == GrantState::Revoking).collect();
    let granting: Vec<&GrantWork> = work.iter().filter(|g| g.state == GrantState::Pending).collect();
    revoke(state, subscription, &revoking, &mut run).await?;
    if !granting.is_empty() && mirror_behind {
        // The mirror job of the same sync is queued: grant once it has run.
        run.transient.push("the product's mirror in the governance account is not up to date yet".into());
    } else {
        grant(state, subscription, &granting, &mut run).await?;
    }

    let outcome = if run.transient.is_empty() {
        JobOutcome::Done(json!({
            "granted": run.granted, "revoked": run.revoked, "kept": run.kept, "failed": run.failed, "calls": run.calls,
        }))
    } else {
        let error = run.transient.join("; ");
        if last_attempt {
            let mut tx = store::begin_recording(&state.db, subscription).await?;
            store::fail_remaining(&mut tx, &work, &error).await?;
            store::refresh_provisioning(&mut tx, subscription).await?;
            let details = json!({ "error": error, "after_attempts": crate::jobs::registry::DEFAULT_ATTEMPTS });
            audit::commit(tx, [NewEvent::new(actor(), "grant.failed", target::subscription(subscription), details)]).await?;
            JobOutcome::Fatal(error)
        } else {
            JobOutcome::Retry(error)
        }
    };
    lock.rollback().await?;
    Ok(Applied { outcome, granted: run.granted_grants })
}

/// Grants of one state after a call, with the first error among them.
struct Update {
    ids: Vec<Uuid>,
    state: GrantState,
    error: Option<String>,
}

impl Update {
    fn new(state: GrantState, grants: Vec<(Uuid, Option<String>)>) -> Update {
        let error = grants.iter().find_map(|(_, e)| e.clone());
        Update { ids: grants.into_iter().map(|(id, _)| id).collect(), state, error }
    }
}

/// Records one call's outcome and its audit event in one transaction.
async fn record_call(state: &AppState, subscription: Uuid, updates: &[Update], event: Option<(&str, Value)>) -> sqlx::Result<()> {
    let mut tx = store::begin_recording(&state.db, subscription).await?;
    for u in updates {
        store::record(&mut tx, &u.ids, u.state.called_from(), u.state, u.error.as_deref()).await?;
    }
    store::refresh_provisioning(&mut tx, subscription).await?;
    let mut events = Vec::new();
    if let Some((action, details)) = event {
        events.push(NewEvent::new(actor(), action, target::subscription(subscription), details));
    }
    // A grant or revoke that failed for good is a state change of its own, worth an event.
    for u in updates.iter().filter(|u| !u.ids.is_empty() && u.state.is_failure()) {
        let details = json!({ "state": u.state.as_str(), "grants": u.ids, "error": u.error });
        events.push(NewEvent::new(actor(), "grant.failed", target::subscription(subscription), details));
    }
    audit::commit(tx, events).await?;
    Ok(())
}

/// The grants of `batch` whose outcome `pick` selects, with its error if any.
fn pick(batch: &[&GrantWork], call: &BatchCall, pick: impl Fn(&EntryOutcome) -> Option<Option<String>>) -> Vec<(Uuid, Option<String>)> {
    batch.iter().zip(&call.outcomes).filter_map(|(g, o)| pick(o).map(|e| (g.id, e))).collect()
}

fn transient(o: &EntryOutcome) -> Option<Option<String>> {
    if let EntryOutcome::Transient(e) = o { Some(Some(e.clone())) } else { None }
}

fn failed(o: &EntryOutcome) -> Option<Option<String>> {
    if let EntryOutcome::Failed(e) = o { Some(Some(e.clone())) } else { None }
}

fn changed_keys(batch: &[&GrantWork], call: &BatchCall) -> Vec<String> {
    batch.iter().zip(&call.outcomes).filter(|(_, o)| **o == EntryOutcome::Changed).map(|(g, _)| g.resource_key.clone()).collect()
}

async fn revoke(state: &AppState, subscription: Uuid, grants: &[&GrantWork], run: &mut Run) -> sqlx::Result<()> {
    let mut to_call = Vec::new();
    for g in grants {
        match store::live_holder(&state.db, &g.principal, &g.resource_key, subscription).await? {
            Some(holder) => {
                let mut tx = store::begin_recording(&state.db, subscription).await?;
                store::keep(&mut tx, g.id, holder).await?;
                store::refresh_provisioning(&mut tx, subscription).await?;
                tx.commit().await?;
                run.kept += 1;
            }
            None => to_call.push(*g),
        }
    }
    for batch in to_call.chunks(BATCH_LIMIT) {
        run.calls += 1;
        let call = batch::revoke(state.lakeformation.as_ref(), &run.account, &entries(batch)).await;
        // Filter grants are done once their filter is gone too.
        let mut finished = Vec::new();
        let mut waiting = pick(batch, &call, transient);
        for (g, outcome) in batch.iter().zip(&call.outcomes) {
            if !outcome.is_done() {
                continue;
            }
            match &g.filter {
                Some(filter) => match delete_filter(state, subscription, filter, run).await? {
                    Ok(()) => finished.push((g.id, None)),
                    Err(e) => waiting.push((g.id, Some(e))),
                },
                None => finished.push((g.id, None)),
            }
        }
        let permanent = pick(batch, &call, failed);
        let changed = changed_keys(batch, &call);
        let event = (!changed.is_empty())
            .then(|| ("lakeformation.batch_revoke", call.audit_details(batch.len(), &changed, run.reason)));
        run.revoked += finished.len();
        run.failed += permanent.len();
        run.transient.extend(waiting.iter().filter_map(|(_, e)| e.clone()));
        let updates = [
            Update::new(GrantState::Revoked, finished),
            Update::new(GrantState::Revoking, waiting),
            Update::new(GrantState::RevokeFailed, permanent),
        ];
        record_call(state, subscription, &updates, event).await?;
    }
    Ok(())
}

async fn grant(state: &AppState, subscription: Uuid, grants: &[&GrantWork], run: &mut Run) -> sqlx::Result<()> {
    let mut ready = Vec::new();
    for g in grants {
        match &g.filter {
            Some(filter) => {
                if create_filter(state, subscription, g, filter, run).await? {
                    ready.push(*g);
                }
            }
            None => ready.push(*g),
        }
    }
    for batch in ready.chunks(BATCH_LIMIT) {
        run.calls += 1;
        let call = batch::grant(state.lakeformation.as_ref(), &run.account, &entries(batch)).await;
        let ok = pick(batch, &call, |o| o.is_done().then_some(None));
        let waiting = pick(batch, &call, transient);
        let permanent = pick(batch, &call, failed);
        let changed = changed_keys(batch, &call);
        let event = (!changed.is_empty())
            .then(|| ("lakeformation.batch_grant", call.audit_details(batch.len(), &changed, run.reason)));
        run.granted += ok.len();
        run.granted_grants.extend(
            batch.iter().zip(&call.outcomes).filter(|(_, o)| **o == EntryOutcome::Changed).map(|(g, _)| (g.id, g.resource_key.clone())),
        );
        run.failed += permanent.len();
        run.transient.extend(waiting.iter().filter_map(|(_, e)| e.clone()));
        let updates = [
            Update::new(GrantState::Granted, ok),
            Update::new(GrantState::Pending, waiting),
            Update::new(GrantState::GrantFailed, permanent),
        ];
        record_call(state, subscription, &updates, event).await?;
    }
    Ok(())
}

/// Creates a grant's data cells filter; true when it exists afterwards.
async fn create_filter(state: &AppState, subscription: Uuid, g: &GrantWork, filter: &Value, run: &mut Run) -> sqlx::Result<bool> {
    run.calls += 1;
    match state.lakeformation.create_data_cells_filter(&run.account, filter).await {
        Ok(answer) => {
            let details = json!({ "aws_request_id": answer.request_id, "filter": filter });
            record_call(state, subscription, &[], Some(("lakeformation.create_data_cells_filter", details))).await?;
            Ok(true)
        }
        Err(e) if e.is("AlreadyExistsException") => Ok(true),
        Err(e) => {
            let st = if e.retryable { GrantState::Pending } else { GrantState::GrantFailed };
            record_call(state, subscription, &[Update::new(st, vec![(g.id, Some(e.to_string()))])], None).await?;
            if e.retryable {
                run.transient.push(e.to_string());
            } else {
                run.failed += 1;
            }
            Ok(false)
        }
    }
}

/// Deletes a revoked grant's data cells filter; a filter already gone counts as done.
async fn delete_filter(state: &AppState, subscription: Uuid, filter: &Value, run: &mut Run) -> sqlx::Result<Result<(), String>> {
    run.calls += 1;
    match state.lakeformation.delete_data_cells_filter(&run.account, filter).await {
        Ok(answer) => {
            let details = json!({ "aws_request_id": answer.request_id, "filter": filter });
            record_call(state, subscription, &[], Some(("lakeformation.delete_data_cells_filter", details))).await?;
            Ok(Ok(()))
        }
        Err(e) if e.is("EntityNotFoundException") => Ok(Ok(())),
        Err(e) => Ok(Err(e.to_string())),
    }
}
