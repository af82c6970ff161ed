//! Consumer access: what a granted subscription still needs in the consumer's account before its
//! principal can query (Lake Formation developer guide, "Cross-account data sharing"): the AWS RAM
//! invitation that carries the grants accepted (none within one organization), a database
//! resource link in the consumer's catalog pointing at the database the grants name, and DESCRIBE
//! on the link for the principal (Athena and others read shared tables through links, and need
//! permissions on both link and target).
//!
//! Runs in the grant jobs, after the grants (so retried, leased and audited like them), under the
//! link's advisory lock, through the consumer domain's link role. Without a link role the steps
//! are left to the consumer and listed on the subscription (`access`). A link is shared by the
//! subscriptions of one consumer account to one product: an ending subscription takes down only
//! the DESCRIBE grant and the link that no other live subscription needs. A database of the
//! consumer's own under the link's name is never overwritten or deleted.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::consumer_account::{ConsumerError, Existing, LinkRole};
use super::model::AccessState;
use super::store::{self, AccessWork};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent, target};
use crate::jobs::JobOutcome;

/// A step of consumer access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    AcceptInvitation,
    CreateResourceLink,
    GrantDescribe,
    RevokeDescribe,
    DeleteResourceLink,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Done by meshgov.
    Done,
    /// Nothing to do (same account or organization, or another subscription still needs it).
    NotNeeded,
    /// meshgov has not got to it yet.
    Pending,
    /// Tried and failed: `error` says why.
    Failed,
    /// For the consumer to do: `detail` says how.
    Left,
}

/// One step of setting up (or taking down) a subscription's access in the consumer's account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccessStep {
    pub step: StepName,
    pub status: StepStatus,
    /// What was done, or exactly what is left to do (with the AWS CLI command).
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The `consumer_access` row, as the subscription query returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessRecord {
    pub consumer_account: String,
    pub link_database: String,
    pub target_catalog_id: String,
    pub target_database: String,
    #[serde(default)]
    pub tables: Vec<String>,
    pub state: AccessState,
    #[serde(default)]
    pub steps: Vec<AccessStep>,
    pub last_error: Option<String>,
}

/// How the subscription's principal queries what it was granted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionAccess {
    pub state: AccessState,
    /// The account whose Lake Formation holds the grants (the governance account in central mode,
    /// the producer's in producer mode), and the database they name there.
    pub grants_catalog_id: String,
    pub grants_database: String,
    /// The consumer's account, and the database to query there: the resource link, or the
    /// database itself when the consumer is the account that holds the grants.
    pub consumer_account: String,
    pub database: String,
    pub tables: Vec<String>,
    /// An Athena query, run in the consumer's account as the principal.
    pub example_query: Option<String>,
    /// Each step and where it stands; `left` steps say exactly what the consumer must do.
    pub steps: Vec<AccessStep>,
    pub last_error: Option<String>,
}

/// What a link is called in the consumer's catalog: `<producer-domain>__<product>`, like the
/// central mirror (Glue's naming rules; slugs give nothing else).
pub fn link_database(domain: &str, product: &str) -> String {
    super::holder::mirror_database(domain, product)
}

fn is_account(principal: &str) -> bool {
    principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit())
}

/// The instructions for each step, as the consumer would carry them out.
struct Plan<'a> {
    consumer: &'a str,
    link: &'a str,
    catalog: &'a str,
    database: &'a str,
    principal: &'a str,
}

impl Plan<'_> {
    fn same_account(&self) -> bool {
        self.consumer == self.catalog
    }

    fn detail(&self, step: StepName) -> String {
        let Plan {
            consumer,
            link,
            catalog,
            database,
            principal,
        } = self;
        match step {
            StepName::AcceptInvitation => format!(
                "In account {consumer}, accept the AWS RAM resource share invitation from account {catalog} that carries its \
                 database {database} (RAM console, Shared with me; or aws ram get-resource-share-invitations, then aws ram \
                 accept-resource-share-invitation --resource-share-invitation-arn <arn>). There is none when both accounts \
                 are in one AWS Organization."
            ),
            StepName::CreateResourceLink => format!(
                "In account {consumer}, create the database resource link {link} to database {database} of account {catalog}: \
                 aws glue create-database --database-input '{{\"Name\":\"{link}\",\"TargetDatabase\":{{\"CatalogId\":\"{catalog}\",\"DatabaseName\":\"{database}\"}}}}'"
            ),
            StepName::GrantDescribe if is_account(principal) => format!(
                "In account {consumer}, grant the principals that will query DESCRIBE on the resource link {link}, and grant \
                 them what account {consumer} received on database {database} of account {catalog}"
            ),
            StepName::GrantDescribe => format!(
                "In account {consumer}, grant {principal} DESCRIBE on the resource link {link}: aws lakeformation \
                 grant-permissions --principal DataLakePrincipalIdentifier={principal} --permissions DESCRIBE \
                 --resource '{{\"Database\":{{\"Name\":\"{link}\"}}}}'"
            ),
            StepName::RevokeDescribe => format!(
                "In account {consumer}, revoke DESCRIBE on the resource link {link} from {principal}, unless another of its \
                 subscriptions to this product is live"
            ),
            StepName::DeleteResourceLink => format!(
                "In account {consumer}, delete the resource link {link} (aws glue delete-database --name {link}) once no \
                 subscription of the account to this product is live"
            ),
        }
    }

    /// What was done, or why nothing was needed.
    fn outcome(&self, step: StepName, status: StepStatus) -> Option<String> {
        let Plan { consumer, link, catalog, database, principal } = self;
        if status == StepStatus::NotNeeded && self.same_account() {
            return Some(format!(
                "account {consumer} holds the grants itself: query database {database} there directly"
            ));
        }
        let text = match (step, status) {
            (StepName::AcceptInvitation, StepStatus::NotNeeded) => format!(
                "no pending invitation from account {catalog} carries database {database}: the accounts are in one \
                 AWS Organization, or it was accepted before"
            ),
            (StepName::CreateResourceLink, StepStatus::Done) => format!(
                "created the database resource link {link} in account {consumer}, pointing at database {database} of \
                 account {catalog}"
            ),
            (StepName::CreateResourceLink, StepStatus::NotNeeded) => {
                format!("the resource link {link} in account {consumer} exists already and points at {catalog}.{database}")
            }
            (StepName::GrantDescribe, StepStatus::Done) => {
                format!("granted {principal} DESCRIBE on the resource link {link} in account {consumer}")
            }
            (StepName::RevokeDescribe, StepStatus::Done) => {
                format!("revoked DESCRIBE on the resource link {link} in account {consumer} from {principal}")
            }
            (StepName::RevokeDescribe, StepStatus::NotNeeded) => {
                format!("kept: another live subscription of {principal} reads through the link {link}")
            }
            (StepName::DeleteResourceLink, StepStatus::Done) => {
                format!("deleted the resource link {link} in account {consumer} (its target stays)")
            }
            (StepName::DeleteResourceLink, StepStatus::NotNeeded) => format!(
                "kept: another live subscription of account {consumer} uses the link {link}, or it is gone or not \
                 meshgov's"
            ),
            _ => return None,
        };
        Some(text)
    }

    fn step(&self, step: StepName, status: StepStatus) -> AccessStep {
        AccessStep {
            step,
            status,
            detail: self.outcome(step, status).unwrap_or_else(|| self.detail(step)),
            error: None,
        }
    }

    fn setup(&self) -> [StepName; 3] {
        [
            StepName::AcceptInvitation,
            StepName::CreateResourceLink,
            StepName::GrantDescribe,
        ]
    }

    fn teardown(&self) -> [StepName; 2] {
        [StepName::RevokeDescribe, StepName::DeleteResourceLink]
    }
}

/// The subscription's `access`, from its record: the steps a run recorded, the others as the
/// state says (pending, left to the consumer, or not needed).
pub fn view(r: &AccessRecord, principal: &str) -> SubscriptionAccess {
    let plan = Plan {
        consumer: &r.consumer_account,
        link: &r.link_database,
        catalog: &r.target_catalog_id,
        database: &r.target_database,
        principal,
    };
    let removal = matches!(
        r.state,
        AccessState::Removing | AccessState::Removed | AccessState::RemoveFailed
    );
    let names: Vec<StepName> = if removal {
        plan.teardown().to_vec()
    } else {
        plan.setup().to_vec()
    };
    let otherwise = if plan.same_account() {
        StepStatus::NotNeeded
    } else {
        match r.state {
            // meshgov will not do them (any more): the consumer's, as the details say.
            AccessState::Manual | AccessState::Failed | AccessState::Removed | AccessState::RemoveFailed => StepStatus::Left,
            AccessState::Pending | AccessState::Ready | AccessState::Removing => StepStatus::Pending,
        }
    };
    let steps = names
        .into_iter()
        .map(|name| {
            r.steps
                .iter()
                .find(|s| s.step == name)
                .cloned()
                .unwrap_or_else(|| plan.step(name, otherwise))
        })
        .collect();
    let database = if plan.same_account() {
        r.target_database.clone()
    } else {
        r.link_database.clone()
    };
    let example_query = r
        .tables
        .first()
        .map(|t| format!("SELECT * FROM \"{database}\".\"{t}\" LIMIT 10"));
    SubscriptionAccess {
        state: r.state,
        grants_catalog_id: r.target_catalog_id.clone(),
        grants_database: r.target_database.clone(),
        consumer_account: r.consumer_account.clone(),
        database,
        tables: r.tables.clone(),
        example_query,
        steps,
        last_error: r.last_error.clone(),
    }
}

fn actor() -> Actor {
    Actor::system("consumer-access")
}

/// Whether a RAM resource ARN (`arn:aws:glue:<region>:<account>:table/<db>/<table>` or
/// `…:database/<db>`) is of `catalog`'s `database`.
fn of_database(arn: &str, catalog: &str, database: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, "glue", _, account, path] = parts.as_slice() else {
        return false;
    };
    *account == catalog
        && (path.strip_prefix("database/") == Some(database)
            || path
                .strip_prefix("table/")
                .and_then(|p| p.split_once('/'))
                .is_some_and(|(db, _)| db == database))
}

/// Sets up or takes down the subscription's consumer access, whichever its state asks for (the
/// grant jobs call it after the grants). `last_attempt`: a transient failure fails for good.
pub async fn settle(
    state: &AppState,
    subscription: Uuid,
    last_attempt: bool,
) -> sqlx::Result<JobOutcome> {
    let Some(found) = store::access_work(&state.db, subscription).await? else {
        return Ok(JobOutcome::Done(json!({ "access": "none" })));
    };
    if !matches!(found.state, AccessState::Pending | AccessState::Removing) {
        return Ok(JobOutcome::Done(json!({ "access": found.state })));
    }
    let mut lock = state.db.begin().await?;
    store::lock_link(&mut lock, &found.consumer_account, &found.link_database).await?;
    // Read again under the lock: a revoke may have come in meanwhile.
    let Some(w) = store::access_work(&state.db, subscription).await? else {
        return Ok(JobOutcome::Done(json!({ "access": "none" })));
    };
    let outcome = match w.state {
        AccessState::Pending if !w.approved || !w.grants_granted => {
            // The grants are not all in Lake Formation: nothing to link to yet. A retry of the
            // failed grants comes back here.
            JobOutcome::Done(json!({ "access": "waiting for the grants" }))
        }
        AccessState::Pending => set_up(state, &w, last_attempt).await?,
        AccessState::Removing => take_down(state, &w, last_attempt).await?,
        other => JobOutcome::Done(json!({ "access": other })),
    };
    lock.rollback().await?;
    Ok(outcome)
}

fn link_role(w: &AccessWork) -> Option<LinkRole> {
    w.link_role_arn.as_ref().map(|role| LinkRole {
        domain: w.consumer_domain.clone(),
        account_id: w.consumer_account.clone(),
        role_arn: role.clone(),
        external_id: w.external_id.clone(),
    })
}

fn plan_of(w: &AccessWork) -> Plan<'_> {
    Plan {
        consumer: &w.consumer_account,
        link: &w.link_database,
        catalog: &w.target_catalog_id,
        database: &w.target_database,
        principal: &w.principal,
    }
}

/// Audits one AWS call that changed something, right after it.
async fn audited(
    state: &AppState,
    subscription: Uuid,
    action: &str,
    details: Value,
) -> sqlx::Result<()> {
    let tx = state.db.begin().await?;
    audit::commit(
        tx,
        [NewEvent::new(
            actor(),
            action,
            target::subscription(subscription),
            details,
        )],
    )
    .await?;
    Ok(())
}

/// Records where a run left the access (from the state it read) and the subscription's
/// provisioning, with the run's closing event.
async fn finish(
    state: &AppState,
    w: &AccessWork,
    to: AccessState,
    steps: &[AccessStep],
    error: Option<&str>,
    event: Option<(&str, Value)>,
) -> sqlx::Result<()> {
    let mut tx = store::begin_recording(&state.db, w.subscription_id).await?;
    let steps = serde_json::to_value(steps).unwrap_or_default();
    if !store::record_access(&mut tx, w.subscription_id, w.state, to, &steps, error).await? {
        return tx.rollback().await;
    }
    store::refresh_provisioning(&mut tx, w.subscription_id).await?;
    let events = event.map(|(action, details)| {
        NewEvent::new(
            actor(),
            action,
            target::subscription(w.subscription_id),
            details,
        )
    });
    audit::commit(tx, events).await?;
    Ok(())
}

/// Where a run stopped: the step that failed and why.
struct Stopped {
    at: StepName,
    error: ConsumerError,
}

async fn set_up(state: &AppState, w: &AccessWork, last_attempt: bool) -> sqlx::Result<JobOutcome> {
    let plan = plan_of(w);
    if plan.same_account() {
        let steps: Vec<AccessStep> = plan
            .setup()
            .iter()
            .map(|s| plan.step(*s, StepStatus::NotNeeded))
            .collect();
        finish(state, w, AccessState::Ready, &steps, None, None).await?;
        return Ok(JobOutcome::Done(json!({ "access": "ready", "link": null })));
    }
    let Some(role) = link_role(w) else {
        let steps: Vec<AccessStep> = plan
            .setup()
            .iter()
            .map(|s| plan.step(*s, StepStatus::Left))
            .collect();
        let details =
            json!({ "reason": "the consumer domain has no link_role_arn", "steps": steps });
        finish(
            state,
            w,
            AccessState::Manual,
            &steps,
            None,
            Some(("consumer.access_left", details)),
        )
        .await?;
        return Ok(JobOutcome::Done(json!({ "access": "manual" })));
    };
    let mut steps = Vec::new();
    match run_setup(state, w, &plan, &role, &mut steps).await? {
        Ok(()) => {
            let to = if is_account(&w.principal) {
                AccessState::Manual
            } else {
                AccessState::Ready
            };
            let details = json!({ "link": w.link_database, "consumer_account": w.consumer_account, "steps": steps });
            finish(
                state,
                w,
                to,
                &steps,
                None,
                Some(("consumer.access_ready", details)),
            )
            .await?;
            Ok(JobOutcome::Done(
                json!({ "access": to, "link": w.link_database }),
            ))
        }
        Err(stopped) => stop(state, w, &plan, steps, stopped, last_attempt, AccessState::Failed).await,
    }
}

/// Records a stopped run: a transient failure before the last attempt leaves the state as it is
/// (the job retries); otherwise the access ends `failed_state` (`failed` for a set-up,
/// `remove_failed` for a take-down, whose steps the rest are listed from).
async fn stop(
    state: &AppState,
    w: &AccessWork,
    plan: &Plan<'_>,
    mut steps: Vec<AccessStep>,
    stopped: Stopped,
    last_attempt: bool,
    failed_state: AccessState,
) -> sqlx::Result<JobOutcome> {
    let all: Vec<StepName> =
        if failed_state == AccessState::RemoveFailed { plan.teardown().to_vec() } else { plan.setup().to_vec() };
    let message = format!("{}", stopped.error);
    let mut failed = plan.step(stopped.at, StepStatus::Failed);
    failed.error = Some(message.clone());
    steps.push(failed);
    let rest = if stopped.error.retryable && !last_attempt {
        StepStatus::Pending
    } else {
        StepStatus::Left
    };
    let missing: Vec<StepName> = all
        .into_iter()
        .filter(|n| !steps.iter().any(|s| s.step == *n))
        .collect();
    steps.extend(missing.into_iter().map(|name| plan.step(name, rest)));
    if stopped.error.retryable && !last_attempt {
        finish(state, w, w.state, &steps, Some(&message), None).await?;
        return Ok(JobOutcome::Retry(message));
    }
    let details = json!({ "step": stopped.at, "error": message, "steps": steps });
    finish(
        state,
        w,
        failed_state,
        &steps,
        Some(&message),
        Some(("consumer.access_failed", details)),
    )
    .await?;
    Ok(JobOutcome::Fatal(message))
}

async fn run_setup(
    state: &AppState,
    w: &AccessWork,
    plan: &Plan<'_>,
    role: &LinkRole,
    steps: &mut Vec<AccessStep>,
) -> sqlx::Result<Result<(), Stopped>> {
    let consumer = state.consumer.as_ref();
    let at = |step| move |error| Stopped { at: step, error };

    // 1. The invitations from the holding account that carry this subscription's database.
    let step = StepName::AcceptInvitation;
    let invitations = match consumer.pending_invitations(role).await {
        Ok(all) => all
            .into_iter()
            .filter(|i| i.sender == w.target_catalog_id)
            .collect::<Vec<_>>(),
        Err(e) => return Ok(Err(at(step)(e))),
    };
    let mut accepted = Vec::new();
    for invitation in invitations {
        let resources = match consumer.invitation_resources(role, &invitation.arn).await {
            Ok(r) => r,
            Err(e) => return Ok(Err(at(step)(e))),
        };
        if !resources
            .iter()
            .any(|arn| of_database(arn, &w.target_catalog_id, &w.target_database))
        {
            continue; // another share from the same account: not ours to accept
        }
        match consumer.accept_invitation(role, &invitation.arn).await {
            Ok(request_id) => {
                let details = json!({ "invitation": invitation.arn, "sender": invitation.sender,
                                      "consumer_account": w.consumer_account, "aws_request_id": request_id });
                audited(state, w.subscription_id, "ram.invitation_accepted", details).await?;
                accepted.push(invitation.arn);
            }
            Err(e) => return Ok(Err(at(step)(e))),
        }
    }
    // The grants reach the account through the share: wait for it (an invitation RAM has not
    // sent yet, or one the consumer rejected) rather than link to what the principal cannot read.
    match consumer.shared_resources(role).await {
        Ok(shared)
            if shared
                .iter()
                .any(|arn| of_database(arn, &w.target_catalog_id, &w.target_database)) => {}
        Ok(_) => {
            let error = ConsumerError {
                message: format!(
                    "account {} has not received the share of database {} from account {} (no pending AWS RAM invitation \
                     carries it, and none was accepted)",
                    w.consumer_account, w.target_database, w.target_catalog_id
                ),
                retryable: true,
            };
            return Ok(Err(at(step)(error)));
        }
        Err(e) => return Ok(Err(at(step)(e))),
    }
    let mut done = plan.step(
        step,
        if accepted.is_empty() {
            StepStatus::NotNeeded
        } else {
            StepStatus::Done
        },
    );
    if !accepted.is_empty() {
        done.detail = format!("accepted the AWS RAM invitation {} from account {}", accepted.join(", "), w.target_catalog_id);
    }
    steps.push(done);

    // 2. The link, unless the name is taken by something else.
    let step = StepName::CreateResourceLink;
    match consumer.database(role, &w.link_database).await {
        Ok(Existing::Missing) => {
            if let Err(e) = consumer
                .create_link(
                    role,
                    &w.link_database,
                    &w.target_catalog_id,
                    &w.target_database,
                )
                .await
            {
                return Ok(Err(at(step)(e)));
            }
            let details = json!({ "consumer_account": w.consumer_account, "link": w.link_database,
                                  "target": { "catalog_id": w.target_catalog_id, "database": w.target_database } });
            audited(
                state,
                w.subscription_id,
                "glue.resource_link_created",
                details,
            )
            .await?;
            steps.push(plan.step(step, StepStatus::Done));
        }
        Ok(Existing::Link {
            catalog_id,
            database,
        }) if catalog_id == w.target_catalog_id && database == w.target_database => {
            steps.push(plan.step(step, StepStatus::NotNeeded));
        }
        Ok(other) => {
            let what = match other {
                Existing::Link {
                    catalog_id,
                    database,
                } => format!("a resource link to database {database} of account {catalog_id}"),
                _ => "a database of its own".to_string(),
            };
            let error = ConsumerError {
                message: format!(
                    "account {} already has {what} named {}: meshgov does not overwrite it; rename or delete it, then retry",
                    w.consumer_account, w.link_database
                ),
                retryable: false,
            };
            return Ok(Err(at(step)(error)));
        }
        Err(e) => return Ok(Err(at(step)(e))),
    }

    // 3. DESCRIBE on the link for the principal (an account principal's administrator grants it).
    let step = StepName::GrantDescribe;
    if is_account(&w.principal) {
        steps.push(plan.step(step, StepStatus::Left));
        return Ok(Ok(()));
    }
    match consumer
        .grant_describe(role, &w.principal, &w.link_database)
        .await
    {
        Ok(request_id) => {
            let details = json!({ "principal": w.principal, "consumer_account": w.consumer_account,
                                  "resource": { "Database": { "Name": w.link_database } }, "permissions": ["DESCRIBE"],
                                  "aws_request_id": request_id });
            audited(state, w.subscription_id, "lakeformation.grant", details).await?;
            steps.push(plan.step(step, StepStatus::Done));
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(at(step)(e))),
    }
}

async fn take_down(
    state: &AppState,
    w: &AccessWork,
    last_attempt: bool,
) -> sqlx::Result<JobOutcome> {
    let plan = plan_of(w);
    let role = link_role(w);
    let (link_used, describe_used) = store::link_users(
        &state.db,
        &w.consumer_account,
        &w.link_database,
        &w.principal,
        w.subscription_id,
    )
    .await?;
    let Some(role) = role.filter(|_| !plan.same_account()) else {
        let status = if plan.same_account() {
            StepStatus::NotNeeded
        } else {
            StepStatus::Left
        };
        let steps = vec![
            plan.step(
                StepName::RevokeDescribe,
                if describe_used {
                    StepStatus::NotNeeded
                } else {
                    status
                },
            ),
            plan.step(
                StepName::DeleteResourceLink,
                if link_used {
                    StepStatus::NotNeeded
                } else {
                    status
                },
            ),
        ];
        finish(state, w, AccessState::Removed, &steps, None, None).await?;
        return Ok(JobOutcome::Done(json!({ "access": "removed" })));
    };
    let mut steps = Vec::new();
    if let Err(stopped) = run_teardown(state, w, &plan, &role, (link_used, describe_used), &mut steps).await? {
        return stop(state, w, &plan, steps, stopped, last_attempt, AccessState::RemoveFailed).await;
    }
    let details =
        json!({ "link": w.link_database, "consumer_account": w.consumer_account, "steps": steps });
    finish(
        state,
        w,
        AccessState::Removed,
        &steps,
        None,
        Some(("consumer.access_removed", details)),
    )
    .await?;
    Ok(JobOutcome::Done(json!({ "access": "removed" })))
}

/// Revokes DESCRIBE and deletes the link, each unless another live subscription needs it
/// (`used`: the link by the account, DESCRIBE by the principal); stops at the first failure.
async fn run_teardown(
    state: &AppState,
    w: &AccessWork,
    plan: &Plan<'_>,
    role: &LinkRole,
    (link_used, describe_used): (bool, bool),
    steps: &mut Vec<AccessStep>,
) -> sqlx::Result<Result<(), Stopped>> {
    let consumer = state.consumer.as_ref();
    let at = |step| move |error| Stopped { at: step, error };

    let step = StepName::RevokeDescribe;
    if is_account(&w.principal) {
        // The account's administrator granted its principals DESCRIBE: theirs to take back.
        steps.push(plan.step(step, StepStatus::Left));
    } else if describe_used {
        steps.push(plan.step(step, StepStatus::NotNeeded));
    } else {
        match consumer.revoke_describe(role, &w.principal, &w.link_database).await {
            Ok(request_id) => {
                let details = json!({ "principal": w.principal, "consumer_account": w.consumer_account,
                                      "resource": { "Database": { "Name": w.link_database } }, "permissions": ["DESCRIBE"],
                                      "aws_request_id": request_id });
                audited(state, w.subscription_id, "lakeformation.revoke", details).await?;
                steps.push(plan.step(step, StepStatus::Done));
            }
            Err(e) => return Ok(Err(at(step)(e))),
        }
    }

    let step = StepName::DeleteResourceLink;
    if link_used {
        steps.push(plan.step(step, StepStatus::NotNeeded));
        return Ok(Ok(()));
    }
    let ours = match consumer.database(role, &w.link_database).await {
        Ok(Existing::Link { catalog_id, database }) => catalog_id == w.target_catalog_id && database == w.target_database,
        Ok(_) => false,
        Err(e) => return Ok(Err(at(step)(e))),
    };
    if !ours {
        // Gone already, or not meshgov's link: left alone.
        steps.push(plan.step(step, StepStatus::NotNeeded));
        return Ok(Ok(()));
    }
    if let Err(e) = consumer.delete_database(role, &w.link_database).await {
        return Ok(Err(at(step)(e)));
    }
    let details = json!({ "consumer_account": w.consumer_account, "link": w.link_database });
    audited(state, w.subscription_id, "glue.resource_link_deleted", details).await?;
    steps.push(plan.step(step, StepStatus::Done));
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ram_resources_of_a_database() {
        let table = "arn:aws:glue:eu-west-1:111122223333:table/sales__orders/orders";
        assert!(of_database(table, "111122223333", "sales__orders"));
        assert!(of_database(
            "arn:aws:glue:eu-west-1:111122223333:database/sales__orders",
            "111122223333",
            "sales__orders"
        ));
        assert!(!of_database(table, "999988887777", "sales__orders"));
        assert!(!of_database(table, "111122223333", "sales"));
        assert!(!of_database(
            "arn:aws:glue:eu-west-1:111122223333:table/sales__orders_old/orders",
            "111122223333",
            "sales__orders"
        ));
        assert!(!of_database(
            "arn:aws:s3:::bucket",
            "111122223333",
            "sales__orders"
        ));
    }

    fn record(state: AccessState, consumer: &str) -> AccessRecord {
        AccessRecord {
            consumer_account: consumer.into(),
            link_database: "sales__orders".into(),
            target_catalog_id: "999988887777".into(),
            target_database: "sales__orders".into(),
            tables: vec!["orders".into()],
            state,
            steps: Vec::new(),
            last_error: None,
        }
    }

    #[test]
    fn without_a_link_role_every_step_is_left_with_its_command() {
        let v = view(
            &record(AccessState::Manual, "222233334444"),
            "arn:aws:iam::222233334444:role/analyst",
        );
        assert_eq!(
            v.steps.iter().map(|s| s.status).collect::<Vec<_>>(),
            [StepStatus::Left; 3]
        );
        assert!(v.steps[1].detail.contains(
            r#""TargetDatabase":{"CatalogId":"999988887777","DatabaseName":"sales__orders"}"#
        ));
        assert!(
            v.steps[2]
                .detail
                .contains("DataLakePrincipalIdentifier=arn:aws:iam::222233334444:role/analyst")
        );
        assert_eq!(
            v.example_query.as_deref(),
            Some(r#"SELECT * FROM "sales__orders"."orders" LIMIT 10"#)
        );
    }

    #[test]
    fn in_the_account_that_holds_the_grants_nothing_is_needed() {
        let v = view(
            &record(AccessState::Ready, "999988887777"),
            "arn:aws:iam::999988887777:role/analyst",
        );
        assert!(v.steps.iter().all(|s| s.status == StepStatus::NotNeeded));
        assert_eq!(v.database, "sales__orders");
    }

    #[test]
    fn recorded_steps_win_and_the_rest_follow_the_state() {
        let mut r = record(AccessState::Pending, "222233334444");
        r.steps = vec![AccessStep {
            step: StepName::AcceptInvitation,
            status: StepStatus::Done,
            detail: "accepted x".into(),
            error: None,
        }];
        let v = view(&r, "arn:aws:iam::222233334444:role/analyst");
        assert_eq!(
            v.steps.iter().map(|s| s.status).collect::<Vec<_>>(),
            [StepStatus::Done, StepStatus::Pending, StepStatus::Pending]
        );
        r.state = AccessState::Removing;
        let v = view(&r, "arn:aws:iam::222233334444:role/analyst");
        assert_eq!(
            v.steps.iter().map(|s| s.step).collect::<Vec<_>>(),
            [StepName::RevokeDescribe, StepName::DeleteResourceLink]
        );
    }
}
