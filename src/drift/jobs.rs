//! The drift jobs: the periodic reconcile (check, then the repairs the configuration allows), and
//! the two repairs that call Lake Formation (re-granting what is missing, revoking what is
//! unexpected); plus the scheduler's duty that queues the periodic reconcile when it is due.

use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::check::Trigger;
use super::model::PlannedRevoke;
use super::repair::{self, Repairs};
use super::store;
use crate::AppState;
use crate::audit::Actor;
use crate::grants::batch::Reason;
use crate::jobs::{BackgroundJob, BoxFuture, Duty, JobOutcome, JobRow};

/// The periodic reconcile; one live at a time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reconcile {}

/// Re-applies a subscription's missing grants.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegrantMissing {
    pub subscription_id: Uuid,
}

/// Revokes one principal's unexpected permissions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevokeUnexpected {
    pub principal: String,
    pub reason: Reason,
    pub entries: Vec<PlannedRevoke>,
}

impl BackgroundJob for Reconcile {
    const KIND: &'static str = "reconcile";

    fn max_attempts(&self) -> i32 {
        3
    }

    fn dedupe_key(&self) -> Option<String> {
        Some(Self::KIND.into())
    }

    async fn run(self, state: &AppState, _job: &JobRow) -> JobOutcome {
        let r = &state.config.reconcile;
        let repairs =
            Repairs { regrant_missing: r.regrant_missing, revoke_unexpected: r.revoke_unexpected, sync_orphaned: r.sync_orphaned };
        let trigger = Trigger { kind: "schedule", actor: repair::actor() };
        match repair::reconcile(state, &trigger, true, repairs).await {
            Ok(plan) => JobOutcome::Done(json!({
                "check_id": plan.check.id, "missing": plan.check.missing, "unexpected": plan.check.unexpected,
                "orphaned": plan.check.orphaned, "jobs": plan.jobs,
            })),
            Err(e) => JobOutcome::Retry(e.to_string()),
        }
    }
}

impl BackgroundJob for RegrantMissing {
    const KIND: &'static str = "regrant_missing";

    async fn run(self, state: &AppState, job: &JobRow) -> JobOutcome {
        match repair::regrant_missing(state, self.subscription_id, job.is_last_attempt()).await {
            Ok(outcome) => outcome,
            Err(e) => JobOutcome::Retry(format!("database error: {e}")),
        }
    }
}

impl BackgroundJob for RevokeUnexpected {
    const KIND: &'static str = "revoke_unexpected";

    async fn run(self, state: &AppState, _job: &JobRow) -> JobOutcome {
        match repair::revoke_unexpected(state, &self.principal, self.entries).await {
            Ok(outcome) => outcome,
            Err(e) => JobOutcome::Retry(format!("database error: {e}")),
        }
    }
}

/// Queues the periodic reconcile when one is configured and due.
pub const SCHEDULED_RECONCILE: Duty = Duty { name: "reconcile", run: scheduled };

fn scheduled(state: &AppState) -> BoxFuture<'_, sqlx::Result<usize>> {
    Box::pin(async move {
        match state.config.reconcile.interval {
            Some(interval) => Ok(usize::from(enqueue_if_due(state, interval).await?)),
            None => Ok(0),
        }
    })
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
    Reconcile {}.enqueue(&mut tx, None, &Actor::system("scheduler").sub).await?;
    tx.commit().await?;
    Ok(true)
}
