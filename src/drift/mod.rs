//! Drift: whether Lake Formation holds what the desired grants say ([`check`]), and the consumer
//! accounts the access meshgov set up there ([`links`]), and its repair
//! ([`repair`], through the [`jobs`]).

pub mod api;
pub mod check;
pub mod compare;
pub mod jobs;
pub mod links;
pub mod model;
pub mod repair;
pub mod store;
