use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::auth::Caller;

/// Who may approve subscriptions to a domain's products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ApprovalPolicy {
    /// Stewards only (the default).
    Stewards,
    /// The owning domain's producers only.
    Owners,
    /// Stewards or the owning domain's producers.
    Either,
}

impl ApprovalPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalPolicy::Stewards => "stewards",
            ApprovalPolicy::Owners => "owners",
            ApprovalPolicy::Either => "either",
        }
    }

}

pub use crate::grants::holder::CatalogMode;

/// What happens to a subscription unused for `unused_after_days`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum UnusedAction {
    /// Reported in the review list (the default).
    #[default]
    Flag,
    /// Reported, and revoked (reason `unused`).
    Revoke,
}

/// A number of days. JSON has one number type: `90.0` is the integer 90 (as JSON Schema says), so
/// it is taken; `90.5` is not a number of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct Days(pub i32);

impl<'de> Deserialize<'de> for Days {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Days, D::Error> {
        let n = f64::deserialize(deserializer)?;
        if n.fract() == 0.0 && (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&n) {
            Ok(Days(n as i32))
        } else {
            Err(serde::de::Error::custom(format!("expected a whole number of days, not {n}")))
        }
    }
}

/// How a domain keeps access to its products deliberate: periodic reviews by its approvers, and
/// what becomes of access nobody uses. Everything is off by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    /// Every live subscription must be confirmed by an approver this many days after its approval
    /// or its last confirmation; null: no reviews.
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 3650, example = 90)]
    pub review_every_days: Option<Days>,
    /// Days an overdue review may wait before the subscription ends (`expired`, reason
    /// `review_overdue`). Default 14.
    #[serde(default = "default_grace")]
    #[schema(value_type = i32, minimum = 0, maximum = 365)]
    pub review_grace_days: Days,
    /// A subscription with no use seen (Lake Formation's data access events) for this many days,
    /// counted from its approval until its first use, is unused; null: never.
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 3650, example = 60)]
    pub unused_after_days: Option<Days>,
    #[serde(default)]
    pub unused_action: UnusedAction,
}

fn default_grace() -> Days {
    Days(14)
}

impl Default for AccessPolicy {
    fn default() -> AccessPolicy {
        AccessPolicy { review_every_days: None, review_grace_days: default_grace(), unused_after_days: None, unused_action: UnusedAction::Flag }
    }
}

/// Changes an access policy, as a JSON Merge Patch: absent fields stay; `null` turns reviews or
/// the unused rule off.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicyPatch {
    #[serde(default, deserialize_with = "crate::http::patch::null_removes", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i32>, nullable, minimum = 1, maximum = 3650)]
    pub review_every_days: Option<Option<Days>>,
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i32>, nullable = false, minimum = 0, maximum = 365)]
    pub review_grace_days: Option<Days>,
    #[serde(default, deserialize_with = "crate::http::patch::null_removes", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i32>, nullable, minimum = 1, maximum = 3650)]
    pub unused_after_days: Option<Option<Days>>,
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub unused_action: Option<UnusedAction>,
}

impl AccessPolicy {
    pub fn patched(self, patch: &AccessPolicyPatch) -> AccessPolicy {
        AccessPolicy {
            review_every_days: patch.review_every_days.unwrap_or(self.review_every_days),
            review_grace_days: patch.review_grace_days.unwrap_or(self.review_grace_days),
            unused_after_days: patch.unused_after_days.unwrap_or(self.unused_after_days),
            unused_action: patch.unused_action.unwrap_or(self.unused_action),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DomainRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub aws_account_id: String,
    pub sync_role_arn: Option<String>,
    pub external_id: String,
    pub owners: Vec<String>,
    pub approval_policy: ApprovalPolicy,
    pub catalog_mode: CatalogMode,
    pub data_access_role_arn: Option<String>,
    pub grant_role_arn: Option<String>,
    pub link_role_arn: Option<String>,
    #[sqlx(flatten)]
    pub access_policy: AccessPolicy,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sync_status: String,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_sync_success_at: Option<DateTime<Utc>>,
    pub last_sync_error: Option<String>,
}

/// How the last catalog sync of a product or domain ended (the `sync_status` columns).
///
/// Only named in the OpenAPI document: the field holds the column's text, which a CHECK
/// constraint keeps to these values (tests/openapi.rs compares the two).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SyncStatus {
    /// Not synced yet.
    Never,
    Ok,
    Failed,
}

/// Where the domain's catalog sync stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncState {
    #[schema(value_type = SyncStatus)]
    pub status: String,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// A business domain and its AWS account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Domain {
    /// URL identifier, e.g. `supply-chain`.
    #[schema(example = "sales")]
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The domain's AWS account (12 digits).
    #[schema(example = "111122223333")]
    pub aws_account_id: String,
    /// Role in the domain's account that meshgov assumes to read its Glue catalog.
    pub sync_role_arn: Option<String>,
    /// Generated by meshgov for the sync role's trust policy (`sts:ExternalId`). Shown only to
    /// admins and the domain's producers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Subjects or contacts responsible for the domain.
    pub owners: Vec<String>,
    pub approval_policy: ApprovalPolicy,
    /// Where the grants on its products live: `central` (a mirror in the governance account's
    /// catalog) or `producer` (its own catalog, through `grant_role_arn`).
    pub catalog_mode: CatalogMode,
    /// Central mode: a role of the governance account, trusted by `lakeformation.amazonaws.com`,
    /// with which Lake Formation reads the producer's S3 data (the producer's bucket policy allows it).
    pub data_access_role_arn: Option<String>,
    /// Producer mode: a role in the domain's account that meshgov assumes (with `external_id`) to
    /// grant in Lake Formation there.
    pub grant_role_arn: Option<String>,
    /// As a consumer: a role in the domain's account that meshgov assumes (with `external_id`) to
    /// accept RAM invitations, create resource links and grant DESCRIBE on them, so that a
    /// granted subscription is queryable with nothing left to do. Without it, each subscription's
    /// `access` lists the steps left to the consumer.
    pub link_role_arn: Option<String>,
    /// Access reviews and unused access (GET /reviews).
    pub access_policy: AccessPolicy,
    pub sync: SyncState,
    /// Incremented on every change; the ETag is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How the live subscriptions to its products stand (on `GET` of one domain, for its
    /// producers, stewards and admins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<crate::health::HealthRollup>,
}

impl DomainRow {
    pub fn view(&self, caller: &Caller) -> Domain {
        let may_see_external_id = caller.is_admin() || caller.is_producer_in(&self.slug);
        Domain {
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            aws_account_id: self.aws_account_id.clone(),
            sync_role_arn: self.sync_role_arn.clone(),
            external_id: may_see_external_id.then(|| self.external_id.clone()),
            owners: self.owners.clone(),
            approval_policy: self.approval_policy,
            catalog_mode: self.catalog_mode,
            data_access_role_arn: self.data_access_role_arn.clone(),
            grant_role_arn: self.grant_role_arn.clone(),
            link_role_arn: self.link_role_arn.clone(),
            access_policy: self.access_policy,
            sync: SyncState {
                status: self.sync_status.clone(),
                last_sync_at: self.last_sync_at,
                last_success_at: self.last_sync_success_at,
                last_error: self.last_sync_error.clone(),
            },
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            health: None,
        }
    }
}

/// Onboards a domain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDomain {
    #[schema(pattern = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", min_length = 2, max_length = 63, example = "sales")]
    pub slug: String,
    #[schema(min_length = 1, max_length = 200, example = "Sales")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    #[schema(pattern = "^[0-9]{12}$", example = "111122223333")]
    pub aws_account_id: String,
    /// Must be a role in `aws_account_id`.
    #[serde(default)]
    #[schema(
        example = "arn:aws:iam::111122223333:role/meshgov-catalog-reader",
        pattern = "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-]$",
        max_length = 600
    )]
    pub sync_role_arn: Option<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub owners: Option<Vec<String>>,
    #[serde(default)]
    pub approval_policy: Option<ApprovalPolicy>,
    /// Default `central`.
    #[serde(default)]
    pub catalog_mode: Option<CatalogMode>,
    /// A role of the governance account (central mode).
    #[serde(default)]
    #[schema(example = "arn:aws:iam::999988887777:role/meshgov-data-access", pattern = "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-]$", max_length = 600)]
    pub data_access_role_arn: Option<String>,
    /// Must be a role in `aws_account_id` (producer mode).
    #[serde(default)]
    #[schema(example = "arn:aws:iam::111122223333:role/meshgov-grants", pattern = "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-]$", max_length = 600)]
    pub grant_role_arn: Option<String>,
    /// Must be a role in `aws_account_id` (consumer access: invitations, resource links).
    #[serde(default)]
    #[schema(example = "arn:aws:iam::111122223333:role/meshgov-links", pattern = "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-]$", max_length = 600)]
    pub link_role_arn: Option<String>,
    /// Access reviews and unused access; default: off.
    #[serde(default)]
    pub access_policy: Option<AccessPolicy>,
}

/// Changes a domain, as a JSON Merge Patch: absent fields stay as they are; `null` removes a role
/// ARN, empties `description` and `owners`, and is refused elsewhere.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainPatch {
    #[schema(min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// `null` empties it.
    #[schema(max_length = 4000)]
    #[serde(default, deserialize_with = "crate::http::patch::null_empties", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[schema(pattern = "^[0-9]{12}$")]
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub aws_account_id: Option<String>,
    #[serde(default, deserialize_with = "crate::http::patch::null_removes")]
    #[schema(value_type = Option<String>, nullable, pattern = "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-]$", max_length = 600)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_role_arn: Option<Option<String>>,
    /// `null` empties them.
    #[schema(max_items = 50)]
    #[serde(default, deserialize_with = "crate::http::patch::null_empties", skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub approval_policy: Option<ApprovalPolicy>,
    /// Changes only while no grant on the domain's products is live (409 otherwise).
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub catalog_mode: Option<CatalogMode>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "crate::http::patch::null_removes")]
    #[schema(value_type = Option<String>, nullable, pattern = "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-]$", max_length = 600)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_access_role_arn: Option<Option<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "crate::http::patch::null_removes")]
    #[schema(value_type = Option<String>, nullable, pattern = "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-]$", max_length = 600)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_role_arn: Option<Option<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "crate::http::patch::null_removes")]
    #[schema(value_type = Option<String>, nullable, pattern = "^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{0,511}[A-Za-z0-9+=,.@_-]$", max_length = 600)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_role_arn: Option<Option<String>>,
    /// Merged into the current policy (a Merge Patch of its own fields).
    #[serde(default, deserialize_with = "crate::http::patch::refuse_null", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub access_policy: Option<AccessPolicyPatch>,
}

