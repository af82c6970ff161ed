//! Error responses: every failure a client can cause is an RFC 9457 problem with a stable code
//! and the request id, never axum's plain text and never a 5xx.

mod common;

use axum::http::Method;
use common::*;
use serde_json::json;
use sqlx::PgPool;

fn post_domains(app: &TestApp) -> Call<'_> {
    app.call(Method::POST, "/api/v1/domains").bearer(&admin())
}

#[sqlx::test]
async fn malformed_json_is_400(pool: PgPool) {
    let app = TestApp::new(pool);
    let trailing = format!("{} trailing", domain_body("sales"));
    for body in [&b"{\"slug\": "[..], b"{,}", b"", b"\xff\xfe", trailing.as_bytes()] {
        let r = post_domains(&app).header("content-type", "application/json").raw(body.to_vec()).send().await;
        assert_eq!(r.status, 400, "{:?}: {}", String::from_utf8_lossy(body), r.text);
        r.problem(400, "malformed_json");
    }
}

#[sqlx::test]
async fn well_formed_json_of_the_wrong_shape_is_422(pool: PgPool) {
    let app = TestApp::new(pool);
    let mut unknown = domain_body("sales");
    unknown["is_admin"] = json!(true);
    let mut wrong_type = domain_body("sales");
    wrong_type["aws_account_id"] = json!(111122223333u64);
    let mut bad_enum = domain_body("sales");
    bad_enum["approval_policy"] = json!("anyone");
    for (body, why) in [
        (wrong_type, "a number where a string belongs"),
        (unknown, "an unknown field"),
        (bad_enum, "an unknown enum value"),
        (json!({"slug": "sales"}), "missing required fields"),
        (json!([]), "an array"),
        (json!(null), "null"),
        (json!("sales"), "a string"),
    ] {
        let r = post_domains(&app).json(&body).send().await;
        assert_eq!(r.status, 422, "{why}: {}", r.text);
        r.problem(422, "invalid_body");
        assert_eq!(r.body["errors"][0]["field"], "body", "{why}: {}", r.body);
    }
    let r = app.patch("/api/v1/domains/sales", &admin(), json!({"nmae": "typo"})).await;
    r.problem(422, "invalid_body");
    assert!(r.body["detail"].as_str().unwrap().contains("nmae"), "the detail names the unknown field: {}", r.body);
}

#[sqlx::test]
async fn a_body_without_json_content_type_is_415(pool: PgPool) {
    let app = TestApp::new(pool);
    let body = serde_json::to_vec(&domain_body("sales")).unwrap();
    let missing = post_domains(&app).raw(body.clone()).send().await;
    missing.problem(415, "unsupported_media_type");
    let text = post_domains(&app).header("content-type", "text/plain").raw(body.clone()).send().await;
    text.problem(415, "unsupported_media_type");
    let form = post_domains(&app).header("content-type", "application/x-www-form-urlencoded").raw(body).send().await;
    form.problem(415, "unsupported_media_type");
}

#[sqlx::test]
async fn a_body_over_the_limit_is_413(pool: PgPool) {
    let app = TestApp::new(pool);
    let mut body = domain_body("sales");
    body["description"] = json!("x".repeat(1 << 20));
    let r = post_domains(&app).json(&body).send().await;
    r.problem(413, "body_too_large");

    // Just under the limit is read (and then refused for its content, not its size).
    let mut body = domain_body("sales");
    body["description"] = json!("x".repeat((1 << 20) - 1024));
    let r = post_domains(&app).json(&body).send().await;
    r.field_error("description", "too_long");
}

#[sqlx::test]
async fn unknown_routes_are_404_and_wrong_methods_405(pool: PgPool) {
    let app = TestApp::new(pool);
    for path in ["/api/v1/nothing", "/nothing", "/api/v2/domains", "/api/v1/domains/sales/products/orders/explode"] {
        let r = app.get(path, &admin()).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        r.problem(404, "not_found");
    }
    for (method, path) in [
        (Method::DELETE, "/api/v1/domains"),
        (Method::PUT, "/api/v1/domains/sales"),
        (Method::GET, "/api/v1/domains/sales/products/orders/publish"),
        (Method::POST, "/api/v1/products"),
        (Method::POST, "/healthz"),
    ] {
        let r = app.call(method.clone(), path).bearer(&admin()).send().await;
        assert_eq!(r.status, 405, "{method} {path}: {}", r.text);
        r.problem(405, "method_not_allowed");
    }
}

/// RFC 9110 §15.5.6: a 405 response MUST carry an Allow header listing the supported methods.
#[sqlx::test]
async fn a_405_says_which_methods_are_allowed(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.call(Method::DELETE, "/api/v1/domains").bearer(&admin()).send().await;
    assert_eq!(r.status, 405);
    let allow = r.header("allow").unwrap_or_default();
    assert!(allow.contains("GET") && allow.contains("POST"), "Allow: {allow:?}");
}

#[sqlx::test]
async fn malformed_if_match_is_400(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let too_many = (0..21).map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ");
    for value in ["", " , ,", too_many.as_str(), "=", "3", "\"1\",,\"2\"", "*, \"1\"", "\"a\"b\""] {
        let r = app
            .call(Method::PATCH, "/api/v1/domains/sales")
            .bearer(&admin())
            .if_match(value)
            .json(&json!({"name": "x"}))
            .send()
            .await;
        assert_eq!(r.status, 400, "If-Match {value:?}: {}", r.text);
        r.problem(400, "invalid_if_match");
    }
    let r = app
        .call(Method::PATCH, "/api/v1/domains/sales")
        .bearer(&admin())
        .header_bytes("if-match", b"\"\xe9\"")
        .json(&json!({"name": "x"}))
        .send()
        .await;
    r.problem(400, "invalid_if_match");
    assert_eq!(app.get("/api/v1/domains/sales", &admin()).await.body["version"], 1);
}

#[sqlx::test]
async fn malformed_idempotency_keys_are_400(pool: PgPool) {
    let app = TestApp::new(pool);
    let long = "k".repeat(256);
    for key in ["", "   ", "has space", long.as_str()] {
        let r = post_domains(&app).idempotency_key(key).json(&domain_body("sales")).send().await;
        assert_eq!(r.status, 400, "Idempotency-Key {key:?}: {}", r.text);
        r.problem(400, "invalid_idempotency_key");
    }
    let r = post_domains(&app).header_bytes("idempotency-key", b"cl\xe9").json(&domain_body("sales")).send().await;
    r.problem(400, "invalid_idempotency_key");
    let ok = post_domains(&app).idempotency_key(&"k".repeat(255)).json(&domain_body("sales")).send().await;
    assert_eq!(ok.status, 201, "255 visible characters are fine: {}", ok.text);
}

#[sqlx::test]
async fn a_client_request_id_is_echoed_and_quoted_in_problems(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.call(Method::GET, "/api/v1/domains/nowhere").bearer(&admin()).header("x-request-id", "client-id_1.2:3").send().await;
    assert_eq!(r.header("x-request-id"), Some("client-id_1.2:3"));
    assert_eq!(r.problem(404, "not_found")["request_id"], "client-id_1.2:3");

    let ok = app.call(Method::GET, "/healthz").header("x-request-id", "abc-123").send().await;
    assert_eq!(ok.header("x-request-id"), Some("abc-123"), "echoed on successes too");

    let unauthenticated = app.call(Method::GET, "/api/v1/domains").header("x-request-id", "who-am-i").send().await;
    assert_eq!(unauthenticated.problem(401, "unauthorized")["request_id"], "who-am-i");
}

#[sqlx::test]
async fn unsafe_request_ids_are_replaced(pool: PgPool) {
    let app = TestApp::new(pool);
    let long = "a".repeat(129);
    for sent in ["has space", "new\\nline", "<script>", long.as_str()] {
        let r = app.call(Method::GET, "/api/v1/domains/nowhere").bearer(&admin()).header("x-request-id", sent).send().await;
        let got = r.header("x-request-id").expect("a request id").to_string();
        assert_ne!(got, sent);
        assert!(uuid::Uuid::parse_str(&got).is_ok(), "a generated id replaces {sent:?}: {got}");
        assert_eq!(r.problem(404, "not_found")["request_id"], got.as_str());
    }
    let a = app.get("/api/v1/domains", &admin()).await;
    let b = app.get("/api/v1/domains", &admin()).await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"), "generated ids are unique");
}

#[sqlx::test]
async fn hostile_input_never_causes_a_server_error(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        br#"{"slug": "sales2", "name": "N", "aws_account_id": "111122223333", "description": "\ud800"}"#.to_vec(),
        br#"{"slug": "sales2", "name": "N", "aws_account_id": "111122223333", "owners": [1e999]}"#.to_vec(),
        br#"{"slug": "sales2", "name": "\u0000", "aws_account_id": "\u0000"}"#.to_vec(),
        format!(r#"{{"slug": "{}", "name": "N", "aws_account_id": "111122223333"}}"#, "a".repeat(100_000)).into_bytes(),
    ];
    for body in bodies {
        let r = post_domains(&app).header("content-type", "application/json").raw(body).send().await;
        assert!(r.status.is_client_error(), "{}: {}", r.status, r.text);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
    }
    for path in [
        "/api/v1/domains?limit=99999999999999999999",
        "/api/v1/domains?limit=1&limit=2",
        "/api/v1/products?q=%FF%FE",
        "/api/v1/products?domain=%00",
        "/api/v1/domains/%00",
        "/api/v1/domains/%FF/products",
        "/api/v1/domains/sales/products/%E2%80%8B",
        "/api/v1/audit?since=%00",
    ] {
        let r = app.get(path, &admin()).await;
        assert!(!r.status.is_server_error(), "{path}: {} {}", r.status, r.text);
        if !r.status.is_success() {
            assert_eq!(r.header("content-type"), Some("application/problem+json"), "{path}: {}", r.text);
        }
    }
}

#[sqlx::test]
async fn authentication_comes_before_the_body(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.call(Method::POST, "/api/v1/domains").header("content-type", "application/json").raw("{oops").send().await;
    r.problem(401, "unauthorized");
}
