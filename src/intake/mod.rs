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
    take_all(state, &[body]).await.pop().expect("one answer for one body")
}

/// Takes the message bodies of one receive, answering for each in order. Data accesses (a burst of
/// them is the common case) are taken together, in one statement; catalog changes one by one.
pub async fn take_all(state: &AppState, bodies: &[&str]) -> Vec<sqlx::Result<Outcome>> {
    #[derive(Deserialize)]
    struct Source {
        source: Option<String>,
    }
    let is_access = |body: &str| serde_json::from_str::<Source>(body).ok().and_then(|s| s.source).as_deref() == Some("aws.lakeformation");
    let (accesses, catalog): (Vec<(usize, &str)>, Vec<(usize, &str)>) = bodies.iter().copied().enumerate().partition(|(_, b)| is_access(b));
    let mut answers: Vec<Option<sqlx::Result<Outcome>>> = bodies.iter().map(|_| None).collect();
    let access_bodies: Vec<&str> = accesses.iter().map(|(_, b)| *b).collect();
    let taken = crate::usage::service::take_all(state, &access_bodies).await;
    for ((at, _), taken) in accesses.into_iter().zip(taken) {
        answers[at] = Some(taken.map(|t| match t {
            UsageTaken::Uses(subscriptions) => Outcome::Uses(subscriptions.len()),
            UsageTaken::Ignored => Outcome::Ignored,
            UsageTaken::Refused(_) => Outcome::Refused,
        }));
    }
    // Everything else is the catalog events' to take or refuse (and count).
    for (at, body) in catalog {
        answers[at] = Some(crate::catalog_events::service::take(state, body).await.map(|t| match t {
            CatalogTaken::Syncs(products) => Outcome::Syncs(products.len()),
            CatalogTaken::Ignored => Outcome::Ignored,
            CatalogTaken::Refused(_) => Outcome::Refused,
        }));
    }
    answers.into_iter().map(|a| a.expect("every body answered")).collect()
}
