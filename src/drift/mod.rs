//! Drift: whether Lake Formation holds what the desired grants say, and its repair.

pub mod api;
pub mod compare;
pub mod model;
pub mod service;
pub mod store;
