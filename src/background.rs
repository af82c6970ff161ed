//! What meshgov does in the background, registered in one place: every job kind the worker runs,
//! and the duties the scheduler runs on each tick. Job types live with the concept that runs them;
//! callers enqueue the type (`ApplyGrants { .. }.enqueue(tx, ..)`), never call another service.
//! And `meshgov work`: the same background work without a long-lived process.

use std::time::Duration;

use tokio::time::Instant;

use crate::AppState;
use crate::jobs::Registry;
use crate::{catalog_sync, drift, grants, reviews, subscriptions, usage, webhooks};

pub fn registry() -> Registry {
    Registry::default()
        .job::<catalog_sync::jobs::SyncDomain>()
        .job::<catalog_sync::jobs::SyncProduct>()
        .job::<catalog_sync::jobs::SyncChangedProduct>()
        .job::<catalog_sync::jobs::MirrorProduct>()
        .job::<grants::jobs::ApplyGrants>()
        .job::<grants::jobs::RevokeGrants>()
        .job::<drift::jobs::Reconcile>()
        .job::<drift::jobs::RegrantMissing>()
        .job::<drift::jobs::RevokeUnexpected>()
        .job::<webhooks::model::DeliveryJob>()
        .duty(catalog_sync::jobs::SCHEDULED_SYNCS)
        .duty(drift::jobs::SCHEDULED_RECONCILE)
        .duty(subscriptions::expiry::EXPIRY)
        .duty(usage::service::PRUNE)
        .duty(reviews::service::REVIEWS)
}

/// What one run of [`work_for`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkDone {
    /// Jobs claimed and run to an outcome (success, retry later, or failed).
    pub jobs: usize,
    /// Webhook deliveries the fan-out queued.
    pub deliveries_queued: usize,
    /// True when the budget ran out before the queue was found empty: the next run continues.
    pub budget_spent: bool,
}

/// `meshgov work`: the background duties without a long-lived process, for a Lambda function a
/// schedule invokes every minute, or a cron job. One run does what `serve`'s loops do, once: the
/// AWS events on the queue (catalog changes, data accesses), the scheduler's periodic duties, the webhook fan-out, then due jobs until none is left or the time
/// budget is spent, and returns. Runs may overlap (a slow run, two schedules, `serve` replicas
/// beside them): jobs are claimed with SKIP LOCKED and leased, duties take their advisory locks.
///
/// No job is claimed after `budget`; a job claimed before it is finished (give the invocation a
/// timeout above the budget plus the longest job). `MESHGOV_WORKER_CONCURRENCY` jobs run at once,
/// at most half the pool's connections.
pub async fn work_for(state: &AppState, budget: Duration) -> sqlx::Result<WorkDone> {
    let deadline = Instant::now() + budget;
    // AWS events first: the syncs producers' catalog changes queue run in this same run.
    if let Some(queue) = &state.config.aws.catalog_events_queue_url {
        match crate::intake::queue::drain(state, queue, budget).await {
            Ok(got) if got.messages > 0 => {
                tracing::info!(messages = got.messages, syncs = got.syncs, uses = got.uses, refused = got.refused, "AWS events taken")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "AWS events queue unavailable"),
        }
    }
    crate::jobs::scheduler::run_duties(state).await;
    let deliveries_queued = crate::webhooks::service::fan_out(state).await?;
    let mut loops = tokio::task::JoinSet::new();
    // A job may hold two connections at once (its own and its lease's heartbeat, or a lock and
    // its work): more loops than half the pool would wait for connections (until the pool's
    // acquire timeout) instead of working. A small Lambda pool runs fewer loops.
    let concurrency = state.config.sync.worker_concurrency.min((state.db.options().get_max_connections() as usize / 2).max(1));
    for _ in 0..concurrency.max(1) {
        let state = state.clone();
        loops.spawn(async move {
            let mut ran = 0;
            while Instant::now() < deadline {
                if !crate::jobs::worker::run_next(&state).await? {
                    return Ok::<_, sqlx::Error>((ran, false));
                }
                ran += 1;
            }
            Ok((ran, true))
        });
    }
    let (mut jobs, mut budget_spent) = (0, false);
    while let Some(done) = loops.join_next().await {
        let (ran, spent) = done.expect("a work loop panicked")?;
        jobs += ran;
        budget_spent |= spent;
    }
    Ok(WorkDone { jobs, deliveries_queued, budget_spent })
}
