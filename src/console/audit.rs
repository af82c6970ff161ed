//! The console's audit pages, for stewards and admins: the trail with filters, and the chain's
//! verification. Through `audit::service`, as the API's `/audit` reads it.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::pages::{Viewer, render};
use super::views::{self, AuditEventView, AuditPage, AuditVerifyPage, given};
use crate::AppState;
use crate::audit::service::{self, AuditQuery};

/// Events per page.
const AUDIT_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditForm {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    cursor: Option<String>,
}


pub async fn trail(State(state): State<AppState>, viewer: Viewer, Query(form): Query<AuditForm>) -> Response {
    let query = AuditQuery {
        actor: given(&form.actor),
        action: given(&form.action),
        target: given(&form.target),
        cursor: given(&form.cursor),
        limit: Some(AUDIT_PAGE),
        ..Default::default()
    };
    let page = match service::list(&state.db, &viewer.caller, query).await {
        Ok(page) => page,
        Err(e) => return viewer.problem(e),
    };
    let filters = [("actor", &form.actor), ("action", &form.action), ("target", &form.target)];
    let next = page.next_cursor.map(|cursor| views::next_page("/console/audit", &filters, &cursor));
    let events = page
        .items
        .into_iter()
        .map(|e| AuditEventView {
            seq: e.seq,
            at: views::when(&e.at),
            actor: e.actor_sub,
            action: e.action,
            target: e.target,
            details: e.details.to_string(),
        })
        .collect();
    let page = AuditPage {
        header: viewer.header(),
        actor: given(&form.actor).unwrap_or_default(),
        action: given(&form.action).unwrap_or_default(),
        target: given(&form.target).unwrap_or_default(),
        events,
        next,
    };
    render(page, StatusCode::OK)
}

pub async fn verify(State(state): State<AppState>, viewer: Viewer) -> Response {
    match service::verify(&state.db, &viewer.caller).await {
        Ok(report) => render(
            AuditVerifyPage {
                header: viewer.header(),
                ok: report.ok,
                events_checked: report.events_checked,
                head_hash: report.head_hash.unwrap_or_default(),
                first_bad: report.first_bad.map(|b| format!("event {}: {} ({})", b.seq, b.problem, b.detail)),
            },
            StatusCode::OK,
        ),
        Err(e) => viewer.problem(e),
    }
}
