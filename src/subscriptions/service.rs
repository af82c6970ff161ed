//! Subscription rules: validation of the request against the product's synced schema and Lake
//! Formation's limits, who may decide, the state machine, and the grants an approval needs. Each
//! write is one transaction: the change, its grants and job, and its audit event last.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{Approval, Decision, ListQuery, NewSubscription, Permission, Subscription, SubscriptionRow, SubscriptionStatus};
use super::scope::{self, Resolved};
use super::store::{self, ListFilter, NewRow, ProductContext};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent, target};
use crate::domains::model::ApprovalPolicy;
use crate::grants::holder::{CatalogMode, GrantTarget};
use crate::catalog_sync::jobs::MirrorProduct;
use crate::grants::jobs::{ApplyGrants, RevokeGrants};
use crate::grants::model::{Grant, Provisioning};
use crate::grants::plan;
use crate::http::auth::{Caller, Role};
use crate::http::extract::{IfMatch, etag};
use crate::http::pagination;
use crate::http::problem::{ApiError, ApiResult, FieldError, Violations};
use crate::idempotency::{self, Claim};
use crate::jobs::BackgroundJob;
use crate::validate::{self, Slug};

/// The outcome of a request.
pub enum Requested {
    New(SubscriptionRow),
    /// An identical live request existed: it is returned instead of a duplicate.
    Existing(SubscriptionRow),
    /// The same Idempotency-Key was used before: the first answer.
    Replayed(serde_json::Value),
}

/// Consumers of the domain and admins ask for access on its behalf.
pub fn authorize_request(caller: &Caller, consumer_domain: &str) -> ApiResult<()> {
    if caller.is_admin() || (caller.has(Role::Consumer) && caller.member_of(consumer_domain)) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("only consumers of domain {consumer_domain:?} and admins may request access for it")))
    }
}

/// Who may approve, reject and revoke subscriptions to a domain's products.
pub fn may_decide(caller: &Caller, policy: ApprovalPolicy, product_domain: &str) -> bool {
    let steward = caller.has(Role::Steward);
    let owner = caller.is_producer_in(product_domain);
    caller.is_admin()
        || match policy {
            ApprovalPolicy::Stewards => steward,
            ApprovalPolicy::Owners => owner,
            ApprovalPolicy::Either => steward || owner,
        }
}

fn authorize_decision(caller: &Caller, product: &ProductContext) -> ApiResult<()> {
    let policy = product.approval_policy;
    if may_decide(caller, policy, &product.domain_slug) {
        Ok(())
    } else {
        let who = match policy {
            ApprovalPolicy::Stewards => "stewards",
            ApprovalPolicy::Owners => "the owning domain's producers",
            ApprovalPolicy::Either => "stewards and the owning domain's producers",
        };
        Err(ApiError::forbidden(format!(
            "domain {:?} lets {who} (and admins) decide on subscriptions to its products",
            product.domain_slug
        )))
    }
}

/// Who may see a subscription.
pub fn may_see(caller: &Caller, row: &SubscriptionRow) -> bool {
    caller.sees_everything()
        || (caller.has(Role::Consumer) && caller.member_of(&row.consumer_domain))
        || caller.is_producer_in(&row.product_domain)
        || caller.sub == row.requested_by
}

fn unknown_product(domain: &str, product: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new("product", "unknown_product", format!("no product {product:?} in domain {domain:?}"))])
}

pub async fn request(
    state: &AppState,
    caller: &Caller,
    req: NewSubscription,
    idempotency_key: Option<&str>,
) -> ApiResult<Requested> {
    authorize_request(caller, &req.consumer_domain)?;
    let mut v = Violations::default();
    let justification = v.check(validate::text("justification", &req.justification, 1, 4096, true));
    let account = v.check(scope::principal_account(&req.principal));
    let permissions = req.permissions.clone().unwrap_or_else(|| vec![Permission::Select]);
    if !permissions.contains(&Permission::Select) {
        v.add("permissions", "select_required", "SELECT is the permission a subscription grants (DESCRIBE is implied)");
    }
    scope::check_expiry(&mut v, "expires_at", req.expires_at, state.config.subscription_max_days, None);
    if !Slug::is_valid(&req.domain) {
        v.add("domain", "unknown_domain", format!("no domain {:?}", req.domain));
    }
    if !Slug::is_valid(&req.product) {
        v.add("product", "unknown_product", format!("no product {:?}", req.product));
    }
    if !Slug::is_valid(&req.consumer_domain) {
        v.add("consumer_domain", "unknown_domain", format!("no domain {:?}", req.consumer_domain));
    }
    v.finish()?;
    let (justification, account) = (justification.expect("checked"), account.expect("checked"));

    let mut tx = state.db.begin().await?;
    let consumer = crate::domains::store::find(&mut *tx, &req.consumer_domain, false).await?.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("consumer_domain", "unknown_domain", format!("no domain {:?}", req.consumer_domain))])
    })?;
    if account != consumer.aws_account_id {
        return Err(ApiError::forbidden(format!(
            "the principal must belong to the consumer domain's AWS account ({})",
            consumer.aws_account_id
        )));
    }
    let key = match idempotency::claim(&mut tx, &caller.sub, idempotency_key, "POST", "/subscriptions", &req).await? {
        Claim::Fresh(key) => key,
        Claim::Replay(body) => return Ok(Requested::Replayed(body)),
    };
    let product = store::product_by_slug(&mut tx, &req.domain, &req.product)
        .await?
        .ok_or_else(|| unknown_product(&req.domain, &req.product))?;
    let may_see_drafts = caller.oversees(&product.domain_slug);
    if product.draft && !may_see_drafts {
        return Err(unknown_product(&req.domain, &req.product));
    }
    if !product.published {
        return Err(ApiError::conflict(
            "product_not_published",
            format!("the product is {}: only published products can be subscribed to", product.status),
        ));
    }
    if product.schema_version == 0 {
        return Err(ApiError::conflict(
            "product_not_synced",
            "the product's schema has never been synced from its producer's catalog; sync it first",
        ));
    }
    let mut v = Violations::default();
    let resolved = scope::resolve(&mut v, "tables", req.tables.as_deref(), &product.schema.0);
    v.finish()?;
    let permissions = vec!["DESCRIBE".to_string(), "SELECT".to_string()];
    let hash = scope::scope_hash(&resolved.scope, &permissions);
    let (id, new) = store::insert(
        &mut tx,
        &NewRow {
            product_id: product.id,
            consumer_domain_id: consumer.id,
            principal: &req.principal,
            scope: &resolved.scope,
            scope_hash: &hash,
            permissions: &permissions,
            justification: &justification,
            expires_at: req.expires_at,
            requested_by: &caller.sub,
        },
    )
    .await?;
    if !new {
        let row = store::find(&mut *tx, id, false).await?.ok_or(sqlx::Error::RowNotFound)?;
        key.complete(&mut tx, 200, &Subscription::from(row.clone())).await?;
        tx.commit().await?;
        return Ok(Requested::Existing(row));
    }
    let event = NewEvent::new(
        Actor::from(caller),
        "subscription.requested",
        target::subscription(id),
        json!({
            "product": target::product(&product.domain_slug, &product.slug),
            "consumer_domain": consumer.slug, "principal": req.principal, "scope": resolved.scope,
            "expires_at": req.expires_at, "justification": justification,
        }),
    );
    let mut events = vec![event];
    if product.auto_approve {
        let row = store::find(&mut *tx, id, true).await?.ok_or(sqlx::Error::RowNotFound)?;
        let system = Actor::system("auto-approve");
        let comment = Some("auto-approved: public product");
        let target = grant_target(state, &product).await?;
        events.push(approve_in(&mut tx, &row, &product, &target, resolved, row.requested_expires_at, &system, comment).await?);
    }
    let row = store::find(&mut *tx, id, false).await?.ok_or(sqlx::Error::RowNotFound)?;
    key.complete(&mut tx, 201, &Subscription::from(row.clone())).await?;
    audit::commit(tx, events).await?;
    Ok(Requested::New(row))
}

/// Where the product's grants go: the governance account's mirror (central mode, which needs the
/// governance account's id) or the producer's catalog.
async fn grant_target(state: &AppState, product: &ProductContext) -> ApiResult<GrantTarget> {
    let governance = match product.catalog_mode {
        CatalogMode::Central => state.aws.governance_account().await.ok_or_else(|| {
            ApiError::unavailable("governance_account_unknown", "STS could not say which AWS account meshgov runs in; try again")
        })?,
        CatalogMode::Producer => String::new(),
    };
    Ok(product.place().grant_target(&governance))
}

/// Stores an approval: the approved scope, its grants, the job that applies them; returns the
/// audit event for the caller to append last (appending takes the chain lock until commit).
#[allow(clippy::too_many_arguments)]
async fn approve_in(
    tx: &mut PgConnection,
    row: &SubscriptionRow,
    product: &ProductContext,
    target: &GrantTarget,
    approved: Resolved,
    expires_at: Option<DateTime<Utc>>,
    actor: &Actor,
    comment: Option<&str>,
) -> ApiResult<NewEvent> {
    if approved.tables.is_empty() {
        return Err(ApiError::conflict("scope_outdated", "the product has no tables to grant"));
    }
    store::approve(tx, row.id, &approved.scope, expires_at, &actor.sub, comment).await?;
    let planned = plan::plan(row.id, &target.catalog_id, &target.database, &approved.tables);
    crate::grants::store::insert(tx, row.id, &row.principal, &target.catalog_id, &planned).await?;
    let link = crate::grants::access::link_database(&product.domain_slug, &product.slug);
    let tables: Vec<String> = approved.tables.iter().map(|t| t.name.clone()).collect();
    crate::grants::store::insert_access(tx, row.id, &link, &target.catalog_id, &target.database, &tables).await?;
    if product.mirror_behind {
        // The grants wait for the mirror: build it now rather than at the next scheduled sync (a
        // live mirror job is joined, not repeated), queued first so that it is claimed first.
        let mirror = MirrorProduct { domain: product.domain_slug.clone(), product: product.slug.clone(), product_id: product.id };
        mirror.enqueue(tx, Some(product.domain_id), &actor.sub).await?;
    }
    let job = ApplyGrants { subscription_id: row.id }.enqueue(tx, Some(product.domain_id), &actor.sub).await?;
    Ok(NewEvent::new(
        actor.clone(),
        "subscription.approved",
        target::subscription(row.id),
        json!({ "scope": approved.scope, "expires_at": expires_at, "comment": comment, "grants": planned.len(), "job_id": job.id }),
    ))
}

fn not_found() -> ApiError {
    ApiError::not_found("no such subscription")
}

fn illegal(from: SubscriptionStatus, decision: Decision) -> ApiError {
    ApiError::conflict("illegal_transition", format!("a {} subscription cannot be {}", from.as_str(), decision.verb()))
}

fn comment(field: &str, raw: Option<&str>, required: bool) -> ApiResult<Option<String>> {
    match raw {
        None if required => Err(ApiError::validation(vec![FieldError::new(field, "required", "a comment is required")])),
        None => Ok(None),
        Some(c) => validate::text(field, c, if required { 1 } else { 0 }, 4096, true)
            .map(|c| (!c.is_empty()).then_some(c))
            .map_err(|e| ApiError::validation(vec![e])),
    }
}

/// Approve, reject, cancel or revoke.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    if_match: &IfMatch,
    decision: Decision,
    approval: Approval,
) -> ApiResult<SubscriptionRow> {
    // Bad input is refused whatever the subscription's state or ETag.
    let note = comment("comment", approval.comment.as_deref(), decision == Decision::Reject)?;
    let mut tx = state.db.begin().await?;
    let row = store::find(&mut *tx, id, true).await?.ok_or_else(not_found)?;
    if !may_see(caller, &row) {
        return Err(ApiError::forbidden("the caller may not see this subscription"));
    }
    let product = store::product_by_id(&mut *tx, row.product_id).await?;
    match decision {
        Decision::Cancel => {
            if caller.sub != row.requested_by && !caller.is_admin() {
                return Err(ApiError::forbidden("only the requester (and admins) may cancel a request"));
            }
        }
        _ => authorize_decision(caller, &product)?,
    }
    if_match.check(&etag(row.version))?;
    let from = row.status;
    let to = decision.apply(from).ok_or_else(|| illegal(from, decision))?;
    let actor = Actor::from(caller);
    let event = match decision {
        Decision::Approve => {
            let requested = &row.requested_scope.0;
            let mut v = Violations::default();
            // Narrowed by the approver (checked now), or as requested (checked again: the
            // product's schema may have changed since the request).
            let narrowed = approval.tables.as_deref().map(|tables| {
                let narrowed = scope::resolve(&mut v, "tables", Some(tables), &product.schema.0);
                scope::check_narrowing(&mut v, requested, &narrowed.scope);
                narrowed
            });
            let expires_at = approval.expires_at.or(row.requested_expires_at);
            let max_days = state.config.subscription_max_days;
            scope::check_expiry(&mut v, "expires_at", approval.expires_at, max_days, row.requested_expires_at);
            v.finish()?;
            let approved = match narrowed {
                Some(narrowed) => narrowed,
                None => scope::resolve_approved(requested, &product.schema.0)?,
            };
            let target = grant_target(state, &product).await?;
            approve_in(&mut tx, &row, &product, &target, approved, expires_at, &actor, note.as_deref()).await?
        }
        Decision::Reject => {
            store::reject(&mut tx, id, &caller.sub, note.as_deref()).await?;
            NewEvent::new(actor, "subscription.rejected", target::subscription(id), json!({ "comment": note }))
        }
        Decision::Cancel => {
            store::end(&mut tx, id, to.as_str(), &caller.sub, note.as_deref()).await?;
            NewEvent::new(actor, "subscription.cancelled", target::subscription(id), json!({ "comment": note }))
        }
        Decision::Revoke | Decision::Expire => end_approved(&mut tx, &row, &product, to, &actor, note.as_deref()).await?,
    };
    // The answer is read before the audit append: the append holds the chain lock, which
    // serializes every writer, until the commit right after it.
    let row = store::find(&mut *tx, id, false).await?.ok_or_else(not_found)?;
    audit::commit(tx, [event]).await?;
    Ok(row)
}

/// Revokes (or expires) an approved subscription: its grants are to be revoked by a job. Returns
/// the audit event for the caller to append.
pub(crate) async fn end_approved(
    tx: &mut PgConnection,
    row: &SubscriptionRow,
    product: &ProductContext,
    to: SubscriptionStatus,
    actor: &Actor,
    note: Option<&str>,
) -> sqlx::Result<NewEvent> {
    store::end(tx, row.id, to.as_str(), &actor.sub, note).await?;
    crate::grants::store::mark_revoking(tx, row.id).await?;
    let job = RevokeGrants { subscription_id: row.id }.enqueue(tx, Some(product.domain_id), &actor.sub).await?;
    Ok(NewEvent::new(
        actor.clone(),
        &format!("subscription.{}", to.as_str()),
        target::subscription(row.id),
        json!({ "comment": note, "job_id": job.id }),
    ))
}

/// Ends every live subscription of a product being retired, in the caller's transaction:
/// approved ones are revoked, pending ones rejected. Returns their audit events, for the caller to
/// append last.
pub async fn end_for_retired_product(tx: &mut PgConnection, product_id: Uuid, caller: &Caller) -> sqlx::Result<Vec<NewEvent>> {
    let live = store::live_of_product(tx, product_id).await?;
    if live.is_empty() {
        return Ok(Vec::new());
    }
    let product = store::product_by_id(&mut *tx, product_id).await?;
    let actor = Actor::from(caller);
    let note = Some("the product was retired");
    let mut events = Vec::new();
    for (id, status) in &live {
        let row = store::find(&mut *tx, *id, false).await?.ok_or(sqlx::Error::RowNotFound)?;
        if *status == SubscriptionStatus::Approved {
            events.push(end_approved(tx, &row, &product, SubscriptionStatus::Revoked, &actor, note).await?);
        } else {
            store::reject(tx, *id, &caller.sub, note).await?;
            events.push(NewEvent::new(actor.clone(), "subscription.rejected", target::subscription(*id), json!({ "comment": note })));
        }
    }
    Ok(events)
}

/// Re-queues a subscription's failed grants or revokes (stewards, admins).
pub async fn retry(caller: &Caller, db: &PgPool, id: Uuid, if_match: &IfMatch) -> ApiResult<SubscriptionRow> {
    if !(caller.is_admin() || caller.has(Role::Steward)) {
        return Err(ApiError::forbidden("only stewards and admins may retry provisioning"));
    }
    let mut tx = db.begin().await?;
    let row = store::find(&mut *tx, id, true).await?.ok_or_else(not_found)?;
    if_match.check(&etag(row.version))?;
    if !matches!(row.provisioning, Provisioning::GrantFailed | Provisioning::RevokeFailed) {
        return Err(ApiError::conflict(
            "nothing_to_retry",
            format!("provisioning is {}: only grant_failed or revoke_failed can be retried", row.provisioning.as_str()),
        ));
    }
    let requeued = crate::grants::store::requeue_failed(&mut tx, id).await?;
    // `granting` or `revoking` again, as the requeued grants say (an approved subscription whose
    // narrowing failed to revoke is `granting` while it is retried).
    crate::grants::store::refresh_provisioning(&mut tx, id).await?;
    let domain = Some(row.product_domain_id);
    let job = if row.provisioning == Provisioning::GrantFailed {
        ApplyGrants { subscription_id: id }.enqueue(&mut tx, domain, &caller.sub).await?
    } else {
        RevokeGrants { subscription_id: id }.enqueue(&mut tx, domain, &caller.sub).await?
    };
    let row = store::find(&mut *tx, id, false).await?.ok_or_else(not_found)?;
    let event =
        NewEvent::new(Actor::from(caller), "subscription.retried", target::subscription(id), json!({ "grants": requeued, "job_id": job.id }));
    audit::commit(tx, [event]).await?;
    Ok(row)
}

pub async fn get(db: &PgPool, caller: &Caller, id: Uuid) -> ApiResult<(SubscriptionRow, Vec<Grant>)> {
    let row = store::find(db, id, false).await?.ok_or_else(not_found)?;
    if !may_see(caller, &row) {
        return Err(ApiError::forbidden("only the consumer domain, the product's producers, stewards and admins may see this subscription"));
    }
    let grants = crate::grants::store::list(db, id).await?;
    Ok((row, grants))
}

pub async fn list(db: &PgPool, caller: &Caller, query: ListQuery) -> ApiResult<(Vec<SubscriptionRow>, i64)> {
    let limit = pagination::limit(query.limit)?;
    let visible = (!caller.sees_everything()).then(|| {
        let consumer = if caller.has(Role::Consumer) { caller.domains.iter().cloned().collect() } else { Vec::new() };
        (consumer, caller.producer_domains())
    });
    let filter = ListFilter {
        status: query.status.map(SubscriptionStatus::as_str),
        domain: validate::query_text("domain", query.domain, 63)?,
        product: validate::query_text("product", query.product, 63)?,
        consumer_domain: validate::query_text("consumer_domain", query.consumer_domain, 63)?,
        visible,
        before_id: pagination::decode_cursor("subscriptions", query.cursor.as_deref())?,
    };
    Ok((store::list(db, &filter, limit).await?, limit))
}
