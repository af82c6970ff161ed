//! Expiry: approved subscriptions past their `expires_at` end `expired`, and their grants are
//! revoked by the jobs this queues — a duty of the scheduler on every tick.

use sqlx::PgPool;

use super::model::SubscriptionStatus;
use super::service::end_approved;
use super::store;
use crate::AppState;
use crate::audit::{self, Actor};
use crate::jobs::{BoxFuture, Duty};

pub const EXPIRY: Duty = Duty { name: "expiry", run: scheduled };

fn scheduled(state: &AppState) -> BoxFuture<'_, sqlx::Result<usize>> {
    Box::pin(expire_due(state))
}

/// Expires approved subscriptions whose `expires_at` has passed; returns how many. One replica at
/// a time, under an advisory lock.
pub async fn expire_due(state: &AppState) -> sqlx::Result<usize> {
    let mut lock = state.db.begin().await?;
    if !store::try_lock_expiry(&mut lock).await? {
        return Ok(0);
    }
    let n = expire(&state.db).await?;
    lock.rollback().await?;
    Ok(n)
}

/// Expires approved subscriptions whose time is up; returns how many.
async fn expire(db: &PgPool) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    let due = store::due_for_expiry(&mut tx, 500).await?;
    let actor = Actor::system("expiry");
    let mut events = Vec::new();
    for id in &due {
        let row = store::find(&mut *tx, *id, false).await?.ok_or(sqlx::Error::RowNotFound)?;
        let product = store::product_by_id(&mut *tx, row.product_id).await?;
        events.push(end_approved(&mut tx, &row, &product, SubscriptionStatus::Expired, &actor, Some("expired")).await?);
    }
    audit::commit(tx, events).await?;
    Ok(due.len())
}
