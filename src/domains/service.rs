//! Domain onboarding: validate → authorize (done by the handler) → write → audit, in one transaction.

use serde_json::json;
use sqlx::PgPool;

use super::model::{AccessPolicy, ApprovalPolicy, CatalogMode, DomainPatch, DomainRow, NewDomain};
use super::store::{self, DomainFields};
use crate::audit::{self, Actor, NewEvent, target};
use crate::http::auth::Caller;
use crate::http::extract::{IfMatch, etag};
use crate::http::problem::{ApiError, ApiResult, Violations};
use crate::idempotency::{self, Claim, Created};
use crate::validate::{self, AwsAccountId, RoleArn, Slug};

/// A domain's values as a request proposes them (a create, or a patch over the current row).
struct Proposed<'a> {
    name: &'a str,
    description: &'a str,
    aws_account_id: &'a str,
    sync_role_arn: Option<&'a str>,
    owners: &'a [String],
    approval_policy: ApprovalPolicy,
    catalog_mode: CatalogMode,
    data_access_role_arn: Option<&'a str>,
    grant_role_arn: Option<&'a str>,
    link_role_arn: Option<&'a str>,
    access_policy: AccessPolicy,
}

/// Validated values of a domain, whichever request they came from.
struct Valid {
    name: String,
    description: String,
    aws_account_id: String,
    sync_role_arn: Option<String>,
    owners: Vec<String>,
    approval_policy: ApprovalPolicy,
    catalog_mode: CatalogMode,
    data_access_role_arn: Option<String>,
    grant_role_arn: Option<String>,
    link_role_arn: Option<String>,
    access_policy: AccessPolicy,
}

impl Valid {
    fn fields(&self) -> DomainFields<'_> {
        DomainFields {
            name: &self.name,
            description: &self.description,
            aws_account_id: &self.aws_account_id,
            sync_role_arn: self.sync_role_arn.as_deref(),
            owners: &self.owners,
            approval_policy: self.approval_policy.as_str(),
            catalog_mode: self.catalog_mode,
            data_access_role_arn: self.data_access_role_arn.as_deref(),
            grant_role_arn: self.grant_role_arn.as_deref(),
            link_role_arn: self.link_role_arn.as_deref(),
            access_policy: self.access_policy,
        }
    }
}

/// A role ARN field; `in_account`: the account it must be in, if any.
fn role(v: &mut Violations, field: &str, raw: Option<&str>, in_account: Option<&AwsAccountId>) -> Option<Option<String>> {
    let Some(raw) = raw else { return Some(None) };
    let role = v.check(RoleArn::parse(field, raw))?;
    if let Some(account) = in_account
        && role.account() != account.as_str()
    {
        v.add(field, "account_mismatch", "the role must be in the domain's AWS account");
    }
    Some(Some(role.as_str().to_string()))
}

fn validate_all(v: &mut Violations, p: Proposed<'_>) -> Option<Valid> {
    let name = v.check(validate::text("name", p.name, 1, 200, false));
    let description = v.check(validate::text("description", p.description, 0, 4000, true));
    let account = v.check(AwsAccountId::parse("aws_account_id", p.aws_account_id));
    let sync_role_arn = role(v, "sync_role_arn", p.sync_role_arn, account.as_ref());
    let grant_role_arn = role(v, "grant_role_arn", p.grant_role_arn, account.as_ref());
    let link_role_arn = role(v, "link_role_arn", p.link_role_arn, account.as_ref());
    // A role of the governance account, whose id the registry does not hold: readiness checks it.
    let data_access_role_arn = role(v, "data_access_role_arn", p.data_access_role_arn, None);
    if p.owners.len() > 50 {
        v.add("owners", "too_many", "at most 50 owners");
    }
    let owners: Vec<String> =
        p.owners.iter().enumerate().filter_map(|(i, o)| v.check(validate::label(&format!("owners[{i}]"), o, 200))).collect();
    let policy = p.access_policy;
    let days = |v: &mut Violations, field: &str, value: Option<super::model::Days>, min: i32, max: i32| {
        if value.is_some_and(|d| !(min..=max).contains(&d.0)) {
            v.add(&format!("access_policy.{field}"), "out_of_range", &format!("from {min} to {max} days"));
        }
    };
    days(v, "review_every_days", policy.review_every_days, 1, 3650);
    days(v, "review_grace_days", Some(policy.review_grace_days), 0, 365);
    days(v, "unused_after_days", policy.unused_after_days, 1, 3650);
    Some(Valid {
        name: name?,
        description: description?,
        aws_account_id: account?.as_str().to_string(),
        sync_role_arn: sync_role_arn?,
        owners,
        approval_policy: p.approval_policy,
        catalog_mode: p.catalog_mode,
        data_access_role_arn: data_access_role_arn?,
        grant_role_arn: grant_role_arn?,
        link_role_arn: link_role_arn?,
        access_policy: policy,
    })
}

fn external_id() -> String {
    format!("meshgov-{}", uuid::Uuid::new_v4().simple())
}

pub async fn create(
    db: &PgPool,
    caller: &Caller,
    req: NewDomain,
    idempotency_key: Option<&str>,
) -> ApiResult<Created<DomainRow>> {
    let mut v = Violations::default();
    let slug = v.check(Slug::parse("slug", &req.slug));
    let valid = validate_all(
        &mut v,
        Proposed {
            name: &req.name,
            description: req.description.as_deref().unwrap_or(""),
            aws_account_id: &req.aws_account_id,
            sync_role_arn: req.sync_role_arn.as_deref(),
            owners: req.owners.as_deref().unwrap_or(&[]),
            approval_policy: req.approval_policy.unwrap_or(ApprovalPolicy::Stewards),
            catalog_mode: req.catalog_mode.unwrap_or(CatalogMode::Central),
            data_access_role_arn: req.data_access_role_arn.as_deref(),
            grant_role_arn: req.grant_role_arn.as_deref(),
            link_role_arn: req.link_role_arn.as_deref(),
            access_policy: req.access_policy.unwrap_or_default(),
        },
    );
    v.finish()?;
    let (slug, valid) = (slug.expect("checked"), valid.expect("checked"));

    let mut tx = db.begin().await?;
    let key = match idempotency::claim(&mut tx, &caller.sub, idempotency_key, "POST", "/domains", &req).await? {
        Claim::Fresh(key) => key,
        Claim::Replay(body) => return Ok(Created::Replayed(body)),
    };
    let row = store::insert(&mut tx, slug.as_str(), &external_id(), &valid.fields()).await?;
    key.complete(&mut tx, 201, &row.view(caller)).await?;
    let event = NewEvent::new(
        Actor::from(caller),
        "domain.created",
        target::domain(&row.slug),
        json!({
            "name": row.name, "aws_account_id": row.aws_account_id, "sync_role_arn": row.sync_role_arn,
            "owners": row.owners, "approval_policy": row.approval_policy,
        }),
    );
    audit::commit(tx, [event]).await?;
    Ok(Created::New(row))
}

pub async fn get(db: &PgPool, slug: &str) -> ApiResult<DomainRow> {
    if !Slug::is_valid(slug) {
        return Err(not_found(slug));
    }
    store::find(db, slug, false).await?.ok_or_else(|| not_found(slug))
}

pub fn not_found(slug: &str) -> ApiError {
    ApiError::not_found(format!("no domain {slug:?}"))
}

pub async fn update(
    db: &PgPool,
    caller: &Caller,
    slug: &str,
    patch: DomainPatch,
    if_match: &IfMatch,
) -> ApiResult<DomainRow> {
    if !Slug::is_valid(slug) {
        return Err(not_found(slug));
    }
    let mut tx = db.begin().await?;
    let current = store::find(&mut *tx, slug, true).await?.ok_or_else(|| not_found(slug))?;
    // A field the patch names replaces the current value (`null` clears an optional one).
    fn or<'a>(patch: &'a Option<Option<String>>, current: &'a Option<String>) -> Option<&'a str> {
        match patch {
            None => current.as_deref(),
            Some(new) => new.as_deref(),
        }
    }
    let mut v = Violations::default();
    let catalog_mode = patch.catalog_mode.unwrap_or(current.catalog_mode);
    let valid = validate_all(
        &mut v,
        Proposed {
            name: patch.name.as_deref().unwrap_or(&current.name),
            description: patch.description.as_deref().unwrap_or(&current.description),
            aws_account_id: patch.aws_account_id.as_deref().unwrap_or(&current.aws_account_id),
            sync_role_arn: or(&patch.sync_role_arn, &current.sync_role_arn),
            owners: patch.owners.as_deref().unwrap_or(&current.owners),
            approval_policy: patch.approval_policy.unwrap_or(current.approval_policy),
            catalog_mode,
            data_access_role_arn: or(&patch.data_access_role_arn, &current.data_access_role_arn),
            grant_role_arn: or(&patch.grant_role_arn, &current.grant_role_arn),
            link_role_arn: or(&patch.link_role_arn, &current.link_role_arn),
            access_policy: match &patch.access_policy {
                Some(changes) => current.access_policy.patched(changes),
                None => current.access_policy,
            },
        },
    );
    v.finish()?;
    // If-Match once the change is known to be valid: bad input is a 422 whatever the ETag.
    if_match.check(&etag(current.version))?;
    // Grants live where the mode says: moving them would strand the ones already made.
    if catalog_mode != current.catalog_mode {
        let live = store::count_live_grants(&mut tx, current.id).await?;
        if live > 0 {
            return Err(ApiError::conflict(
                "domain_has_live_grants",
                format!(
                    "the domain's products have {live} live grant(s) in {} mode; revoke them before changing the catalog mode",
                    current.catalog_mode.as_str()
                ),
            ));
        }
    }
    let valid = valid.expect("checked");
    let row = store::update(&mut tx, current.id, &valid.fields()).await?;
    let changed = serde_json::to_value(&patch).unwrap_or_default();
    let event =
        NewEvent::new(Actor::from(caller), "domain.updated", target::domain(slug), json!({ "changes": changed, "version": row.version }));
    audit::commit(tx, [event]).await?;
    Ok(row)
}

pub async fn delete(db: &PgPool, caller: &Caller, slug: &str, if_match: &IfMatch) -> ApiResult<()> {
    if !Slug::is_valid(slug) {
        return Err(not_found(slug));
    }
    let mut tx = db.begin().await?;
    let current = store::find(&mut *tx, slug, true).await?.ok_or_else(|| not_found(slug))?;
    if_match.check(&etag(current.version))?;
    let products = store::count_products(&mut tx, current.id).await?;
    if products > 0 {
        return Err(ApiError::conflict(
            "domain_has_products",
            format!("the domain still owns {products} product(s); a domain can only be deleted without products"),
        ));
    }
    store::delete(&mut tx, current.id).await?;
    let event =
        NewEvent::new(Actor::from(caller), "domain.deleted", target::domain(slug), json!({ "aws_account_id": current.aws_account_id }));
    audit::commit(tx, [event]).await?;
    Ok(())
}
