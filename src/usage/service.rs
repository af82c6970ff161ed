//! Taking a data access event: refuse what is not one of ours, and record the access for each
//! live subscription whose grants covered it.

use std::collections::HashSet;

use super::model::{self, DataAccess, Parsed, Refusal};
use super::store;
use crate::AppState;
use crate::jobs::{BoxFuture, Duty};

/// What taking one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Recorded as a use of these subscriptions (empty: no live subscription covers it, e.g. the
    /// producer reading its own table). A repeated event is listed again but counted once.
    Uses(Vec<uuid::Uuid>),
    /// Not a use: Lake Formation refused it, or it was for a data location.
    Ignored,
    /// Never to be taken; counted in `access_events_refused_total{reason}`.
    Refused(Refusal),
}

/// Takes message bodies (a queue receive's, in order), answering for each. The accesses among them
/// are recorded in one statement; should that fail, each is tried alone, so that one event the
/// database refuses cannot hold back the others. A database error for an event leaves it to be
/// delivered again.
pub async fn take_all(state: &AppState, bodies: &[&str]) -> Vec<sqlx::Result<Taken>> {
    let mut answers: Vec<Option<sqlx::Result<Taken>>> = Vec::with_capacity(bodies.len());
    let mut accesses = Vec::new();
    for body in bodies {
        answers.push(match model::parse(body) {
            Ok(Parsed::Access(access)) => {
                accesses.push((answers.len(), access));
                None
            }
            Ok(Parsed::NotAUse(_)) => {
                metrics::counter!("access_events_total", "outcome" => "ignored").increment(1);
                Some(Ok(Taken::Ignored))
            }
            Err(refusal) => Some(Ok(refuse(refusal))),
        });
    }
    if !accesses.is_empty() {
        // The holders of grants: the governance account (central mode) and producers (producer mode).
        let known = known_accounts(state, accesses.iter().map(|(_, a)| a.account.as_str())).await;
        let mut recordable = Vec::new();
        for (at, access) in accesses {
            match &known {
                Err(e) => answers[at] = Some(Err(copy(e))),
                Ok(known) if !known.contains(&access.account) => answers[at] = Some(Ok(refuse(Refusal::UnknownAccount(access.account)))),
                Ok(_) => recordable.push((at, access)),
            }
        }
        let batch: Vec<DataAccess> = recordable.iter().map(|(_, a)| a.clone()).collect();
        let recorded = match store::record(&state.db, &batch).await {
            Ok(uses) => uses.into_iter().map(Ok).collect(),
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, events = batch.len(), "recording a batch of data accesses failed; recording them one by one");
                let mut one_by_one = Vec::with_capacity(batch.len());
                for access in &batch {
                    one_by_one.push(store::record(&state.db, std::slice::from_ref(access)).await.map(|mut uses| uses.remove(0)));
                }
                one_by_one
            }
            Err(e) => vec![Err(e)],
        };
        for ((at, _), uses) in recordable.into_iter().zip(recorded) {
            answers[at] = Some(uses.map(|subscriptions| {
                let outcome = if subscriptions.is_empty() { "unattributed" } else { "used" };
                metrics::counter!("access_events_total", "outcome" => outcome).increment(1);
                Taken::Uses(subscriptions)
            }));
        }
    }
    answers.into_iter().map(|a| a.expect("every body answered")).collect()
}

/// Of `accounts`, those that hold grants: the governance account and the domains' accounts.
async fn known_accounts<'a>(state: &AppState, accounts: impl Iterator<Item = &'a str>) -> sqlx::Result<HashSet<String>> {
    let governance = state.aws.governance_account().await;
    let mut others: Vec<String> = accounts.filter(|a| governance.as_deref() != Some(*a)).map(str::to_string).collect();
    others.sort();
    others.dedup();
    // Central mode's events are all the governance account's: no question to ask the database.
    let mut known = if others.is_empty() { HashSet::new() } else { crate::domains::store::accounts_among(&state.db, &others).await? };
    known.extend(governance);
    Ok(known)
}

/// sqlx's errors are not `Clone`; a batch's one error answers for each of its events.
fn copy(e: &sqlx::Error) -> sqlx::Error {
    sqlx::Error::Protocol(e.to_string())
}

fn refuse(refusal: Refusal) -> Taken {
    tracing::warn!(reason = refusal.reason(), error = %refusal, "data access event refused");
    metrics::counter!("access_events_refused_total", "reason" => refusal.reason()).increment(1);
    Taken::Refused(refusal)
}

/// A scheduler duty: uses older than the 30 days they are counted for are forgotten (each
/// subscription's summary keeps its last use). Harmless when replicas run it at once.
pub const PRUNE: Duty = Duty { name: "usage_prune", run: prune };

fn prune(state: &AppState) -> BoxFuture<'_, sqlx::Result<usize>> {
    Box::pin(async move { Ok(store::prune(&state.db).await? as usize) })
}
