//! Domain onboarding: validate → authorize (done by the handler) → write → audit, in one transaction.

use serde_json::json;
use sqlx::PgPool;

use super::model::{ApprovalPolicy, DomainPatch, DomainRow, NewDomain};
use super::store::{self, DomainFields};
use crate::audit::{self, Actor, NewEvent, target};
use crate::http::auth::Caller;
use crate::http::extract::{IfMatch, etag};
use crate::http::problem::{ApiError, ApiResult, Violations};
use crate::idempotency::{self, Claim, Created};
use crate::validate::{self, AwsAccountId, RoleArn, Slug};

/// Validated values of a domain, whichever request they came from.
struct Valid {
    name: String,
    description: String,
    aws_account_id: String,
    sync_role_arn: Option<String>,
    owners: Vec<String>,
    approval_policy: ApprovalPolicy,
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
        }
    }
}

fn validate_all(
    v: &mut Violations,
    name: &str,
    description: &str,
    account: &str,
    role: Option<&str>,
    owners: &[String],
    policy: ApprovalPolicy,
) -> Option<Valid> {
    let name = v.check(validate::text("name", name, 1, 200, false));
    let description = v.check(validate::text("description", description, 0, 4000, true));
    let account = v.check(AwsAccountId::parse("aws_account_id", account));
    let role = match role {
        None => Some(None),
        Some(raw) => v.check(RoleArn::parse("sync_role_arn", raw)).map(Some),
    };
    if let (Some(account), Some(Some(role))) = (&account, &role)
        && role.account() != account.as_str()
    {
        v.add("sync_role_arn", "account_mismatch", "the role must be in the domain's AWS account");
    }
    if owners.len() > 50 {
        v.add("owners", "too_many", "at most 50 owners");
    }
    let owners: Vec<String> =
        owners.iter().enumerate().filter_map(|(i, o)| v.check(validate::label(&format!("owners[{i}]"), o, 200))).collect();
    Some(Valid {
        name: name?,
        description: description?,
        aws_account_id: account?.as_str().to_string(),
        sync_role_arn: role?.map(|r| r.as_str().to_string()),
        owners,
        approval_policy: policy,
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
        &req.name,
        req.description.as_deref().unwrap_or(""),
        &req.aws_account_id,
        req.sync_role_arn.as_deref(),
        req.owners.as_deref().unwrap_or(&[]),
        req.approval_policy.unwrap_or(ApprovalPolicy::Stewards),
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
    if_match.check(&etag(current.version))?;
    let mut v = Violations::default();
    let role = match &patch.sync_role_arn {
        None => current.sync_role_arn.as_deref(),
        Some(new) => new.as_deref(),
    };
    let valid = validate_all(
        &mut v,
        patch.name.as_deref().unwrap_or(&current.name),
        patch.description.as_deref().unwrap_or(&current.description),
        patch.aws_account_id.as_deref().unwrap_or(&current.aws_account_id),
        role,
        patch.owners.as_deref().unwrap_or(&current.owners),
        patch.approval_policy.unwrap_or(current.approval_policy),
    );
    v.finish()?;
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
