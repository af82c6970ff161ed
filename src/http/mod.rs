//! The HTTP layer: problem errors, authentication, extractors, pagination, the OpenAPI document's
//! shared parts, the operational endpoints, and the conventions every request goes through (CORS,
//! rate limits, conditional GET). The router that mounts every concept's routes is
//! assembled in `crate::routes`.

pub mod auth;
pub mod conditional;
pub mod cors;
pub mod extract;
pub mod in_flight;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod patch;
pub mod problem;
pub mod rate_limit;
pub mod request_id;
pub mod response;
