use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::http::auth::{Caller, Role};

/// Registers a webhook.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where events are POSTed: `https://…` (plain `http://` only where the operator allows it),
    /// without credentials or fragment, at most 2,048 characters.
    #[schema(max_length = 2048, format = "uri", pattern = "^https?://[A-Za-z0-9.:\\[\\]-]+([/?][A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$", example = "https://hooks.example.com/meshgov")]
    pub url: String,
    /// Only these CloudEvent types (e.g. `io.meshgov.subscription.approved`); omit for all.
    #[schema(min_items = 1, max_items = 50)]
    pub types: Option<Vec<String>>,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub types: Option<Vec<String>>,
    pub secret: String,
    pub owner_sub: String,
    pub owner_roles: Vec<String>,
    pub owner_domains: Vec<String>,
    pub status: String,
    pub disabled_reason: Option<String>,
    pub cursor_seq: i64,
    pub consecutive_failures: i32,
    pub failing_since: Option<DateTime<Utc>>,
    pub retry_after: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WebhookRow {
    /// The registrant as they were at registration: the webhook sees what they could see then.
    pub fn registrant(&self) -> Caller {
        Caller {
            sub: self.owner_sub.clone(),
            roles: self.owner_roles.iter().filter_map(|r| Role::parse(r)).collect(),
            domains: self.owner_domains.iter().cloned().collect::<BTreeSet<_>>(),
        }
    }
}

/// Whether a webhook receives events (the `webhooks.status` column).
///
/// Only named in the OpenAPI document: the field holds the column's text, which a CHECK
/// constraint keeps to these values (tests/openapi.rs compares the two).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum WebhookStatus {
    Active,
    Disabled,
}

/// A webhook: where events go, which ones, and for whom.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// The CloudEvent types it receives; absent: all the registrant may see.
    pub types: Option<Vec<String>>,
    /// `disabled`: the receiver answered 410 Gone; see `disabled_reason`.
    #[schema(value_type = WebhookStatus)]
    pub status: String,
    pub disabled_reason: Option<String>,
    /// The registrant: the webhook receives the events they could read when registering it.
    pub owner: String,
    pub owner_roles: Vec<String>,
    pub owner_domains: Vec<String>,
    /// The newest audit seq already turned into deliveries (or found not to be for this webhook).
    pub last_seq: i64,
    /// Since when every attempt to the receiver has failed; null while it answers.
    pub failing_since: Option<DateTime<Utc>>,
    /// While the receiver keeps failing, none of its deliveries is tried before this time (its
    /// backoff grows with each failed attempt, up to 5 minutes); null while it answers.
    pub retry_after: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The signing secret (`whsec_…`): only in the answer to the create. Keep it; it is never
    /// shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub secret: Option<String>,
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Webhook {
        Webhook {
            id: r.id,
            url: r.url,
            description: r.description,
            types: r.types,
            status: r.status,
            disabled_reason: r.disabled_reason,
            owner: r.owner_sub,
            owner_roles: r.owner_roles,
            owner_domains: r.owner_domains,
            last_seq: r.cursor_seq,
            failing_since: r.failing_since,
            retry_after: r.retry_after,
            created_at: r.created_at,
            updated_at: r.updated_at,
            secret: None,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Queued or being retried.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Dead letter: every attempt failed (or the receiver answered 410 Gone).
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub webhook_id: Uuid,
    pub seq: i64,
    pub action: String,
    pub target: String,
    pub state: String,
    pub attempts: i32,
    pub last_status: Option<i16>,
    pub last_error: Option<String>,
    pub job_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One event sent (or to be sent) to one webhook.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    pub webhook_id: Uuid,
    /// The event's seq (its CloudEvent `id` and `webhook-id` header).
    pub seq: i64,
    /// The CloudEvent type.
    #[serde(rename = "type")]
    pub type_: String,
    pub subject: String,
    pub state: DeliveryState,
    pub attempts: i32,
    /// The receiver's last HTTP status; absent when it did not answer.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    /// The job delivering it (`GET /jobs/{id}`, admins and stewards).
    pub job_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Delivery {
        Delivery {
            webhook_id: r.webhook_id,
            seq: r.seq,
            type_: crate::events::model::event_type(&r.action),
            subject: r.target,
            state: match r.state.as_str() {
                "delivered" => DeliveryState::Delivered,
                "dead" => DeliveryState::Dead,
                _ => DeliveryState::Pending,
            },
            attempts: r.attempts,
            last_status: r.last_status.map(i32::from),
            last_error: r.last_error,
            job_id: r.job_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            delivered_at: r.delivered_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state (`dead`: the dead letters).
    pub state: Option<DeliveryState>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The `deliver_webhook` job: one event to one receiver (run by `deliver`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryJob {
    pub webhook_id: Uuid,
    pub seq: i64,
    /// `MESHGOV_WEBHOOK_MAX_ATTEMPTS` when queued; stored with the job row, not in its payload.
    #[serde(skip)]
    pub max_attempts: i32,
}
