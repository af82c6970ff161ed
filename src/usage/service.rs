//! Taking a data access event: refuse what is not one of ours, and record the access for each
//! live subscription whose grants covered it.

use super::model::{self, Parsed, Refusal};
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

/// Takes one message body. A database error leaves the event to be delivered again.
pub async fn take(state: &AppState, body: &str) -> sqlx::Result<Taken> {
    let access = match model::parse(body) {
        Ok(Parsed::Access(access)) => access,
        Ok(Parsed::NotAUse(_)) => {
            metrics::counter!("access_events_total", "outcome" => "ignored").increment(1);
            return Ok(Taken::Ignored);
        }
        Err(refusal) => return Ok(refuse(refusal)),
    };
    // The holders of grants: the governance account (central mode) and producers (producer mode).
    let governance = state.aws.governance_account().await;
    if governance.as_deref() != Some(access.account.as_str()) && !crate::domains::store::has_account(&state.db, &access.account).await? {
        return Ok(refuse(Refusal::UnknownAccount(access.account)));
    }
    let subscriptions = store::record(&state.db, &access).await?;
    let outcome = if subscriptions.is_empty() { "unattributed" } else { "used" };
    metrics::counter!("access_events_total", "outcome" => outcome).increment(1);
    Ok(Taken::Uses(subscriptions))
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
