use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::http::auth::Caller;

/// Who caused an event: a caller's subject and roles, or the service itself.
#[derive(Debug, Clone)]
pub struct Actor {
    pub sub: String,
    pub roles: Vec<String>,
}

impl Actor {
    /// meshgov itself, doing `part`'s work: `system:grants`, `system:scheduler`…
    pub fn system(part: &str) -> Actor {
        Actor { sub: format!("system:{part}"), roles: Vec::new() }
    }
}

impl From<&Caller> for Actor {
    fn from(caller: &Caller) -> Actor {
        Actor { sub: caller.sub.clone(), roles: caller.role_names() }
    }
}

/// An event about to be appended.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor: Actor,
    /// `<concept>.<verb>`, e.g. `product.published`, `lakeformation.batch_grant`.
    pub action: String,
    /// What the event is about, e.g. `domain:sales`, `product:sales/orders`.
    pub target: String,
    pub details: Value,
}

impl NewEvent {
    pub fn new(actor: impl Into<Actor>, action: &str, target: impl Into<String>, details: Value) -> NewEvent {
        NewEvent { actor: actor.into(), action: action.to_string(), target: target.into(), details }
    }
}

/// A recorded audit event.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct AuditEvent {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_sub: String,
    pub actor_roles: Vec<String>,
    pub action: String,
    pub target: String,
    pub request_id: String,
    #[schema(value_type = Object)]
    pub details: Value,
    /// Hash of the previous event (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over this event's canonical content and `prev_hash`.
    pub hash: String,
}

/// The result of walking the chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifyReport {
    /// True when every event's hash matches its content and links to its predecessor.
    pub ok: bool,
    pub events_checked: i64,
    /// Hash of the last event checked: publish it elsewhere to anchor the chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad: Option<BadEvent>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BadEvent {
    pub seq: i64,
    /// `hash_mismatch`, `broken_link` or `missing_event`.
    pub problem: String,
    pub detail: String,
}
