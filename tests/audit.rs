//! The audit trail: one event per mutation, querying, verification, tamper detection,
//! append-only enforcement by the database, and a gap-free chain under concurrent writers.

mod common;

use std::time::Duration;

use axum::http::Method;
use common::*;
use serde_json::{Value, json};
use sqlx::PgPool;

/// Runs `sql` as a superuser with user triggers disabled, as an attacker with database access would.
async fn tamper(pool: &PgPool, sql: &str) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn verify(app: &TestApp) -> Value {
    let r = app.get("/api/v1/audit/verify", &steward()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn all_events(app: &TestApp) -> Vec<Value> {
    walk(app, "/api/v1/audit?order=asc&limit=200", &steward()).await.0
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

/// A few events: two domains, a product, its publication.
async fn some_history(app: &TestApp) {
    app.create_domain("sales").await;
    app.create_domain("supply").await;
    app.create_product("sales", "orders", json!({})).await;
    app.lifecycle("sales", "orders", "publish").await;
}

/// Performs a mutation and checks that exactly one event describing it was appended.
async fn expect_event(app: &TestApp, r: Resp, sub: &str, roles: Value, action: &str, target: &str, details: Value) -> Value {
    assert!(r.status.is_success(), "{action}: {} {}", r.status, r.body);
    let event = app.last_event().await;
    assert_eq!(event["actor_sub"], sub, "{event}");
    assert_eq!(event["actor_roles"], roles, "{event}");
    assert_eq!(event["action"], action, "{event}");
    assert_eq!(event["target"], target, "{event}");
    assert_eq!(event["request_id"], r.header("x-request-id").unwrap(), "the request id of the response");
    for (k, v) in details.as_object().unwrap() {
        assert_eq!(&event["details"][k], v, "details.{k} of {action}: {event}");
    }
    assert_eq!(event["hash"].as_str().unwrap().len(), 64);
    event
}

#[sqlx::test]
async fn every_mutation_appends_exactly_one_event(pool: PgPool) {
    let app = TestApp::new(pool);
    let admin_roles = json!(["admin"]);
    let prod_roles = json!(["producer"]);
    let pat = "pat-producer-sales";
    let orders = "/api/v1/domains/sales/products/orders";

    let steps: Vec<(Resp, &str, &Value, &str, &str, Value)> = vec![
        (
            app.post("/api/v1/domains", &admin(), domain_body("sales")).await,
            "ada-admin", &admin_roles, "domain.created", "domain:sales",
            json!({"name": "Domain sales", "aws_account_id": ACCOUNT}),
        ),
        (
            app.patch("/api/v1/domains/sales", &admin(), json!({"name": "Sales"})).await,
            "ada-admin", &admin_roles, "domain.updated", "domain:sales",
            json!({"version": 2}),
        ),
        (
            app.post("/api/v1/domains/sales/products", &producer("sales"), product_body("orders", json!({"tags": ["x"]}))).await,
            pat, &prod_roles, "product.created", "product:sales/orders",
            json!({"name": "Product orders", "tags": ["x"], "source": {"database": "sales_curated", "tables": null}}),
        ),
        (
            app.patch(orders, &producer("sales"), json!({"description": "documented"})).await,
            pat, &prod_roles, "product.updated", "product:sales/orders",
            json!({"version": 2}),
        ),
        (
            app.post_empty(&format!("{orders}/publish"), &producer("sales")).await,
            pat, &prod_roles, "product.published", "product:sales/orders",
            json!({"from": "draft", "to": "published"}),
        ),
        (
            app.post_empty(&format!("{orders}/deprecate"), &producer("sales")).await,
            pat, &prod_roles, "product.deprecated", "product:sales/orders",
            json!({"from": "published", "to": "deprecated"}),
        ),
        (
            app.post_empty(&format!("{orders}/publish"), &admin()).await,
            "ada-admin", &admin_roles, "product.published", "product:sales/orders",
            json!({"from": "deprecated", "to": "published"}),
        ),
        (
            app.post_empty(&format!("{orders}/retire"), &producer("sales")).await,
            pat, &prod_roles, "product.retired", "product:sales/orders",
            json!({"from": "published", "to": "retired"}),
        ),
        (
            app.post("/api/v1/domains", &admin(), domain_body("tmp")).await,
            "ada-admin", &admin_roles, "domain.created", "domain:tmp", json!({}),
        ),
        (
            app.delete("/api/v1/domains/tmp", &admin()).await,
            "ada-admin", &admin_roles, "domain.deleted", "domain:tmp", json!({"aws_account_id": ACCOUNT}),
        ),
    ];
    // Ten mutations ran in order: the chain must hold exactly ten events, the n-th describing the n-th.
    let events = all_events(&app).await;
    assert_eq!(seqs(&events), (1..=10).collect::<Vec<_>>(), "one event per mutation, nothing else");
    for ((r, sub, roles, action, target, details), event) in steps.into_iter().zip(&events) {
        assert!(r.status.is_success(), "{action}: {}", r.body);
        assert_eq!(event["actor_sub"], sub, "{event}");
        assert_eq!(&event["actor_roles"], roles, "{event}");
        assert_eq!(event["action"], action, "{event}");
        assert_eq!(event["target"], target, "{event}");
        assert_eq!(event["request_id"], r.header("x-request-id").unwrap(), "{action}: request id of the response");
        for (k, v) in details.as_object().unwrap() {
            assert_eq!(&event["details"][k], v, "details.{k} of {action}: {event}");
        }
    }
}

#[sqlx::test]
async fn refused_mutations_and_reads_append_nothing(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    let before = app.audit_count().await;
    let orders = "/api/v1/domains/sales/products/orders";

    app.post("/api/v1/domains", &admin(), domain_body("sales")).await.problem(409, "domain_exists");
    app.post("/api/v1/domains", &admin(), json!({"slug": "X", "name": "", "aws_account_id": "1"})).await.problem(422, "validation_failed");
    app.post("/api/v1/domains", &steward(), domain_body("new")).await.problem(403, "forbidden");
    app.call(Method::PATCH, "/api/v1/domains/sales").bearer(&admin()).if_match("\"9\"").json(&json!({"name": "n"})).send().await.problem(412, "precondition_failed");
    app.delete("/api/v1/domains/sales", &admin()).await.problem(409, "domain_has_products");
    app.post_empty(&format!("{orders}/publish"), &admin()).await.problem(409, "illegal_transition");
    app.patch(orders, &admin(), json!({"source": {"database": "other"}})).await.problem(409, "product_not_draft");
    app.get(orders, &consumer("x")).await;
    app.get("/api/v1/products?q=orders", &consumer("x")).await;
    app.get("/api/v1/audit", &steward()).await;
    app.get("/api/v1/audit/verify", &steward()).await;

    assert_eq!(app.audit_count().await, before);
}

#[sqlx::test]
async fn an_event_records_the_client_supplied_request_id(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app
        .call(Method::POST, "/api/v1/domains")
        .bearer(&admin())
        .header("x-request-id", "trace-4711:abc")
        .json(&domain_body("sales"))
        .send()
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("x-request-id"), Some("trace-4711:abc"));
    let event = expect_event(&app, r, "ada-admin", json!(["admin"]), "domain.created", "domain:sales", json!({})).await;
    assert_eq!(event["request_id"], "trace-4711:abc");
}

/// A patch that removes the sync role must be told apart, in the trail, from one that leaves it.
#[sqlx::test]
async fn the_trail_tells_a_cleared_sync_role_from_an_untouched_one(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    app.patch("/api/v1/domains/sales", &admin(), json!({"description": "d1"})).await;
    let untouched = app.last_event().await["details"]["changes"].clone();
    app.patch("/api/v1/domains/sales", &admin(), json!({"description": "d1", "sync_role_arn": null})).await;
    let cleared = app.last_event().await["details"]["changes"].clone();
    assert_eq!(app.get("/api/v1/domains/sales", &admin()).await.body["sync_role_arn"], Value::Null);
    assert_ne!(untouched, cleared, "both patches are recorded the same way: {untouched}");
}

#[sqlx::test]
async fn the_trail_is_for_stewards_and_admins(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    for token in [consumer("sales"), producer("sales"), token("x", &[], &[])] {
        app.get("/api/v1/audit", &token).await.problem(403, "forbidden");
        app.get("/api/v1/audit/verify", &token).await.problem(403, "forbidden");
    }
    for token in [steward(), admin()] {
        assert_eq!(app.get("/api/v1/audit", &token).await.status, 200);
        assert_eq!(app.get("/api/v1/audit/verify", &token).await.status, 200);
    }
}

#[sqlx::test]
async fn the_trail_filters_by_actor_action_and_target(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    app.patch("/api/v1/domains/sales", &admin(), json!({"name": "Sales"})).await;
    app.post("/api/v1/domains/sales/products", &producer("sales"), product_body("returns", json!({}))).await;

    let list = |query: &str| {
        let app = app.clone();
        let query = query.to_string();
        async move {
            let r = app.get(&format!("/api/v1/audit?{query}"), &steward()).await;
            assert_eq!(r.status, 200, "{query}: {}", r.body);
            r.body["items"].as_array().unwrap().clone()
        }
    };
    let by_producer = list("actor=pat-producer-sales").await;
    assert_eq!(by_producer.len(), 1);
    assert_eq!(by_producer[0]["target"], "product:sales/returns");

    let created = list("action=domain.created").await;
    assert_eq!(created.iter().map(|e| e["target"].as_str().unwrap()).collect::<Vec<_>>(), ["domain:supply", "domain:sales"]);

    let about_sales = list(&format!("target={}", enc("domain:sales"))).await;
    assert_eq!(about_sales.iter().map(|e| e["action"].as_str().unwrap()).collect::<Vec<_>>(), ["domain.updated", "domain.created"]);

    let combined = list(&format!("actor=ada-admin&action=product.published&target={}", enc("product:sales/orders"))).await;
    assert_eq!(combined.len(), 1);
    assert!(list("actor=nobody").await.is_empty());
}

#[sqlx::test]
async fn the_trail_filters_by_time(pool: PgPool) {
    let app = TestApp::new(pool);
    for slug in ["d1", "d2", "d3", "d4", "d5"] {
        app.create_domain(slug).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let events = all_events(&app).await;
    let at3 = events[2]["at"].as_str().unwrap();
    let at5 = events[4]["at"].as_str().unwrap();

    let since = app.get(&format!("/api/v1/audit?order=asc&since={}", enc(at3)), &steward()).await;
    assert_eq!(seqs(since.body["items"].as_array().unwrap()), [3, 4, 5], "since is inclusive");
    let until = app.get(&format!("/api/v1/audit?order=asc&until={}", enc(at3)), &steward()).await;
    assert_eq!(seqs(until.body["items"].as_array().unwrap()), [1, 2], "until is exclusive");
    let window = app.get(&format!("/api/v1/audit?order=asc&since={}&until={}", enc(at3), enc(at5)), &steward()).await;
    assert_eq!(seqs(window.body["items"].as_array().unwrap()), [3, 4]);
    // Offsets other than Z mean the same instant.
    let later = app.get("/api/v1/audit?since=2999-01-01T00:00:00%2B02:00", &steward()).await;
    assert_eq!(later.body["items"], json!([]));

    for bad in ["since=yesterday", "until=2024-13-01T00:00:00Z", "since=0000-01-01T00:00:00Z"] {
        let r = app.get(&format!("/api/v1/audit?{bad}"), &steward()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        r.problem(400, "invalid_query");
    }
}

#[sqlx::test]
async fn the_trail_orders_and_pages(pool: PgPool) {
    let app = TestApp::new(pool);
    for i in 0..7 {
        app.create_domain(&format!("d{i}")).await;
    }
    let desc = app.get("/api/v1/audit", &steward()).await;
    assert_eq!(seqs(desc.body["items"].as_array().unwrap()), [7, 6, 5, 4, 3, 2, 1], "newest first by default");
    let asc = app.get("/api/v1/audit?order=asc", &steward()).await;
    assert_eq!(seqs(asc.body["items"].as_array().unwrap()), [1, 2, 3, 4, 5, 6, 7]);

    let (items, pages) = walk(&app, "/api/v1/audit?order=desc&limit=3", &steward()).await;
    assert_eq!(seqs(&items), [7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(pages, 3);
    let (items, _) = walk(&app, "/api/v1/audit?order=asc&limit=2", &steward()).await;
    assert_eq!(seqs(&items), [1, 2, 3, 4, 5, 6, 7]);

    // A cursor belongs to its order.
    let page = app.get("/api/v1/audit?order=desc&limit=2", &steward()).await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    app.get(&format!("/api/v1/audit?order=asc&cursor={}", enc(cursor)), &steward()).await.problem(400, "invalid_cursor");
    app.get("/api/v1/audit?order=sideways", &steward()).await.problem(400, "invalid_query");
    app.get("/api/v1/audit?limit=0", &steward()).await.problem(400, "invalid_limit");
    app.get("/api/v1/audit?actor=a%01b", &steward()).await.problem(400, "invalid_query");
    app.get("/api/v1/audit?who=me", &steward()).await.problem(400, "invalid_query");
}

#[sqlx::test]
async fn verify_walks_the_whole_chain(pool: PgPool) {
    let app = TestApp::new(pool);
    let empty = verify(&app).await;
    assert_eq!(empty["ok"], true);
    assert_eq!(empty["events_checked"], 0);

    some_history(&app).await;
    let report = verify(&app).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["events_checked"], 4);
    assert!(report.get("first_bad").is_none());
    let events = all_events(&app).await;
    assert_eq!(report["head_hash"], events[3]["hash"]);
    assert_eq!(events[0]["prev_hash"], "0".repeat(64), "the first event links to the genesis hash");
    for pair in events.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "each event links to its predecessor");
    }
}

#[sqlx::test]
async fn verify_detects_an_edited_event(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    tamper(&app.pool, r#"UPDATE audit_events SET details = '{"name": "Forged"}' WHERE seq = 2"#).await;
    let report = verify(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["first_bad"]["seq"], 2);
    assert_eq!(report["first_bad"]["problem"], "hash_mismatch");
    assert_eq!(report["events_checked"], 1);
}

#[sqlx::test]
async fn verify_detects_an_edited_actor_and_time(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    tamper(&app.pool, "UPDATE audit_events SET actor_sub = 'someone-else' WHERE seq = 3").await;
    let report = verify(&app).await;
    assert_eq!(report["first_bad"]["seq"], 3, "{report}");
    assert_eq!(report["first_bad"]["problem"], "hash_mismatch");

    tamper(&app.pool, "UPDATE audit_events SET actor_sub = 'pat-producer-sales' WHERE seq = 3").await;
    tamper(&app.pool, "UPDATE audit_events SET at = at - interval '1 day' WHERE seq = 1").await;
    let report = verify(&app).await;
    assert_eq!(report["first_bad"]["seq"], 1, "{report}");
}

#[sqlx::test]
async fn verify_detects_a_deleted_event(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    tamper(&app.pool, "DELETE FROM audit_events WHERE seq = 2").await;
    let report = verify(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["first_bad"]["seq"], 3);
    assert_eq!(report["first_bad"]["problem"], "missing_event");
}

#[sqlx::test]
async fn verify_detects_a_deleted_and_renumbered_event(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    // Closing the gap by renumbering leaves the link to the deleted event dangling.
    tamper(&app.pool, "DELETE FROM audit_events WHERE seq = 2").await;
    tamper(&app.pool, "UPDATE audit_events SET seq = seq - 1 WHERE seq > 2").await;
    let report = verify(&app).await;
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["first_bad"]["seq"], 2);
    assert_eq!(report["first_bad"]["problem"], "broken_link");
}

#[sqlx::test]
async fn verify_detects_a_relinked_event(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    tamper(&app.pool, &format!("UPDATE audit_events SET prev_hash = '{}' WHERE seq = 4", "a".repeat(64))).await;
    let report = verify(&app).await;
    assert_eq!(report["first_bad"]["seq"], 4, "{report}");
    assert_eq!(report["first_bad"]["problem"], "broken_link");
}

#[sqlx::test]
async fn the_database_refuses_update_delete_and_truncate(pool: PgPool) {
    let app = TestApp::new(pool);
    some_history(&app).await;
    let before = all_events(&app).await;
    for sql in [
        "UPDATE audit_events SET details = '{}' WHERE seq = 1",
        "UPDATE audit_events SET actor_sub = 'x'",
        "DELETE FROM audit_events WHERE seq = 4",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&app.pool)
            .await
            .expect_err(&format!("{sql} must be refused"));
        let db = err.as_database_error().expect("a database error");
        assert_eq!(db.code().as_deref(), Some("42501"), "{sql}: {db}");
        assert!(db.message().contains("append-only"), "{sql}: {db}");
    }
    assert_eq!(all_events(&app).await, before, "nothing changed");
    assert_eq!(verify(&app).await["ok"], true);
}

#[sqlx::test]
async fn concurrent_writers_build_one_gap_free_chain(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("base").await;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                app.post("/api/v1/domains/base/products", &producer("base"), product_body(&format!("p{i}"), json!({}))).await
            } else {
                app.post("/api/v1/domains", &admin(), domain_body(&format!("d{i}"))).await
            }
        }));
    }
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let report = verify(&app).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["events_checked"], 31);
    let events = all_events(&app).await;
    assert_eq!(seqs(&events), (1..=31).collect::<Vec<_>>());
    let mut request_ids: Vec<&str> = events.iter().map(|e| e["request_id"].as_str().unwrap()).collect();
    request_ids.sort();
    request_ids.dedup();
    assert_eq!(request_ids.len(), 31, "each event carries its own request's id");
}
