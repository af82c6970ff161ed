//! Operations endpoints: liveness, readiness, Prometheus metrics, the served OpenAPI document.

mod common;

use axum::http::Method;
use common::*;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn healthz_answers_without_credentials(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.call(Method::GET, "/healthz").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"status": "ok"}));
    assert!(r.header("x-request-id").is_some());
}

#[sqlx::test]
async fn readyz_is_ready_when_every_migration_is_applied(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.call(Method::GET, "/readyz").send().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"status": "ready", "database": true, "migrations_applied": true}));
}

#[sqlx::test]
async fn readyz_is_503_when_a_migration_is_missing(pool: PgPool) {
    let app = TestApp::new(pool);
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app.call(Method::GET, "/readyz").send().await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.body, json!({"status": "not_ready", "database": true, "migrations_applied": false}));
}

#[sqlx::test]
async fn readyz_is_503_when_the_database_is_gone(pool: PgPool) {
    let app = TestApp::new(pool);
    app.pool.close().await;
    let r = app.call(Method::GET, "/readyz").send().await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.body["database"], false);
    assert_eq!(r.body["status"], "not_ready");
}

#[sqlx::test]
async fn the_api_answers_503_while_the_database_is_gone(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    app.pool.close().await;
    let r = app.get("/api/v1/domains/sales", &admin()).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (503, Some("database_unavailable")), "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("2"), "clients are told when to try again");
}

#[sqlx::test]
async fn metrics_count_requests_by_route_template(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    // The recorder is global to the process (other tests in it may count too): compare before
    // and after.
    let served = |text: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with("http_requests_total{") && l.contains("route=\"/api/v1/domains/{domain}\"") && l.contains("status=\"200\""))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    let before = served(&app.call(Method::GET, "/metrics").send().await.text);
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/domains/sales", &admin()).await.status, 200);
    }
    app.get("/api/v1/domains/nowhere", &admin()).await;
    app.get("/no/such/route", &admin()).await;

    let r = app.call(Method::GET, "/metrics").send().await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"), "{:?}", r.header("content-type"));
    let lines: Vec<&str> = r.text.lines().filter(|l| l.starts_with("http_requests_total{")).collect();
    let find = |route: &str, status: &str| {
        lines.iter().find(|l| l.contains(&format!("route=\"{route}\"")) && l.contains(&format!("status=\"{status}\""))).copied()
    };
    let ok = find("/api/v1/domains/{domain}", "200").unwrap_or_else(|| panic!("no 200 series for the route: {lines:#?}"));
    assert!(ok.contains("method=\"GET\""), "{ok}");
    assert_eq!(served(&r.text), before + 3, "three requests counted: {ok}");
    assert!(find("/api/v1/domains/{domain}", "404").is_some(), "{lines:#?}");
    assert!(find("/api/v1/domains", "201").is_some(), "{lines:#?}");
    assert!(find("unmatched", "404").is_some(), "unknown paths share one series: {lines:#?}");
    assert!(!r.text.contains("route=\"/api/v1/domains/sales\""), "concrete paths would explode cardinality");
    assert!(!r.text.contains("/no/such/route"));
    assert!(r.text.contains("http_request_duration_seconds_bucket{"), "latency histogram");
    assert!(r.text.contains("db_pool_connections"), "pool gauges");
}

#[sqlx::test]
async fn the_served_openapi_document_is_the_generated_one(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.call(Method::GET, "/openapi.json").send().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let generated = serde_json::to_value(meshgov::routes::openapi_document()).unwrap();
    assert_eq!(r.body, generated);
    assert!(r.body["paths"]["/api/v1/domains"].is_object());
    assert!(r.body["paths"]["/api/v1/audit/verify"].is_object());
}
