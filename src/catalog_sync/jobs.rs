//! The catalog sync jobs (a domain, or one product) and the periodic duty that queues the syncs
//! that are due.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{service, store};
use crate::AppState;
use crate::audit::Actor;
use crate::jobs::{BackgroundJob, BoxFuture, Duty, JobOutcome, JobRow};

/// Syncs every product of a domain; one live sync per domain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncDomain {
    /// The domain's slug (the job's `domain_id` names it too).
    pub domain: String,
}

/// Syncs one product; one live sync per product.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncProduct {
    pub domain: String,
    pub product: String,
    pub product_id: Uuid,
}

impl BackgroundJob for SyncDomain {
    const KIND: &'static str = "sync_domain";

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("sync:{}", self.domain))
    }

    async fn run(self, state: &AppState, job: &JobRow) -> JobOutcome {
        run(state, job, None).await
    }
}

impl BackgroundJob for SyncProduct {
    const KIND: &'static str = "sync_product";

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("sync:{}/{}", self.domain, self.product))
    }

    async fn run(self, state: &AppState, job: &JobRow) -> JobOutcome {
        run(state, job, Some(self.product_id)).await
    }
}

/// Brings a product's mirror in the governance account up to date (central mode); one live per
/// product.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MirrorProduct {
    pub domain: String,
    pub product: String,
    pub product_id: Uuid,
}

impl BackgroundJob for MirrorProduct {
    const KIND: &'static str = "mirror_product";

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("mirror:{}/{}", self.domain, self.product))
    }

    async fn run(self, state: &AppState, _job: &JobRow) -> JobOutcome {
        match super::mirror::run(state, self.product_id).await {
            Ok(outcome) => outcome,
            Err(e) => JobOutcome::Retry(format!("database error: {e}")),
        }
    }
}

/// Syncs one product because its producer's catalog said it changed (a Glue Data Catalog event):
/// unlike [`SyncProduct`], it never joins a sync that is already running (that one may have read
/// the catalog before the change) and it waits for the domain's running sync instead of skipping.
/// At most one runs and one waits per product: events that arrive meanwhile join the waiting one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncChangedProduct {
    pub domain: String,
    pub product: String,
    pub product_id: Uuid,
    /// The running sync of this product it was queued behind, if any: part of its dedupe key, so
    /// that it does not join that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Uuid>,
}

impl BackgroundJob for SyncChangedProduct {
    const KIND: &'static str = "sync_changed_product";

    fn dedupe_key(&self) -> Option<String> {
        let key = format!("changed:{}/{}", self.domain, self.product);
        Some(match self.after {
            Some(running) => format!("{key}:after:{running}"),
            None => key,
        })
    }

    fn concurrency_key(&self) -> Option<String> {
        Some(format!("changed:{}/{}", self.domain, self.product))
    }

    async fn run(self, state: &AppState, job: &JobRow) -> JobOutcome {
        run_when(state, job, Some(self.product_id), service::WhenBusy::Wait).await
    }
}

async fn run(state: &AppState, job: &JobRow, only: Option<Uuid>) -> JobOutcome {
    run_when(state, job, only, service::WhenBusy::Skip).await
}

async fn run_when(state: &AppState, job: &JobRow, only: Option<Uuid>, when_busy: service::WhenBusy) -> JobOutcome {
    let Some(domain_id) = job.domain_id else { return JobOutcome::Fatal("the job names no domain".into()) };
    match service::sync(state, domain_id, only, &job.created_by, when_busy).await {
        Ok(outcome) => outcome,
        Err(e) => JobOutcome::Retry(format!("database error: {e}")),
    }
}

/// Queues a sync of every domain whose last sync is older than the sync interval (when one is set).
pub const SCHEDULED_SYNCS: Duty = Duty { name: "catalog_sync", run: scheduled };

fn scheduled(state: &AppState) -> BoxFuture<'_, sqlx::Result<usize>> {
    Box::pin(async move {
        match state.config.sync.interval {
            Some(interval) => enqueue_due(state, interval).await,
            None => Ok(0),
        }
    })
}

/// Enqueues a sync for every domain whose last sync is older than `interval`; returns how many.
/// One replica at a time, under an advisory lock.
pub async fn enqueue_due(state: &AppState, interval: std::time::Duration) -> sqlx::Result<usize> {
    let mut tx = state.db.begin().await?;
    if !store::try_lock_schedule(&mut tx).await? {
        return Ok(0);
    }
    let due = store::domains_due(&mut tx, interval).await?;
    let by = Actor::system("scheduler").sub;
    for domain in &due {
        SyncDomain { domain: domain.slug.clone() }.enqueue(&mut tx, Some(domain.id), &by).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}
