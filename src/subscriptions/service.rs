//! Subscription rules: validation of the request against the product's synced schema and Lake
//! Formation's limits, who may decide, the state machine, and the grants an approval needs. Each
//! write is one transaction: the change, its grants and job, and its audit event last.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{
    Approval, Decision, Grant, ListQuery, NewSubscription, Permission, Scope, SubscriptionRow, SubscriptionStatus,
    TableScope,
};
use super::rowfilter;
use super::store::{self, ListFilter, NewRow, ProductContext};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent};
use crate::domains::model::ApprovalPolicy;
use crate::grants::plan::{self, ResolvedTable};
use crate::http::auth::{Caller, Role};
use crate::http::pagination;
use crate::http::problem::{ApiError, ApiResult, FieldError, Violations};
use crate::idempotency::{self, store::Claim};
use crate::products::model::SchemaDocument;
use crate::validate::{self, AwsAccountId, RoleArn, Slug};

/// Lake Formation accepts at most this many data cells filters per grant request.
pub const MAX_ROW_FILTERS: usize = 10;

pub fn target(id: Uuid) -> String {
    format!("subscription:{id}")
}

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
fn may_decide(caller: &Caller, policy: ApprovalPolicy, product_domain: &str) -> bool {
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
    let policy = ApprovalPolicy::from_db(&product.approval_policy);
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

fn columns_of(schema: &SchemaDocument, table: &str) -> Option<Vec<String>> {
    schema
        .tables
        .iter()
        .find(|t| t.name == table)
        .map(|t| t.columns.iter().chain(t.partition_keys.iter()).map(|c| c.name.clone()).collect())
}

/// Validates tables against the schema and Lake Formation's limits; returns the canonical scope
/// (tables sorted, columns sorted and deduplicated, filters trimmed) and its resolved tables.
fn resolve(v: &mut Violations, field: &str, tables: Option<&[TableScope]>, schema: &SchemaDocument) -> (Scope, Vec<ResolvedTable>) {
    let Some(list) = tables else {
        let all = schema
            .tables
            .iter()
            .map(|t| ResolvedTable { name: t.name.clone(), columns: None, row_filter: None })
            .collect();
        return (Scope { tables: None }, all);
    };
    if list.is_empty() {
        v.add(field, "empty", "list at least one table, or omit the list for every table");
    }
    if list.len() > 1000 {
        v.add(field, "too_many", "at most 1000 tables");
        return (Scope::default(), Vec::new());
    }
    let mut out: Vec<TableScope> = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, t) in list.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let Some(existing) = columns_of(schema, &t.name) else {
            v.add(format!("{f}.name"), "unknown_table", format!("the product has no table {:?}", t.name));
            continue;
        };
        if !seen.insert(t.name.clone()) {
            v.add(format!("{f}.name"), "duplicate", "each table may appear once");
            continue;
        }
        let columns = match &t.columns {
            None => None,
            Some(cols) if cols.is_empty() => {
                v.add(format!("{f}.columns"), "empty", "list at least one column, or omit the list for every column");
                None
            }
            Some(cols) => {
                let mut set = BTreeSet::new();
                for (j, c) in cols.iter().enumerate() {
                    if existing.contains(c) {
                        set.insert(c.clone());
                    } else {
                        v.add(format!("{f}.columns[{j}]"), "unknown_column", format!("table {:?} has no column {c:?}", t.name));
                    }
                }
                Some(set.into_iter().collect::<Vec<_>>())
            }
        };
        let row_filter = match &t.row_filter {
            None => None,
            Some(expr) => {
                let expr = expr.trim().to_string();
                if let Err(why) = rowfilter::check(&expr, &existing) {
                    v.add(format!("{f}.row_filter"), "invalid_row_filter", why);
                }
                Some(expr)
            }
        };
        out.push(TableScope { name: t.name.clone(), columns, row_filter });
    }
    if out.iter().filter(|t| t.row_filter.is_some()).count() > MAX_ROW_FILTERS {
        v.add(field, "too_many_row_filters", format!("Lake Formation accepts at most {MAX_ROW_FILTERS} row filters per grant"));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    let resolved = out
        .iter()
        .map(|t| ResolvedTable { name: t.name.clone(), columns: t.columns.clone(), row_filter: t.row_filter.clone() })
        .collect();
    (Scope { tables: Some(out) }, resolved)
}

fn scope_hash(scope: &Scope, permissions: &[String]) -> String {
    let canonical = json!({ "scope": scope, "permissions": permissions });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

fn check_expiry(v: &mut Violations, field: &str, at: Option<DateTime<Utc>>, max_days: u32, not_after: Option<DateTime<Utc>>) {
    let Some(at) = at else { return };
    let now = Utc::now();
    if at <= now {
        v.add(field, "in_past", "must be in the future");
    } else if at > now + Duration::days(max_days as i64) {
        v.add(field, "too_late", format!("at most {max_days} days from now"));
    } else if let Some(limit) = not_after
        && at > limit
    {
        v.add(field, "widens_scope", "an approval may bring the expiry forward, never push it back");
    }
}

fn principal_account(raw: &str) -> Result<String, FieldError> {
    if let Ok(account) = AwsAccountId::parse("principal", raw) {
        return Ok(account.as_str().to_string());
    }
    RoleArn::parse("principal", raw).map(|r| r.account().to_string()).map_err(|_| {
        FieldError::new("principal", "invalid_principal", "expected an IAM role ARN or a 12-digit AWS account id")
    })
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
    let account = v.check(principal_account(&req.principal));
    let permissions = req.permissions.clone().unwrap_or_else(|| vec![Permission::Select]);
    if !permissions.contains(&Permission::Select) {
        v.add("permissions", "select_required", "SELECT is the permission a subscription grants (DESCRIBE is implied)");
    }
    check_expiry(&mut v, "expires_at", req.expires_at, state.config.subscription_max_days, None);
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
    if let Some(key) = idempotency_key {
        let hash = idempotency::request_hash("POST", "/subscriptions", &serde_json::to_value(&req).unwrap_or_default());
        if let Claim::Replay(body) = idempotency::store::claim(&mut tx, &caller.sub, key, &hash).await? {
            return Ok(Requested::Replayed(body));
        }
    }
    let product = store::product_by_slug(&mut tx, &req.domain, &req.product)
        .await?
        .ok_or_else(|| unknown_product(&req.domain, &req.product))?;
    let may_see_drafts = caller.sees_everything() || caller.is_producer_in(&product.domain_slug);
    if product.status == "draft" && !may_see_drafts {
        return Err(unknown_product(&req.domain, &req.product));
    }
    if product.status != "published" {
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
    let (scope, _) = resolve(&mut v, "tables", req.tables.as_deref(), &product.schema.0);
    v.finish()?;
    let permissions = vec!["DESCRIBE".to_string(), "SELECT".to_string()];
    let hash = scope_hash(&scope, &permissions);
    let (id, new) = store::insert(
        &mut tx,
        &NewRow {
            product_id: product.id,
            consumer_domain_id: consumer.id,
            principal: &req.principal,
            scope: &scope,
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
        if let Some(key) = idempotency_key {
            let body = serde_json::to_value(super::model::Subscription::from(row.clone())).map_err(ApiError::internal)?;
            idempotency::store::complete(&mut tx, &caller.sub, key, 200, &body).await?;
        }
        tx.commit().await?;
        return Ok(Requested::Existing(row));
    }
    let event = NewEvent::new(
        Actor::from(caller),
        "subscription.requested",
        target(id),
        json!({
            "product": crate::products::service::target(&product.domain_slug, &product.slug),
            "consumer_domain": consumer.slug, "principal": req.principal, "scope": scope,
            "expires_at": req.expires_at, "justification": justification,
        }),
    );
    let mut events = vec![event];
    if product.auto_approve {
        let row = store::find(&mut *tx, id, true).await?.ok_or(sqlx::Error::RowNotFound)?;
        let system = Actor { sub: "system:auto-approve".into(), roles: Vec::new() };
        let approved =
            approve_in(&mut tx, &row, &product, scope.clone(), row.requested_expires_at, &system, Some("auto-approved: public product"))
                .await?;
        events.push(approved);
    }
    let row = store::find(&mut *tx, id, false).await?.ok_or(sqlx::Error::RowNotFound)?;
    if let Some(key) = idempotency_key {
        let body = serde_json::to_value(super::model::Subscription::from(row.clone())).map_err(ApiError::internal)?;
        idempotency::store::complete(&mut tx, &caller.sub, key, 201, &body).await?;
    }
    // Audit events last: appending holds the chain lock, which serializes every writer, until commit.
    for event in events {
        audit::append(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(Requested::New(row))
}

/// Stores an approval: the approved scope, its grants, the job that applies them; returns the
/// audit event for the caller to append last (appending takes the chain lock until commit).
async fn approve_in(
    tx: &mut PgConnection,
    row: &SubscriptionRow,
    product: &ProductContext,
    scope: Scope,
    expires_at: Option<DateTime<Utc>>,
    actor: &Actor,
    comment: Option<&str>,
) -> ApiResult<NewEvent> {
    let mut v = Violations::default();
    let (_, resolved) = resolve(&mut v, "tables", scope.tables.as_deref(), &product.schema.0);
    if !v.0.is_empty() {
        // The schema changed since the request (a table or column is gone).
        return Err(ApiError::conflict(
            "scope_outdated",
            format!("the product's schema no longer has what was requested: {}", ApiError::validation(v.0).detail),
        ));
    }
    if resolved.is_empty() {
        return Err(ApiError::conflict("scope_outdated", "the product has no tables to grant"));
    }
    store::approve(tx, row.id, &scope, expires_at, &actor.sub, comment).await?;
    let planned = plan::plan(row.id, &product.account_id, &product.source_database, &resolved);
    crate::grants::store::insert(tx, row.id, &row.principal, &product.account_id, &planned).await?;
    let job = crate::grants::service::job("apply_grants", row.id, product.domain_id, &actor.sub);
    let job = crate::jobs::store::enqueue(tx, &job).await?;
    Ok(NewEvent::new(
        actor.clone(),
        "subscription.approved",
        target(row.id),
        json!({ "scope": scope, "expires_at": expires_at, "comment": comment, "grants": planned.len(), "job_id": job.id }),
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

/// Checks that `proposed` does not widen `requested`.
fn check_narrowing(v: &mut Violations, requested: &Scope, proposed: &Scope) {
    let (Some(req), Some(prop)) = (&requested.tables, &proposed.tables) else {
        if requested.tables.is_some() && proposed.tables.is_none() {
            v.add("tables", "widens_scope", "an approval may narrow the tables, never widen them");
        }
        return;
    };
    for (i, t) in prop.iter().enumerate() {
        let Some(r) = req.iter().find(|r| r.name == t.name) else {
            v.add(format!("tables[{i}].name"), "widens_scope", format!("table {:?} was not requested", t.name));
            continue;
        };
        if let Some(req_cols) = &r.columns {
            match &t.columns {
                None => v.add(format!("tables[{i}].columns"), "widens_scope", "the request was for some columns only"),
                Some(cols) if !cols.iter().all(|c| req_cols.contains(c)) => {
                    v.add(format!("tables[{i}].columns"), "widens_scope", "only requested columns may be approved")
                }
                Some(_) => {}
            }
        }
        if let Some(req_filter) = &r.row_filter
            && t.row_filter.as_deref() != Some(req_filter.as_str())
        {
            v.add(format!("tables[{i}].row_filter"), "widens_scope", "the requested row filter must be kept as it is");
        }
    }
}

/// Approve, reject, cancel or revoke.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    decision: Decision,
    approval: Approval,
) -> ApiResult<SubscriptionRow> {
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
    let from = SubscriptionStatus::from_db(&row.status);
    let to = decision.apply(from).ok_or_else(|| illegal(from, decision))?;
    let actor = Actor::from(caller);
    let note = comment("comment", approval.comment.as_deref(), decision == Decision::Reject)?;
    let event = match decision {
        Decision::Approve => {
            let requested = row.requested_scope.0.clone();
            let mut v = Violations::default();
            let scope = match &approval.tables {
                None => requested.clone(),
                Some(tables) => {
                    let (scope, _) = resolve(&mut v, "tables", Some(tables), &product.schema.0);
                    check_narrowing(&mut v, &requested, &scope);
                    scope
                }
            };
            let expires_at = approval.expires_at.or(row.requested_expires_at);
            check_expiry(&mut v, "expires_at", approval.expires_at, state.config.subscription_max_days, row.requested_expires_at);
            v.finish()?;
            approve_in(&mut tx, &row, &product, scope, expires_at, &actor, note.as_deref()).await?
        }
        Decision::Reject => {
            store::reject(&mut tx, id, &caller.sub, note.as_deref()).await?;
            NewEvent::new(actor, "subscription.rejected", target(id), json!({ "comment": note }))
        }
        Decision::Cancel => {
            store::end(&mut tx, id, to.as_str(), &caller.sub, note.as_deref()).await?;
            NewEvent::new(actor, "subscription.cancelled", target(id), json!({ "comment": note }))
        }
        Decision::Revoke | Decision::Expire => end_approved(&mut tx, &row, &product, to, &actor, note.as_deref()).await?,
    };
    // The answer is read before the audit append: the append holds the chain lock, which
    // serializes every writer, until the commit right after it.
    let row = store::find(&mut *tx, id, false).await?.ok_or_else(not_found)?;
    audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(row)
}

/// Revokes (or expires) an approved subscription: its grants are to be revoked by a job. Returns
/// the audit event for the caller to append.
async fn end_approved(
    tx: &mut PgConnection,
    row: &SubscriptionRow,
    product: &ProductContext,
    to: SubscriptionStatus,
    actor: &Actor,
    note: Option<&str>,
) -> sqlx::Result<NewEvent> {
    store::end(tx, row.id, to.as_str(), &actor.sub, note).await?;
    crate::grants::store::mark_revoking(tx, row.id).await?;
    let job = crate::grants::service::job("revoke_grants", row.id, product.domain_id, &actor.sub);
    let job = crate::jobs::store::enqueue(tx, &job).await?;
    Ok(NewEvent::new(
        actor.clone(),
        &format!("subscription.{}", to.as_str()),
        target(row.id),
        json!({ "comment": note, "job_id": job.id }),
    ))
}

/// Ends every live subscription of a product being retired, in the caller's transaction:
/// approved ones are revoked, pending ones rejected.
pub async fn end_for_retired_product(tx: &mut PgConnection, product_id: Uuid, caller: &Caller) -> sqlx::Result<usize> {
    let live = store::live_of_product(tx, product_id).await?;
    if live.is_empty() {
        return Ok(0);
    }
    let product = store::product_by_id(&mut *tx, product_id).await?;
    let actor = Actor::from(caller);
    let note = Some("the product was retired");
    for (id, status) in &live {
        let row = store::find(&mut *tx, *id, false).await?.ok_or(sqlx::Error::RowNotFound)?;
        if status == "approved" {
            let event = end_approved(tx, &row, &product, SubscriptionStatus::Revoked, &actor, note).await?;
            audit::append(tx, event).await?;
        } else {
            store::reject(tx, *id, &caller.sub, note).await?;
            audit::append(tx, NewEvent::new(actor.clone(), "subscription.rejected", target(*id), json!({ "comment": note })))
                .await?;
        }
    }
    Ok(live.len())
}

/// Expires approved subscriptions whose time is up; returns how many.
pub async fn expire_due(db: &PgPool) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    let due = store::due_for_expiry(&mut tx, 500).await?;
    let actor = Actor { sub: "system:expiry".into(), roles: Vec::new() };
    for id in &due {
        let row = store::find(&mut *tx, *id, false).await?.ok_or(sqlx::Error::RowNotFound)?;
        let product = store::product_by_id(&mut *tx, row.product_id).await?;
        let event = end_approved(&mut tx, &row, &product, SubscriptionStatus::Expired, &actor, Some("expired")).await?;
        audit::append(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Re-queues a subscription's failed grants or revokes (stewards, admins).
pub async fn retry(caller: &Caller, db: &PgPool, id: Uuid) -> ApiResult<SubscriptionRow> {
    if !(caller.is_admin() || caller.has(Role::Steward)) {
        return Err(ApiError::forbidden("only stewards and admins may retry provisioning"));
    }
    let mut tx = db.begin().await?;
    let row = store::find(&mut *tx, id, true).await?.ok_or_else(not_found)?;
    if !matches!(row.provisioning.as_str(), "grant_failed" | "revoke_failed") {
        return Err(ApiError::conflict(
            "nothing_to_retry",
            format!("provisioning is {}: only grant_failed or revoke_failed can be retried", row.provisioning),
        ));
    }
    let requeued = crate::grants::store::requeue_failed(&mut tx, id).await?;
    let (provisioning, kind) =
        if row.provisioning == "grant_failed" { ("granting", "apply_grants") } else { ("revoking", "revoke_grants") };
    store::set_provisioning(&mut tx, id, provisioning).await?;
    let job = crate::jobs::store::enqueue(&mut tx, &crate::grants::service::job(kind, id, row.product_domain_id, &caller.sub)).await?;
    let row = store::find(&mut *tx, id, false).await?.ok_or_else(not_found)?;
    // Audit last: the chain's lock is held only until commit.
    audit::append(
        &mut tx,
        NewEvent::new(Actor::from(caller), "subscription.retried", target(id), json!({ "grants": requeued, "job_id": job.id })),
    )
    .await?;
    tx.commit().await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, cols: Option<&[&str]>, filter: Option<&str>) -> TableScope {
        TableScope {
            name: name.into(),
            columns: cols.map(|c| c.iter().map(|s| s.to_string()).collect()),
            row_filter: filter.map(str::to_string),
        }
    }

    #[test]
    fn narrowing_never_widens() {
        let req = Scope { tables: Some(vec![t("a", Some(&["x", "y"]), None), t("b", None, Some("x = 1"))]) };
        let ok = |p: Scope| {
            let mut v = Violations::default();
            check_narrowing(&mut v, &req, &p);
            v.0.is_empty()
        };
        assert!(ok(Scope { tables: Some(vec![t("a", Some(&["x"]), None)]) }));
        assert!(ok(Scope { tables: Some(vec![t("b", None, Some("x = 1"))]) }));
        assert!(!ok(Scope { tables: None }));
        assert!(!ok(Scope { tables: Some(vec![t("c", None, None)]) }));
        assert!(!ok(Scope { tables: Some(vec![t("a", None, None)]) }));
        assert!(!ok(Scope { tables: Some(vec![t("a", Some(&["z"]), None)]) }));
        assert!(!ok(Scope { tables: Some(vec![t("b", None, None)]) }));
    }

    #[test]
    fn principals() {
        assert_eq!(principal_account("111122223333").unwrap(), "111122223333");
        assert_eq!(principal_account("arn:aws:iam::111122223333:role/x").unwrap(), "111122223333");
        assert!(principal_account("arn:aws:iam::111122223333:user/x").is_err());
        assert!(principal_account("*").is_err());
    }
}
