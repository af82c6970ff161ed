//! What the drift endpoints answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::grants::resource::LfResource;

/// A product whose producer catalog could not be read (whether its grants are orphaned is unknown),
/// or whose grants live in a producer account whose Lake Formation could not be listed (they are
/// not judged).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Unverified {
    pub domain: String,
    pub product: String,
    pub error: String,
}

/// One drift check: when it ran and how much it found.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct CheckSummary {
    pub id: Uuid,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Grants compared (live, in flight, or failed to revoke).
    pub desired_grants: i32,
    /// Permissions Lake Formation listed (all of the account's, before keeping the managed ones).
    pub listed_permissions: i32,
    pub missing: i32,
    pub unexpected: i32,
    pub orphaned: i32,
    #[schema(value_type = Vec<Unverified>)]
    pub unverified: sqlx::types::Json<Vec<Unverified>>,
}

/// A kind of drift finding (the `drift_findings.kind` column).
///
/// Only named in the OpenAPI document: the field holds the column's text, which a CHECK
/// constraint keeps to these values (tests/openapi.rs compares the two).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum FindingKind {
    /// Wanted but absent.
    Missing,
    /// Present on a managed resource for a managed principal but not wanted.
    Unexpected,
    /// Wanted, but the table or column is gone at the producer.
    Orphaned,
}

/// A difference between what meshgov wants and what Lake Formation holds.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct FindingView {
    pub id: Uuid,
    #[schema(value_type = FindingKind)]
    pub kind: String,
    /// The subscription that wants it; for `unexpected`, the last one that held it (null: granted
    /// outside meshgov).
    pub subscription_id: Option<Uuid>,
    /// The subscribed product's domain and slug.
    pub domain: Option<String>,
    pub product: Option<String>,
    pub principal: String,
    /// The Lake Formation `Resource`.
    #[schema(value_type = Object)]
    pub resource: Value,
    /// The permissions missing, unexpected or orphaned.
    pub permissions: Vec<String>,
    pub detail: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// Drift between the desired grants and Lake Formation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DriftReport {
    /// The check these findings come from (null if none ever ran).
    pub check: Option<CheckSummary>,
    pub missing: Vec<FindingView>,
    pub unexpected: Vec<FindingView>,
    pub orphaned: Vec<FindingView>,
    /// True when a list holds fewer findings than the check counted (see `limit`).
    pub truncated: bool,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DriftQuery {
    /// `true` (default): compare with Lake Formation now; `false`: the findings of the last check,
    /// without calling AWS.
    pub check: Option<bool>,
    /// Findings listed per kind, 1 to 1000 (default 200); the check's counts are complete.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReconcileQuery {
    /// `false` (default): only say what would be done; `true`: do it (through the job queue).
    pub apply: Option<bool>,
}

/// A grant to apply again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedGrant {
    pub subscription_id: Uuid,
    pub grant_id: Uuid,
    pub principal: String,
    #[schema(value_type = Object)]
    pub resource: Value,
    pub permissions: Vec<String>,
}

/// Permissions to take away.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlannedRevoke {
    /// The last subscription that held it, if any.
    pub subscription_id: Option<Uuid>,
    pub principal: String,
    pub resource_key: String,
    /// The Lake Formation `Resource`.
    #[schema(value_type = Object)]
    pub resource: LfResource,
    pub permissions: Vec<String>,
    /// Of those, the ones held with the grant option: the grant option is revoked even where a
    /// subscription wants the permission itself.
    #[serde(default)]
    pub grant_option: Vec<String>,
}

/// A product to sync again: its catalog changed under live grants, and the sync's schema-change
/// handling revokes or narrows them (and records the breaking change).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedSync {
    pub domain: String,
    pub product: String,
    pub orphaned_grants: usize,
}

/// A subscription whose consumer access a check found missing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedAccess {
    pub subscription_id: Uuid,
    pub principal: String,
    pub consumer_account: String,
    /// The resource link (its database name in the consumer's catalog).
    pub link_database: String,
}

/// What reconcile does (or would do) to make Lake Formation match the desired grants.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReconcilePlan {
    pub check: CheckSummary,
    /// Whether it was applied (jobs queued) or is only a plan.
    pub applied: bool,
    /// Missing grants to grant again.
    pub grant: Vec<PlannedGrant>,
    /// Unexpected permissions to revoke.
    pub revoke: Vec<PlannedRevoke>,
    /// Products to sync for their orphaned grants.
    pub sync: Vec<PlannedSync>,
    /// Subscriptions whose consumer access (resource link, DESCRIBE on it) to set up again.
    pub access: Vec<PlannedAccess>,
    /// The jobs that carry it out (when applied).
    pub jobs: Vec<Uuid>,
}
