//! The audit trail: one append-only, hash-chained event per state change, written in the same
//! transaction as the change. See `migrations/0002_audit.sql` for what the database enforces.
//!
//! Appending takes the chain's lock, which serializes every writer until the transaction ends, so
//! a decision's events are appended last, right before its commit: [`commit`] is the way to write
//! them.

pub mod api;
pub mod chain;
pub mod model;
pub mod service;
pub mod store;
pub mod target;

pub use model::{Actor, NewEvent};
pub use store::append;

use sqlx::{Postgres, Transaction};

use model::AuditEvent;

/// Appends `events` to the chain, last, and commits the decision they record with them.
pub async fn commit(mut tx: Transaction<'_, Postgres>, events: impl IntoIterator<Item = NewEvent>) -> sqlx::Result<Vec<AuditEvent>> {
    let mut recorded = Vec::new();
    for event in events {
        recorded.push(store::append(&mut tx, event).await?);
    }
    tx.commit().await?;
    Ok(recorded)
}
