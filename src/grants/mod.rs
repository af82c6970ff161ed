//! Lake Formation grants as desired state: planned from a subscription's approved scope, stored
//! with their apply state, and applied (or revoked) by the worker through a small trait; then the
//! consumer's side of them (RAM invitation, resource link, DESCRIBE on it: [`access`]).

pub mod access;
pub mod applier;
pub mod batch;
pub mod consumer_account;
pub mod holder;
pub mod jobs;
pub mod lakeformation;
pub mod model;
pub mod plan;
pub mod resource;
pub mod store;
