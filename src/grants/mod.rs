//! Lake Formation grants as desired state: planned from a subscription's approved scope, stored
//! with their apply state, and applied (or revoked) by the worker through a small trait.

pub mod applier;
pub mod batch;
pub mod holder;
pub mod jobs;
pub mod lakeformation;
pub mod model;
pub mod plan;
pub mod resource;
pub mod store;
