//! Domains: the business units of the mesh, each with one AWS account. Onboarding (create, change,
//! delete) is for admins; every authenticated caller may read domains, but the external id that
//! guards the sync role is shown only to admins and the domain's producers.

pub mod api;
pub mod model;
pub mod service;
pub mod store;
