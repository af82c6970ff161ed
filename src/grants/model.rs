//! What the API shows of a grant, and the states a grant goes through.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// One Lake Formation permission a subscription needs, and where applying it stands.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Grant {
    pub id: Uuid,
    /// `database`, `table`, `table_with_columns` or `data_cells_filter`.
    pub resource_type: String,
    /// The Lake Formation `Resource`.
    #[schema(value_type = Object)]
    pub resource: Value,
    pub permissions: Vec<String>,
    /// `pending`, `granted`, `grant_failed`, `revoking`, `revoked` or `revoke_failed`.
    pub state: String,
    /// Lake Formation calls made for it.
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Not revoked in Lake Formation because this live subscription still needs it.
    pub kept_for: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}
