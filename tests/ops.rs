//! Operations endpoints: liveness, readiness, Prometheus metrics, the served OpenAPI document.

mod common;

use std::time::{Duration, Instant};

use axum::http::Method;
use common::*;
use meshgov::Config;
use meshgov::audit::{Actor, NewEvent};
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
    // At least: under `cargo test` the other tests of this file share the recorder.
    assert!(served(&r.text) >= before + 3, "three requests counted: {ok}");
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

/// Takes the audit chain's lock in a transaction of the test's own and keeps it until the
/// transaction ends: every write of meshgov (each appends to the chain) waits for it.
async fn hold_the_chain(pool: &PgPool) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.unwrap();
    meshgov::audit::append(&mut tx, NewEvent::new(Actor::system("test"), "test.hold", "drift", json!({}))).await.unwrap();
    tx
}

/// How many sessions of this test's database wait for an advisory lock (the chain's).
async fn waiting_for_the_chain(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn a_request_running_longer_than_the_request_timeout_is_abandoned_with_a_503_and_writes_nothing(pool: PgPool) {
    let limit = Duration::from_secs(1);
    let mut config = Config::for_tests("postgres://unused", SECRET);
    config.request_timeout = limit;
    let app = TestApp::with_config(pool.clone(), config);
    app.create_domain("sales").await;
    let before = app.audit_count().await;

    // The create waits for the chain's lock, held here, longer than the timeout.
    let holder = hold_the_chain(&pool).await;
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(20), app.post("/api/v1/domains", &admin(), domain_body("blocked")))
        .await
        .expect("the slow request was not abandoned");
    let elapsed = started.elapsed();
    let problem = r.problem(503, "timeout");
    assert!(elapsed >= limit, "abandoned after {elapsed:?}, before the timeout of {limit:?}");
    assert!(elapsed < limit * 5, "abandoned only after {elapsed:?}");
    assert!(problem["detail"].as_str().unwrap().contains("abandoned"), "{problem}");
    holder.rollback().await.unwrap();

    // Once the lock is free, whatever the abandoned request had begun is rolled back: every
    // session of the database settles, and the service (with the default timeout) writes again.
    let ordinary = TestApp::new(pool.clone());
    wait_for("the abandoned transaction ended", Duration::from_secs(20), async || {
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND state IS NOT NULL AND state <> 'idle'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        busy == 0
    })
    .await;
    ordinary.create_domain("marketing").await;
    ordinary.get("/api/v1/domains/blocked", &admin()).await.problem(404, "not_found");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM domains WHERE slug = 'blocked'").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 0, "the abandoned request wrote its domain");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE target = 'domain:blocked'").fetch_one(&pool).await.unwrap();
    assert_eq!(events, 0, "the abandoned request wrote its event");
    assert_eq!(ordinary.audit_count().await, before + 1, "only the later domain was recorded");
}

#[sqlx::test]
async fn sigterm_lets_the_request_in_flight_finish_refuses_new_connections_and_exits_0(pool: PgPool) {
    meshgov::install_crypto_provider();
    let mut served = common::process::serve(&common::process::database_url(&pool), &[("MESHGOV_RECONCILE_INTERVAL", "off")]);
    let address = served.base.strip_prefix("http://").unwrap().to_string();

    // A create in flight, waiting for the chain's lock held here.
    let holder = hold_the_chain(&pool).await;
    let url = format!("{}/api/v1/domains", served.base);
    let in_flight = tokio::spawn(async move {
        let r = reqwest::Client::new().post(url).bearer_auth(admin()).json(&domain_body("sales")).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json::<serde_json::Value>().await.unwrap_or_default())
    });
    wait_for("the request waits for the lock", Duration::from_secs(20), async || waiting_for_the_chain(&pool).await == 1).await;

    let pid = served.child.id().to_string();
    let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success(), "kill -TERM {pid}");
    // It stops accepting connections while the request is still in flight.
    wait_for("new connections are refused", Duration::from_secs(20), async || {
        match tokio::net::TcpStream::connect(&address).await {
            Ok(probe) => {
                drop(probe);
                false
            }
            Err(e) => {
                // Refused once the listening socket is closed; reset if the probe reached its
                // backlog just as it closed.
                use std::io::ErrorKind::{ConnectionRefused, ConnectionReset};
                assert!(matches!(e.kind(), ConnectionRefused | ConnectionReset), "{e}");
                true
            }
        }
    })
    .await;
    assert!(!in_flight.is_finished(), "the request in flight was answered before its lock was free");
    assert!(served.child.try_wait().unwrap().is_none(), "meshgov exited with a request in flight");
    assert_eq!(waiting_for_the_chain(&pool).await, 1, "the request still waits for the lock");

    holder.rollback().await.unwrap();
    let (status, body) = tokio::time::timeout(Duration::from_secs(20), in_flight).await.expect("the request in flight is answered").unwrap();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["slug"], "sales");
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = served.child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "meshgov did not exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(exit.code(), Some(0), "meshgov exits 0 after SIGTERM: {exit:?}");
    assert!(tokio::net::TcpStream::connect(&address).await.is_err(), "nothing listens any more");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM domains WHERE slug = 'sales'").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 1, "the finished request's write is committed");
}

/// The image's HEALTHCHECK: `meshgov healthcheck` exits 0 while the service on MESHGOV_LISTEN
/// answers, 1 once it is gone.
#[sqlx::test]
async fn the_healthcheck_command_asks_the_service_it_runs_beside(pool: PgPool) {
    let mut served = common::process::serve(&common::process::database_url(&pool), &[]);
    let listen = served.base.trim_start_matches("http://").to_string();
    let check = |path: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_meshgov"))
            .args(["healthcheck", "--path", path])
            .env_clear()
            .env("MESHGOV_LISTEN", &listen)
            .output()
            .unwrap()
    };
    assert!(check("/healthz").status.success());
    assert!(check("/readyz").status.success());
    let missing = check("/no-such-path");
    assert_eq!(missing.status.code(), Some(1), "a 404 is not healthy");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("404"), "{missing:?}");
    served.kill();
    let gone = check("/healthz");
    assert_eq!(gone.status.code(), Some(1), "{gone:?}");
}
