use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::audit::model::AuditEvent;

/// Audit actions that never become events: how a row filter is carried out in Lake Formation is an
/// internal step of a grant or revoke, which has its own event (`io.meshgov.grant.applied`,
/// `io.meshgov.grant.revoked`), and so are the consumer-side calls of consumer access, whose
/// outcome is its own event (`io.meshgov.consumer.access_ready`, `…access_removed`,
/// `…access_failed`, `…access_left`). Every other audit action is a state change worth announcing,
/// including actions added later, which is why this is a list of exclusions.
pub const INTERNAL_ACTIONS: &[&str] = &[
    "lakeformation.create_data_cells_filter",
    "lakeformation.delete_data_cells_filter",
    "ram.invitation_accepted",
    "glue.resource_link_created",
    "glue.resource_link_deleted",
    "lakeformation.grant",
    "lakeformation.revoke",
];

const TYPE_PREFIX: &str = "io.meshgov.";

/// Audit actions whose event type reads better under another name: consumers care that access was
/// granted or revoked, not which Lake Formation call did it.
const RENAMED: &[(&str, &str)] =
    &[("lakeformation.batch_grant", "grant.applied"), ("lakeformation.batch_revoke", "grant.revoked")];

/// The CloudEvent type of an audit action: `io.meshgov.<action>`, with the renames above.
pub fn event_type(action: &str) -> String {
    let name = RENAMED.iter().find(|(a, _)| *a == action).map_or(action, |(_, n)| n);
    format!("{TYPE_PREFIX}{name}")
}

/// The audit action behind a CloudEvent type, or `None` when the type is not one of ours.
pub fn action_of(event_type: &str) -> Option<String> {
    let name = event_type.strip_prefix(TYPE_PREFIX)?;
    let action = RENAMED.iter().find(|(_, n)| *n == name).map_or(name, |(a, _)| a);
    let well_formed = action.split('.').count() >= 2
        && action.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    // A renamed action's own name (io.meshgov.lakeformation.batch_grant) is not a type: it would
    // name the same events twice.
    let renamed_away = RENAMED.iter().any(|(a, _)| *a == name);
    (well_formed && !renamed_away).then(|| action.to_string())
}

/// A state change, as a CloudEvent 1.0 in JSON structured mode.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CloudEvent {
    /// Always `1.0`.
    pub specversion: String,
    /// Unique per source: the audit event's `seq`, as a string.
    pub id: String,
    /// meshgov's identity (`MESHGOV_EVENT_SOURCE`, default `urn:meshgov`).
    pub source: String,
    /// `io.meshgov.<audit action>`, e.g. `io.meshgov.subscription.approved`; Lake Formation grants
    /// and revokes are `io.meshgov.grant.applied` and `io.meshgov.grant.revoked`.
    #[serde(rename = "type")]
    pub type_: String,
    /// What changed: the audit target, e.g. `product:sales/orders`, `subscription:<id>`.
    pub subject: String,
    /// When it changed (RFC 3339).
    pub time: DateTime<Utc>,
    /// Always `application/json`.
    pub datacontenttype: String,
    /// Extension attribute: position in the audit trail; resume the feed after it.
    pub seq: i64,
    pub data: EventData,
}

/// The audit event's content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventData {
    pub actor: EventActor,
    pub target: String,
    pub request_id: String,
    #[schema(value_type = Object)]
    pub details: Value,
}

/// Who caused the change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventActor {
    pub sub: String,
    pub roles: Vec<String>,
}

impl CloudEvent {
    pub fn from_audit(e: AuditEvent, source: &str) -> CloudEvent {
        CloudEvent {
            specversion: "1.0".into(),
            id: e.seq.to_string(),
            source: source.to_string(),
            type_: event_type(&e.action),
            subject: e.target.clone(),
            time: e.at,
            datacontenttype: "application/json".into(),
            seq: e.seq,
            data: EventData {
                actor: EventActor { sub: e.actor_sub, roles: e.actor_roles },
                target: e.target,
                request_id: e.request_id,
                details: e.details,
            },
        }
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// The events the caller may see, in audit order.
    pub events: Vec<CloudEvent>,
    /// The highest audit seq examined: pass it as `after` to continue. It moves on even when the
    /// examined events were not for the caller.
    pub next_after: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only events after this seq (exclusive; default 0, the beginning).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Most events to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_actions_round_trip() {
        assert_eq!(event_type("lakeformation.batch_grant"), "io.meshgov.grant.applied");
        assert_eq!(event_type("lakeformation.batch_revoke"), "io.meshgov.grant.revoked");
        assert_eq!(event_type("subscription.approved"), "io.meshgov.subscription.approved");
        for action in ["lakeformation.batch_grant", "drift.found", "product.schema_changed"] {
            assert_eq!(action_of(&event_type(action)).as_deref(), Some(action));
        }
        assert_eq!(action_of("io.meshgov.lakeformation.batch_grant"), None);
        assert_eq!(action_of("com.example.thing"), None);
        assert_eq!(action_of("io.meshgov.product"), None);
        assert_eq!(action_of("io.meshgov.Product.created"), None);
        assert_eq!(action_of("io.meshgov.product..created"), None);
    }
}
