//! The audit trail: one append-only, hash-chained event per state change, written in the same
//! transaction as the change. See `migrations/0002_audit.sql` for what the database enforces.

pub mod api;
pub mod chain;
pub mod model;
pub mod store;

pub use model::{Actor, NewEvent};
pub use store::append;
