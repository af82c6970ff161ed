//! Lake Formation grants as desired state: planned from a subscription's approved scope, stored
//! with their apply state, and applied (or revoked) by the worker through a small trait.

pub mod lakeformation;
pub mod plan;
pub mod service;
pub mod store;
