//! Reviews as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::subscriptions::model::Scope;
use crate::usage::model::Usage;

/// Where a subscription's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Not due yet.
    Upcoming,
    /// Due within 14 days (or its whole period, when shorter): confirm or revoke.
    Due,
    /// Past its date: the subscription ends at `ends_at` unless confirmed.
    Overdue,
}

/// A live subscription's review: what it grants, who approved it and when, how it is used.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Review {
    /// The subscription (a review's id is its subscription's).
    pub subscription: Uuid,
    pub domain: String,
    pub product: String,
    pub consumer_domain: String,
    pub principal: String,
    #[sqlx(json)]
    pub scope: Scope,
    #[schema(value_type = Vec<crate::grants::model::Permission>)]
    pub permissions: Vec<String>,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
    /// Days since approval.
    pub age_days: i32,
    /// The last confirmation; null: never confirmed since approval.
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    /// When it must be confirmed by; null when the domain does not review access.
    pub due_at: Option<DateTime<Utc>>,
    /// Null when the domain does not review access.
    pub state: Option<ReviewState>,
    /// When the subscription ends unless confirmed (`due_at` plus the grace period).
    pub ends_at: Option<DateTime<Utc>>,
    #[sqlx(json)]
    pub usage: Usage,
    /// Unused for the domain's `unused_after_days` (counted from approval until a first use).
    pub unused: bool,
}

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewFilter {
    Due,
    Overdue,
    Unused,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// Only the subscriptions to this domain's products.
    #[param(max_length = 63)]
    pub domain: Option<String>,
    /// `due`, `overdue` or `unused`; absent: every review due or overdue, and every unused
    /// subscription.
    #[param(inline)]
    pub state: Option<ReviewFilter>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Confirms that a subscription's access is still needed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    #[serde(default)]
    #[schema(max_length = 4096)]
    pub comment: Option<String>,
}

/// Ends a subscription from its review; the comment is required (the consumer reads it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRevocation {
    /// Required; read as optional so that its absence is the field error `comment: required`.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4096, example = "The campaign ended: no longer needed.")]
    pub comment: Option<String>,
}
