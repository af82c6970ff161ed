//! The console's pages. Each reads and writes through the same services as the API's handlers.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::session::{self, COOKIE, SIGN_IN_COOKIE};
use super::subscriptions::{Filled, request_form};
use super::views::{self, Catalog, ChangeView, Choice, ColumnView, Header, ProblemPage, ProductItem, ProductPage, SignIn, TableView, given};
use crate::AppState;
use crate::http::auth::{Authenticator, Caller, Role};
use crate::http::pagination;
use crate::http::problem::ApiError;
use crate::products::model::{Classification, Product, SearchQuery};
use crate::products::{service as products, store as product_store};

/// How long a development sign-in lasts.
const DEV_SESSION: std::time::Duration = std::time::Duration::from_secs(8 * 3600);
/// Products per catalog page.
const CATALOG_PAGE: i64 = 20;

/// A signed-in person: the session's caller, and the CSRF token its forms carry. Without a valid
/// session, a page answers with the way to the sign-in page.
pub struct Viewer {
    pub caller: Caller,
    token: String,
    pub(super) csrf: String,
}

impl Viewer {
    pub(super) fn header(&self) -> Option<Header> {
        Some(Header::new(&self.caller, &self.csrf))
    }

    /// The page of a refused or failed action, with the header of who is signed in.
    pub(super) fn problem(&self, error: ApiError) -> Response {
        problem(error, self.header())
    }

    pub(super) fn check_csrf(&self, state: &AppState, given: &str) -> Result<(), Response> {
        if state.console.check_csrf("session", &self.token, given) { Ok(()) } else { Err(self.problem(csrf_refused())) }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session::cookie(&parts.headers, COOKIE).and_then(|sealed| state.console.open(sealed));
        let Some(token) = token else { return Err(Redirect::to("/console/sign-in").into_response()) };
        match state.auth.verify(&token).await {
            Ok(caller) => {
                let csrf = state.console.csrf("session", &token);
                Ok(Viewer { caller, token, csrf })
            }
            // Expired, or its key withdrawn: sign in again.
            Err(e) if e.status == StatusCode::UNAUTHORIZED => {
                let mut to = Redirect::to("/console/sign-in").into_response();
                forget(&mut to, COOKIE);
                Err(to)
            }
            Err(e) => Err(problem(e, None)),
        }
    }
}

pub(super) fn render(page: impl Template, status: StatusCode) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => ApiError::internal(format!("console template: {e}")).into_response(),
    }
}

fn problem(error: ApiError, header: Option<Header>) -> Response {
    let status = error.status;
    render(ProblemPage::new(&error, header), status)
}

fn csrf_refused() -> ApiError {
    ApiError::forbidden("the form did not come from this console, or its session has changed: reload the page and try again")
}

fn set(response: &mut Response, cookie: String) {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn forget(response: &mut Response, name: &str) {
    set(response, session::set_cookie(name, "", "Lax", 0));
}

pub async fn home(_viewer: Viewer) -> Redirect {
    Redirect::to("/console/catalog")
}

pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], include_str!("console.css")).into_response()
}

/// The sign-in page: a pasted token, or with the development secret set, a role picker.
pub async fn sign_in_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    sign_in_form(&state, &headers, None, StatusCode::OK)
}

fn sign_in_form(state: &AppState, headers: &HeaderMap, error: Option<String>, status: StatusCode) -> Response {
    let nonce = session::cookie(headers, SIGN_IN_COOKIE)
        .filter(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()));
    let page = SignIn { header: None, dev: state.config.auth.dev_secret.is_some(), csrf: state.console.csrf("sign-in", &nonce), error };
    let mut response = render(page, status);
    set(&mut response, session::set_cookie(SIGN_IN_COOKIE, &nonce, "Strict", 3600));
    response
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    method: String,
    sub: Option<String>,
    role: Option<String>,
    domains: Option<String>,
    token: Option<String>,
}

pub async fn sign_in(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<SignInForm>) -> Response {
    let nonce = session::cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if nonce.is_empty() || !state.console.check_csrf("sign-in", nonce, &form.csrf) {
        return problem(csrf_refused(), None);
    }
    let token = match form.method.as_str() {
        "dev" => {
            let sub = form.sub.as_deref().unwrap_or_default().trim();
            let roles = vec![form.role.unwrap_or_default()];
            let domains: Vec<String> =
                form.domains.as_deref().unwrap_or_default().split(',').map(str::trim).filter(|d| !d.is_empty()).map(str::to_string).collect();
            match Authenticator::mint_dev_token(&state.config.auth, sub, &roles, &domains, DEV_SESSION) {
                Ok(token) => token,
                Err(e) => return sign_in_form(&state, &headers, Some(e), StatusCode::UNPROCESSABLE_ENTITY),
            }
        }
        "token" => form.token.as_deref().unwrap_or_default().trim().to_string(),
        _ => return sign_in_form(&state, &headers, Some("choose a way to sign in".into()), StatusCode::UNPROCESSABLE_ENTITY),
    };
    // Only a token the API accepts opens a session, and only one a cookie can carry as it is.
    if let Err(e) = state.auth.verify(&token).await {
        return sign_in_form(&state, &headers, Some(e.detail), e.status);
    }
    let Some(lifetime) = session::remaining_lifetime(&token) else {
        return sign_in_form(&state, &headers, Some("the token has no expiry a session could keep to".into()), StatusCode::UNAUTHORIZED);
    };
    let Some(sealed) = state.console.seal(&token) else {
        return sign_in_form(&state, &headers, Some("the token is too long for a browser session".into()), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let mut response = Redirect::to("/console/catalog").into_response();
    set(&mut response, session::set_cookie(COOKIE, &sealed, "Lax", lifetime));
    forget(&mut response, SIGN_IN_COOKIE);
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(State(state): State<AppState>, viewer: Viewer, Form(form): Form<CsrfForm>) -> Response {
    if let Err(refused) = viewer.check_csrf(&state, &form.csrf) {
        return refused;
    }
    let mut response = Redirect::to("/console/sign-in").into_response();
    forget(&mut response, COOKIE);
    response
}

/// The catalog's filters as a page's form sends them: empty fields are no filter.
#[derive(Debug, Default, Deserialize)]
pub struct CatalogQuery {
    q: Option<String>,
    domain: Option<String>,
    classification: Option<String>,
    tag: Option<String>,
    cursor: Option<String>,
}


const CLASSIFICATIONS: [Classification; 4] = [Classification::Public, Classification::Internal, Classification::Confidential, Classification::Restricted];

pub async fn catalog(State(state): State<AppState>, viewer: Viewer, Query(query): Query<CatalogQuery>) -> Response {
    let classification = match given(&query.classification) {
        None => None,
        Some(c) => match CLASSIFICATIONS.into_iter().find(|k| k.as_str() == c) {
            Some(k) => Some(k),
            None => {
                let error = ApiError::validation(vec![crate::http::problem::FieldError::new(
                    "classification",
                    "invalid_value",
                    "expected public, internal, confidential or restricted",
                )]);
                return viewer.problem(error);
            }
        },
    };
    let search = SearchQuery {
        q: given(&query.q),
        domain: given(&query.domain),
        status: None,
        tag: given(&query.tag),
        classification,
        cursor: given(&query.cursor),
        limit: Some(CATALOG_PAGE),
    };
    let (rows, limit) = match products::search(&state.db, &viewer.caller, search, None).await {
        Ok(found) => found,
        Err(e) => return viewer.problem(e),
    };
    let page = pagination::page(rows.into_iter().map(Product::from).collect(), limit, "products", |p: &Product| p.id);
    let filters = [("q", &query.q), ("domain", &query.domain), ("classification", &query.classification), ("tag", &query.tag)];
    let next = page.next_cursor.map(|cursor| views::next_page("/console/catalog", &filters, &cursor));
    let items = page
        .items
        .into_iter()
        .map(|p| ProductItem {
            href: format!("/console/domains/{}/products/{}", p.domain, p.slug),
            name: p.name,
            domain: p.domain,
            description: p.description,
            classification: p.classification.as_str(),
            status: p.status.as_str(),
            tags: p.tags.join(", "),
        })
        .collect();
    let chosen = given(&query.classification);
    let classifications =
        CLASSIFICATIONS.into_iter().map(|k| Choice { value: k.as_str().to_string(), selected: chosen.as_deref() == Some(k.as_str()) }).collect();
    let page = Catalog {
        header: viewer.header(),
        q: given(&query.q).unwrap_or_default(),
        domain: given(&query.domain).unwrap_or_default(),
        tag: given(&query.tag).unwrap_or_default(),
        classifications,
        items,
        next,
    };
    render(page, StatusCode::OK)
}

pub async fn product(State(state): State<AppState>, viewer: Viewer, Path((domain, product)): Path<(String, String)>) -> Response {
    match product_page(&state, &viewer, &domain, &product, None).await {
        Ok(page) => render(page, StatusCode::OK),
        Err(e) => viewer.problem(e),
    }
}

/// The product page, with the request-access form as `filled` in (after errors), else a fresh one
/// for those who may ask for access.
pub(super) async fn product_page(state: &AppState, viewer: &Viewer, domain: &str, product: &str, filled: Option<Filled>) -> Result<ProductPage, ApiError> {
    let row = products::get(&state.db, &viewer.caller, domain, product).await?;
    let schema = product_store::schema(&state.db, row.id).await?;
    let changes = product_store::schema_changes(&state.db, row.id, None, 20).await?;
    let health = if viewer.caller.oversees(domain) { Some(crate::health::store::product_health(&state.db, row.id).await?) } else { None };
    let tables: Vec<TableView> = schema
        .tables
        .into_iter()
        .map(|t| {
            let column = |partition: bool| move |c: crate::schema::Column| ColumnView { name: c.name, data_type: c.data_type, comment: c.comment.unwrap_or_default(), partition };
            let mut columns: Vec<ColumnView> = t.columns.into_iter().map(column(false)).collect();
            columns.extend(t.partition_keys.into_iter().map(column(true)));
            TableView { name: t.name, columns }
        })
        .collect();
    let changes = changes
        .into_iter()
        .take(20)
        .map(|c| ChangeView {
            version: c.schema_version,
            what: match &c.column {
                Some(column) => format!("{}.{column}", c.table),
                None => c.table.clone(),
            },
            kind: c.kind,
            breaking: c.breaking,
            detected_at: views::when(&c.detected_at),
        })
        .collect();
    // What the API would refuse is not offered: requests need a published product whose schema
    // was read from its producer's catalog, and a consumer domain to ask for.
    let may_request = row.status == crate::products::model::ProductStatus::Published
        && row.schema_synced_at.is_some()
        && viewer.caller.has(Role::Consumer)
        && !viewer.caller.domains.is_empty();
    let request = match filled {
        Some(filled) => Some(request_form(viewer, &tables, &filled)),
        None => may_request.then(|| request_form(viewer, &tables, &Filled::default())),
    };
    Ok(ProductPage {
        request,
        header: viewer.header(),
        domain: row.domain_slug,
        slug: row.slug,
        name: row.name,
        description: row.description,
        classification: row.classification.as_str(),
        status: row.status.as_str(),
        owner: row.owner,
        tags: row.tags.join(", "),
        source: match &row.source_tables {
            Some(tables) => format!("{} ({})", row.source_database, tables.join(", ")),
            None => format!("{} (every table)", row.source_database),
        },
        schema_version: row.schema_version,
        schema_synced_at: views::when_opt(&row.schema_synced_at),
        sync_status: row.sync_status,
        last_sync_at: views::when_opt(&row.last_sync_at),
        last_sync_error: row.last_sync_error,
        missing_tables: row.missing_tables.join(", "),
        tables,
        changes,
        health,
    })
}
