//! The grant applier: makes Lake Formation match a subscription's desired grants.
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
//! call (`Aws::lakeformation`). Each entry's failure in an answered batch is handled on its own:
//! transient codes (throttling, concurrent modification, 5xx) leave the entry waiting and the job
//! retries with backoff; other codes fail the entry. After the job's last attempt whatever still
//! waits ends `grant_failed` / `revoke_failed`, and so does the subscription's provisioning.

use serde_json::{Value, json};
use uuid::Uuid;

use super::lakeformation::{Answer, BATCH_LIMIT, Entry, LfError, retryable_code};
use super::store::{self, GrantWork};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent};
use crate::jobs::{JobOutcome, NewJob, model::JobRow};

pub const ATTEMPTS: i32 = 5;
const NO_PERMISSIONS_REVOKED: &str = "No permissions revoked";

pub fn job(kind: &'static str, subscription: Uuid, domain_id: Uuid, created_by: &str) -> NewJob {
    NewJob {
        kind,
        payload: json!({ "subscription_id": subscription }),
        domain_id: Some(domain_id),
        // Runs of one subscription serialize on the principal's lock and read the state afresh,
        // so a second job is harmless; deduplicating could join a run that already read it.
        dedupe_key: None,
        created_by: created_by.to_string(),
        max_attempts: ATTEMPTS,
    }
}

fn actor() -> Actor {
    Actor { sub: "system:grants".into(), roles: Vec::new() }
}

fn target(subscription: Uuid) -> String {
    crate::subscriptions::service::target(subscription)
}

/// The worker's entry point for `apply_grants` and `revoke_grants` jobs.
pub async fn run_job(state: &AppState, job: &JobRow) -> JobOutcome {
    let Some(id) = job.payload.get("subscription_id").and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok()) else {
        return JobOutcome::Fatal("the job names no subscription".into());
    };
    let last_attempt = job.attempts >= job.max_attempts;
    // Why the grants are (re)applied, when not for a decision: `drift_repair`.
    let reason = job.payload.get("reason").and_then(Value::as_str);
    match reconcile(state, id, last_attempt, reason).await {
        Ok(outcome) => outcome,
        Err(e) => JobOutcome::Retry(format!("database error: {e}")),
    }
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

#[derive(Default)]
struct Run<'a> {
    reason: Option<&'a str>,
    granted_ids: Vec<Uuid>,
    granted_keys: Vec<String>,
    transient: Vec<String>,
    granted: usize,
    revoked: usize,
    kept: usize,
    failed: usize,
    calls: usize,
}

pub async fn reconcile(state: &AppState, subscription: Uuid, last_attempt: bool, reason: Option<&str>) -> sqlx::Result<JobOutcome> {
    let principal: Option<String> = sqlx::query_scalar("SELECT principal FROM subscriptions WHERE id = $1")
        .bind(subscription)
        .fetch_optional(&state.db)
        .await?;
    let Some(principal) = principal else { return Ok(JobOutcome::Fatal("the subscription no longer exists".into())) };
    let mut lock = state.db.begin().await?;
    store::lock_principal(&mut lock, &principal).await?;

    let work = store::actionable(&state.db, subscription).await?;
    let mut run = Run { reason, ..Run::default() };
    let revoking: Vec<&GrantWork> = work.iter().filter(|g| g.state == "revoking").collect();
    let granting: Vec<&GrantWork> = work.iter().filter(|g| g.state == "pending").collect();
    revoke(state, subscription, &revoking, &mut run).await?;
    grant(state, subscription, &granting, &mut run).await?;
    if run.reason == Some(crate::drift::service::REPAIR) && !run.granted_ids.is_empty() {
        let mut tx = state.db.begin().await?;
        crate::drift::store::forget_grants(&mut tx, &run.granted_ids).await?;
        let details = json!({ "regranted": run.granted_keys });
        audit::append(&mut tx, NewEvent::new(actor(), "drift.repaired", target(subscription), details)).await?;
        tx.commit().await?;
    }

    let outcome = if run.transient.is_empty() {
        JobOutcome::Done(json!({
            "granted": run.granted, "revoked": run.revoked, "kept": run.kept, "failed": run.failed, "calls": run.calls,
        }))
    } else {
        let error = run.transient.join("; ");
        if last_attempt {
            let mut tx = state.db.begin().await?;
            store::fail_remaining(&mut tx, subscription, &error).await?;
            store::refresh_provisioning(&mut tx, subscription).await?;
            let details = json!({ "error": error, "after_attempts": ATTEMPTS });
            audit::append(&mut tx, NewEvent::new(actor(), "grant.failed", target(subscription), details)).await?;
            tx.commit().await?;
            JobOutcome::Fatal(error)
        } else {
            JobOutcome::Retry(error)
        }
    };
    lock.rollback().await?;
    Ok(outcome)
}

/// Records one call's outcome and its audit event in one transaction.
async fn record_call(
    state: &AppState,
    subscription: Uuid,
    updates: &[(Vec<Uuid>, &str, Option<String>)],
    event: Option<(&str, Value)>,
) -> sqlx::Result<()> {
    let mut tx = state.db.begin().await?;
    for (ids, st, error) in updates {
        store::record(&mut tx, ids, st, error.as_deref(), true).await?;
    }
    store::refresh_provisioning(&mut tx, subscription).await?;
    if let Some((action, details)) = event {
        audit::append(&mut tx, NewEvent::new(actor(), action, target(subscription), details)).await?;
    }
    // A grant or revoke that failed for good is a state change of its own, worth an event.
    for (ids, st, error) in updates {
        if !ids.is_empty() && (*st == "grant_failed" || *st == "revoke_failed") {
            let details = json!({ "state": st, "grants": ids, "error": error });
            audit::append(&mut tx, NewEvent::new(actor(), "grant.failed", target(subscription), details)).await?;
        }
    }
    tx.commit().await
}

fn describe_failure(code: &str, message: &str) -> String {
    if message.is_empty() { code.to_string() } else { format!("{code}: {message}") }
}

/// Splits a batch answer into succeeded, transient and permanent failures (by grant id).
fn classify(batch: &[&GrantWork], answer: &Answer, done_despite: impl Fn(&str, &str) -> bool) -> Split {
    let mut ok = Vec::new();
    let mut transient = Vec::new();
    let mut permanent = Vec::new();
    for g in batch {
        match answer.failures.iter().find(|f| f.id == g.id.to_string()) {
            None => ok.push(g.id),
            Some(f) if done_despite(&f.code, &f.message) => ok.push(g.id),
            Some(f) if retryable_code(&f.code) => transient.push((g.id, describe_failure(&f.code, &f.message))),
            Some(f) => permanent.push((g.id, describe_failure(&f.code, &f.message))),
        }
    }
    (ok, transient, permanent)
}

fn keys(batch: &[&GrantWork], ids: &[Uuid]) -> Vec<String> {
    batch.iter().filter(|g| ids.contains(&g.id)).map(|g| g.resource_key.clone()).collect()
}

async fn revoke(state: &AppState, subscription: Uuid, grants: &[&GrantWork], run: &mut Run<'_>) -> sqlx::Result<()> {
    let mut to_call = Vec::new();
    for g in grants {
        match store::live_holder(&state.db, &g.principal, &g.resource_key, subscription).await? {
            Some(holder) => {
                let mut tx = state.db.begin().await?;
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
        let answer = state.lakeformation.batch_revoke(&entries(batch)).await;
        let (_, transient, permanent) = match answer {
            Ok(answer) => {
                let no_permissions = |code: &str, message: &str| {
                    code == "InvalidInputException" && message.starts_with(NO_PERMISSIONS_REVOKED)
                };
                let (ok, transient, permanent) = classify(batch, &answer, no_permissions);
                let changed: Vec<Uuid> = batch
                    .iter()
                    .filter(|g| !answer.failures.iter().any(|f| f.id == g.id.to_string()))
                    .map(|g| g.id)
                    .collect();
                // Filter grants are done once their filter is gone too.
                let mut finished = Vec::new();
                let mut waiting = transient.clone();
                for id in &ok {
                    let g = batch.iter().find(|g| g.id == *id).expect("from this batch");
                    match &g.filter {
                        Some(filter) => match delete_filter(state, subscription, filter, run).await? {
                            Ok(()) => finished.push(*id),
                            Err(e) => waiting.push((*id, e)),
                        },
                        None => finished.push(*id),
                    }
                }
                let event = (!changed.is_empty()).then(|| {
                    ("lakeformation.batch_revoke", call_details(&answer, &keys(batch, &changed), batch.len(), run.reason))
                });
                let updates = [
                    (finished.clone(), "revoked", None),
                    (waiting.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "revoking", waiting.first().map(|(_, e)| e.clone())),
                    (permanent.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "revoke_failed", permanent.first().map(|(_, e)| e.clone())),
                ];
                record_call(state, subscription, &updates, event).await?;
                run.revoked += finished.len();
                (finished, waiting, permanent)
            }
            Err(e) => whole_call_failed(state, subscription, batch, &e, "revoking", "revoke_failed").await?,
        };
        run.transient.extend(transient.into_iter().map(|(_, e)| e));
        run.failed += permanent.len();
    }
    Ok(())
}

async fn grant(state: &AppState, subscription: Uuid, grants: &[&GrantWork], run: &mut Run<'_>) -> sqlx::Result<()> {
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
        match state.lakeformation.batch_grant(&entries(batch)).await {
            Ok(answer) => {
                let (ok, transient, permanent) = classify(batch, &answer, |_, _| false);
                let event = (!ok.is_empty())
                    .then(|| ("lakeformation.batch_grant", call_details(&answer, &keys(batch, &ok), batch.len(), run.reason)));
                let updates = [
                    (ok.clone(), "granted", None),
                    (transient.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "pending", transient.first().map(|(_, e)| e.clone())),
                    (permanent.iter().map(|(id, _)| *id).collect::<Vec<_>>(), "grant_failed", permanent.first().map(|(_, e)| e.clone())),
                ];
                record_call(state, subscription, &updates, event).await?;
                run.granted += ok.len();
                run.granted_keys.extend(keys(batch, &ok));
                run.granted_ids.extend(ok.iter().copied());
                run.failed += permanent.len();
                run.transient.extend(transient.into_iter().map(|(_, e)| e));
            }
            Err(e) => {
                let (_, transient, permanent) = whole_call_failed(state, subscription, batch, &e, "pending", "grant_failed").await?;
                run.failed += permanent.len();
                run.transient.extend(transient.into_iter().map(|(_, e)| e));
            }
        }
    }
    Ok(())
}

type Split = (Vec<Uuid>, Vec<(Uuid, String)>, Vec<(Uuid, String)>);

/// A batch call that failed as a whole: every entry waits (transient) or fails (permanent).
async fn whole_call_failed(
    state: &AppState,
    subscription: Uuid,
    batch: &[&GrantWork],
    e: &LfError,
    waiting: &str,
    failed: &str,
) -> sqlx::Result<Split> {
    let ids: Vec<Uuid> = batch.iter().map(|g| g.id).collect();
    let error = e.to_string();
    let st = if e.retryable { waiting } else { failed };
    record_call(state, subscription, &[(ids.clone(), st, Some(error.clone()))], None).await?;
    let list: Vec<(Uuid, String)> = ids.into_iter().map(|id| (id, error.clone())).collect();
    Ok(if e.retryable { (Vec::new(), list, Vec::new()) } else { (Vec::new(), Vec::new(), list) })
}

fn call_details(answer: &Answer, resources: &[String], entries: usize, reason: Option<&str>) -> Value {
    json!({
        "aws_request_id": answer.request_id,
        "reason": reason,
        "entries": entries,
        "resources": resources,
        "failures": answer.failures.iter().map(|f| json!({ "id": f.id, "code": f.code, "message": f.message })).collect::<Vec<_>>(),
    })
}

/// Creates a grant's data cells filter; true when it exists afterwards.
async fn create_filter(state: &AppState, subscription: Uuid, g: &GrantWork, filter: &Value, run: &mut Run<'_>) -> sqlx::Result<bool> {
    run.calls += 1;
    match state.lakeformation.create_data_cells_filter(filter).await {
        Ok(answer) => {
            let details = json!({ "aws_request_id": answer.request_id, "filter": filter });
            record_call(state, subscription, &[], Some(("lakeformation.create_data_cells_filter", details))).await?;
            Ok(true)
        }
        Err(e) if e.is("AlreadyExistsException") => Ok(true),
        Err(e) => {
            let st = if e.retryable { "pending" } else { "grant_failed" };
            record_call(state, subscription, &[(vec![g.id], st, Some(e.to_string()))], None).await?;
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
async fn delete_filter(state: &AppState, subscription: Uuid, filter: &Value, run: &mut Run<'_>) -> sqlx::Result<Result<(), String>> {
    run.calls += 1;
    match state.lakeformation.delete_data_cells_filter(filter).await {
        Ok(answer) => {
            let details = json!({ "aws_request_id": answer.request_id, "filter": filter });
            record_call(state, subscription, &[], Some(("lakeformation.delete_data_cells_filter", details))).await?;
            Ok(Ok(()))
        }
        Err(e) if e.is("EntityNotFoundException") => Ok(Ok(())),
        Err(e) => Ok(Err(e.to_string())),
    }
}
