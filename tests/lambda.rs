//! Lambda mode: recorded API Gateway HTTP API events (payload 2.0, tests/fixtures/lambda/) through
//! the router `meshgov` serves in a Lambda function answer as the HTTP server answers the same
//! requests; the caller's address comes from the request context; and the worker's invocation takes
//! an SQS batch of catalog events and drains the job queue.

mod common;

use std::time::{Duration, SystemTime};

use axum::body::Body;
use common::mesh::Mesh;
use common::*;
use http_body_util::BodyExt;
use meshgov::config::RateLimit;
use meshgov::{AppState, Config};
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/lambda/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")).replace("{{ADMIN}}", &admin())
}

/// A recorded event through the Lambda router: status, content type, JSON body.
async fn through_lambda(router: &axum::Router, event: &str) -> (u16, String, Value) {
    let request = lambda_http::request::from_str(event).expect("an API Gateway HTTP API event");
    let (parts, body) = request.into_parts();
    let body = match body {
        lambda_http::Body::Empty => Body::empty(),
        lambda_http::Body::Text(text) => Body::from(text),
        lambda_http::Body::Binary(bytes) => Body::from(bytes),
        _ => panic!("an unexpected body"),
    };
    let response = router.clone().oneshot(http::Request::from_parts(parts, body)).await.unwrap();
    answer(response.status().as_u16(), response.headers().clone(), response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

/// The same request (method, path and query, headers, body) to the real `meshgov serve`.
async fn through_http(base: &str, event: &str) -> (u16, String, Value) {
    let e: Value = serde_json::from_str(event).unwrap();
    let query = e["rawQueryString"].as_str().unwrap_or_default();
    let url = format!("{base}{}{}{query}", e["rawPath"].as_str().unwrap(), if query.is_empty() { "" } else { "?" });
    let method = reqwest::Method::from_bytes(e["requestContext"]["http"]["method"].as_str().unwrap().as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, url);
    for (name, value) in e["headers"].as_object().unwrap() {
        if !["host", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"].contains(&name.as_str()) {
            request = request.header(name, value.as_str().unwrap());
        }
    }
    if let Some(body) = e["body"].as_str() {
        use base64::Engine;
        let bytes = if e["isBase64Encoded"] == true {
            base64::engine::general_purpose::STANDARD.decode(body).unwrap()
        } else {
            body.as_bytes().to_vec()
        };
        request = request.body(bytes);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    answer(status, headers, response.bytes().await.unwrap().to_vec())
}

/// What must be equal: the status, the content type and the body, less the request's own id and
/// the times.
fn answer(status: u16, headers: http::HeaderMap, body: Vec<u8>) -> (u16, String, Value) {
    let content_type = headers.get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let mut body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fn scrub(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["request_id", "created_at", "updated_at", "id", "external_id", "etag", "version"] {
                    map.remove(key);
                }
                map.values_mut().for_each(scrub);
            }
            Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    scrub(&mut body);
    (status, content_type, body)
}

#[sqlx::test]
async fn recorded_api_gateway_events_answer_as_the_http_server_does(pool: PgPool) {
    meshgov::install_crypto_provider();
    let served = common::process::serve(&common::process::database_url(&pool), &[]);
    let state = AppState::new(Config::for_tests("postgres://unused", SECRET), pool.clone());
    let router = meshgov::lambda::router(state);
    for name in ["get-healthz.json", "get-domains.json", "get-missing-domain.json", "post-domain-invalid.json"] {
        let event = fixture(name);
        let lambda = through_lambda(&router, &event).await;
        let http = through_http(&served.base, &event).await;
        assert_eq!(lambda, http, "{name}");
    }
    // Writes: through the Lambda router, read back from the HTTP server (and the other way).
    let created = through_lambda(&router, &fixture("post-domain.json")).await;
    assert_eq!((created.0, created.2["slug"].as_str()), (201, Some("finance")), "{created:?}");
    let created = through_lambda(&router, &fixture("post-domain-base64.json")).await;
    assert_eq!((created.0, created.2["slug"].as_str()), (201, Some("legal")), "a base64 body is decoded: {created:?}");
    let listed = through_http(&served.base, &fixture("get-domains.json")).await;
    let slugs: Vec<&str> = listed.2["items"].as_array().unwrap().iter().map(|d| d["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["finance", "legal"]);
    assert_eq!(through_lambda(&router, &fixture("get-domains.json")).await, listed);
    let again = through_http(&served.base, &fixture("post-domain.json")).await;
    assert_eq!((again.0, again.2["code"].as_str()), (409, Some("domain_exists")), "{again:?}");
}

#[sqlx::test]
async fn the_rate_limit_keys_on_the_address_in_the_request_context(pool: PgPool) {
    let mut config = Config::for_tests("postgres://unused", SECRET);
    config.rate_limit = Some(RateLimit { per_second: 1, burst: 1 });
    let router = meshgov::lambda::router(AppState::new(config, pool));
    let anonymous = fixture("get-domains-anonymous.json");
    assert_eq!(through_lambda(&router, &anonymous).await.0, 401);
    assert_eq!(through_lambda(&router, &anonymous).await.0, 429, "the same sourceIp has spent its allowance");
    let other = anonymous.replace("198.51.100.20", "198.51.100.21");
    assert_eq!(through_lambda(&router, &other).await.0, 401, "another sourceIp has its own");
}

#[sqlx::test]
async fn the_worker_takes_an_sqs_batch_of_catalog_events_then_drains_the_queue(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    m.glue_columns("orders", &["a", "b", "c", "region", "discount"]).await;
    let glue_event = json!({
        "version": "0", "id": "3d2a", "detail-type": "Glue Data Catalog Table State Change", "source": "aws.glue",
        "account": m.producer, "time": "2026-11-29T17:00:00Z", "region": "us-east-1",
        "resources": [format!("arn:aws:glue:us-east-1:{}:table/sales_db/orders", m.producer)],
        "detail": { "databaseName": "sales_db", "tableName": "orders", "typeOfChange": "UpdateTable" }
    });
    let batch = fixture("sqs-catalog-event.json").replace("\"{{BODY}}\"", &serde_json::to_string(&glue_event.to_string()).unwrap());
    let payload: Value = serde_json::from_str(&batch).unwrap();
    let deadline = SystemTime::now() + Duration::from_secs(70);
    let answer = meshgov::lambda::invoke_worker(&m.state, &payload, deadline).await.unwrap();
    assert_eq!(answer, json!({ "batchItemFailures": [] }));
    // The sync the event queued ran in the same invocation.
    let schema = m.app.get("/api/v1/domains/sales/products/orders/schema", &admin()).await.body;
    assert!(schema.to_string().contains("discount"), "{schema}");

    // The schedule's tick: nothing to take, the queue is drained (a grant job here).
    let sub = m.request(&m.role("analyst"), Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&sub, json!({})).await;
    let schedule: Value = serde_json::from_str(&fixture("schedule.json")).unwrap();
    assert_eq!(meshgov::lambda::invoke_worker(&m.state, &schedule, deadline).await.unwrap(), json!({ "batchItemFailures": [] }));
    assert_eq!(m.get(&sub).await["provisioning"], "granted");
}
