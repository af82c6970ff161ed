//! Taking a catalog event: refuse what is not one of ours, ignore partition changes, and queue a
//! sync of each product whose tables changed.

use super::model::{self, CatalogChange, Refusal};
use super::store;
use crate::AppState;
use crate::audit::model::Actor;
use crate::catalog_sync::jobs::SyncChangedProduct;
use crate::jobs::BackgroundJob;

/// What taking one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Syncs queued (or joined) for these products (`domain/product`); empty when the event
    /// concerns no product.
    Syncs(Vec<String>),
    /// Partitions only: nothing to sync.
    Ignored,
    /// Never to be taken; counted in `catalog_events_refused_total{reason}`.
    Refused(Refusal),
}

/// Takes one message body. A database error leaves the event to be delivered again.
pub async fn take(state: &AppState, body: &str) -> sqlx::Result<Taken> {
    let change = match model::parse(body) {
        Ok(change) => change,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    if !crate::domains::store::has_account(&state.db, &change.account).await? {
        return Ok(refuse(Refusal::UnknownAccount(change.account)));
    }
    if change.partitions_only() {
        metrics::counter!("catalog_events_total", "outcome" => "ignored").increment(1);
        return Ok(Taken::Ignored);
    }
    let synced = queue_syncs(state, &change).await?;
    metrics::counter!("catalog_events_total", "outcome" => "taken").increment(1);
    Ok(Taken::Syncs(synced))
}

fn refuse(refusal: Refusal) -> Taken {
    tracing::warn!(reason = refusal.reason(), error = %refusal, "catalog event refused");
    metrics::counter!("catalog_events_refused_total", "reason" => refusal.reason()).increment(1);
    Taken::Refused(refusal)
}

/// One sync per affected product, in one transaction. A sync of the product that is already
/// running may have read the catalog before this change: the new one queues behind it.
async fn queue_syncs(state: &AppState, change: &CatalogChange) -> sqlx::Result<Vec<String>> {
    let mut tx = state.db.begin().await?;
    let affected = store::affected_products(&mut *tx, &change.account, &change.database, &change.tables).await?;
    let by = Actor::system("catalog-events").sub;
    for a in &affected {
        let job = SyncChangedProduct { domain: a.domain.clone(), product: a.product.clone(), product_id: a.product_id, after: None };
        let live = job.enqueue(&mut tx, Some(a.domain_id), &by).await?;
        if live.status == "running" {
            SyncChangedProduct { after: Some(live.id), ..job }.enqueue(&mut tx, Some(a.domain_id), &by).await?;
        }
    }
    tx.commit().await?;
    Ok(affected.iter().map(|a| format!("{}/{}", a.domain, a.product)).collect())
}
