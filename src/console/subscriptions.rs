//! The console's subscription pages: asking for access from a product's page, the list of one's
//! subscriptions (and the approvers' inbox of pending requests), and a subscription's page with
//! its decision forms. Every action goes through `subscriptions::service`, as the API's does.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::pages::{Viewer, product_page, render};
use super::views::{self, Choice, FieldErrors, GrantView, RequestForm, RequestTable, SubscriptionItem, SubscriptionList, SubscriptionPage, TableView};
use crate::AppState;
use crate::http::extract::{IfMatch, etag};
use crate::http::pagination;
use crate::http::problem::{ApiError, FieldError};
use crate::subscriptions::model::{Approval, Decision, ListQuery, NewSubscription, Scope, Subscription, SubscriptionStatus, TableScope};
use crate::subscriptions::{service, store};

/// Requests per list page.
const LIST_PAGE: i64 = 25;

/// A request form as it was posted, and the API's field errors for it.
#[derive(Default)]
pub struct Filled {
    fields: Vec<(String, String)>,
    errors: FieldErrors,
}

impl Filled {
    fn field(&self, name: &str) -> String {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }
}

/// The request-access form of a product with `tables`: as `filled` in (empty: a fresh one), each
/// error next to its field; a table's errors are those of its place among the tables asked for.
pub(super) fn request_form(viewer: &Viewer, tables: &[TableView], filled: &Filled) -> RequestForm {
    let chosen = filled.field("consumer_domain");
    let asked: Vec<&str> = filled.fields.iter().filter(|(k, _)| k == "table").map(|(_, v)| v.as_str()).collect();
    RequestForm {
        csrf: viewer.csrf.clone(),
        consumer_domains: viewer.caller.domains.iter().map(|d| Choice { value: d.clone(), selected: *d == chosen }).collect(),
        principal: filled.field("principal"),
        justification: filled.field("justification"),
        expires_on: filled.field("expires_on"),
        tables: tables
            .iter()
            .map(|t| {
                let at = asked.iter().position(|a| *a == t.name);
                RequestTable {
                    name: t.name.clone(),
                    checked: at.is_some(),
                    columns: filled.field(&format!("columns:{}", t.name)),
                    row_filter: filled.field(&format!("row_filter:{}", t.name)),
                    error: at.and_then(|i| filled.errors.of(&format!("tables[{i}]"))),
                }
            })
            .collect(),
        errors: FieldErrors(filled.errors.0.clone()),
    }
}

/// The request form, posted from a product's page: `table` once per table asked for, and for each
/// `columns:<table>` (comma-separated, empty: all) and `row_filter:<table>`.
pub async fn request_access(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((domain, product)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Filled { fields, errors: FieldErrors::default() };
    let field = |name: &str| posted.field(name);
    if let Err(refused) = viewer.check_csrf(&state, &field("csrf")) {
        return refused;
    }
    let asked: Vec<String> = posted.fields.iter().filter(|(k, _)| k == "table").map(|(_, v)| v.clone()).collect();
    let tables: Vec<TableScope> = asked
        .iter()
        .map(|name| {
            let columns: Vec<String> = field(&format!("columns:{name}")).split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
            let row_filter = field(&format!("row_filter:{name}"));
            TableScope { name: name.clone(), columns: (!columns.is_empty()).then_some(columns), row_filter: (!row_filter.is_empty()).then_some(row_filter) }
        })
        .collect();
    let expires_on = field("expires_on");
    let expires_at = match expires_on.as_str() {
        "" => Ok(None),
        day => NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .map(|t| Some(Utc.from_utc_datetime(&t)))
            .ok_or_else(|| ApiError::validation(vec![FieldError::new("expires_at", "invalid_format", "expected a date (YYYY-MM-DD)")])),
    };
    let request = expires_at.map(|expires_at| NewSubscription {
        domain: domain.clone(),
        product: product.clone(),
        consumer_domain: field("consumer_domain"),
        principal: field("principal"),
        tables: (!tables.is_empty()).then_some(tables),
        permissions: None,
        justification: field("justification"),
        expires_at,
    });
    let requested = match request {
        Ok(request) => service::request(&state, &viewer.caller, request, None).await,
        Err(e) => Err(e),
    };
    let error = match requested {
        Ok(service::Requested::New(row) | service::Requested::Existing(row)) => {
            return Redirect::to(&format!("/console/subscriptions/{}", row.id)).into_response();
        }
        Ok(service::Requested::Replayed(_)) => return Redirect::to("/console/subscriptions").into_response(),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => e,
        Err(e) => return viewer.problem(e),
    };
    // The page again, the form as filled in, each error next to its field.
    let errors = FieldErrors(error.errors.iter().map(|e| (e.field.clone(), e.message.clone())).collect());
    match product_page(&state, &viewer, &domain, &product, Some(Filled { errors, ..posted })).await {
        Ok(page) => render(page, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => viewer.problem(e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListForm {
    status: Option<String>,
    cursor: Option<String>,
}

/// The caller's subscriptions as the API lists them; `?status=pending` is the approvers' inbox.
pub async fn list(State(state): State<AppState>, viewer: Viewer, Query(form): Query<ListForm>) -> Response {
    let status = match form.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match serde_json::from_value::<SubscriptionStatus>(serde_json::Value::String(s.to_string())) {
            Ok(status) => Some(status),
            Err(_) => return viewer.problem(ApiError::validation(vec![FieldError::new("status", "invalid_value", "not a subscription status")])),
        },
    };
    let query = ListQuery { status, cursor: form.cursor.filter(|c| !c.is_empty()), limit: Some(LIST_PAGE), ..Default::default() };
    let (rows, limit) = match service::list(&state.db, &viewer.caller, query).await {
        Ok(found) => found,
        Err(e) => return viewer.problem(e),
    };
    let page = pagination::page(rows.into_iter().map(Subscription::from).collect(), limit, "subscriptions", |s: &Subscription| s.id);
    let status_filter = status.map(|s| s.as_str().to_string());
    let next = page.next_cursor.map(|cursor| views::next_page("/console/subscriptions", &[("status", &status_filter)], &cursor));
    let items = page
        .items
        .into_iter()
        .map(|s| SubscriptionItem {
            href: format!("/console/subscriptions/{}", s.id),
            product: format!("{}/{}", s.domain, s.product),
            consumer_domain: s.consumer_domain,
            principal: s.principal,
            status: s.status.as_str(),
            provisioning: s.provisioning,
            requested: views::when(&s.created_at),
        })
        .collect();
    let heading = if status == Some(SubscriptionStatus::Pending) { "Pending requests" } else { "Subscriptions" };
    render(SubscriptionList { header: viewer.header(), heading, items, next }, StatusCode::OK)
}

fn describe(scope: &Scope) -> String {
    match &scope.tables {
        None => "every table".into(),
        Some(tables) => tables
            .iter()
            .map(|t| {
                let mut text = t.name.clone();
                if let Some(columns) = &t.columns {
                    text.push_str(&format!(" (columns {})", columns.join(", ")));
                }
                if let Some(filter) = &t.row_filter {
                    text.push_str(&format!(" where {filter}"));
                }
                text
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<Uuid>) -> Response {
    let (row, grants) = match service::get(&state.db, &viewer.caller, id).await {
        Ok(found) => found,
        Err(e) => return viewer.problem(e),
    };
    let pending = row.status == SubscriptionStatus::Pending;
    let may_decide = pending
        && match store::product_by_id(&state.db, row.product_id).await {
            Ok(product) => service::may_decide(&viewer.caller, product.approval_policy, &row.product_domain),
            Err(e) => return viewer.problem(e.into()),
        };
    let may_cancel = pending && (viewer.caller.sub == row.requested_by || viewer.caller.is_admin());
    let version = row.version;
    let s = Subscription::from(row);
    let page = SubscriptionPage {
        header: viewer.header(),
        id: s.id.to_string(),
        product_href: format!("/console/domains/{}/products/{}", s.domain, s.product),
        product: format!("{}/{}", s.domain, s.product),
        consumer_domain: s.consumer_domain.clone(),
        principal: s.principal.clone(),
        status: s.status.as_str(),
        provisioning: s.provisioning.clone(),
        requested_by: s.requested_by.clone(),
        requested_at: views::when(&s.created_at),
        justification: s.justification.clone(),
        requested_scope: describe(&s.requested_scope),
        approved_scope: s.approved_scope.as_ref().map(describe),
        expires: views::when_opt(&s.expires_at),
        decision: s.decided_by.as_ref().map(|by| {
            let at = views::when_opt(&s.decided_at);
            match &s.decision_comment {
                Some(comment) => format!("{by}, {at}: {comment}"),
                None => format!("{by}, {at}"),
            }
        }),
        ended: s.ended_by.as_ref().map(|by| format!("{by}, {}{}", views::when_opt(&s.ended_at), s.end_comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default())),
        grants: grants
            .into_iter()
            .map(|g| GrantView {
                resource_type: g.resource_type,
                resource: g.resource.to_string(),
                permissions: g.permissions.join(", "),
                state: g.state,
                last_error: g.last_error,
            })
            .collect(),
        version,
        csrf: viewer.csrf.clone(),
        may_decide,
        may_cancel,
    };
    render(page, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    /// The version the page was rendered from: a decision on a page gone stale is refused (412).
    version: Option<i64>,
    #[serde(default)]
    comment: String,
}

/// Approve, reject or cancel from a subscription's page.
pub async fn decide(State(state): State<AppState>, viewer: Viewer, Path((id, action)): Path<(Uuid, String)>, Form(form): Form<DecisionForm>) -> Response {
    if let Err(refused) = viewer.check_csrf(&state, &form.csrf) {
        return refused;
    }
    let decision = match action.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        "cancel" => Decision::Cancel,
        _ => return viewer.problem(ApiError::not_found("no such action")),
    };
    let if_match = form.version.map(|v| IfMatch::exactly(etag(v))).unwrap_or_default();
    let comment = Some(form.comment.trim().to_string()).filter(|c| !c.is_empty());
    match service::decide(&state, &viewer.caller, id, &if_match, decision, Approval { comment, ..Default::default() }).await {
        Ok(_) => Redirect::to(&format!("/console/subscriptions/{id}")).into_response(),
        Err(e) => viewer.problem(e),
    }
}
