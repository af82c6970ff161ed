//! The HTTP layer: problem errors, authentication, extractors, pagination, the OpenAPI document's
//! shared parts, and the operational endpoints. The router that mounts every concept's routes is
//! assembled in `crate::routes`.

pub mod auth;
pub mod extract;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod problem;
pub mod request_id;
pub mod response;
