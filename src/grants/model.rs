//! What the API shows of a grant, and the states a grant goes through.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// One Lake Formation permission a subscription needs, and where applying it stands.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Grant {
    pub id: Uuid,
    #[schema(value_type = GrantResourceType)]
    pub resource_type: String,
    /// The Lake Formation `Resource`.
    #[schema(value_type = Object)]
    pub resource: Value,
    #[schema(value_type = Vec<Permission>)]
    pub permissions: Vec<String>,
    #[schema(value_type = GrantState)]
    pub state: String,
    /// Lake Formation calls made for it.
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Not revoked in Lake Formation because this live subscription still needs it.
    pub kept_for: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

/// Lake Formation permissions a subscription may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Permission {
    Select,
    /// Implied by SELECT; accepted for clarity.
    Describe,
}

/// What a grant is on (the `grants.resource_type` column).
///
/// Only named in the OpenAPI document: the field holds the column's text, which a CHECK
/// constraint keeps to these values (tests/openapi.rs compares the two).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantResourceType {
    Database,
    Table,
    TableWithColumns,
    DataCellsFilter,
}

/// Where applying one grant stands (the `grants.state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    /// To be granted (new, or after a transient failure).
    Pending,
    Granted,
    GrantFailed,
    /// To be revoked.
    Revoking,
    Revoked,
    RevokeFailed,
}

impl GrantState {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Pending => "pending",
            GrantState::Granted => "granted",
            GrantState::GrantFailed => "grant_failed",
            GrantState::Revoking => "revoking",
            GrantState::Revoked => "revoked",
            GrantState::RevokeFailed => "revoke_failed",
        }
    }

    /// The state a grant is in when meshgov makes the call that ends in this one: `pending` for a
    /// grant call's outcomes, `revoking` for a revoke call's.
    pub fn called_from(self) -> GrantState {
        match self {
            GrantState::Pending | GrantState::Granted | GrantState::GrantFailed => GrantState::Pending,
            GrantState::Revoking | GrantState::Revoked | GrantState::RevokeFailed => GrantState::Revoking,
        }
    }

    /// Failed for good: worth an event of its own.
    pub fn is_failure(self) -> bool {
        matches!(self, GrantState::GrantFailed | GrantState::RevokeFailed)
    }
}

/// Where a subscription's grants stand as a whole (the `subscriptions.provisioning` column, kept
/// by the grant applier from its grants' states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Provisioning {
    /// Not approved (yet, or ever).
    None,
    Granting,
    Granted,
    GrantFailed,
    Revoking,
    Revoked,
    RevokeFailed,
}

impl Provisioning {
    pub fn as_str(self) -> &'static str {
        match self {
            Provisioning::None => "none",
            Provisioning::Granting => "granting",
            Provisioning::Granted => "granted",
            Provisioning::GrantFailed => "grant_failed",
            Provisioning::Revoking => "revoking",
            Provisioning::Revoked => "revoked",
            Provisioning::RevokeFailed => "revoke_failed",
        }
    }
}

/// Where a subscription's consumer access stands (the `consumer_access.state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AccessState {
    /// To be set up once the grants are in place.
    Pending,
    /// Set up by meshgov (or not needed: the consumer is the account that holds the grants).
    Ready,
    /// Left to the consumer (no link role, or an account principal): `steps` say what to do.
    Manual,
    /// A step failed for good; `retry` sets it up again.
    Failed,
    /// The subscription ended: the link and DESCRIBE grant no other subscription needs go.
    Removing,
    Removed,
    RemoveFailed,
}
