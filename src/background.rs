//! What meshgov does in the background, registered in one place: every job kind the worker runs,
//! and the duties the scheduler runs on each tick. Job types live with the concept that runs them;
//! callers enqueue the type (`ApplyGrants { .. }.enqueue(tx, ..)`), never call another service.

use crate::jobs::Registry;
use crate::{catalog_sync, drift, grants, subscriptions, webhooks};

pub fn registry() -> Registry {
    Registry::default()
        .job::<catalog_sync::jobs::SyncDomain>()
        .job::<catalog_sync::jobs::SyncProduct>()
        .job::<catalog_sync::jobs::MirrorProduct>()
        .job::<grants::jobs::ApplyGrants>()
        .job::<grants::jobs::RevokeGrants>()
        .job::<drift::jobs::Reconcile>()
        .job::<drift::jobs::RegrantMissing>()
        .job::<drift::jobs::RevokeUnexpected>()
        .job::<webhooks::model::DeliveryJob>()
        .duty(catalog_sync::jobs::SCHEDULED_SYNCS)
        .duty(drift::jobs::SCHEDULED_RECONCILE)
        .duty(subscriptions::expiry::EXPIRY)
}
