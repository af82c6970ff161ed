//! Product rules: validation, visibility, lifecycle. Each write is one transaction that ends with
//! its audit event.

use serde_json::json;
use sqlx::PgPool;

use super::model::{
    Classification, Lifecycle, NewProduct, ProductPatch, ProductRow, ProductStatus, SearchQuery, Source,
};
use super::store::{self, ProductFields, SearchFilter};
use crate::audit::{self, Actor, NewEvent, target};
use crate::catalog_sync::jobs::SyncProduct;
use crate::domains;
use crate::http::auth::Caller;
use crate::http::extract::{IfMatch, etag};
use crate::http::pagination;
use crate::http::problem::{ApiError, ApiResult, Violations};
use crate::idempotency::{self, Claim, Created};
use crate::jobs::BackgroundJob;
use crate::validate::{self, Slug};

/// Producers of the owning domain and admins change products.
pub fn authorize_write(caller: &Caller, domain: &str) -> ApiResult<()> {
    if caller.is_admin() || caller.is_producer_in(domain) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("only producers of domain {domain:?} and admins may change its products")))
    }
}

struct Valid {
    name: String,
    description: String,
    classification: Classification,
    auto_approve: bool,
    tags: Vec<String>,
    owner: String,
    source: Source,
}

impl Valid {
    fn fields(&self) -> ProductFields<'_> {
        ProductFields {
            name: &self.name,
            description: &self.description,
            classification: self.classification.as_str(),
            tags: &self.tags,
            owner: &self.owner,
            source_database: &self.source.database,
            source_tables: self.source.tables.as_deref(),
            auto_approve: self.auto_approve,
        }
    }
}

fn tag(field: &str, raw: &str) -> Result<String, crate::http::problem::FieldError> {
    let t = raw.to_lowercase();
    let ok = (1..=50).contains(&t.len())
        && t.starts_with(|c: char| c.is_ascii_alphanumeric())
        && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.:".contains(&b));
    if ok {
        Ok(t)
    } else {
        Err(crate::http::problem::FieldError::new(
            field,
            "invalid_tag",
            "1 to 50 characters: letters, digits, - _ . :, starting with a letter or digit",
        ))
    }
}

#[allow(clippy::too_many_arguments)]
fn validate_all(
    v: &mut Violations,
    name: &str,
    description: &str,
    classification: Classification,
    auto_approve: bool,
    tags: &[String],
    owner: &str,
    source: &Source,
) -> Option<Valid> {
    if auto_approve && classification != Classification::Public {
        v.add("auto_approve", "not_public", "only public products may approve subscriptions automatically");
    }
    let name = v.check(validate::text("name", name, 1, 200, false));
    let description = v.check(validate::text("description", description, 0, 10000, true));
    let owner = v.check(validate::text("owner", owner, 1, 200, false));
    if tags.len() > 50 {
        v.add("tags", "too_many", "at most 50 tags");
    }
    let mut clean_tags: Vec<String> = Vec::new();
    for (i, raw) in tags.iter().enumerate() {
        if let Some(t) = v.check(tag(&format!("tags[{i}]"), raw))
            && !clean_tags.contains(&t)
        {
            clean_tags.push(t);
        }
    }
    let database = v.check(validate::glue_name("source.database", &source.database));
    let tables = match &source.tables {
        None => Some(None),
        Some(list) if list.is_empty() => {
            v.add("source.tables", "empty", "list at least one table, or omit it for all tables");
            None
        }
        Some(list) if list.len() > 1000 => {
            v.add("source.tables", "too_many", "at most 1000 tables");
            None
        }
        Some(list) => {
            let mut clean: Vec<String> = Vec::new();
            for (i, t) in list.iter().enumerate() {
                if let Some(t) = v.check(validate::glue_name(&format!("source.tables[{i}]"), t))
                    && !clean.contains(&t)
                {
                    clean.push(t);
                }
            }
            Some(Some(clean))
        }
    };
    Some(Valid {
        name: name?,
        description: description?,
        classification,
        auto_approve,
        tags: clean_tags,
        owner: owner?,
        source: Source { database: database?, tables: tables? },
    })
}

pub async fn create(
    db: &PgPool,
    caller: &Caller,
    domain: &str,
    req: NewProduct,
    idempotency_key: Option<&str>,
) -> ApiResult<Created<ProductRow>> {
    let mut v = Violations::default();
    let slug = v.check(Slug::parse("slug", &req.slug));
    let valid = validate_all(
        &mut v,
        &req.name,
        req.description.as_deref().unwrap_or(""),
        req.classification.unwrap_or(Classification::Internal),
        req.auto_approve.unwrap_or(false),
        req.tags.as_deref().unwrap_or(&[]),
        req.owner.as_deref().unwrap_or(&caller.sub),
        &req.source,
    );
    v.finish()?;
    let (slug, valid) = (slug.expect("checked"), valid.expect("checked"));

    if !Slug::is_valid(domain) {
        return Err(domains::service::not_found(domain));
    }
    let mut tx = db.begin().await?;
    let owner_domain = domains::store::find(&mut *tx, domain, false).await?.ok_or_else(|| domains::service::not_found(domain))?;
    let path = format!("/domains/{domain}/products");
    let key = match idempotency::claim(&mut tx, &caller.sub, idempotency_key, "POST", &path, &req).await? {
        Claim::Fresh(key) => key,
        Claim::Replay(body) => return Ok(Created::Replayed(body)),
    };
    let row = store::insert(&mut tx, owner_domain.id, slug.as_str(), &valid.fields()).await?;
    key.complete(&mut tx, 201, &super::model::Product::from(row.clone())).await?;
    let event = NewEvent::new(
        Actor::from(caller),
        "product.created",
        target::product(domain, &row.slug),
        json!({
            "name": row.name, "classification": row.classification, "auto_approve": row.auto_approve,
            "tags": row.tags, "owner": row.owner,
            "source": { "database": row.source_database, "tables": row.source_tables },
        }),
    );
    audit::commit(tx, [event]).await?;
    Ok(Created::New(row))
}

fn not_found(domain: &str, product: &str) -> ApiError {
    ApiError::not_found(format!("no product {product:?} in domain {domain:?}"))
}

/// Malformed slugs name nothing: answered 404 without a query.
fn check_path(domain: &str, product: &str) -> ApiResult<()> {
    if Slug::is_valid(domain) && Slug::is_valid(product) { Ok(()) } else { Err(not_found(domain, product)) }
}

/// A product the caller may see; drafts are invisible (404) to those who may not.
pub async fn get(db: &PgPool, caller: &Caller, domain: &str, product: &str) -> ApiResult<ProductRow> {
    check_path(domain, product)?;
    let row = store::find(db, domain, product, false).await?.ok_or_else(|| not_found(domain, product))?;
    if row.status == ProductStatus::Draft && !caller.oversees(domain) {
        return Err(not_found(domain, product));
    }
    Ok(row)
}

/// Loads and locks a product for a write by `caller`, checking authorization and `If-Match`.
async fn lock_for_write(
    tx: &mut sqlx::PgConnection,
    caller: &Caller,
    domain: &str,
    product: &str,
    if_match: &IfMatch,
) -> ApiResult<ProductRow> {
    check_path(domain, product)?;
    let row = store::find(&mut *tx, domain, product, true).await?.ok_or_else(|| not_found(domain, product))?;
    if row.status == ProductStatus::Draft && !caller.oversees(domain) {
        return Err(not_found(domain, product));
    }
    authorize_write(caller, domain)?;
    if_match.check(&etag(row.version))?;
    Ok(row)
}

pub async fn update(
    db: &PgPool,
    caller: &Caller,
    domain: &str,
    product: &str,
    patch: ProductPatch,
    if_match: &IfMatch,
) -> ApiResult<ProductRow> {
    let mut tx = db.begin().await?;
    // If-Match is checked once the change is known to be valid: bad input is a 422 whatever the
    // ETag, as for every other write.
    let current = lock_for_write(&mut tx, caller, domain, product, &IfMatch::default()).await?;
    let current_source = Source { database: current.source_database.clone(), tables: current.source_tables.clone() };
    if let Some(source) = &patch.source
        && *source != current_source
        && current.status != ProductStatus::Draft
    {
        return Err(ApiError::conflict(
            "product_not_draft",
            "the source of a product can change only while it is a draft; publish a new product instead",
        ));
    }
    let mut v = Violations::default();
    let valid = validate_all(
        &mut v,
        patch.name.as_deref().unwrap_or(&current.name),
        patch.description.as_deref().unwrap_or(&current.description),
        patch.classification.unwrap_or(current.classification),
        patch.auto_approve.unwrap_or(current.auto_approve),
        patch.tags.as_deref().unwrap_or(&current.tags),
        patch.owner.as_deref().unwrap_or(&current.owner),
        patch.source.as_ref().unwrap_or(&current_source),
    );
    v.finish()?;
    if_match.check(&etag(current.version))?;
    let row = store::update(&mut tx, current.id, &valid.expect("checked").fields()).await?;
    let event = NewEvent::new(
        Actor::from(caller),
        "product.updated",
        target::product(domain, product),
        json!({ "changes": serde_json::to_value(&patch).unwrap_or_default(), "version": row.version }),
    );
    audit::commit(tx, [event]).await?;
    Ok(row)
}

pub async fn transition(
    db: &PgPool,
    caller: &Caller,
    domain: &str,
    product: &str,
    action: Lifecycle,
    if_match: &IfMatch,
) -> ApiResult<ProductRow> {
    let mut tx = db.begin().await?;
    let current = lock_for_write(&mut tx, caller, domain, product, if_match).await?;
    let from = current.status;
    let to = action.apply(from).ok_or_else(|| {
        ApiError::conflict(
            "illegal_transition",
            format!("a {} product cannot be {}", from.as_str(), action.verb()),
        )
    })?;
    let row = store::set_status(&mut tx, current.id, to.as_str()).await?;
    // Publishing reads the product's tables from the producer, in the same transaction so the
    // sync cannot be lost; a domain without a sync role is synced once it gets one.
    if action == Lifecycle::Publish
        && let Some(owner) = domains::store::find_by_id(&mut *tx, row.domain_id).await?
        && owner.sync_role_arn.is_some()
    {
        let job = SyncProduct { domain: domain.to_string(), product: product.to_string(), product_id: row.id };
        job.enqueue(&mut tx, Some(owner.id), &caller.sub).await?;
    }
    // Retiring ends every live subscription in the same transaction: grants are revoked by jobs.
    // The one call from products into subscriptions.
    let mut events = Vec::new();
    if action == Lifecycle::Retire {
        events = crate::subscriptions::service::end_for_retired_product(&mut tx, row.id, caller).await?;
    }
    events.push(NewEvent::new(
        Actor::from(caller),
        &format!("product.{}", action.verb()),
        target::product(domain, product),
        json!({ "from": from.as_str(), "to": to.as_str(), "version": row.version }),
    ));
    audit::commit(tx, events).await?;
    Ok(row)
}

/// Catalog search with the caller's visibility applied in SQL.
pub async fn search(
    db: &PgPool,
    caller: &Caller,
    query: SearchQuery,
    fixed_domain: Option<&str>,
) -> ApiResult<(Vec<ProductRow>, i64)> {
    let limit = pagination::limit(query.limit)?;
    let q = validate::query_text("q", query.q, 200)?;
    let domain = match fixed_domain {
        Some(d) => Some(d.to_string()),
        None => validate::query_text("domain", query.domain, 63)?,
    };
    let tag = validate::query_text("tag", query.tag, 50)?.map(|t| t.to_lowercase());
    let filter = SearchFilter {
        q,
        domain,
        status: query.status.map(ProductStatus::as_str),
        tag,
        classification: query.classification.map(Classification::as_str),
        drafts_visible_in: (!caller.sees_everything()).then(|| caller.producer_domains()),
        before_id: pagination::decode_cursor("products", query.cursor.as_deref())?,
    };
    Ok((store::search(db, &filter, limit).await?, limit))
}
