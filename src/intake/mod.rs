//! The AWS events meshgov takes from its queue (`MESHGOV_CATALOG_EVENTS_QUEUE_URL`): the governance
//! bus's rules put producers' Glue Data Catalog changes and the grant holders' Lake Formation data
//! accesses on it. Each message goes to the concept it concerns, by the EventBridge envelope's
//! `source` (which only AWS can set to `aws.*` on a bus).

pub mod queue;

use serde::Deserialize;

use crate::AppState;
use crate::catalog_events::service::Taken as CatalogTaken;
use crate::usage::service::Taken as UsageTaken;

/// What taking one message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A catalog change: product syncs queued or joined.
    Syncs(usize),
    /// A data access: subscriptions it was a use of.
    Uses(usize),
    /// Nothing to do (partitions only; an access Lake Formation refused).
    Ignored,
    /// Never to be taken (not ours, forged, unknown account): counted, and deleted.
    Refused,
}

/// Takes one message body. A database error leaves the message to be delivered again.
pub async fn take(state: &AppState, body: &str) -> sqlx::Result<Outcome> {
    #[derive(Deserialize)]
    struct Source {
        source: Option<String>,
    }
    let source = serde_json::from_str::<Source>(body).ok().and_then(|s| s.source);
    if source.as_deref() == Some("aws.lakeformation") {
        return Ok(match crate::usage::service::take(state, body).await? {
            UsageTaken::Uses(subscriptions) => Outcome::Uses(subscriptions.len()),
            UsageTaken::Ignored => Outcome::Ignored,
            UsageTaken::Refused(_) => Outcome::Refused,
        });
    }
    // Everything else is the catalog events' to take or refuse (and count).
    Ok(match crate::catalog_events::service::take(state, body).await? {
        CatalogTaken::Syncs(products) => Outcome::Syncs(products.len()),
        CatalogTaken::Ignored => Outcome::Ignored,
        CatalogTaken::Refused(_) => Outcome::Refused,
    })
}
