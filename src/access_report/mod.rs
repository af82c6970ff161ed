//! Who can read a domain's data: the access report (`GET /domains/{domain}/access-report`, and per
//! product), for the domain's approvers, stewards and admins, as JSON or CSV.

pub mod api;
pub mod model;
mod store;
