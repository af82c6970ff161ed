//! One Lake Formation batch call and what became of each entry. The only place that reads how Lake
//! Formation answers a batch, for the grant applier and for drift repair alike: an entry without a
//! failure changed something; "No permissions revoked" means the permissions were already gone, and
//! so does a revoke on a resource that no longer exists (`EntityNotFoundException`: a deleted table
//! or database takes its permissions along);
//! throttling, concurrent modification and 5xx are worth another attempt; anything else fails the
//! entry. A call refused as a whole gives every entry that call's fate.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::holder::LfAccount;
use super::lakeformation::{Entry, EntryFailure, LakeFormation, LfError, retryable_code};

const NO_PERMISSIONS_REVOKED: &str = "No permissions revoked";
const ENTITY_NOT_FOUND: &str = "EntityNotFoundException";

/// Why a call was made, when not for a subscription's own decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Repairing drift: a missing grant made again, or an unexpected permission taken away.
    DriftRepair,
}

/// What became of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Granted or revoked by this call.
    Changed,
    /// Nothing to revoke: already gone (counts as done).
    AlreadyDone,
    /// Worth another attempt later.
    Transient(String),
    /// No attempt will do better.
    Failed(String),
}

impl EntryOutcome {
    pub fn is_done(&self) -> bool {
        matches!(self, EntryOutcome::Changed | EntryOutcome::AlreadyDone)
    }
}

/// A batch call: the answer's request id and failures (when Lake Formation answered) and each
/// entry's outcome, in the order of the entries.
#[derive(Debug, Clone)]
pub struct BatchCall {
    /// False when the call was refused as a whole (then nothing changed).
    pub answered: bool,
    pub request_id: Option<String>,
    pub failures: Vec<EntryFailure>,
    pub outcomes: Vec<EntryOutcome>,
}

#[derive(Clone, Copy)]
enum Op {
    Grant,
    Revoke,
}

pub async fn grant(lf: &dyn LakeFormation, account: &LfAccount, entries: &[Entry]) -> BatchCall {
    call(Op::Grant, lf.batch_grant(account, entries).await, entries)
}

pub async fn revoke(lf: &dyn LakeFormation, account: &LfAccount, entries: &[Entry]) -> BatchCall {
    call(Op::Revoke, lf.batch_revoke(account, entries).await, entries)
}

fn describe(code: &str, message: &str) -> String {
    if message.is_empty() { code.to_string() } else { format!("{code}: {message}") }
}

fn call(op: Op, answer: Result<super::lakeformation::Answer, LfError>, entries: &[Entry]) -> BatchCall {
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => {
            let outcome = if e.retryable { EntryOutcome::Transient(e.to_string()) } else { EntryOutcome::Failed(e.to_string()) };
            return BatchCall { answered: false, request_id: None, failures: Vec::new(), outcomes: vec![outcome; entries.len()] };
        }
    };
    let outcomes = entries
        .iter()
        .map(|e| match answer.failures.iter().find(|f| f.id == e.id) {
            None => EntryOutcome::Changed,
            Some(f)
                if matches!(op, Op::Revoke)
                    && f.code == "InvalidInputException"
                    && f.message.starts_with(NO_PERMISSIONS_REVOKED) =>
            {
                EntryOutcome::AlreadyDone
            }
            Some(f) if matches!(op, Op::Revoke) && f.code == ENTITY_NOT_FOUND => EntryOutcome::AlreadyDone,
            Some(f) if retryable_code(&f.code) => EntryOutcome::Transient(describe(&f.code, &f.message)),
            Some(f) => EntryOutcome::Failed(describe(&f.code, &f.message)),
        })
        .collect();
    BatchCall { answered: true, request_id: answer.request_id, failures: answer.failures, outcomes }
}

impl BatchCall {
    /// The audit details of the call: its request id, why it was made, the resources it changed.
    pub fn audit_details(&self, entries: usize, changed: &[String], reason: Option<Reason>) -> Value {
        json!({
            "aws_request_id": self.request_id,
            "reason": reason,
            "entries": entries,
            "resources": changed,
            "failures": self.failures.iter().map(|f| json!({ "id": f.id, "code": f.code, "message": f.message })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::lakeformation::Answer;
    use crate::grants::resource::LfResource;

    fn entry(id: &str) -> Entry {
        let resource = LfResource::Database { catalog_id: "111122223333".into(), name: "db".into() };
        Entry { id: id.into(), principal: "p".into(), resource, permissions: vec!["SELECT".into()], grant_option: vec![] }
    }

    fn failure(id: &str, code: &str, message: &str) -> EntryFailure {
        EntryFailure { id: id.into(), code: code.into(), message: message.into() }
    }

    #[test]
    fn each_entry_gets_its_own_outcome() {
        let entries = [entry("a"), entry("b"), entry("c"), entry("d"), entry("e")];
        let answer = Answer {
            request_id: Some("r".into()),
            failures: vec![
                failure("b", "InvalidInputException", "No permissions revoked. Grantee has no permissions"),
                failure("c", "ConcurrentModificationException", "busy"),
                failure("d", "AccessDeniedException", "no"),
                failure("e", "EntityNotFoundException", "Table db.t not found."),
            ],
        };
        let revoked = call(Op::Revoke, Ok(answer.clone()), &entries);
        assert_eq!(
            revoked.outcomes,
            [
                EntryOutcome::Changed,
                EntryOutcome::AlreadyDone,
                EntryOutcome::Transient("ConcurrentModificationException: busy".into()),
                EntryOutcome::Failed("AccessDeniedException: no".into()),
                EntryOutcome::AlreadyDone,
            ]
        );
        // Only a revoke reads "No permissions revoked", or a resource that is gone, as done.
        let granted = call(Op::Grant, Ok(answer), &entries);
        assert!(matches!(granted.outcomes[1], EntryOutcome::Failed(_)));
        assert!(matches!(granted.outcomes[4], EntryOutcome::Failed(_)), "a grant on what does not exist fails");
    }

    #[test]
    fn a_call_refused_as_a_whole_gives_every_entry_its_fate() {
        let entries = [entry("a"), entry("b")];
        let throttled = LfError { code: "ThrottlingException".into(), message: "slow".into(), retryable: true, request_id: None };
        let c = call(Op::Grant, Err(throttled), &entries);
        assert!(c.outcomes.iter().all(|o| matches!(o, EntryOutcome::Transient(_))) && c.outcomes.len() == 2);
        assert!(!c.answered);
        let denied = LfError { code: "AccessDeniedException".into(), message: "no".into(), retryable: false, request_id: None };
        let c = call(Op::Revoke, Err(denied), &entries);
        assert_eq!(c.outcomes, vec![EntryOutcome::Failed("AccessDeniedException: no".into()); 2]);
    }
}
