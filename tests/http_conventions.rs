//! The conventions every request goes through: CORS for configured origins only, per-caller rate
//! limits answered with 429 and `Retry-After`, and conditional GET with `If-None-Match`.

mod common;

use axum::http::Method;
use common::*;
use meshgov::Config;
use meshgov::config::RateLimit;
use serde_json::json;
use sqlx::PgPool;

const CONSOLE: &str = "https://console.example.com";

fn config() -> Config {
    Config::for_tests("postgres://unused", SECRET)
}

fn with_cors(pool: PgPool) -> TestApp {
    let mut config = config();
    config.cors_origins = vec![CONSOLE.to_string()];
    TestApp::with_config(pool, config)
}

fn with_rate_limit(pool: PgPool, per_second: u32, burst: u32) -> TestApp {
    let mut config = config();
    config.rate_limit = Some(RateLimit { per_second, burst });
    TestApp::with_config(pool, config)
}

/// A header's comma-separated values, lowercased.
fn list(r: &Resp, name: &str) -> Vec<String> {
    r.header(name).unwrap_or_default().split(',').map(|v| v.trim().to_ascii_lowercase()).filter(|v| !v.is_empty()).collect()
}

fn preflight<'a>(app: &'a TestApp, origin: &str) -> Call<'a> {
    app.call(Method::OPTIONS, "/api/v1/domains/sales")
        .header("origin", origin)
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization,content-type,if-match")
}

// ---- CORS ----

#[sqlx::test]
async fn cors_is_off_unless_origins_are_configured(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.call(Method::GET, "/api/v1/domains").bearer(&admin()).header("origin", CONSOLE).send().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("access-control-allow-origin"), None);
    // A preflight is an OPTIONS like any other: not routed, so 405, and no CORS headers.
    let r = preflight(&app, CONSOLE).send().await;
    r.problem(405, "method_not_allowed");
    assert!(r.headers.keys().all(|k| !k.as_str().starts_with("access-control-")), "{:?}", r.headers);
}

#[sqlx::test]
async fn a_configured_origin_gets_preflights_and_exposed_headers(pool: PgPool) {
    let app = with_cors(pool);
    app.create_domain("sales").await;

    let r = preflight(&app, CONSOLE).send().await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("access-control-allow-origin"), Some(CONSOLE));
    assert_eq!(list(&r, "access-control-allow-methods"), ["get", "post", "patch", "delete"]);
    let allowed = list(&r, "access-control-allow-headers");
    for h in ["authorization", "content-type", "if-match", "if-none-match", "idempotency-key", "x-request-id"] {
        assert!(allowed.contains(&h.to_string()), "{h} not allowed: {allowed:?}");
    }
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    assert_eq!(r.header("access-control-allow-credentials"), None, "bearer tokens need no credentials mode");

    let r = app.call(Method::GET, "/api/v1/domains/sales").bearer(&admin()).header("origin", CONSOLE).send().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("access-control-allow-origin"), Some(CONSOLE));
    let exposed = list(&r, "access-control-expose-headers");
    for h in ["etag", "location", "retry-after", "x-request-id", "idempotent-replayed"] {
        assert!(exposed.contains(&h.to_string()), "{h} not exposed: {exposed:?}");
    }
}

#[sqlx::test]
async fn an_origin_not_listed_gets_no_allow_origin(pool: PgPool) {
    let app = with_cors(pool);
    let r = preflight(&app, "https://evil.example.com").send().await;
    assert_eq!(r.header("access-control-allow-origin"), None, "{:?}", r.headers);
    let r = app.call(Method::GET, "/api/v1/domains").bearer(&admin()).header("origin", "https://evil.example.com").send().await;
    assert_eq!(r.status, 200, "the server answers; the browser keeps the answer from the page");
    assert_eq!(r.header("access-control-allow-origin"), None);
    // Same scheme and host, another port: another origin.
    let r = app.call(Method::GET, "/api/v1/domains").bearer(&admin()).header("origin", "https://console.example.com:8443").send().await;
    assert_eq!(r.header("access-control-allow-origin"), None);
}

// ---- rate limits ----

#[sqlx::test]
async fn a_caller_over_the_limit_gets_429_with_retry_after(pool: PgPool) {
    let app = with_rate_limit(pool, 1, 2);
    let ada = admin();
    for _ in 0..2 {
        let r = app.get("/api/v1/domains", &ada).await;
        assert_eq!(r.status, 200, "within the burst: {}", r.body);
    }
    let r = app.get("/api/v1/domains", &ada).await;
    let problem = r.problem(429, "rate_limited");
    assert!(problem["detail"].as_str().unwrap().contains("too many requests"), "{problem}");
    let wait: u64 = r.header("retry-after").expect("Retry-After").parse().expect("Retry-After in whole seconds");
    assert!(wait >= 1, "Retry-After {wait}");

    // Another caller (another token subject) has a bucket of its own.
    let r = app.get("/api/v1/domains", &consumer("sales")).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Probes and scrapes are never limited.
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        for _ in 0..5 {
            let r = app.call(Method::GET, path).send().await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
        }
    }
}

#[sqlx::test]
async fn a_caller_gets_tokens_back_over_time(pool: PgPool) {
    let app = with_rate_limit(pool, 10, 1);
    let ada = admin();
    assert_eq!(app.get("/api/v1/domains", &ada).await.status, 200);
    app.get("/api/v1/domains", &ada).await.problem(429, "rate_limited");
    // 10 per second: a token is back after 100 ms.
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    assert_eq!(app.get("/api/v1/domains", &ada).await.status, 200);
}

#[sqlx::test]
async fn callers_without_a_valid_token_share_the_address_bucket(pool: PgPool) {
    // Driven in-process there is no peer address: every unauthenticated caller is "anonymous".
    let app = with_rate_limit(pool, 1, 2);
    app.call(Method::GET, "/api/v1/domains").send().await.problem(401, "unauthorized");
    app.get("/api/v1/domains", "not-a-token").await.problem(401, "unauthorized");
    // Limited before authentication: a flood of bad tokens does not reach the handlers.
    app.get("/api/v1/domains", "still-not-a-token").await.problem(429, "rate_limited");
    assert_eq!(app.get("/api/v1/domains", &admin()).await.status, 200, "a verified caller is counted apart");
}

#[sqlx::test]
async fn a_throttled_browser_can_read_the_429(pool: PgPool) {
    let mut config = config();
    config.cors_origins = vec![CONSOLE.to_string()];
    config.rate_limit = Some(RateLimit { per_second: 1, burst: 1 });
    let app = TestApp::with_config(pool, config);
    let get = || app.call(Method::GET, "/api/v1/domains").bearer(&admin()).header("origin", CONSOLE).send();
    assert_eq!(get().await.status, 200);
    let r = get().await;
    r.problem(429, "rate_limited");
    assert_eq!(r.header("access-control-allow-origin"), Some(CONSOLE), "CORS wraps the limit");
    assert!(list(&r, "access-control-expose-headers").contains(&"retry-after".to_string()));
    // Preflights are answered before the limit, so they do not spend the caller's tokens.
    assert_eq!(preflight(&app, CONSOLE).send().await.status, 200);
}

// ---- conditional GET ----

#[sqlx::test]
async fn a_domain_read_with_its_etag_is_304_without_a_body(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let first = app.get("/api/v1/domains/sales", &admin()).await;
    assert_eq!(first.status, 200);
    let etag = first.etag();

    let get = |tag: String| app.call(Method::GET, "/api/v1/domains/sales").bearer(&admin()).header("if-none-match", &tag).send();
    let r = get(etag.clone()).await;
    assert_eq!(r.status, 304, "{}", r.text);
    assert_eq!(r.text, "", "no body");
    assert_eq!(r.etag(), etag);
    assert!(r.header("x-request-id").is_some());
    assert_eq!(r.header("content-type"), None);

    // Weak comparison, lists and `*`.
    for tag in [format!("W/{etag}"), format!("\"999\", {etag}"), "*".to_string()] {
        assert_eq!(get(tag.clone()).await.status, 304, "If-None-Match: {tag}");
    }

    // After a change the old tag is stale: the new version, in full.
    let changed = app.patch("/api/v1/domains/sales", &admin(), json!({"name": "Sales and marketing"})).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let r = get(etag.clone()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], "Sales and marketing");
    assert_ne!(r.etag(), etag);
}

#[sqlx::test]
async fn a_product_read_with_its_etag_is_304_and_a_stale_one_200(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let product = app.create_product("sales", "orders", json!({})).await;
    let path = "/api/v1/domains/sales/products/orders";
    let etag = app.get(path, &admin()).await.etag();

    let r = app.call(Method::GET, path).bearer(&admin()).header("if-none-match", &etag).send().await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (304, ""));
    assert_eq!(r.etag(), etag);

    let r = app.call(Method::GET, path).bearer(&admin()).header("if-none-match", "W/\"0\"").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], product["id"]);

    // Only reads are conditional this way, and only answers with an ETag.
    let r = app.call(Method::GET, "/api/v1/domains/sales/products").bearer(&admin()).header("if-none-match", "*").send().await;
    assert_eq!(r.status, 200, "a list has no ETag");
    // Errors are never turned into 304.
    let r = app.call(Method::GET, "/api/v1/domains/sales/products/nope").bearer(&admin()).header("if-none-match", "*").send().await;
    r.problem(404, "not_found");
}
