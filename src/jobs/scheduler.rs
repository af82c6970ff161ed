//! Periodic work: each replica ticks with jitter and runs the registered duties (catalog syncs when
//! a sync interval is set, drift reconciles when one is set, subscription expiry always). Each duty
//! takes its own transaction-scoped advisory lock so one replica acts per tick, and the jobs'
//! dedupe keys keep work from queueing twice.

use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;

use crate::AppState;

/// Longest time between two ticks: how late an expiry may be revoked at most.
const MAX_TICK: Duration = Duration::from_secs(30);

pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        // Tick at a tenth of the sync interval (at most MAX_TICK) so a new replica or a long
        // outage catches up soon, with jitter so replicas do not tick together.
        let tick = state.config.sync.interval.map_or(MAX_TICK, |i| (i / 10).min(MAX_TICK));
        let jitter = rand::rng().random_range(0.8..1.2);
        tokio::select! {
            _ = tokio::time::sleep(tick.mul_f64(jitter)) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        run_duties(&state).await;
    }
}

/// One tick: every duty once, in order; a failing duty does not keep the others from running.
pub async fn run_duties(state: &AppState) {
    for duty in state.jobs.duties() {
        match (duty.run)(state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(duty = duty.name, count = n, "scheduled work"),
            Err(e) => tracing::warn!(duty = duty.name, error = %e, "scheduler duty failed"),
        }
    }
}
