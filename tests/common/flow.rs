//! An access flow without AWS, for tests that only need its records (events, webhooks): products
//! get their schema as a sync would write it, and approvals queue grant jobs nobody runs.

use serde_json::{Value, json};

use super::*;

/// A published product `domain/slug` with one table, `orders` (columns `id`, `region`).
pub async fn published_product(app: &TestApp, domain: &str, slug: &str) -> Value {
    let p = app.create_product(domain, slug, json!({})).await;
    app.give_schema(&p, &[("orders", &["id", "region"])]).await;
    app.lifecycle(domain, slug, "publish").await
}

/// Asks (as a consumer of `consumer_domain`) for every table of `domain/product`; returns the id.
pub async fn request_access(app: &TestApp, domain: &str, product: &str, consumer_domain: &str) -> String {
    let body = json!({
        "domain": domain, "product": product, "consumer_domain": consumer_domain,
        "principal": format!("arn:aws:iam::{ACCOUNT}:role/{consumer_domain}-analyst"),
        "justification": "reporting",
    });
    let r = app.post("/api/v1/subscriptions", &consumer(consumer_domain), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

/// Runs a decision on a subscription as a steward (`approve`, `revoke`, `reject`…).
pub async fn decide(app: &TestApp, id: &str, decision: &str) {
    let r = app.post(&format!("/api/v1/subscriptions/{id}/{decision}"), &steward(), json!({ "comment": "ok" })).await;
    assert!(r.status.is_success(), "{decision}: {}", r.body);
}

/// Appends an audit event directly, as the parts of meshgov without an HTTP request do.
pub async fn append_event(app: &TestApp, action: &str, target: &str) -> i64 {
    let tx = app.pool.begin().await.unwrap();
    let event = meshgov::audit::NewEvent::new(meshgov::audit::Actor::system("test"), action, target, json!({ "note": "test" }));
    meshgov::audit::commit(tx, [event]).await.unwrap()[0].seq
}
