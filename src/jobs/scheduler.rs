//! Periodic work: every domain with a sync role is synced on a schedule (when one is set), drift is
//! checked and repaired on a schedule (when one is set), and subscriptions past their expiry are
//! expired (always). Each replica ticks with jitter; a
//! transaction-scoped advisory lock lets one replica act per tick, and the jobs' dedupe keys keep
//! a domain from queueing twice.

use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;

use crate::AppState;

const SCHEDULER_LOCK: i64 = 0x6d65_7368_7363_6864; // "meshschd"

/// Longest time between two ticks: how late an expiry may be revoked at most.
const MAX_TICK: Duration = Duration::from_secs(30);

pub async fn run(state: AppState, sync_interval: Option<Duration>, mut shutdown: watch::Receiver<bool>) {
    loop {
        // Tick at a tenth of the sync interval (at most MAX_TICK) so a new replica or a long
        // outage catches up soon, with jitter so replicas do not tick together.
        let tick = sync_interval.map_or(MAX_TICK, |i| (i / 10).min(MAX_TICK));
        let jitter = rand::rng().random_range(0.8..1.2);
        tokio::select! {
            _ = tokio::time::sleep(tick.mul_f64(jitter)) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        if let Some(interval) = sync_interval {
            match enqueue_due_syncs(&state, interval).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(domains = n, "scheduled catalog syncs"),
                Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
            }
        }
        if let Some(interval) = state.config.reconcile.interval {
            match crate::drift::service::enqueue_if_due(&state, interval).await {
                Ok(true) => tracing::info!("scheduled a reconcile"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "reconcile tick failed"),
            }
        }
        match enqueue_due_expiries(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(subscriptions = n, "expired subscriptions"),
            Err(e) => tracing::warn!(error = %e, "expiry tick failed"),
        }
    }
}

/// Enqueues a sync for every domain whose last sync is older than `interval`; returns how many.
pub async fn enqueue_due_syncs(state: &AppState, interval: Duration) -> sqlx::Result<usize> {
    let mut tx = state.db.begin().await?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(SCHEDULER_LOCK).fetch_one(&mut *tx).await?;
    if !got {
        return Ok(0);
    }
    let due = crate::catalog_sync::store::domains_due(&mut tx, interval).await?;
    let mut queued = 0;
    for domain in &due {
        let job = crate::catalog_sync::service::domain_sync_job(domain.id, &domain.slug, "system:scheduler");
        super::store::enqueue(&mut tx, &job).await?;
        queued += 1;
    }
    tx.commit().await?;
    Ok(queued)
}

const EXPIRY_LOCK: i64 = 0x6d65_7368_6578_7072; // "meshexpr"

/// Expires approved subscriptions whose `expires_at` has passed (their grants are revoked by the
/// jobs this queues); returns how many. One replica at a time, under an advisory lock.
pub async fn enqueue_due_expiries(state: &AppState) -> sqlx::Result<usize> {
    let mut lock = state.db.begin().await?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(EXPIRY_LOCK).fetch_one(&mut *lock).await?;
    if !got {
        return Ok(0);
    }
    let n = crate::subscriptions::service::expire_due(&state.db).await?;
    lock.rollback().await?;
    Ok(n)
}
