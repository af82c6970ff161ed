//! Wakes idle workers when work arrives. Every insert into `jobs` notifies the channel
//! [`CHANNEL`] (a trigger, migration 0011), delivered when the enqueuing transaction commits;
//! each replica listens on one connection of its own and wakes its idle worker loops. The loops
//! still poll (`MESHGOV_JOB_POLL`) for jobs that come due later and for a notification lost while
//! the listener was away: after every (re)connection it wakes them all once.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::{Notify, watch};

/// The channel job inserts notify.
pub const CHANNEL: &str = "meshgov_jobs";

/// Listens until `shutdown`, waking `wake`'s waiters on each notification; reconnects by itself
/// (a database restart, a failover), backing off while the database is away.
pub async fn listen(db: PgPool, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(250);
    while !*shutdown.borrow() {
        match subscribe(&db).await {
            Ok(mut listener) => {
                backoff = Duration::from_millis(250);
                // Whatever was enqueued while no one listened.
                wake.notify_waiters();
                loop {
                    tokio::select! {
                        received = listener.try_recv() => match received {
                            // A notification; or (None) the connection was lost and is made
                            // again, and what was sent meanwhile is gone: look either way.
                            Ok(_) => wake.notify_waiters(),
                            Err(e) => {
                                tracing::warn!(error = %e, "job notifications: listener lost, reconnecting");
                                break;
                            }
                        },
                        _ = shutdown.changed() => return,
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "job notifications: cannot listen yet"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// A listener on a connection of its own, outside `db`'s pool (a listener keeps its connection for
/// good: taken from the pool, it would be one less for requests and jobs).
async fn subscribe(db: &PgPool) -> sqlx::Result<PgListener> {
    let own = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with((*db.connect_options()).clone())
        .await?;
    let mut listener = PgListener::connect_with(&own).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
