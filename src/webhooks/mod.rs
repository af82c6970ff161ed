//! Webhooks: the event feed pushed to receivers. A caller registers a URL (and optionally the
//! event types it wants); from then on it receives, signed by the Standard Webhooks scheme, every
//! event its registrant could read in the feed, delivered through the durable job queue with
//! retries and a visible dead-letter state.

pub mod api;
pub mod deliver;
pub mod egress;
pub mod model;
pub mod service;
pub mod signature;
pub mod store;
