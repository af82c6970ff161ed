//! The AWS events meshgov takes from its queue (`MESHGOV_CATALOG_EVENTS_QUEUE_URL`): the governance
//! bus's rules put producers' Glue Data Catalog changes and the grant holders' Lake Formation data
//! accesses on it. Each message goes to the concept it concerns, by the EventBridge envelope's
//! `source` (which only AWS can set to `aws.*` on a bus).

pub mod queue;

use std::time::Duration;

use tokio::time::Instant;

use serde::Deserialize;

use crate::AppState;
use crate::http::in_flight::InFlight;
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

/// Takes a receive's messages as the queue loops do: once the requests this replica is answering
/// are done (waiting at most [`MAX_YIELD`]), then all together, then resting as the intake's share
/// asks. A burst of events (the queue holds it meanwhile) is thus absorbed around decisions, whose
/// latency people feel, instead of holding a core and a connection flat out beside them.
pub async fn take_receive(state: &AppState, bodies: &[&str]) -> Vec<sqlx::Result<Outcome>> {
    requests_first(&state.in_flight).await;
    let started = Instant::now();
    let answers = take_all(state, bodies).await;
    let rest = rest(state.config.aws.events_intake_share, started.elapsed());
    if !rest.is_zero() {
        tokio::time::sleep(rest).await;
    }
    answers
}

/// Longest the intake gives way to requests before taking a receive: under a steady load of
/// requests it still takes one receive this often.
pub const MAX_YIELD: Duration = Duration::from_millis(100);

async fn requests_first(in_flight: &InFlight) {
    let deadline = Instant::now() + MAX_YIELD;
    while in_flight.count() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The rest after taking a receive's messages, which took `taking`: as long as keeps the intake
/// within `share_percent` of its time while the queue has a backlog.
pub fn rest(share_percent: u32, taking: Duration) -> Duration {
    let share = share_percent.clamp(1, 100);
    taking.mul_f64(f64::from(100 - share) / f64::from(share)).min(MAX_REST)
}

/// A rest is never longer, however long the taking took (a slow database): the loop stays lively.
const MAX_REST: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_keeps_the_intake_to_its_share() {
        let taking = Duration::from_millis(8);
        assert_eq!(rest(100, taking), Duration::ZERO, "100 %: no rest");
        assert_eq!(rest(50, taking), taking, "half the time taking, half resting");
        assert_eq!(rest(25, taking), Duration::from_millis(24));
        assert_eq!(rest(1, Duration::from_secs(1)), MAX_REST, "capped");
    }

    #[tokio::test(start_paused = true)]
    async fn the_intake_waits_for_the_requests_in_flight_but_not_forever() {
        let in_flight = std::sync::Arc::new(InFlight::default());
        // Nothing in flight: at once.
        let started = Instant::now();
        requests_first(&in_flight).await;
        assert_eq!(started.elapsed(), Duration::ZERO);

        // A request in flight: the intake waits until it is answered.
        let request = in_flight.enter();
        let waiting = tokio::spawn({
            let in_flight = in_flight.clone();
            async move { requests_first(&in_flight).await }
        });
        tokio::time::sleep(MAX_YIELD / 2).await;
        assert!(!waiting.is_finished());
        drop(request);
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(waiting.is_finished());

        // Requests that never stop: it goes ahead after MAX_YIELD.
        let _steady = in_flight.enter();
        let started = Instant::now();
        requests_first(&in_flight).await;
        assert!(started.elapsed() >= MAX_YIELD && started.elapsed() < MAX_YIELD + Duration::from_millis(5), "{:?}", started.elapsed());
    }
}
