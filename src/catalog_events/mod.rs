//! Producer changes within seconds: the Glue Data Catalog events of producers' accounts
//! (forwarded by an EventBridge rule in each producer account to the governance account's bus,
//! whose rule puts them on an SQS queue) become syncs of just the products whose tables changed.
//! Events are best effort (EventBridge may drop, repeat or reorder them); the scheduled sync
//! stays as the backstop, and a sync reads the catalog as it is, so order and repeats do not
//! matter.

pub mod model;
pub mod service;
mod store;
