//! The console's templates (templates/console/, compiled into the binary by askama, every value
//! HTML-escaped) and what each shows, prepared as text.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::http::auth::Caller;
use crate::http::problem::ApiError;

/// Who is signed in, for the page header.
pub struct Header {
    pub name: String,
    pub roles: String,
    pub domains: String,
    pub csrf: String,
    /// Stewards and admins: the audit pages are linked.
    pub oversees_all: bool,
}

impl Header {
    pub fn new(caller: &Caller, csrf: &str) -> Header {
        let domains = caller.domains.iter().cloned().collect::<Vec<_>>().join(", ");
        Header {
            name: caller.sub.clone(),
            roles: caller.role_names().join(", "),
            domains,
            csrf: csrf.to_string(),
            oversees_all: caller.sees_everything(),
        }
    }
}

/// A form's text field as a filter: blank is no filter.
pub fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The address of a list's next page: `path` with the filters that are given, and `cursor`.
pub fn next_page(path: &str, filters: &[(&str, &Option<String>)], cursor: &str) -> String {
    let mut link = form_urlencoded::Serializer::new(String::new());
    for (name, value) in filters {
        if let Some(v) = given(value) {
            link.append_pair(name, &v);
        }
    }
    format!("{path}?{}", link.append_pair("cursor", cursor).finish())
}

pub fn when(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn when_opt(at: &Option<DateTime<Utc>>) -> String {
    at.as_ref().map(when).unwrap_or_else(|| "never".into())
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
pub struct SignIn {
    pub header: Option<Header>,
    /// The development role picker is offered (a development secret is set).
    pub dev: bool,
    pub csrf: String,
    pub error: Option<String>,
}

pub struct ProductItem {
    pub href: String,
    pub name: String,
    pub domain: String,
    pub description: String,
    pub classification: &'static str,
    pub status: &'static str,
    pub tags: String,
}

/// A choice of a `<select>`.
pub struct Choice {
    pub value: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/catalog.html")]
pub struct Catalog {
    pub header: Option<Header>,
    pub q: String,
    pub domain: String,
    pub tag: String,
    pub classifications: Vec<Choice>,
    pub items: Vec<ProductItem>,
    /// The next page's address, when there is one.
    pub next: Option<String>,
}

pub struct ColumnView {
    pub name: String,
    pub data_type: String,
    pub comment: String,
    pub partition: bool,
}

pub struct TableView {
    pub name: String,
    pub columns: Vec<ColumnView>,
}

pub struct ChangeView {
    pub version: i32,
    pub kind: String,
    pub what: String,
    pub breaking: bool,
    pub detected_at: String,
}


#[derive(Template)]
#[template(path = "console/product.html")]
pub struct ProductPage {
    pub header: Option<Header>,
    pub domain: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub classification: &'static str,
    pub status: &'static str,
    pub owner: String,
    pub tags: String,
    pub source: String,
    pub schema_version: i32,
    pub schema_synced_at: String,
    pub sync_status: String,
    pub last_sync_at: String,
    pub last_sync_error: Option<String>,
    pub missing_tables: String,
    pub tables: Vec<TableView>,
    pub changes: Vec<ChangeView>,
    pub health: Option<crate::health::HealthRollup>,
    /// The request-access form, for those who may ask on behalf of a domain.
    pub request: Option<RequestForm>,
}

/// A table of the request form: asked for or not, and how narrowly.
pub struct RequestTable {
    pub name: String,
    pub checked: bool,
    pub columns: String,
    pub row_filter: String,
    pub error: Option<String>,
}

/// The request-access form as filled in, and what the API found wrong with it, next to each field.
pub struct RequestForm {
    pub csrf: String,
    pub consumer_domains: Vec<Choice>,
    pub principal: String,
    pub justification: String,
    pub expires_on: String,
    pub tables: Vec<RequestTable>,
    pub errors: FieldErrors,
}

/// A form's field errors by field, as the API names them (`principal`, `tables[0].row_filter`…).
#[derive(Default)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// The messages for `field` and what is inside it, joined.
    pub fn of(&self, field: &str) -> Option<String> {
        let found: Vec<&str> = self
            .0
            .iter()
            .filter(|(f, _)| f == field || f.starts_with(&format!("{field}.")) || f.starts_with(&format!("{field}[")))
            .map(|(_, m)| m.as_str())
            .collect();
        (!found.is_empty()).then(|| found.join("; "))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub struct SubscriptionItem {
    pub href: String,
    pub product: String,
    pub consumer_domain: String,
    pub principal: String,
    pub status: &'static str,
    pub provisioning: String,
    pub requested: String,
}

#[derive(Template)]
#[template(path = "console/subscriptions.html")]
pub struct SubscriptionList {
    pub header: Option<Header>,
    pub heading: &'static str,
    pub items: Vec<SubscriptionItem>,
    pub next: Option<String>,
}

pub struct GrantView {
    pub resource_type: String,
    pub resource: String,
    pub permissions: String,
    pub state: String,
    pub last_error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/subscription.html")]
pub struct SubscriptionPage {
    pub header: Option<Header>,
    pub id: String,
    pub product_href: String,
    pub product: String,
    pub consumer_domain: String,
    pub principal: String,
    pub status: &'static str,
    pub provisioning: String,
    pub requested_by: String,
    pub requested_at: String,
    pub justification: String,
    pub requested_scope: String,
    pub approved_scope: Option<String>,
    pub expires: String,
    pub decision: Option<String>,
    pub ended: Option<String>,
    pub grants: Vec<GrantView>,
    pub version: i64,
    pub csrf: String,
    /// Approve and reject are offered (pending, and the caller is whom the policy names).
    pub may_decide: bool,
    /// Cancel is offered (pending, and the caller asked for it).
    pub may_cancel: bool,
}

pub struct AuditEventView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "console/audit.html")]
pub struct AuditPage {
    pub header: Option<Header>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub events: Vec<AuditEventView>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "console/audit_verify.html")]
pub struct AuditVerifyPage {
    pub header: Option<Header>,
    pub ok: bool,
    pub events_checked: i64,
    pub head_hash: String,
    pub first_bad: Option<String>,
}

#[derive(Template)]
#[template(path = "console/problem.html")]
pub struct ProblemPage {
    pub header: Option<Header>,
    pub status: u16,
    pub title: String,
    pub detail: String,
    pub errors: Vec<(String, String)>,
    pub request_id: String,
}

impl ProblemPage {
    pub fn new(error: &ApiError, header: Option<Header>) -> ProblemPage {
        let problem = error.to_problem();
        ProblemPage {
            header,
            status: error.status.as_u16(),
            title: problem.title.clone(),
            detail: error.detail.clone(),
            errors: error.errors.iter().map(|e| (e.field.clone(), e.message.clone())).collect(),
            request_id: problem.request_id,
        }
    }
}
