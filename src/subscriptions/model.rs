use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::grants::access::{AccessRecord, SubscriptionAccess};
use crate::grants::model::{Grant, Provisioning};
use crate::health::{SubscriptionHealth, health};
use crate::usage::model::Usage;

/// Where the decision on a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Pending,
    Approved,
    Rejected,
    Cancelled,
    Revoked,
    Expired,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Pending => "pending",
            SubscriptionStatus::Approved => "approved",
            SubscriptionStatus::Rejected => "rejected",
            SubscriptionStatus::Cancelled => "cancelled",
            SubscriptionStatus::Revoked => "revoked",
            SubscriptionStatus::Expired => "expired",
        }
    }

}

/// A decision on a subscription and the status it may start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Cancel,
    Revoke,
    Expire,
}

impl Decision {
    /// The status after the decision, or `None` when it is not allowed from `from`.
    pub fn apply(self, from: SubscriptionStatus) -> Option<SubscriptionStatus> {
        use SubscriptionStatus::*;
        match (self, from) {
            (Decision::Approve, Pending) => Some(Approved),
            (Decision::Reject, Pending) => Some(Rejected),
            (Decision::Cancel, Pending) => Some(Cancelled),
            (Decision::Revoke, Approved) => Some(Revoked),
            (Decision::Expire, Approved) => Some(Expired),
            _ => None,
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
            Decision::Cancel => "cancelled",
            Decision::Revoke => "revoked",
            Decision::Expire => "expired",
        }
    }
}

/// One table of a subscription's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TableScope {
    /// A table of the product.
    #[schema(example = "orders", pattern = "^[a-z0-9_]{1,255}$")]
    pub name: String,
    /// Only these columns; absent or null: every column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_items = 1, max_items = 1000)]
    pub columns: Option<Vec<String>>,
    /// Only the rows matching this PartiQL condition (Lake Formation data cells filter), e.g.
    /// `region = 'EU' AND amount > 0`. Comparisons, AND/OR/NOT, parentheses, IN, BETWEEN,
    /// IS [NOT] NULL and LIKE over the table's columns and string or number literals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2047)]
    pub row_filter: Option<String>,
}

/// What a subscription covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Scope {
    /// The tables; null: every table of the product.
    pub tables: Option<Vec<TableScope>>,
}

// Lake Formation permissions belong with the grants; subscriptions ask for them.
pub use crate::grants::model::Permission;

/// Asks for access to a published product for one AWS principal of the consumer domain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// Slug of the product's domain.
    #[schema(pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", min_length = 2, max_length = 63, example = "sales")]
    pub domain: String,
    /// Slug of the product.
    #[schema(pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", min_length = 2, max_length = 63, example = "daily-sell-out")]
    pub product: String,
    /// Slug of the consumer domain the access is for.
    #[schema(pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", min_length = 2, max_length = 63, example = "marketing")]
    pub consumer_domain: String,
    /// An IAM role ARN in the consumer domain's AWS account, or that account's id.
    #[schema(
        example = "arn:aws:iam::444455556666:role/analytics",
        pattern = "^([0-9]{12}|arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-])$",
        max_length = 600
    )]
    pub principal: String,
    /// The tables (with optional columns and row filter each); absent or null: every table.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 1000)]
    pub tables: Option<Vec<TableScope>>,
    /// Defaults to `["SELECT"]`; DESCRIBE is always implied.
    #[serde(default)]
    pub permissions: Option<Vec<Permission>>,
    #[schema(min_length = 1, max_length = 4096)]
    pub justification: String,
    /// When access ends; at most the configured maximum from now (365 days by default).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Approves a pending subscription, optionally narrowing it (never widening it).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    #[serde(default)]
    #[schema(max_length = 4096)]
    pub comment: Option<String>,
    /// A narrower set of tables or columns than requested.
    #[serde(default)]
    #[schema(min_items = 1)]
    pub tables: Option<Vec<TableScope>>,
    /// An earlier expiry than requested.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A decision with a comment (required to reject, optional otherwise).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionComment {
    #[serde(default)]
    #[schema(max_length = 4096)]
    pub comment: Option<String>,
}

/// A rejection, with the reason the requester will read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// Required; read as optional so that its absence is the field error `comment: required`,
    /// like every other missing field, instead of a body that does not parse.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 4096, example = "Use the aggregated product instead: this one holds store-level margins.")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub product_id: Uuid,
    pub product_slug: String,
    pub product_domain_id: Uuid,
    pub product_domain: String,
    pub consumer_domain_id: Uuid,
    pub consumer_domain: String,
    pub principal: String,
    pub requested_scope: sqlx::types::Json<Scope>,
    pub approved_scope: Option<sqlx::types::Json<Scope>>,
    pub permissions: Vec<String>,
    pub justification: String,
    pub requested_expires_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: SubscriptionStatus,
    pub provisioning: Provisioning,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_comment: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub open_findings: i64,
    pub access: Option<sqlx::types::Json<AccessRecord>>,
    pub usage: Option<sqlx::types::Json<Usage>>,
}

/// A subscription: who asked for what, the decision, and where its grants stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Subscription {
    pub id: Uuid,
    /// Slug of the product's domain.
    pub domain: String,
    pub product: String,
    pub consumer_domain: String,
    pub principal: String,
    pub requested_scope: Scope,
    /// What was approved (the request, possibly narrowed); null until approved.
    pub approved_scope: Option<Scope>,
    #[schema(value_type = Vec<Permission>)]
    pub permissions: Vec<String>,
    pub justification: String,
    pub requested_expires_at: Option<DateTime<Utc>>,
    /// When access ends (the approved expiry once approved).
    pub expires_at: Option<DateTime<Utc>>,
    pub status: SubscriptionStatus,
    #[schema(value_type = crate::grants::model::Provisioning)]
    pub provisioning: String,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
    /// Who revoked or cancelled it (or `system:...` for expiry and retirement).
    pub ended_by: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_comment: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether its grants are in place, from its provisioning and the last drift check.
    pub health: SubscriptionHealth,
    /// How its principal queries what it was granted, and what is left to do in the consumer's
    /// account (once approved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<SubscriptionAccess>,
    /// How its grants are used, from Lake Formation's data access events.
    pub usage: Usage,
    /// The Lake Formation grants it needs (only on `GET /subscriptions/{id}` and decisions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<Grant>>,
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Subscription {
        let health = health(r.status == SubscriptionStatus::Approved, r.provisioning, r.verified_at, r.open_findings);
        let access = r.access.as_ref().map(|a| crate::grants::access::view(a, &r.principal));
        Subscription {
            id: r.id,
            domain: r.product_domain,
            product: r.product_slug,
            consumer_domain: r.consumer_domain,
            principal: r.principal,
            requested_scope: r.requested_scope.0,
            approved_scope: r.approved_scope.map(|s| s.0),
            permissions: r.permissions,
            justification: r.justification,
            requested_expires_at: r.requested_expires_at,
            expires_at: r.expires_at,
            status: r.status,
            provisioning: r.provisioning.as_str().to_string(),
            requested_by: r.requested_by,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_comment: r.decision_comment,
            ended_by: r.ended_by,
            ended_at: r.ended_at,
            end_comment: r.end_comment,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            health,
            access,
            usage: r.usage.map(|u| u.0).unwrap_or_default(),
            grants: None,
        }
    }
}

/// Subscription list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<SubscriptionStatus>,
    /// Only subscriptions to products of this domain (slug).
    #[param(max_length = 63)]
    pub domain: Option<String>,
    /// Only subscriptions to this product (slug; combine with `domain`).
    #[param(max_length = 63)]
    pub product: Option<String>,
    /// Only subscriptions of this consumer domain (slug).
    #[param(max_length = 63)]
    pub consumer_domain: Option<String>,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubscriptionStatus::*;

    #[test]
    fn decisions() {
        assert_eq!(Decision::Approve.apply(Pending), Some(Approved));
        assert_eq!(Decision::Approve.apply(Approved), None);
        assert_eq!(Decision::Reject.apply(Approved), None);
        assert_eq!(Decision::Cancel.apply(Pending), Some(Cancelled));
        assert_eq!(Decision::Cancel.apply(Approved), None);
        assert_eq!(Decision::Revoke.apply(Pending), None);
        assert_eq!(Decision::Revoke.apply(Approved), Some(Revoked));
        assert_eq!(Decision::Expire.apply(Revoked), None);
    }
}
