//! The event feed: every state change as a CloudEvent, read from the audit trail (so it can never
//! disagree with it) and filtered by what the reader may see. Webhooks push the same events, with
//! the same entitlement rule (`store::visible`), to receivers.

pub mod api;
pub mod model;
pub mod service;
pub mod store;

pub use model::CloudEvent;
pub use store::Audience;
