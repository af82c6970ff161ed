//! Reviews: list them for approvers, confirm or revoke, and the scheduler's duty that sends
//! reminders and ends what was not reviewed in time or is not used.

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{Confirmation, Review, ReviewQuery, ReviewRevocation, ReviewState};
use super::store::{self, ListFilter};
use crate::AppState;
use crate::audit::{self, Actor, NewEvent, target};
use crate::http::auth::{Caller, Role};
use crate::http::extract::IfMatch;
use crate::http::pagination;
use crate::http::problem::{ApiError, ApiResult, FieldError};
use crate::jobs::{BoxFuture, Duty};
use crate::subscriptions::model::{Approval, Decision, SubscriptionRow, SubscriptionStatus};
use crate::subscriptions::service::{end_approved, may_decide, may_see};
use crate::subscriptions::store as subscriptions;

fn not_found() -> ApiError {
    ApiError::not_found("no such subscription")
}

/// The reviews the caller may act on or oversee: stewards and admins all; a domain's producers
/// those of their domains whose policy lets owners decide.
pub async fn list(db: &PgPool, caller: &Caller, query: ReviewQuery) -> ApiResult<(Vec<Review>, i64)> {
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor("reviews", query.cursor.as_deref())?;
    let owned_by = if caller.sees_everything() {
        None
    } else if caller.has(Role::Producer) {
        Some(caller.producer_domains())
    } else {
        return Err(ApiError::forbidden("reviews are for the approvers of a domain's subscriptions, stewards and admins"));
    };
    let domain = crate::validate::query_text("domain", query.domain, 63)?;
    let filter = ListFilter { domain, state: query.state, owned_by, after };
    Ok((store::list(db, &filter, limit).await?, limit))
}

/// The subscription, locked, if the caller may decide on it and it is live.
async fn decidable(tx: &mut sqlx::PgConnection, caller: &Caller, id: Uuid) -> ApiResult<SubscriptionRow> {
    let row = subscriptions::find(&mut *tx, id, true).await?.ok_or_else(not_found)?;
    if !may_see(caller, &row) {
        return Err(not_found());
    }
    let product = subscriptions::product_by_id(&mut *tx, row.product_id).await?;
    if !may_decide(caller, product.approval_policy, &product.domain_slug) {
        return Err(ApiError::forbidden(format!(
            "reviews of subscriptions to domain {:?} are for the approvers its policy names (and admins)",
            product.domain_slug
        )));
    }
    if row.status != SubscriptionStatus::Approved {
        return Err(ApiError::conflict("subscription_not_live", format!("the subscription is {}, not approved", row.status.as_str())));
    }
    Ok(row)
}

/// Confirms that the access is still needed: the next review counts from now.
pub async fn confirm(db: &PgPool, caller: &Caller, id: Uuid, body: Confirmation) -> ApiResult<Review> {
    let comment = match body.comment.as_deref() {
        Some(c) => Some(crate::validate::text("comment", c, 0, 4096, true).map_err(|e| ApiError::validation(vec![e]))?),
        None => None,
    }
    .filter(|c| !c.is_empty());
    let mut tx = db.begin().await?;
    decidable(&mut tx, caller, id).await?;
    if store::find(&mut *tx, id).await?.and_then(|r| r.due_at).is_none() {
        return Err(ApiError::conflict("reviews_off", "the product's domain does not review access (its access_policy.review_every_days is null)"));
    }
    store::confirm(&mut tx, id, &caller.sub).await?;
    let review = store::find(&mut *tx, id).await?.ok_or_else(not_found)?;
    let event = NewEvent::new(
        Actor::from(caller),
        "subscription.review_confirmed",
        target::subscription(id),
        json!({ "comment": comment, "next_due_at": review.due_at }),
    );
    audit::commit(tx, [event]).await?;
    Ok(review)
}

/// Ends the subscription from its review, as a revoke with its reason.
pub async fn revoke(state: &AppState, caller: &Caller, id: Uuid, body: ReviewRevocation) -> ApiResult<SubscriptionRow> {
    let required = || ApiError::validation(vec![FieldError::new("comment", "required", "a comment is required")]);
    let comment = body.comment.ok_or_else(required)?;
    let comment = crate::validate::text("comment", &comment, 1, 4096, true).map_err(|e| ApiError::validation(vec![e]))?;
    // The revoke checks the rest (who may decide, that it is live) as any revoke does.
    let approval = Approval { comment: Some(comment), ..Default::default() };
    crate::subscriptions::service::decide(state, caller, id, &IfMatch::default(), Decision::Revoke, approval).await
}

/// A scheduler duty: reminders for reviews that fell due or overdue (each once, through the
/// event feed and webhooks), the end of subscriptions whose review is past its grace period
/// (`expired`, reason `review_overdue`), and the revocation of unused ones where the domain says so
/// (`revoked`, reason `unused`). One replica at a time.
pub const REVIEWS: Duty = Duty { name: "reviews", run: scheduled };

fn scheduled(state: &AppState) -> BoxFuture<'_, sqlx::Result<usize>> {
    Box::pin(run(&state.db))
}

pub async fn run(db: &PgPool) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    if !store::try_lock(&mut tx).await? {
        return Ok(0);
    }
    let reviews = Actor::system("reviews");
    let mut events = Vec::new();
    for (notice, action) in [("due", "subscription.review_due"), ("overdue", "subscription.review_overdue")] {
        for (id, due_at) in store::mark_notice(&mut tx, notice).await? {
            events.push(NewEvent::new(reviews.clone(), action, target::subscription(id), json!({ "due_at": due_at })));
        }
    }
    // Each still ending: read again once its row is locked, since a confirmation, a use or a
    // decision may have been committed after the list was read (and a subscription may be on both
    // lists). The later one wins.
    let past_grace = |r: &Review| r.state == Some(ReviewState::Overdue) && r.ends_at.is_some_and(|t| t <= chrono::Utc::now());
    let unused = |r: &Review| r.unused;
    let ending: [(Vec<Uuid>, SubscriptionStatus, Actor, &str, fn(&Review) -> bool); 2] = [
        (store::past_grace(&mut tx).await?, SubscriptionStatus::Expired, Actor::system("reviews"), "review_overdue", past_grace),
        (store::unused_to_revoke(&mut tx).await?, SubscriptionStatus::Revoked, Actor::system("unused-access"), "unused", unused),
    ];
    for (ids, to, actor, reason, still) in &ending {
        for id in ids {
            let row = subscriptions::find(&mut *tx, *id, true).await?.ok_or(sqlx::Error::RowNotFound)?;
            if row.status != SubscriptionStatus::Approved || !store::find(&mut *tx, *id).await?.as_ref().is_some_and(|r| still(r)) {
                continue;
            }
            let product = subscriptions::product_by_id(&mut *tx, row.product_id).await?;
            events.push(end_approved(&mut tx, &row, &product, *to, actor, Some(reason)).await?);
        }
    }
    let n = events.len();
    audit::commit(tx, events).await?;
    Ok(n)
}
