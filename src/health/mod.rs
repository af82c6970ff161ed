//! How a subscription stands — provisioning and the last drift check together — and the rollup of
//! its health on products and domains. Drift checks write what this reads (`verified_at`,
//! `drift_findings`); subscriptions, products and domains show it.

pub mod store;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::grants::model::Provisioning;

/// How a subscription stands, judged from its provisioning and the last drift check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Live, granted, and the last check found nothing wrong.
    Healthy,
    /// The last check found missing, unexpected or orphaned grants.
    Drifted,
    /// Granted but never checked yet.
    Unverified,
    /// Grants are being applied.
    Provisioning,
    /// Granting failed (see its grants; `retry` re-applies them).
    Failing,
    /// Not live (pending, rejected, cancelled, revoked, expired).
    Inactive,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionHealth {
    pub status: HealthStatus,
    /// When a drift check last compared its grants with Lake Formation.
    pub verified_at: Option<DateTime<Utc>>,
    /// Drift findings not repaired yet.
    pub open_findings: i64,
}

/// The same rules as the SQL of [`store::rollup`].
pub fn health(approved: bool, provisioning: Provisioning, verified_at: Option<DateTime<Utc>>, open_findings: i64) -> SubscriptionHealth {
    let status = if !approved {
        HealthStatus::Inactive
    } else if matches!(provisioning, Provisioning::GrantFailed | Provisioning::RevokeFailed) {
        // An approved subscription is `revoke_failed` when a narrowing could not be revoked.
        HealthStatus::Failing
    } else if provisioning == Provisioning::Granting {
        HealthStatus::Provisioning
    } else if open_findings > 0 {
        HealthStatus::Drifted
    } else if verified_at.is_none() {
        HealthStatus::Unverified
    } else {
        HealthStatus::Healthy
    };
    SubscriptionHealth { status, verified_at, open_findings }
}

/// The health of the live subscriptions of a product or a domain's products.
#[derive(Debug, Clone, Default, Serialize, ToSchema, sqlx::FromRow)]
pub struct HealthRollup {
    pub live_subscriptions: i64,
    pub healthy: i64,
    pub drifted: i64,
    pub unverified: i64,
    pub provisioning: i64,
    pub failing: i64,
    pub open_findings: i64,
    /// The oldest verification among them: everything was checked at least this recently.
    pub oldest_verification: Option<DateTime<Utc>>,
}
