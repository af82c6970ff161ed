//! Producer catalog sync: meshgov assumes a role into each producer account, reads the Glue
//! catalog behind each product, and records schema changes with their consequences.

pub mod api;
pub mod consequences;
pub mod diff;
pub mod glue;
pub mod jobs;
pub mod mirror;
pub mod readiness;
pub mod service;
pub mod store;
