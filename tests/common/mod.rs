//! Shared helpers of the integration tests: the app in-process (no socket), requests through
//! `tower::ServiceExt::oneshot`, development tokens, and a few fixtures.
//!
//! Each test binary uses only part of this module.
#![allow(dead_code)]

pub mod access_events;
pub mod aws;
pub mod flow;
pub mod mesh;
pub mod process;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use meshgov::config::AuthConfig;
use meshgov::http::auth::Authenticator;
use meshgov::{AppState, Config};
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

/// The HS256 development secret of every test app.
pub const SECRET: &str = "integration-tests-secret-0123456789abcdef";

pub const ACCOUNT: &str = "111122223333";

/// Polls `done` until it holds; fails the test after `timeout`, naming `what` it waited for.
pub async fn wait_for(what: &str, timeout: Duration, mut done: impl AsyncFnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done().await {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The service under test, with its database.
#[derive(Clone)]
pub struct TestApp {
    pub router: Router,
    pub pool: PgPool,
}

impl TestApp {
    /// The app with the test configuration (HS256 dev tokens signed with [`SECRET`]).
    pub fn new(pool: PgPool) -> TestApp {
        TestApp::with_config(pool, Config::for_tests("postgres://unused", SECRET))
    }

    pub fn with_auth(pool: PgPool, auth: AuthConfig) -> TestApp {
        let mut config = Config::for_tests("postgres://unused", SECRET);
        config.auth = auth;
        TestApp::with_config(pool, config)
    }

    pub fn with_config(pool: PgPool, config: Config) -> TestApp {
        let router = meshgov::app(AppState::new(config, pool.clone()));
        TestApp { router, pool }
    }

    /// A request to build; finish with [`Call::send`].
    pub fn call(&self, method: Method, path: &str) -> Call<'_> {
        Call { app: self, builder: Request::builder().method(method).uri(path), body: Body::empty() }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path).bearer(token).send().await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path).bearer(token).json(&body).send().await
    }

    /// A POST without a body (lifecycle actions).
    pub async fn post_empty(&self, path: &str, token: &str) -> Resp {
        self.call(Method::POST, path).bearer(token).send().await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path).bearer(token).json(&body).send().await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path).bearer(token).send().await
    }

    // ---- fixtures ----

    /// Gives `product` (its JSON) a schema of `tables`, each with string columns, as a sync would
    /// write it.
    pub async fn give_schema(&self, product: &Value, tables: &[(&str, &[&str])]) {
        use meshgov::schema::{Column, SchemaDocument, TableSchema};
        let id: uuid::Uuid = product["id"].as_str().unwrap().parse().unwrap();
        let doc = SchemaDocument {
            tables: tables
                .iter()
                .map(|(name, columns)| TableSchema {
                    name: name.to_string(),
                    columns: columns
                        .iter()
                        .map(|c| Column { name: c.to_string(), data_type: "string".into(), comment: None })
                        .collect(),
                    partition_keys: vec![],
                    location: None,
                    format: None,
                    parameters: Default::default(),
                })
                .collect(),
        };
        let mut conn = self.pool.acquire().await.unwrap();
        meshgov::catalog_sync::store::replace_schema(&mut conn, id, &doc).await.unwrap();
    }

    /// Onboards a domain (as admin) in account [`ACCOUNT`] and returns its JSON.
    pub async fn create_domain(&self, slug: &str) -> Value {
        let r = self.post("/api/v1/domains", &admin(), domain_body(slug)).await;
        assert_eq!(r.status, 201, "creating domain {slug}: {}", r.body);
        r.body
    }

    /// Registers a draft product (as admin) and returns its JSON. `extra` fields override the defaults.
    pub async fn create_product(&self, domain: &str, slug: &str, extra: Value) -> Value {
        let r = self.post(&format!("/api/v1/domains/{domain}/products"), &admin(), product_body(slug, extra)).await;
        assert_eq!(r.status, 201, "creating product {domain}/{slug}: {}", r.body);
        r.body
    }

    /// Runs a lifecycle action (as admin) and insists it succeeds.
    pub async fn lifecycle(&self, domain: &str, product: &str, action: &str) -> Value {
        let r = self.post_empty(&format!("/api/v1/domains/{domain}/products/{product}/{action}"), &admin()).await;
        assert_eq!(r.status, 200, "{action} {domain}/{product}: {}", r.body);
        r.body
    }

    pub async fn audit_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&self.pool).await.unwrap()
    }

    /// The newest audit event, through the API (as a steward).
    pub async fn last_event(&self) -> Value {
        let r = self.get("/api/v1/audit?limit=1", &steward()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"][0].clone()
    }

    /// The last audit event with `action`.
    pub async fn last_event_of(&self, action: &str) -> Value {
        let r = self.get(&format!("/api/v1/audit?action={action}&limit=1"), &steward()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["items"][0].is_object(), "no {action} event: {}", r.body);
        r.body["items"][0].clone()
    }
}

/// A request being built.
pub struct Call<'a> {
    app: &'a TestApp,
    builder: axum::http::request::Builder,
    body: Body,
}

impl Call<'_> {
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Self {
        self.builder = self.builder.header(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value).unwrap(),
        );
        self
    }

    pub fn if_match(self, etag: &str) -> Self {
        self.header("if-match", etag)
    }

    pub fn idempotency_key(self, key: &str) -> Self {
        self.header("idempotency-key", key)
    }

    pub fn json(self, body: &Value) -> Self {
        self.header("content-type", "application/json").raw(serde_json::to_vec(body).unwrap())
    }

    pub fn raw(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    pub async fn send(self) -> Resp {
        let request = self.builder.body(self.body).unwrap();
        let response = self.app.router.clone().oneshot(request).await.unwrap();
        Resp::read(response).await
    }
}

/// A response, read in full.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// Parsed JSON, or `Null` when the body is empty or not JSON (see `text`).
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub async fn read(response: axum::response::Response) -> Resp {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag header").to_string()
    }

    /// Asserts an RFC 9457 problem with this status and code, whose `request_id` is the response's
    /// `x-request-id`. Returns the problem document.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not a problem document: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "problem: {}", self.body);
        assert_eq!(self.body["status"], status, "problem: {}", self.body);
        assert_eq!(self.body["type"], format!("urn:meshgov:problem:{code}"));
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "problem without detail: {}", self.body);
        let request_id = self.header("x-request-id").expect("x-request-id header");
        assert_eq!(self.body["request_id"], request_id, "problem request_id differs from the header");
        &self.body
    }

    /// Asserts a 422 validation problem naming `field` with `code`.
    #[track_caller]
    pub fn field_error(&self, field: &str, code: &str) {
        self.problem(422, "validation_failed");
        let errors = self.body["errors"].as_array().expect("field errors");
        assert!(
            errors.iter().any(|e| e["field"] == field && e["code"] == code),
            "no error {code} on {field} in {errors:?}"
        );
    }
}

// ---- tokens ----

pub fn token(sub: &str, roles: &[&str], domains: &[&str]) -> String {
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    let domains: Vec<String> = domains.iter().map(|d| d.to_string()).collect();
    Authenticator::mint_dev_token(&AuthConfig::dev(SECRET), sub, &roles, &domains, Duration::from_secs(600)).unwrap()
}

pub fn admin() -> String {
    token("ada-admin", &["admin"], &[])
}

pub fn steward() -> String {
    token("sam-steward", &["steward"], &[])
}

pub fn producer(domain: &str) -> String {
    token(&format!("pat-producer-{domain}"), &["producer"], &[domain])
}

pub fn consumer(domain: &str) -> String {
    token(&format!("cole-consumer-{domain}"), &["consumer"], &[domain])
}

/// An HS256 token with arbitrary claims.
pub fn hs256(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

// ---- request bodies ----

pub fn domain_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "name": format!("Domain {slug}"),
        "aws_account_id": ACCOUNT,
        "sync_role_arn": format!("arn:aws:iam::{ACCOUNT}:role/meshgov-catalog-reader"),
    })
}

/// A product body; the fields of `extra` (an object) replace the defaults.
pub fn product_body(slug: &str, extra: Value) -> Value {
    let mut body = json!({
        "slug": slug,
        "name": format!("Product {slug}"),
        "source": { "database": "sales_curated" },
    });
    merge(&mut body, extra);
    body
}

/// Shallow merge of `extra`'s fields into `body`.
pub fn merge(body: &mut Value, extra: Value) {
    if let (Value::Object(b), Value::Object(e)) = (body, extra) {
        for (k, v) in e {
            b.insert(k, v);
        }
    }
}

/// URL-encodes a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Follows `next_cursor` from `path` (which must already hold a `?`) and returns every item.
pub async fn walk(app: &TestApp, path: &str, token: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut url = path.to_string();
    loop {
        let r = app.get(&url, token).await;
        assert_eq!(r.status, 200, "{url}: {}", r.body);
        pages += 1;
        items.extend(r.body["items"].as_array().unwrap().iter().cloned());
        match r.body.get("next_cursor").and_then(Value::as_str) {
            Some(c) => url = format!("{path}&cursor={}", enc(c)),
            None => return (items, pages),
        }
        assert!(pages < 1000, "pagination does not end");
    }
}
