//! The worker: claims jobs and runs them. Several loops per replica, any number of replicas; the
//! queue's SKIP LOCKED claim and leases make that safe.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Notify, watch};

use super::Lane;
use super::model::{JobOutcome, JobRow};
use super::store;
use crate::AppState;

/// Runs `concurrency` provisioning worker loops and `MESHGOV_WEBHOOK_WORKERS` delivery loops
/// until `shutdown` turns true; a job in progress is finished. An idle loop sleeps until a job is
/// enqueued (the listener of [`super::wake`] wakes it) or `MESHGOV_JOB_POLL` has passed.
///
/// A claimed job's lease is renewed every third of the lease while it runs; a job whose lease ran
/// out (its worker died: crash, kill -9, lost host) is claimed again by any replica.
pub async fn run(state: AppState, concurrency: usize, shutdown: watch::Receiver<bool>) {
    let wake = Arc::new(Notify::new());
    let mut loops = tokio::task::JoinSet::new();
    loops.spawn(super::wake::listen(state.db.clone(), wake.clone(), shutdown.clone()));
    let poll = state.config.sync.job_poll;
    let lanes = std::iter::repeat_n(Lane::Provisioning, concurrency)
        .chain(std::iter::repeat_n(Lane::Delivery, state.config.events.webhook_workers));
    for lane in lanes {
        let state = state.clone();
        let wake = wake.clone();
        let mut shutdown = shutdown.clone();
        loops.spawn(async move {
            while !*shutdown.borrow() {
                // Registered before looking, so a job enqueued while this loop claims (and finds
                // nothing yet) still wakes it.
                let woken = wake.notified();
                tokio::pin!(woken);
                woken.as_mut().enable();
                match run_next_in(&state, lane).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "job queue unavailable"),
                }
                tokio::select! {
                    _ = woken => {}
                    _ = tokio::time::sleep(poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        });
    }
    while loops.join_next().await.is_some() {}
}

/// Runs runnable jobs one after another until none is due; returns how many ran. For tests, the
/// demo and one-off tools.
pub async fn run_until_idle(state: &AppState) -> sqlx::Result<usize> {
    let mut ran = 0;
    while run_next(state).await? {
        ran += 1;
    }
    Ok(ran)
}

/// Claims and runs one job of any kind; false when none was due.
pub async fn run_next(state: &AppState) -> sqlx::Result<bool> {
    run_claimed(state, store::claim(&state.db, state.config.sync.job_lease).await?).await
}

/// Claims and runs one job of `lane`; false when none was due.
pub async fn run_next_in(state: &AppState, lane: Lane) -> sqlx::Result<bool> {
    let claimed = store::claim_of(&state.db, state.config.sync.job_lease, state.jobs.kinds(lane)).await?;
    run_claimed(state, claimed).await
}

async fn run_claimed(state: &AppState, job: Option<JobRow>) -> sqlx::Result<bool> {
    let lease = state.config.sync.job_lease;
    let Some(job) = job else { return Ok(false) };
    let heartbeat = {
        let (db, id) = (state.db.clone(), job.id);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                if let Err(e) = store::renew_lease(&db, id, lease).await {
                    tracing::warn!(job_id = %id, error = %e, "could not renew the job's lease");
                }
            }
        })
    };
    let outcome = execute(state, &job).await;
    heartbeat.abort();
    record(state, &job, outcome).await?;
    Ok(true)
}

async fn execute(state: &AppState, job: &JobRow) -> JobOutcome {
    tracing::info!(job_id = %job.id, kind = %job.kind, attempt = job.attempts, "job started");
    state.jobs.run(state, job).await
}

async fn record(state: &AppState, job: &JobRow, outcome: JobOutcome) -> sqlx::Result<()> {
    match outcome {
        JobOutcome::Done(result) => {
            tracing::info!(job_id = %job.id, kind = %job.kind, "job succeeded");
            store::succeed(&state.db, job.id, &result).await
        }
        JobOutcome::Retry(error) if job.attempts < job.max_attempts => {
            let delay = backoff(job.attempts);
            tracing::warn!(job_id = %job.id, kind = %job.kind, %error, retry_in_ms = delay.as_millis() as u64, "job attempt failed");
            store::fail(&state.db, job.id, &error, Some(delay)).await
        }
        JobOutcome::Defer(delay, why) => {
            tracing::debug!(job_id = %job.id, kind = %job.kind, %why, defer_ms = delay.as_millis() as u64, "job deferred");
            store::defer(&state.db, job.id, delay).await
        }
        JobOutcome::Retry(error) | JobOutcome::Fatal(error) => {
            tracing::error!(job_id = %job.id, kind = %job.kind, %error, "job failed");
            store::fail(&state.db, job.id, &error, None).await
        }
    }
}

/// Exponential backoff with full jitter: about 2 s, 4 s, 8 s… up to 5 minutes, each drawn from
/// the upper half of its window so retries of many jobs spread out.
pub fn backoff(attempt: i32) -> Duration {
    let ceiling = 2u64.saturating_pow(attempt.clamp(1, 20) as u32).min(300) * 1000;
    let millis = rand::rng().random_range(ceiling / 2..=ceiling);
    Duration::from_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..30 {
            let d = backoff(attempt);
            let ceiling = 2u64.saturating_pow(attempt.min(20) as u32).min(300) * 1000;
            assert!(d.as_millis() as u64 >= ceiling / 2 && d.as_millis() as u64 <= ceiling, "{attempt}: {d:?}");
        }
        assert!(backoff(30) <= Duration::from_secs(300));
    }
}
