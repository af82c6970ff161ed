//! The jobs that make Lake Formation match a subscription's grants. Both kinds run the same
//! applier (revokes first, then grants): the kind says why it was queued. Runs for one subscription
//! serialize on the principal's lock and read the grants afresh, so a second job is harmless, and
//! none is deduplicated: joining a run that already read the grants could miss a change. After the
//! grants, each run settles the subscription's consumer access ([`super::access`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{access, applier};
use crate::AppState;
use crate::jobs::{BackgroundJob, JobOutcome, JobRow};

/// Applies an approval (or re-applies after a schema change, a retry, a repair).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplyGrants {
    pub subscription_id: Uuid,
}

/// Revokes what a revocation, an expiry or a retirement ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RevokeGrants {
    pub subscription_id: Uuid,
}

impl BackgroundJob for ApplyGrants {
    const KIND: &'static str = "apply_grants";

    async fn run(self, state: &AppState, job: &JobRow) -> JobOutcome {
        run(state, job, self.subscription_id).await
    }
}

impl BackgroundJob for RevokeGrants {
    const KIND: &'static str = "revoke_grants";

    async fn run(self, state: &AppState, job: &JobRow) -> JobOutcome {
        run(state, job, self.subscription_id).await
    }
}

/// The grants first; once they are done, the consumer's side of them (set up after a grant,
/// taken down after a revoke), so a retried job repeats only what is left.
async fn run(state: &AppState, job: &JobRow, subscription: Uuid) -> JobOutcome {
    let granted = match applier::apply(state, subscription, job.is_last_attempt(), None).await {
        Ok(applied) => applied.outcome,
        Err(e) => return JobOutcome::Retry(format!("database error: {e}")),
    };
    let JobOutcome::Done(grants) = granted else { return granted };
    match access::settle(state, subscription, job.is_last_attempt()).await {
        Ok(JobOutcome::Done(access)) => JobOutcome::Done(json!({ "grants": grants, "access": access })),
        Ok(other) => other,
        Err(e) => JobOutcome::Retry(format!("database error: {e}")),
    }
}
