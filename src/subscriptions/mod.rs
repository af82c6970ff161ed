//! Subscriptions: a consumer domain's request for access to a published product, its decision,
//! and its lifecycle (revocation, expiry, retirement of the product). Approval plans the Lake
//! Formation grants (see `grants`) and queues the job that applies them, in the same transaction.

pub mod api;
pub mod expiry;
pub mod model;
pub mod rowfilter;
pub mod scope;
pub mod service;
pub mod store;
