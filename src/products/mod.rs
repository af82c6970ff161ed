//! Data products: owned by one domain, backed by tables in that domain's Glue catalog, moving
//! through draft → published → deprecated → retired. Producers of the owning domain (and admins)
//! write them; everyone authenticated reads what is not a draft; drafts are visible only to the
//! owning domain's producers, stewards and admins, and to anyone else they do not exist (404).

pub mod api;
pub mod model;
pub mod service;
pub mod store;
