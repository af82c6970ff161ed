//! Reading the feed: a bounded window of the audit trail per request, filtered by the reader's
//! entitlement, with a cursor that always moves on.

use super::model::{CloudEvent, EventPage, FeedQuery};
use super::store::{self, Audience};
use crate::AppState;
use crate::http::auth::Caller;
use crate::http::pagination;
use crate::http::problem::{ApiError, ApiResult};

/// Most audit events one read examines. A reader entitled to few events would otherwise make the
/// database walk the whole trail to fill a page; with the window, each request costs the same and
/// `next_after` still moves on by up to this much.
pub const SCAN_WINDOW: i64 = 5000;

/// The end of the window that starts after `after`: never past the trail's head, so nothing is
/// skipped that has not been committed yet.
pub async fn window_end(db: &sqlx::PgPool, after: i64) -> sqlx::Result<i64> {
    let head = store::head(db).await?;
    Ok(head.min(after.saturating_add(SCAN_WINDOW)).max(after))
}

pub async fn feed(state: &AppState, caller: &Caller, query: FeedQuery) -> ApiResult<EventPage> {
    let limit = pagination::limit(query.limit)?;
    let after = match query.after {
        None => 0,
        Some(n) if n >= 0 => n,
        Some(_) => return Err(ApiError::bad_request("invalid_after", "after must be 0 or the seq of an event")),
    };
    let upto = window_end(&state.db, after).await?;
    let rows = store::visible(&state.db, &Audience::from(caller), after, upto, None, limit).await?;
    // A full page ends at its last event; otherwise the whole window was examined.
    let next_after = match rows.last() {
        Some(last) if rows.len() as i64 == limit => last.seq,
        _ => upto,
    };
    let source = &state.config.events.source;
    let events = rows.into_iter().map(|e| CloudEvent::from_audit(e, source)).collect();
    Ok(EventPage { events, next_after })
}
