//! Subscriptions and their Lake Formation grants, against the AWS emulator with the real SDK.
//! Each test acts as its own governance account (credentials from AssumeRole into a fresh
//! account), with fresh producer and consumer accounts, so tests run in parallel and every
//! ListPermissions / call-log / fault is this test's alone. Results are checked in Lake Formation
//! itself (ListPermissions through the emulator), not only in our tables.

mod common;

use common::aws::{Hold, fresh_account};
use axum::http::Method;
use common::mesh::Mesh;
use meshgov::grants::holder::CatalogMode;
use common::*;
use meshgov::subscriptions::expiry;
use serde_json::{Value, json};
use sqlx::PgPool;

fn target(id: &str) -> String {
    format!("subscription:{id}")
}

#[sqlx::test]
async fn a_request_is_validated_against_the_schema_and_stored_once(pool: PgPool) {
    a_request_is_validated_against_the_schema_and_stored_once_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn a_request_is_validated_against_the_schema_and_stored_once_in_producer_mode(pool: PgPool) {
    a_request_is_validated_against_the_schema_and_stored_once_in(pool, CatalogMode::Producer).await
}

async fn a_request_is_validated_against_the_schema_and_stored_once_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    let analyst = m.role("analyst");
    let post = |body: Value| {
        let app = m.app.clone();
        async move { app.post("/api/v1/subscriptions", &consumer("marketing"), body).await }
    };

    // Field errors: principal, unknown table and column, row filters, justification, expiry.
    post(json!({"domain": "sales", "product": "orders", "consumer_domain": "marketing", "principal": "root", "justification": "x"}))
        .await
        .field_error("principal", "invalid_principal");
    post(m.request_body(&analyst, json!([{ "name": "nope" }]))).await.field_error("tables[0].name", "unknown_table");
    post(m.request_body(&analyst, json!([{ "name": "orders", "columns": ["a", "zz"] }])))
        .await
        .field_error("tables[0].columns[1]", "unknown_column");
    post(m.request_body(&analyst, json!([{ "name": "orders", "row_filter": "secret = 1" }])))
        .await
        .field_error("tables[0].row_filter", "invalid_row_filter");
    post(m.request_body(&analyst, json!([{ "name": "orders", "row_filter": "region = 'EU' OR" }])))
        .await
        .field_error("tables[0].row_filter", "invalid_row_filter");
    let long = format!("region = '{}'", "x".repeat(2050));
    post(m.request_body(&analyst, json!([{ "name": "orders", "row_filter": long }])))
        .await
        .field_error("tables[0].row_filter", "invalid_row_filter");
    let mut blank = m.request_body(&analyst, Value::Null);
    blank["justification"] = json!("  ");
    post(blank).await.field_error("justification", "required");
    let mut late = m.request_body(&analyst, Value::Null);
    late["expires_at"] = json!((chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339());
    post(late).await.field_error("expires_at", "too_late");
    let mut bad_perm = m.request_body(&analyst, Value::Null);
    bad_perm["permissions"] = json!(["DROP"]);
    post(bad_perm).await.problem(422, "invalid_body");

    // A valid request; the same request again returns it instead of a duplicate.
    let first = post(m.request_body(&analyst, json!([{ "name": "orders", "columns": ["b", "a", "a"] }]))).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["status"], "pending");
    assert_eq!(first.body["provisioning"], "none");
    assert_eq!(first.body["requested_scope"]["tables"][0]["columns"], json!(["a", "b"]), "canonical columns");
    let id = first.body["id"].as_str().unwrap().to_string();
    assert_eq!(first.header("location"), Some(format!("/api/v1/subscriptions/{id}").as_str()));
    let again = post(m.request_body(&analyst, json!([{ "name": "orders", "columns": ["a", "b"] }]))).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], id.as_str());
    assert_eq!(m.audit("subscription.requested", &target(&id)).await.len(), 1);

    // Idempotency-Key: a retried request gets the first answer.
    let body = m.request_body(&analyst, json!([{ "name": "refunds" }]));
    let a = m.app.call(axum::http::Method::POST, "/api/v1/subscriptions").bearer(&consumer("marketing")).idempotency_key("k1").json(&body).send().await;
    let b = m.app.call(axum::http::Method::POST, "/api/v1/subscriptions").bearer(&consumer("marketing")).idempotency_key("k1").json(&body).send().await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201));
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
    assert_eq!(a.body["id"], b.body["id"]);
    // A key first used for a request that matched an existing one replays that subscription.
    let c = m.app.call(axum::http::Method::POST, "/api/v1/subscriptions").bearer(&consumer("marketing")).idempotency_key("k2").json(&body).send().await;
    let d = m.app.call(axum::http::Method::POST, "/api/v1/subscriptions").bearer(&consumer("marketing")).idempotency_key("k2").json(&body).send().await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!((c.body["id"].clone(), d.body["id"].clone()), (a.body["id"].clone(), a.body["id"].clone()), "{}", d.body);

    // The account id itself is a valid principal.
    let acct = post(m.request_body(&m.consumer.clone(), Value::Null)).await;
    assert_eq!(acct.status, 201, "{}", acct.body);

    // Listing: the consumer sees its domain's subscriptions; another domain's consumer sees none.
    let (items, _) = walk(&m.app, "/api/v1/subscriptions?limit=1", &consumer("marketing")).await;
    assert_eq!(items.len(), 3);
    let (items, _) = walk(&m.app, "/api/v1/subscriptions?limit=50", &consumer("finance")).await;
    assert!(items.is_empty());
    let (items, _) = walk(&m.app, "/api/v1/subscriptions?status=pending&domain=sales&product=orders", &producer("sales")).await;
    assert_eq!(items.len(), 3);
    let r = m.app.get("/api/v1/subscriptions?status=bogus", &steward()).await;
    r.problem(400, "invalid_query");
}

#[sqlx::test]
async fn products_must_be_published_and_synced(pool: PgPool) {
    products_must_be_published_and_synced_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn products_must_be_published_and_synced_in_producer_mode(pool: PgPool) {
    products_must_be_published_and_synced_in(pool, CatalogMode::Producer).await
}

async fn products_must_be_published_and_synced_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    // Never synced: published without a schema.
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    let body = m.request_body(&m.role("analyst"), Value::Null);
    let r = m.app.post("/api/v1/subscriptions", &consumer("marketing"), body.clone()).await;
    r.field_error("product", "unknown_product"); // a draft is invisible to consumers
    m.app.lifecycle("sales", "orders", "publish").await;
    m.app.post("/api/v1/subscriptions", &consumer("marketing"), body.clone()).await.problem(409, "product_not_synced");
    m.app.lifecycle("sales", "orders", "deprecate").await;
    m.app.post("/api/v1/subscriptions", &consumer("marketing"), body).await.problem(409, "product_not_published");
}

#[sqlx::test]
async fn every_refusal_is_a_403_problem(pool: PgPool) {
    every_refusal_is_a_403_problem_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn every_refusal_is_a_403_problem_in_producer_mode(pool: PgPool) {
    every_refusal_is_a_403_problem_in(pool, CatalogMode::Producer).await
}

async fn every_refusal_is_a_403_problem_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.domain("finance", &fresh_account(), "stewards").await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let body = m.request_body(&m.role("analyst"), Value::Null);
    // Requesting for another domain, as a producer, or for another account's principal.
    m.app.post("/api/v1/subscriptions", &consumer("finance"), body.clone()).await.problem(403, "forbidden");
    m.app.post("/api/v1/subscriptions", &producer("marketing"), body.clone()).await.problem(403, "forbidden");
    let foreign = m.request_body(&format!("arn:aws:iam::{}:role/analyst", m.producer), Value::Null);
    m.app.post("/api/v1/subscriptions", &consumer("marketing"), foreign).await.problem(403, "forbidden");

    let id = m.request(&m.role("analyst"), Value::Null).await["id"].as_str().unwrap().to_string();
    let path = |action: &str| format!("/api/v1/subscriptions/{id}/{action}");
    // Deciding: not the consumer, not the producer while the policy says stewards.
    m.app.post_empty(&path("approve"), &consumer("marketing")).await.problem(403, "forbidden");
    m.app.post_empty(&path("approve"), &producer("sales")).await.problem(403, "forbidden");
    m.app.post(&path("reject"), &producer("sales"), json!({"comment": "no"})).await.problem(403, "forbidden");
    // Cancelling: only the requester. Seeing: not another domain.
    m.app.post_empty(&path("cancel"), &steward()).await.problem(403, "forbidden");
    m.app.get(&format!("/api/v1/subscriptions/{id}"), &consumer("finance")).await.problem(403, "forbidden");
    m.app.post_empty(&path("retry"), &producer("sales")).await.problem(403, "forbidden");
    // Reject needs a comment.
    m.app.post_empty(&path("reject"), &steward()).await.field_error("comment", "required");
    m.app.post(&path("reject"), &steward(), json!({"comment": "  "})).await.field_error("comment", "required");

    // The owners policy lets the producers decide; a producer of another domain still may not.
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "approval_policy": "owners" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    m.app.post_empty(&path("approve"), &steward()).await.problem(403, "forbidden");
    let r = m.app.post_empty(&path("approve"), &producer("sales")).await;
    assert_eq!(r.status, 202, "{}", r.body);
    m.app.post_empty(&path("revoke"), &producer("finance")).await.problem(403, "forbidden");
    m.app.post_empty(&path("revoke"), &consumer("marketing")).await.problem(403, "forbidden");
    // Illegal transitions.
    m.app.post_empty(&path("approve"), &admin()).await.problem(409, "illegal_transition");
    m.app.post_empty(&path("cancel"), &consumer("marketing")).await.problem(409, "illegal_transition");
    m.app.post_empty(&path("retry"), &steward()).await.problem(409, "nothing_to_retry");
    m.app.get("/api/v1/subscriptions/not-a-uuid", &steward()).await.problem(404, "not_found");
    m.app.get(&format!("/api/v1/subscriptions/{}", uuid::Uuid::now_v7()), &steward()).await.problem(404, "not_found");
}

#[sqlx::test]
async fn reject_and_cancel_are_decisions_with_audit_events(pool: PgPool) {
    reject_and_cancel_are_decisions_with_audit_events_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn reject_and_cancel_are_decisions_with_audit_events_in_producer_mode(pool: PgPool) {
    reject_and_cancel_are_decisions_with_audit_events_in(pool, CatalogMode::Producer).await
}

async fn reject_and_cancel_are_decisions_with_audit_events_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    let a = m.request(&m.role("a"), Value::Null).await["id"].as_str().unwrap().to_string();
    let b = m.request(&m.role("b"), Value::Null).await["id"].as_str().unwrap().to_string();
    let r = m.app.post(&format!("/api/v1/subscriptions/{a}/reject"), &steward(), json!({"comment": "not needed"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "rejected");
    assert_eq!(r.body["decision_comment"], "not needed");
    let r = m.app.post_empty(&format!("/api/v1/subscriptions/{b}/cancel"), &consumer("marketing")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(m.audit("subscription.rejected", &target(&a)).await.len(), 1);
    assert_eq!(m.audit("subscription.cancelled", &target(&b)).await.len(), 1);
    // Ended requests free the scope: the same request can be made again.
    m.request(&m.role("a"), Value::Null).await;
    // Whatever was queued has run: still nothing was granted.
    m.run_jobs().await;
    assert!(m.lf_calls("BatchGrantPermissions").await.is_empty(), "nothing was granted");
}

/// Every decision honours `If-Match`: a stale ETag is a 412 that changes nothing, the current one
/// (or none) lets the decision through.
#[sqlx::test]
async fn decisions_with_a_stale_if_match_are_412_and_change_nothing(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let requested = m.request(&m.role("analyst"), Value::Null).await;
    let id = requested["id"].as_str().unwrap().to_string();
    let path = |action: &str| format!("/api/v1/subscriptions/{id}/{action}");
    let read = m.app.get(&format!("/api/v1/subscriptions/{id}"), &steward()).await;
    let current = read.etag();
    let stale = "\"999\"";
    for (action, token) in [("approve", steward()), ("reject", steward()), ("cancel", consumer("marketing"))] {
        m.app
            .call(Method::POST, &path(action))
            .bearer(&token)
            .if_match(stale)
            .json(&json!({"comment": "stale"}))
            .send()
            .await
            .problem(412, "precondition_failed");
    }
    let unchanged = m.app.get(&format!("/api/v1/subscriptions/{id}"), &steward()).await;
    assert_eq!(unchanged.body["status"], "pending");
    assert_eq!(unchanged.etag(), current, "a refused decision changes nothing");
    m.run_jobs().await;
    assert!(m.lf_state().await.is_empty(), "a refused approval grants nothing in Lake Formation");

    let approved = m.app.call(Method::POST, &path("approve")).bearer(&steward()).if_match(&current).send().await;
    assert_eq!(approved.status, 202, "{}", approved.body);
    assert_ne!(approved.etag(), current);
    // The ETag read before the approval is stale for the revoke that follows.
    m.app
        .call(Method::POST, &path("revoke"))
        .bearer(&steward())
        .if_match(&current)
        .send()
        .await
        .problem(412, "precondition_failed");
    m.app.call(Method::POST, &path("retry")).bearer(&steward()).if_match(&current).send().await.problem(412, "precondition_failed");
    let revoked = m.app.call(Method::POST, &path("revoke")).bearer(&steward()).if_match(&approved.etag()).send().await;
    assert_eq!(revoked.status, 202, "{}", revoked.body);
    assert_eq!(revoked.body["status"], "revoked");
    assert!(m.audit("subscription.revoked", &target(&id)).await.len() == 1);
    m.run_jobs().await;
    assert!(m.lf_state().await.is_empty(), "the revoke that passed its precondition is carried out");
}

#[sqlx::test]
async fn approval_grants_exactly_the_expected_permissions(pool: PgPool) {
    approval_grants_exactly_the_expected_permissions_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn approval_grants_exactly_the_expected_permissions_in_producer_mode(pool: PgPool) {
    approval_grants_exactly_the_expected_permissions_in(pool, CatalogMode::Producer).await
}

async fn approval_grants_exactly_the_expected_permissions_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    let analyst = m.role("analyst");
    let sub = m.request(&analyst, Value::Null).await;
    let id = sub["id"].as_str().unwrap().to_string();
    let approved = m.approve(&id, json!({ "comment": "ok" })).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["provisioning"], "granting");
    assert_eq!(approved["grants"].as_array().unwrap().len(), 3);
    assert!(m.lf_state().await.is_empty(), "nothing is granted before the job runs");
    m.run_jobs().await;

    let expected =
        vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders"), m.expect_table(&analyst, "refunds")];
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(m.lf_state().await, expected_sorted);
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "granted", "{got}");
    let grants = got["grants"].as_array().unwrap();
    assert!(!grants.is_empty() && grants.iter().all(|g| g["state"] == "granted" && g["attempts"] == 1), "{got}");
    let calls = m.lf_calls("BatchGrantPermissions").await;
    assert_eq!(calls.len(), 1);
    let events = m.audit("lakeformation.batch_grant", &target(&id)).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["aws_request_id"], calls[0]["request_id"], "the audit event carries AWS's request id");
    assert_eq!(m.audit("subscription.approved", &target(&id)).await.len(), 1);
    let chain = m.app.get("/api/v1/audit/verify", &steward()).await;
    assert_eq!(chain.body["ok"], true);
}

#[sqlx::test]
async fn approvers_narrow_tables_columns_and_expiry_but_never_widen(pool: PgPool) {
    approvers_narrow_tables_columns_and_expiry_but_never_widen_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn approvers_narrow_tables_columns_and_expiry_but_never_widen_in_producer_mode(pool: PgPool) {
    approvers_narrow_tables_columns_and_expiry_but_never_widen_in(pool, CatalogMode::Producer).await
}

async fn approvers_narrow_tables_columns_and_expiry_but_never_widen_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders", "refunds", "returns"], json!({})).await;
    let analyst = m.role("analyst");
    let expiry = chrono::Utc::now() + chrono::Duration::days(30);
    let mut body = m.request_body(&analyst, json!([{ "name": "orders", "columns": ["c", "a", "b"] }, { "name": "refunds" }]));
    body["expires_at"] = json!(expiry.to_rfc3339());
    let r = m.app.post("/api/v1/subscriptions", &consumer("marketing"), body).await;
    let id = r.body["id"].as_str().unwrap().to_string();
    let approve = |b: Value| {
        let app = m.app.clone();
        let id = id.clone();
        async move { app.post(&format!("/api/v1/subscriptions/{id}/approve"), &steward(), b).await }
    };
    approve(json!({ "tables": [{ "name": "returns" }] })).await.field_error("tables[0].name", "widens_scope");
    approve(json!({ "tables": [{ "name": "orders" }] })).await.field_error("tables[0].columns", "widens_scope");
    approve(json!({ "tables": [{ "name": "orders", "columns": ["a", "region"] }] }))
        .await
        .field_error("tables[0].columns", "widens_scope");
    let later = (expiry + chrono::Duration::days(1)).to_rfc3339();
    approve(json!({ "expires_at": later })).await.field_error("expires_at", "widens_scope");

    let earlier = expiry - chrono::Duration::days(10);
    let r = approve(json!({ "tables": [{ "name": "orders", "columns": ["c", "a"] }], "expires_at": earlier.to_rfc3339() })).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["approved_scope"]["tables"], json!([{ "name": "orders", "columns": ["a", "c"] }]));
    m.run_jobs().await;
    let mut expected = vec![
        m.expect_db(&analyst),
        format!("{analyst} columns {}.orders[a,c] SELECT", m.grant_db()),
    ];
    expected.sort();
    assert_eq!(m.lf_state().await, expected, "a column subset is TableWithColumns with sorted names");
}

#[sqlx::test]
async fn revoking_removes_only_what_no_other_live_subscription_needs(pool: PgPool) {
    revoking_removes_only_what_no_other_live_subscription_needs_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn revoking_removes_only_what_no_other_live_subscription_needs_in_producer_mode(pool: PgPool) {
    revoking_removes_only_what_no_other_live_subscription_needs_in(pool, CatalogMode::Producer).await
}

async fn revoking_removes_only_what_no_other_live_subscription_needs_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    let analyst = m.role("analyst");
    let all = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    let one = m.request(&analyst, json!([{ "name": "orders" }])).await["id"].as_str().unwrap().to_string();
    let other = m.role("other");
    let third = m.request(&other, json!([{ "name": "refunds" }])).await["id"].as_str().unwrap().to_string();
    for id in [&all, &one, &third] {
        m.approve(id, json!({})).await;
    }
    m.run_jobs().await;
    assert_eq!(m.lf_state().await.len(), 5);

    let r = m.revoke(&all).await;
    assert_eq!(r["status"], "revoked");
    assert_eq!(r["provisioning"], "revoking");
    m.run_jobs().await;
    let mut expected = vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders"), m.expect_db(&other), m.expect_table(&other, "refunds")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected, "the shared database and orders grants stay");
    let got = m.get(&all).await;
    assert_eq!(got["provisioning"], "revoked");
    let kept: Vec<&Value> = got["grants"].as_array().unwrap().iter().filter(|g| g["kept_for"] == one.as_str()).collect();
    assert_eq!(kept.len(), 2, "{got}");

    m.revoke(&one).await;
    m.run_jobs().await;
    let mut expected = vec![m.expect_db(&other), m.expect_table(&other, "refunds")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    assert_eq!(m.audit("lakeformation.batch_revoke", &target(&one)).await.len(), 1);
    m.app.post_empty(&format!("/api/v1/subscriptions/{one}/revoke"), &steward()).await.problem(409, "illegal_transition");
}

#[sqlx::test]
async fn expiry_and_retirement_revoke_automatically(pool: PgPool) {
    expiry_and_retirement_revoke_automatically_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn expiry_and_retirement_revoke_automatically_in_producer_mode(pool: PgPool) {
    expiry_and_retirement_revoke_automatically_in(pool, CatalogMode::Producer).await
}

async fn expiry_and_retirement_revoke_automatically_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let mut body = m.request_body(&analyst, Value::Null);
    body["expires_at"] = json!((chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339());
    let r = m.app.post("/api/v1/subscriptions", &consumer("marketing"), body).await;
    let expiring = r.body["id"].as_str().unwrap().to_string();
    m.approve(&expiring, json!({})).await;
    let other = m.role("other");
    let lasting = m.request(&other, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&lasting, json!({})).await;
    let pending = m.request(&m.role("late"), Value::Null).await["id"].as_str().unwrap().to_string();
    m.run_jobs().await;
    assert_eq!(m.lf_state().await.len(), 4);

    assert_eq!(expiry::expire_due(&m.state).await.unwrap(), 0, "nothing is due yet");
    sqlx::query("UPDATE subscriptions SET expires_at = now() - interval '1 second' WHERE id = $1::uuid")
        .bind(&expiring)
        .execute(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(expiry::expire_due(&m.state).await.unwrap(), 1);
    m.run_jobs().await;
    let got = m.get(&expiring).await;
    assert_eq!((got["status"].as_str(), got["provisioning"].as_str()), (Some("expired"), Some("revoked")));
    let mut expected = vec![m.expect_db(&other), m.expect_table(&other, "orders")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    assert_eq!(m.audit("subscription.expired", &target(&expiring)).await.len(), 1);

    m.app.lifecycle("sales", "orders", "retire").await;
    m.run_jobs().await;
    assert!(m.lf_state().await.is_empty(), "retiring revoked every grant");
    assert_eq!(m.get(&lasting).await["status"], "revoked");
    assert_eq!(m.get(&pending).await["status"], "rejected");
}

#[sqlx::test]
async fn forty_five_grants_go_out_in_three_batches(pool: PgPool) {
    forty_five_grants_go_out_in_three_batches_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn forty_five_grants_go_out_in_three_batches_in_producer_mode(pool: PgPool) {
    forty_five_grants_go_out_in_three_batches_in(pool, CatalogMode::Producer).await
}

async fn forty_five_grants_go_out_in_three_batches_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    let tables: Vec<String> = (0..44).map(|i| format!("t{i:02}")).collect();
    let names: Vec<&str> = tables.iter().map(String::as_str).collect();
    m.product("sales", "orders", &names, json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, Value::Null).await;
    let calls = m.lf_calls("BatchGrantPermissions").await;
    let sizes: Vec<usize> = calls.iter().map(|c| c["body"]["Entries"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [20, 20, 5]);
    assert_eq!(m.lf_state().await.len(), 45);
    assert_eq!(m.get(&id).await["provisioning"], "granted");
    assert_eq!(m.audit("lakeformation.batch_grant", &target(&id)).await.len(), 3);
    m.revoke(&id).await;
    m.run_jobs().await;
    assert_eq!(m.lf_calls("BatchRevokePermissions").await.len(), 3);
    assert!(m.lf_state().await.is_empty());
}

#[sqlx::test]
async fn throttling_twice_is_retried_by_the_sdk(pool: PgPool) {
    throttling_twice_is_retried_by_the_sdk_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn throttling_twice_is_retried_by_the_sdk_in_producer_mode(pool: PgPool) {
    throttling_twice_is_retried_by_the_sdk_in(pool, CatalogMode::Producer).await
}

async fn throttling_twice_is_retried_by_the_sdk_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = m.request(&m.role("analyst"), Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    let _ = m.fault("BatchGrantPermissions", "ThrottlingException", 2, json!({})).await;
    m.run_jobs().await;
    assert_eq!(m.lf_calls("BatchGrantPermissions").await.len(), 3);
    assert_eq!(m.get(&id).await["provisioning"], "granted");
    assert_eq!(m.lf_state().await.len(), 2);
    assert_eq!(m.audit("lakeformation.batch_grant", &target(&id)).await.len(), 1, "only the call that changed something");
}

#[sqlx::test]
async fn concurrent_modification_is_retried_by_the_sdk_or_the_job(pool: PgPool) {
    concurrent_modification_is_retried_by_the_sdk_or_the_job_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn concurrent_modification_is_retried_by_the_sdk_or_the_job_in_producer_mode(pool: PgPool) {
    concurrent_modification_is_retried_by_the_sdk_or_the_job_in(pool, CatalogMode::Producer).await
}

async fn concurrent_modification_is_retried_by_the_sdk_or_the_job_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    // One entry fails alone with ConcurrentModificationException; the others are granted.
    let _ = m.fault("BatchGrantPermissions", "ConcurrentModificationException", 1, json!({ "match": "\"Name\":\"refunds\"" })).await;
    m.run_jobs().await;
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "granting", "{got}");
    let waiting: Vec<&Value> = got["grants"].as_array().unwrap().iter().filter(|g| g["state"] == "pending").collect();
    assert_eq!(waiting.len(), 1);
    assert!(waiting[0]["last_error"].as_str().unwrap().starts_with("ConcurrentModificationException"));
    assert_eq!(m.lf_state().await.len(), 2);
    // A whole call refused for a concurrent modification is retried by the SDK at once, within
    // the same run (the per-entry failure above is in a 200 answer: the job retries it).
    let _ = m.fault("BatchGrantPermissions", "ConcurrentModificationException", 1, json!({})).await;
    m.run_retries().await;
    assert_eq!(m.get(&id).await["provisioning"], "granted");
    let calls = m.lf_calls("BatchGrantPermissions").await;
    let statuses: Vec<i64> = calls.iter().map(|c| c["status"].as_i64().unwrap_or(0)).collect();
    assert_eq!(statuses[statuses.len() - 2..], [400, 200], "{calls:?}");
    let mut expected = vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders"), m.expect_table(&analyst, "refunds")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    assert_eq!(m.audit("lakeformation.batch_grant", &target(&id)).await.len(), 2);
}

#[sqlx::test]
async fn a_permanent_failure_is_visible_and_a_steward_retry_succeeds(pool: PgPool) {
    a_permanent_failure_is_visible_and_a_steward_retry_succeeds_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn a_permanent_failure_is_visible_and_a_steward_retry_succeeds_in_producer_mode(pool: PgPool) {
    a_permanent_failure_is_visible_and_a_steward_retry_succeeds_in(pool, CatalogMode::Producer).await
}

async fn a_permanent_failure_is_visible_and_a_steward_retry_succeeds_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    let fault = m.fault("BatchGrantPermissions", "AccessDeniedException", -1, json!({ "match": "\"Name\":\"orders\"" })).await;
    m.run_jobs().await;
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "grant_failed", "{got}");
    let failed: Vec<&Value> = got["grants"].as_array().unwrap().iter().filter(|g| g["state"] == "grant_failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["last_error"].as_str().unwrap().contains("AccessDeniedException"));
    assert_eq!(m.lf_state().await, vec![m.expect_db(&analyst)]);
    // Failing for good is a state change of its own: audited, and so in the event feed.
    let failures = m.audit("grant.failed", &target(&id)).await;
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["state"], "grant_failed");
    assert!(failures[0]["error"].as_str().unwrap().contains("AccessDeniedException"));

    m.clear_fault(&fault).await;
    assert_eq!(m.retry(&id).await["provisioning"], "granting");
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["provisioning"], "granted");
    let mut expected = vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    assert_eq!(m.audit("subscription.retried", &target(&id)).await.len(), 1);
}

#[sqlx::test]
async fn transient_failures_end_failed_after_the_last_attempt(pool: PgPool) {
    transient_failures_end_failed_after_the_last_attempt_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn transient_failures_end_failed_after_the_last_attempt_in_producer_mode(pool: PgPool) {
    transient_failures_end_failed_after_the_last_attempt_in(pool, CatalogMode::Producer).await
}

async fn transient_failures_end_failed_after_the_last_attempt_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = m.request(&m.role("analyst"), Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    let fault = m.fault("BatchGrantPermissions", "ConcurrentModificationException", -1, json!({})).await;
    for _ in 0..6 {
        m.run_retries().await;
    }
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "grant_failed", "{got}");
    let grants = got["grants"].as_array().unwrap();
    assert!(!grants.is_empty() && grants.iter().all(|g| g["state"] == "grant_failed"));
    let status: String = sqlx::query_scalar("SELECT status FROM jobs WHERE kind = 'apply_grants'").fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(status, "failed");
    let failures = m.audit("grant.failed", &target(&id)).await;
    assert_eq!(failures.len(), 1, "one event when the last attempt gives up: {failures:?}");
    assert!(failures[0]["error"].as_str().unwrap().contains("ConcurrentModificationException"));
    m.clear_fault(&fault).await;
}

#[sqlx::test]
async fn a_crash_after_lake_formation_answered_reapplies_without_a_second_audit_event(pool: PgPool) {
    a_crash_after_lake_formation_answered_reapplies_without_a_second_audit_event_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn a_crash_after_lake_formation_answered_reapplies_without_a_second_audit_event_in_producer_mode(pool: PgPool) {
    a_crash_after_lake_formation_answered_reapplies_without_a_second_audit_event_in(pool, CatalogMode::Producer).await
}

async fn a_crash_after_lake_formation_answered_reapplies_without_a_second_audit_event_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    // The applier's Lake Formation step runs, and the process dies before recording it.
    let sub: uuid::Uuid = id.parse().unwrap();
    let work = meshgov::grants::store::actionable(&m.app.pool, sub).await.unwrap();
    let refs: Vec<&meshgov::grants::store::GrantWork> = work.iter().collect();
    m.state.lakeformation.batch_grant(&m.lf_account().await, &meshgov::grants::applier::entries(&refs)).await.unwrap();
    assert_eq!(m.lf_state().await.len(), 3);
    assert_eq!(m.get(&id).await["provisioning"], "granting", "not recorded");

    m.run_jobs().await;
    let mut expected = vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders"), m.expect_table(&analyst, "refunds")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected, "Lake Formation equals the desired state");
    assert_eq!(m.lf_calls("BatchGrantPermissions").await.len(), 2, "the call was made again");
    assert_eq!(m.audit("lakeformation.batch_grant", &target(&id)).await.len(), 1, "one event per recorded call");
    assert_eq!(m.get(&id).await["provisioning"], "granted");
}

#[sqlx::test]
async fn revoking_what_is_already_gone_counts_as_done(pool: PgPool) {
    revoking_what_is_already_gone_counts_as_done_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn revoking_what_is_already_gone_counts_as_done_in_producer_mode(pool: PgPool) {
    revoking_what_is_already_gone_counts_as_done_in(pool, CatalogMode::Producer).await
}

async fn revoking_what_is_already_gone_counts_as_done_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, Value::Null).await;
    // Someone removed the table grant by hand in Lake Formation.
    let r = m
        .lf
        .revoke_permissions()
        .principal(aws_sdk_lakeformation::types::DataLakePrincipal::builder().data_lake_principal_identifier(&analyst).build())
        .resource(meshgov::grants::lakeformation::to_resource(&meshgov::grants::resource::LfResource::Table { catalog_id: m.holder().into(), database: m.grant_database(), name: "orders".into() }).unwrap())
        .permissions(aws_sdk_lakeformation::types::Permission::Select)
        .permissions(aws_sdk_lakeformation::types::Permission::Describe)
        .send()
        .await;
    assert!(r.is_ok(), "{r:?}");
    m.revoke(&id).await;
    m.run_jobs().await;
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "revoked", "{got}");
    assert!(m.lf_state().await.is_empty());
    let calls = m.lf_calls("BatchRevokePermissions").await;
    assert_eq!(calls[0]["entry_failures"][0]["ErrorCode"], "InvalidInputException");
}

#[sqlx::test]
async fn row_filters_become_data_cells_filters_end_to_end(pool: PgPool) {
    row_filters_become_data_cells_filters_end_to_end_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn row_filters_become_data_cells_filters_end_to_end_in_producer_mode(pool: PgPool) {
    row_filters_become_data_cells_filters_end_to_end_in(pool, CatalogMode::Producer).await
}

async fn row_filters_become_data_cells_filters_end_to_end_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    // The filter's table must exist in the producer's Glue catalog.
    m.glue_tables(&["orders"]).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    let analyst = m.role("analyst");
    let filter = "region IN ('EU', 'UK') AND NOT a IS NULL";
    let id = m.request(&analyst, json!([{ "name": "orders", "columns": ["region", "a"], "row_filter": filter }, { "name": "refunds" }]))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let approved = m.approve(&id, json!({})).await;
    let filter_grant = approved["grants"].as_array().unwrap().iter().find(|g| g["resource_type"] == "data_cells_filter").cloned();
    let name = filter_grant.expect("a data cells filter grant")["resource"]["DataCellsFilter"]["Name"].as_str().unwrap().to_string();
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["provisioning"], "granted");

    let filters = m.lf.list_data_cells_filter().send().await.unwrap();
    let created: Vec<_> = filters.data_cells_filters().iter().filter(|f| f.table_catalog_id() == m.holder()).collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].name(), name);
    assert_eq!(created[0].row_filter().and_then(|r| r.filter_expression()), Some(filter));
    assert_eq!(created[0].column_names(), ["a", "region"]);
    let mut expected = vec![
        m.expect_db(&analyst),
        m.expect_table(&analyst, "refunds"),
        format!("{analyst} filter {}.orders/{name} SELECT", m.grant_db()),
    ];
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    assert_eq!(m.audit("lakeformation.create_data_cells_filter", &target(&id)).await.len(), 1);

    m.revoke(&id).await;
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["provisioning"], "revoked");
    assert!(m.lf_state().await.is_empty());
    let filters = m.lf.list_data_cells_filter().send().await.unwrap();
    assert!(filters.data_cells_filters().iter().all(|f| f.table_catalog_id() != m.holder()), "the filter is deleted");
    assert_eq!(m.audit("lakeformation.delete_data_cells_filter", &target(&id)).await.len(), 1);
}

#[sqlx::test]
async fn at_most_ten_row_filters_per_subscription(pool: PgPool) {
    at_most_ten_row_filters_per_subscription_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn at_most_ten_row_filters_per_subscription_in_producer_mode(pool: PgPool) {
    at_most_ten_row_filters_per_subscription_in(pool, CatalogMode::Producer).await
}

async fn at_most_ten_row_filters_per_subscription_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    let tables: Vec<String> = (0..11).map(|i| format!("t{i:02}")).collect();
    let names: Vec<&str> = tables.iter().map(String::as_str).collect();
    m.product("sales", "orders", &names, json!({})).await;
    let scope: Vec<Value> = tables.iter().map(|t| json!({ "name": t, "row_filter": "a = 'x'" })).collect();
    let r = m.app.post("/api/v1/subscriptions", &consumer("marketing"), m.request_body(&m.role("r"), json!(scope))).await;
    r.field_error("tables", "too_many_row_filters");
}

#[sqlx::test]
async fn public_products_may_auto_approve(pool: PgPool) {
    public_products_may_auto_approve_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn public_products_may_auto_approve_in_producer_mode(pool: PgPool) {
    public_products_may_auto_approve_in(pool, CatalogMode::Producer).await
}

async fn public_products_may_auto_approve_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    // Only public products may auto-approve, on create and on change.
    let r = m
        .app
        .post("/api/v1/domains/sales/products", &admin(), product_body("internal-one", json!({ "auto_approve": true })))
        .await;
    r.field_error("auto_approve", "not_public");
    m.product("sales", "orders", &["orders"], json!({ "classification": "public", "auto_approve": true })).await;
    let r = m.app.patch("/api/v1/domains/sales/products/orders", &admin(), json!({ "classification": "internal" })).await;
    r.field_error("auto_approve", "not_public");

    let analyst = m.role("analyst");
    let sub = m.request(&analyst, Value::Null).await;
    assert_eq!(sub["status"], "approved", "{sub}");
    assert_eq!(sub["decided_by"], "system:auto-approve");
    let id = sub["id"].as_str().unwrap().to_string();
    m.run_jobs().await;
    let mut expected = vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    assert_eq!(m.audit("subscription.approved", &target(&id)).await.len(), 1);
}

#[sqlx::test]
async fn the_governance_account_may_grant_on_its_mirror_but_not_on_the_producers_catalog(pool: PgPool) {
    use meshgov::grants::lakeformation::Entry;
    use meshgov::grants::resource::LfResource;
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let entry = |id: &str, catalog: &str, database: &str| Entry {
        id: id.into(),
        principal: analyst.clone(),
        resource: LfResource::Table { catalog_id: catalog.into(), database: database.into(), name: "orders".into() },
        permissions: vec!["SELECT".into()],
        grant_option: vec![],
    };
    // What meshgov did before the catalog modes: the governance account granting on a table the
    // producer owns to a consumer's role. Lake Formation refuses it; so does the emulator.
    let answer = m
        .state
        .lakeformation
        .batch_grant(&meshgov::grants::holder::LfAccount::Governance, &[entry("old", &m.producer, "sales_db"), entry("mirror", &m.gov, "sales__orders")])
        .await
        .unwrap();
    let refused: Vec<(&str, &str)> = answer.failures.iter().map(|f| (f.id.as_str(), f.code.as_str())).collect();
    assert_eq!(refused, [("old", "AccessDeniedException")]);
    assert_eq!(m.lf_state().await, [format!("{analyst} {} SELECT", m.db("orders"))], "the mirror grant alone");
}

#[sqlx::test]
async fn the_catalog_mode_changes_only_while_no_grant_is_live(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = m.request(&m.role("analyst"), Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    m.run_jobs().await;
    let to_producer = json!({ "catalog_mode": "producer", "grant_role_arn": format!("arn:aws:iam::{}:role/meshgov-grants", m.producer) });
    let r = m.app.patch("/api/v1/domains/sales", &admin(), to_producer.clone()).await;
    assert_eq!((r.status.as_u16(), r.body["code"].as_str()), (409, Some("domain_has_live_grants")), "{}", r.body);
    assert_eq!(m.app.get("/api/v1/domains/sales", &admin()).await.body["catalog_mode"], "central", "nothing changed");

    m.revoke(&id).await;
    m.run_jobs().await;
    let r = m.app.patch("/api/v1/domains/sales", &admin(), to_producer).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["catalog_mode"], "producer");
    // The grant role lives in the domain's account.
    let elsewhere = json!({ "grant_role_arn": format!("arn:aws:iam::{}:role/meshgov-grants", m.consumer) });
    let r = m.app.patch("/api/v1/domains/sales", &admin(), elsewhere).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["code"].as_str()), (422, Some("account_mismatch")), "{}", r.body);
}

#[sqlx::test]
async fn the_first_approval_after_a_switch_to_central_mode_builds_the_mirror(pool: PgPool) {
    let m = Mesh::in_mode(pool, CatalogMode::Producer).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "catalog_mode": "central" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // No sync has run since: the governance account has no mirror yet.
    let gov_glue = aws_sdk_glue::Client::new(&common::aws::config_in(&m.gov, "meshgov").await);
    assert!(gov_glue.get_database().name("sales__orders").send().await.is_err());

    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    m.run_jobs().await;
    // A grant run that came before the mirror was built waits for it, and is retried.
    m.run_retries().await;
    assert_eq!(m.get(&id).await["provisioning"], "granted");
    assert!(gov_glue.get_table().database_name("sales__orders").name("orders").send().await.is_ok(), "the mirror was built");
    let gov_lf = aws_sdk_lakeformation::Client::new(&common::aws::config_in(&m.gov, "meshgov").await);
    let held = common::aws::lf_permissions_of(&gov_lf, &analyst).await;
    assert_eq!(held.len(), 2, "DESCRIBE on the mirror database and SELECT on its table: {held:?}");
    assert!(held.iter().all(|p| format!("{:?}", p.resource()).contains("sales__orders")));
}

#[sqlx::test]
async fn producer_mode_without_a_grant_role_fails_visibly(pool: PgPool) {
    let m = Mesh::in_mode(pool, CatalogMode::Producer).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "grant_role_arn": null })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = m.request(&m.role("analyst"), Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    m.run_jobs().await;
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "grant_failed", "{got}");
    let error = got["grants"][0]["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("grant_role_arn"), "the error names what is missing: {got}");
    // No grant call in any account (the producer's, or the governance account's by mistake).
    let calls: Value = reqwest::get(format!("{}/_emulator/calls?service=lakeformation&operation=BatchGrantPermissions", common::aws::endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours = calls["calls"].as_array().unwrap().iter().filter(|c| c.to_string().contains(&m.consumer)).count();
    assert_eq!(ours, 0, "no call was made in any account");
    assert_eq!(m.audit("grant.failed", &target(&id)).await.len(), 1);
}

/// What ends a subscription while its grant call is in flight.
#[derive(Clone, Copy)]
enum Ending {
    Revoke,
    Expiry,
    Retirement,
}

#[sqlx::test]
async fn a_revoke_while_the_grant_is_in_flight_leaves_no_access(pool: PgPool) {
    a_revoke_while_the_grant_is_in_flight_in(pool, CatalogMode::Central, Ending::Revoke).await
}

#[sqlx::test]
async fn a_revoke_while_the_grant_is_in_flight_leaves_no_access_in_producer_mode(pool: PgPool) {
    a_revoke_while_the_grant_is_in_flight_in(pool, CatalogMode::Producer, Ending::Revoke).await
}

#[sqlx::test]
async fn an_expiry_while_the_grant_is_in_flight_leaves_no_access(pool: PgPool) {
    a_revoke_while_the_grant_is_in_flight_in(pool, CatalogMode::Central, Ending::Expiry).await
}

#[sqlx::test]
async fn a_retirement_while_the_grant_is_in_flight_leaves_no_access(pool: PgPool) {
    a_revoke_while_the_grant_is_in_flight_in(pool, CatalogMode::Central, Ending::Retirement).await
}

async fn a_revoke_while_the_grant_is_in_flight_in(pool: PgPool, mode: CatalogMode, ending: Ending) {
    let m = Mesh::in_mode(pool, mode).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    // The grant call is held in flight; the subscription ends meanwhile.
    let spec = json!({ "service": "lakeformation", "operation": "BatchGrantPermissions", "account": m.holder() });
    let (applying, hold) = apply_job_in_flight(&m, spec).await;
    let ended = match ending {
        Ending::Revoke => {
            m.revoke(&id).await;
            "revoked"
        }
        Ending::Expiry => {
            sqlx::query("UPDATE subscriptions SET expires_at = now() - interval '1 second' WHERE id = $1::uuid")
                .bind(&id)
                .execute(&m.app.pool)
                .await
                .unwrap();
            assert_eq!(expiry::expire_due(&m.state).await.unwrap(), 1);
            "expired"
        }
        Ending::Retirement => {
            m.app.lifecycle("sales", "orders", "retire").await;
            "revoked"
        }
    };
    hold.release().await;
    assert!(applying.await.unwrap(), "the grant job ran");
    m.run_jobs().await;

    let got = m.get(&id).await;
    assert_eq!((got["status"].as_str(), got["provisioning"].as_str()), (Some(ended), Some("revoked")), "{got}");
    let grants = got["grants"].as_array().unwrap();
    assert!(!grants.is_empty() && grants.iter().all(|g| g["state"] == "revoked"), "{got}");
    assert!(m.lf_state().await.is_empty(), "no access is left in Lake Formation");
    assert_eq!(m.lf_calls("BatchGrantPermissions").await.len(), 1);
    assert!(!m.lf_calls("BatchRevokePermissions").await.is_empty(), "what the grant call made was revoked");
}

#[sqlx::test]
async fn a_revoke_during_the_last_failing_grant_attempt_still_revokes(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    // This attempt is the job's last, and Lake Formation fails the entries transiently, slowly.
    sqlx::query("UPDATE jobs SET max_attempts = 1 WHERE kind = 'apply_grants'").execute(&m.app.pool).await.unwrap();
    let spec = json!({ "service": "lakeformation", "operation": "BatchGrantPermissions", "error": "ConcurrentModificationException",
                       "count": 10, "account": m.holder(), "match": analyst });
    let (applying, hold) = apply_job_in_flight(&m, spec).await;
    m.revoke(&id).await;
    hold.release().await;
    assert!(applying.await.unwrap());
    m.run_jobs().await;

    // The failed attempt did not mark the revoked grants `revoke_failed`: the revoke job ran on them.
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "revoked", "{got}");
    assert!(m.lf_state().await.is_empty());
    assert!(!m.lf_calls("BatchRevokePermissions").await.is_empty(), "the revoke job made its call");
}

#[sqlx::test]
async fn a_column_removed_while_the_grant_is_in_flight_narrows_what_lake_formation_holds(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, json!([{ "name": "orders", "columns": ["a", "b"] }])).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    let spec = json!({ "service": "lakeformation", "operation": "BatchGrantPermissions", "account": m.holder() });
    let (applying, hold) = apply_job_in_flight(&m, spec).await;
    // While [a, b] is being granted, the producer drops column b and a sync records it: the
    // grant in flight is replaced by one on [a].
    m.glue_columns("orders", &["a", "c", "region"]).await;
    let r = m.app.post_empty("/api/v1/domains/sales/products/orders/sync", &admin()).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(meshgov::jobs::worker::run_next(&m.state).await.unwrap(), "the sync ran beside the held grant");
    hold.release().await;
    assert!(applying.await.unwrap());
    m.run_jobs().await;

    assert_eq!(m.get(&id).await["provisioning"], "granted");
    let mut expected = vec![m.expect_db(&analyst), format!("{analyst} columns {}.orders[a] SELECT", m.grant_db())];
    expected.sort();
    assert_eq!(m.lf_state().await, expected, "what the call in flight granted on b was revoked");
}

#[sqlx::test]
async fn a_grant_retried_while_the_revoke_runs_grants_nothing(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders", "returns"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    // The first attempt grants the database and `orders`; `returns` fails transiently: the job
    // will retry it after its backoff.
    let transient = m.fault("BatchGrantPermissions", "ConcurrentModificationException", 1, json!({ "match": "\"returns\"" })).await;
    assert!(meshgov::jobs::worker::run_next(&m.state).await.unwrap());
    m.clear_fault(&transient).await;
    assert_eq!(m.lf_state().await.len(), 2, "the database and orders are granted");
    let retry_due = "SELECT count(*) FROM jobs WHERE kind = 'apply_grants' AND status = 'queued'";
    assert_eq!(sqlx::query_scalar::<_, i64>(retry_due).fetch_one(&m.app.pool).await.unwrap(), 1, "the grant job waits to retry");

    // The steward revokes; the revoke job's call is held in flight on this replica...
    m.revoke(&id).await;
    let hold = Hold::new(json!({ "service": "lakeformation", "operation": "BatchRevokePermissions", "account": m.holder() })).await;
    let state = m.state.clone();
    // The only job due: the grant job's retry is not.
    let revoking = tokio::spawn(async move { meshgov::jobs::worker::run_next(&state).await.unwrap() });
    hold.arrived().await;
    // ...while the grant job's retry comes due on another replica, and the steward asks to retry.
    let r = m.app.post_empty(&format!("/api/v1/subscriptions/{id}/retry"), &steward()).await;
    assert_eq!(r.problem(409, "nothing_to_retry")["status"], 409);
    sqlx::query("UPDATE jobs SET run_after = now() WHERE kind = 'apply_grants' AND status = 'queued'").execute(&m.app.pool).await.unwrap();
    let (replica, _) = m.replica().await;
    let retrying = tokio::spawn(async move { meshgov::jobs::worker::run_next(&replica).await.unwrap() });
    waiting_on_a_principal_lock(&m).await;
    hold.release().await;
    assert!(revoking.await.unwrap());
    assert!(retrying.await.unwrap());
    m.run_jobs().await;

    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "revoked", "{got}");
    assert!(m.lf_state().await.is_empty(), "nothing is left in Lake Formation");
    assert_eq!(m.lf_calls("BatchGrantPermissions").await.len(), 1, "the retry granted nothing after the revoke");
}

#[sqlx::test]
async fn two_replicas_working_on_one_subscription_end_with_no_access_after_a_revoke(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    // Replica one's worker is inside the grant call.
    let spec = json!({ "service": "lakeformation", "operation": "BatchGrantPermissions", "account": m.holder() });
    let (applying, hold) = apply_job_in_flight(&m, spec).await;
    // Replica two takes the revoke, and its worker starts the revoke job at once: it waits for
    // replica one's run (the principal's lock), and must not revoke before the grant lands.
    let (replica, replica_app) = m.replica().await;
    let r = replica_app.post_empty(&format!("/api/v1/subscriptions/{id}/revoke"), &steward()).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let revoking = tokio::spawn(async move { meshgov::jobs::worker::run_next(&replica).await.unwrap() });
    waiting_on_a_principal_lock(&m).await;
    hold.release().await;
    assert!(applying.await.unwrap());
    assert!(revoking.await.unwrap());
    m.run_jobs().await;

    let got = m.get(&id).await;
    assert_eq!((got["status"].as_str(), got["provisioning"].as_str()), (Some("revoked"), Some("revoked")), "{got}");
    assert!(m.lf_state().await.is_empty(), "no access is left in Lake Formation");
    let granted_at = m.lf_calls("BatchGrantPermissions").await[0]["seq"].as_i64().unwrap();
    let revoked_at = m.lf_calls("BatchRevokePermissions").await.last().expect("a revoke call")["seq"].as_i64().unwrap();
    assert!(revoked_at > granted_at, "the revoke came after the grant it undoes");
}

/// Returns once a worker waits for a principal's grant lock (another run holds it).
async fn waiting_on_a_principal_lock(m: &Mesh) {
    let waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    wait_for("a worker waiting for the principal's lock", std::time::Duration::from_secs(30), async || {
        sqlx::query_scalar::<_, i64>(waiting).fetch_one(&m.app.pool).await.unwrap() > 0
    })
    .await;
}

/// Starts the apply job with its grant call held in the emulator (a hold matching `spec`);
/// returns once the call is in flight, with the hold to release it.
async fn apply_job_in_flight(m: &Mesh, spec: Value) -> (tokio::task::JoinHandle<bool>, Hold) {
    let hold = Hold::new(spec).await;
    let state = m.state.clone();
    let applying = tokio::spawn(async move { meshgov::jobs::worker::run_next(&state).await.unwrap() });
    hold.arrived().await;
    (applying, hold)
}

#[sqlx::test]
async fn a_revoke_that_fails_transiently_is_retried_by_the_job_until_the_access_is_gone(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, Value::Null).await;
    let fault = m.fault("BatchRevokePermissions", "ConcurrentModificationException", 2, json!({ "match": analyst })).await;
    m.revoke(&id).await;
    m.run_jobs().await;
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "revoking", "the job waits to retry: {got}");
    assert_eq!(m.lf_state().await.len(), 2, "the access is still there until the revoke goes through");
    m.clear_fault(&fault).await;
    m.run_retries().await;
    assert_eq!(m.get(&id).await["provisioning"], "revoked");
    assert!(m.lf_state().await.is_empty());
}

#[sqlx::test]
async fn a_revoke_that_fails_for_good_is_revoke_failed_and_a_retry_completes_it(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, Value::Null).await;
    let fault = m.fault("BatchRevokePermissions", "AccessDeniedException", -1, json!({ "match": analyst })).await;
    m.revoke(&id).await;
    m.run_jobs().await;
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "revoke_failed", "{got}");
    let grants = got["grants"].as_array().unwrap();
    assert!(!grants.is_empty() && grants.iter().all(|g| g["state"] == "revoke_failed" && g["last_error"].as_str().unwrap().contains("AccessDenied")), "{got}");
    assert_eq!(m.lf_state().await.len(), 2, "the consumer still has access, and the subscription says so");
    assert_eq!(m.audit("grant.failed", &target(&id)).await.len(), 1);

    // The cause is fixed; a steward retries.
    m.clear_fault(&fault).await;
    m.retry(&id).await;
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["provisioning"], "revoked");
    assert!(m.lf_state().await.is_empty());
}

#[sqlx::test]
async fn a_narrowing_whose_revoke_fails_shows_on_the_approved_subscription(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders", "columns": ["a", "b"] }])).await;
    // The producer drops column b; the grant on [a, b] must go, and Lake Formation refuses.
    let fault = m.fault("BatchRevokePermissions", "AccessDeniedException", -1, json!({ "match": analyst })).await;
    m.glue_columns("orders", &["a", "c", "region"]).await;
    let r = m.app.post_empty("/api/v1/domains/sales/products/orders/sync", &admin()).await;
    assert_eq!(r.status, 202, "{}", r.body);
    m.run_jobs().await;
    let got = m.get(&id).await;
    assert_eq!((got["status"].as_str(), got["provisioning"].as_str()), (Some("approved"), Some("revoke_failed")), "{got}");
    assert_eq!(got["health"]["status"], "failing", "the principal holds more than approved: {got}");

    m.clear_fault(&fault).await;
    m.retry(&id).await;
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["provisioning"], "granted");
    let mut expected = vec![m.expect_db(&analyst), format!("{analyst} columns {}.orders[a] SELECT", m.grant_db())];
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
}

#[sqlx::test]
async fn a_data_cells_filter_that_cannot_be_deleted_keeps_the_revoke_going_until_it_is(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders", "row_filter": "region = 'EU'" }])).await;
    let filters = || async {
        let listed = m.lf.list_data_cells_filter().send().await.unwrap();
        listed.data_cells_filters().iter().filter(|f| f.table_catalog_id() == m.holder()).count()
    };
    assert_eq!(filters().await, 1);

    // A transient failure (through the SDK's own retries): the job retries and deletes it.
    let fault = m.fault("DeleteDataCellsFilter", "InternalServiceException", -1, json!({})).await;
    m.revoke(&id).await;
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["provisioning"], "revoking");
    assert_eq!(filters().await, 1, "the filter is still there");
    assert!(m.lf_state().await.is_empty(), "the permissions on it are revoked already");
    m.clear_fault(&fault).await;
    m.run_retries().await;
    assert_eq!(m.get(&id).await["provisioning"], "revoked");
    assert_eq!(filters().await, 0);
}

#[sqlx::test]
async fn a_data_cells_filter_refused_deletion_through_every_attempt_is_revoke_failed_and_retried(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders", "row_filter": "region = 'EU'" }])).await;
    let fault = m.fault("DeleteDataCellsFilter", "AccessDeniedException", -1, json!({})).await;
    m.revoke(&id).await;
    sqlx::query("UPDATE jobs SET max_attempts = 1 WHERE kind = 'revoke_grants'").execute(&m.app.pool).await.unwrap();
    m.run_jobs().await;
    let got = m.get(&id).await;
    assert_eq!(got["provisioning"], "revoke_failed", "{got}");
    let failed = got["grants"].as_array().unwrap().iter().find(|g| g["resource_type"] == "data_cells_filter").unwrap().clone();
    assert!(failed["last_error"].as_str().unwrap().contains("AccessDenied"), "{failed}");

    m.clear_fault(&fault).await;
    m.retry(&id).await;
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["provisioning"], "revoked");
    let listed = m.lf.list_data_cells_filter().send().await.unwrap();
    assert!(listed.data_cells_filters().iter().all(|f| f.table_catalog_id() != m.holder()), "the filter is deleted");
    assert!(m.lf_state().await.is_empty());
}

#[sqlx::test]
async fn expiry_keeps_what_another_live_subscription_of_the_principal_needs(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    let analyst = m.role("analyst");
    let mut body = m.request_body(&analyst, Value::Null);
    body["expires_at"] = json!((chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339());
    let r = m.app.post("/api/v1/subscriptions", &consumer("marketing"), body).await;
    let all = r.body["id"].as_str().unwrap().to_string();
    let one = m.request(&analyst, json!([{ "name": "orders" }])).await["id"].as_str().unwrap().to_string();
    for id in [&all, &one] {
        m.approve(id, json!({})).await;
    }
    m.run_jobs().await;
    assert_eq!(m.lf_state().await.len(), 3);

    sqlx::query("UPDATE subscriptions SET expires_at = now() - interval '1 second' WHERE id = $1::uuid").bind(&all).execute(&m.app.pool).await.unwrap();
    assert_eq!(expiry::expire_due(&m.state).await.unwrap(), 1);
    m.run_jobs().await;
    let mut expected = vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected, "the database and orders stay for the other subscription");
    let got = m.get(&all).await;
    assert_eq!((got["status"].as_str(), got["provisioning"].as_str()), (Some("expired"), Some("revoked")));
    let kept = got["grants"].as_array().unwrap().iter().filter(|g| g["kept_for"] == one.as_str()).count();
    assert_eq!(kept, 2, "{got}");
}

#[sqlx::test]
async fn retiring_a_product_keeps_what_a_subscription_to_another_product_needs(pool: PgPool) {
    // In producer mode two products over one database name the same Lake Formation resources.
    let m = Mesh::in_mode(pool, CatalogMode::Producer).await;
    m.product("sales", "orders", &["orders", "refunds"], json!({})).await;
    m.product("sales", "orders-lite", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let full = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    let mut body = m.request_body(&analyst, Value::Null);
    body["product"] = json!("orders-lite");
    let r = m.app.post("/api/v1/subscriptions", &consumer("marketing"), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let lite = r.body["id"].as_str().unwrap().to_string();
    for id in [&full, &lite] {
        m.approve(id, json!({})).await;
    }
    m.run_jobs().await;
    assert_eq!(m.lf_state().await.len(), 3, "database, orders, refunds (shared grants are one permission)");

    m.app.lifecycle("sales", "orders", "retire").await;
    m.run_jobs().await;
    let mut expected = vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected, "refunds went; what orders-lite needs stayed");
    let got = m.get(&full).await;
    assert_eq!((got["status"].as_str(), got["provisioning"].as_str()), (Some("revoked"), Some("revoked")));
    let kept = got["grants"].as_array().unwrap().iter().filter(|g| g["kept_for"] == lite.as_str()).count();
    assert_eq!(kept, 2, "{got}");
    assert_eq!(m.get(&lite).await["provisioning"], "granted");
}

#[sqlx::test]
async fn the_either_policy_lets_stewards_and_the_owning_producers_decide_and_revoke(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "approval_policy": "either" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let path = |id: &str, action: &str| format!("/api/v1/subscriptions/{id}/{action}");
    let by_steward = m.request(&m.role("a"), Value::Null).await["id"].as_str().unwrap().to_string();
    let by_owner = m.request(&m.role("b"), Value::Null).await["id"].as_str().unwrap().to_string();
    m.app.post_empty(&path(&by_owner, "approve"), &producer("finance")).await.problem(403, "forbidden");
    m.app.post_empty(&path(&by_owner, "approve"), &consumer("marketing")).await.problem(403, "forbidden");
    assert_eq!(m.app.post_empty(&path(&by_steward, "approve"), &steward()).await.status, 202);
    let r = m.app.post_empty(&path(&by_owner, "approve"), &producer("sales")).await;
    assert_eq!((r.status.as_u16(), r.body["decided_by"].as_str()), (202, Some("pat-producer-sales")), "{}", r.body);
    m.run_jobs().await;
    assert_eq!(m.lf_state().await.len(), 4);

    // The owning domain's producers revoke too (and so do stewards); nobody else.
    m.app.post_empty(&path(&by_steward, "revoke"), &producer("finance")).await.problem(403, "forbidden");
    assert_eq!(m.app.post_empty(&path(&by_steward, "revoke"), &producer("sales")).await.status, 202);
    assert_eq!(m.app.post_empty(&path(&by_owner, "revoke"), &steward()).await.status, 202);
    m.run_jobs().await;
    assert!(m.lf_state().await.is_empty());
    assert_eq!(m.audit("subscription.revoked", &target(&by_steward)).await.len(), 1);

    // Under `owners`, a producer of the domain revokes and a steward may not.
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "approval_policy": "owners" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let third = m.request(&m.role("c"), Value::Null).await["id"].as_str().unwrap().to_string();
    assert_eq!(m.app.post_empty(&path(&third, "approve"), &producer("sales")).await.status, 202);
    m.app.post_empty(&path(&third, "revoke"), &steward()).await.problem(403, "forbidden");
    assert_eq!(m.app.post_empty(&path(&third, "revoke"), &producer("sales")).await.status, 202);
}

#[sqlx::test]
async fn an_approver_may_add_a_row_filter_but_not_change_a_requested_one(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.request(&analyst, json!([{ "name": "orders" }])).await["id"].as_str().unwrap().to_string();
    let approved = m.approve(&id, json!({ "tables": [{ "name": "orders", "row_filter": "region = 'EU'" }] })).await;
    assert_eq!(approved["approved_scope"]["tables"][0]["row_filter"], "region = 'EU'", "{approved}");
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["provisioning"], "granted");
    let filters = m.lf.list_data_cells_filter().send().await.unwrap();
    let ours: Vec<_> = filters.data_cells_filters().iter().filter(|f| f.table_catalog_id() == m.holder()).collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].row_filter().and_then(|r| r.filter_expression()), Some("region = 'EU'"));
    let held = m.lf_state().await;
    assert!(held.iter().any(|p| p.contains(" filter ") && p.ends_with("SELECT")), "SELECT through the filter: {held:?}");
    assert!(!held.iter().any(|p| p.contains(" table ")), "no grant on the whole table: {held:?}");

    // A requested filter is kept as it is: changing it is not narrowing.
    let other = m.request(&m.role("other"), json!([{ "name": "orders", "row_filter": "region = 'EU'" }])).await["id"].as_str().unwrap().to_string();
    let r = m.app.post(&format!("/api/v1/subscriptions/{other}/approve"), &steward(), json!({ "tables": [{ "name": "orders", "row_filter": "region = 'UK'" }] })).await;
    r.field_error("tables[0].row_filter", "widens_scope");
}
