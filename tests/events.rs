//! The event feed: CloudEvents derived from the audit trail, in order, resumable, and filtered by
//! what the reader may see.

mod common;

use common::flow::{append_event, decide, published_product, request_access};
use common::*;
use serde_json::Value;
use sqlx::PgPool;

async fn feed(app: &TestApp, query: &str, token: &str) -> Value {
    let r = app.get(&format!("/api/v1/events{query}"), token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn types(page: &Value) -> Vec<String> {
    page["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_string()).collect()
}

fn subjects(page: &Value) -> Vec<String> {
    page["events"].as_array().unwrap().iter().map(|e| e["subject"].as_str().unwrap().to_string()).collect()
}

/// Two domains, a published product, a subscription of marketing requested, approved and revoked.
async fn access_flow(app: &TestApp) -> String {
    app.create_domain("sales").await;
    app.create_domain("marketing").await;
    published_product(app, "sales", "orders").await;
    let id = request_access(app, "sales", "orders", "marketing").await;
    decide(app, &id, "approve").await;
    decide(app, &id, "revoke").await;
    id
}

#[sqlx::test]
async fn a_full_flow_is_in_the_feed_in_order_as_cloudevents(pool: PgPool) {
    let app = TestApp::new(pool);
    let sub = access_flow(&app).await;
    let page = feed(&app, "", &steward()).await;
    assert_eq!(
        types(&page),
        [
            "io.meshgov.domain.created",
            "io.meshgov.domain.created",
            "io.meshgov.product.created",
            "io.meshgov.product.published",
            "io.meshgov.subscription.requested",
            "io.meshgov.subscription.approved",
            "io.meshgov.subscription.revoked",
        ]
    );
    let events = page["events"].as_array().unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>(), "every audit event, in seq order");
    assert_eq!(page["next_after"], 7);

    // The event is the audit event, as a CloudEvent 1.0.
    let audit = walk(&app, "/api/v1/audit?order=asc&limit=200", &steward()).await.0;
    let (e, a) = (&events[5], &audit[5]);
    assert_eq!(e["specversion"], "1.0");
    assert_eq!(e["id"], "6");
    assert_eq!(e["source"], "urn:meshgov");
    assert_eq!(e["subject"], format!("subscription:{sub}"));
    assert_eq!(e["datacontenttype"], "application/json");
    assert_eq!(e["time"], a["at"]);
    assert!(chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).is_ok());
    assert_eq!(e["data"]["actor"]["sub"], "sam-steward");
    assert_eq!(e["data"]["actor"]["roles"], serde_json::json!(["steward"]));
    assert_eq!(e["data"]["target"], a["target"]);
    assert_eq!(e["data"]["request_id"], a["request_id"]);
    assert_eq!(e["data"]["details"], a["details"]);
}

#[sqlx::test]
async fn a_reader_resumes_after_a_cursor_and_pages_by_limit(pool: PgPool) {
    let app = TestApp::new(pool);
    access_flow(&app).await;
    let first = feed(&app, "?limit=3", &admin()).await;
    assert_eq!(first["events"].as_array().unwrap().len(), 3);
    assert_eq!(first["next_after"], 3, "a full page ends at its last event");
    let rest = feed(&app, "?after=3", &admin()).await;
    let seqs: Vec<i64> = rest["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [4, 5, 6, 7], "only later events");
    let end = feed(&app, "?after=7", &admin()).await;
    assert_eq!((end["events"].as_array().unwrap().len(), end["next_after"].as_i64()), (0, Some(7)), "nothing new yet");
    let beyond = feed(&app, "?after=100", &admin()).await;
    assert_eq!(beyond["next_after"], 100, "a cursor past the end stays where it is");
}

#[sqlx::test]
async fn readers_see_only_what_they_may_read(pool: PgPool) {
    let app = TestApp::new(pool);
    let sub = access_flow(&app).await;
    app.create_domain("finance").await;
    app.create_product("sales", "forecast", serde_json::json!({})).await; // a draft
    let subscription = format!("subscription:{sub}");

    // Another domain's consumer sees the published product's events, not the subscription's,
    // not other domains', not drafts; its cursor still moves to the end.
    let other = feed(&app, "", &consumer("finance")).await;
    assert_eq!(subjects(&other), ["product:sales/orders", "product:sales/orders", "domain:finance"]);
    assert_eq!(other["next_after"], 9);

    // The subscriber's consumers see its subscription and their own domain.
    let subscriber = subjects(&feed(&app, "", &consumer("marketing")).await);
    assert_eq!(subscriber.iter().filter(|s| **s == subscription).count(), 3, "{subscriber:?}");
    assert!(subscriber.contains(&"domain:marketing".to_string()) && !subscriber.contains(&"domain:sales".to_string()));

    // The owning domain's producers see the subscription and their drafts.
    let owner = subjects(&feed(&app, "", &producer("sales")).await);
    assert!(owner.contains(&subscription) && owner.contains(&"product:sales/forecast".to_string()), "{owner:?}");
    assert!(!subjects(&feed(&app, "", &producer("marketing")).await).contains(&"product:sales/forecast".to_string()));

    // Drift and principals are for stewards and admins only (grants: see the next test).
    append_event(&app, "drift.found", "principal:arn:aws:iam::111122223333:role/x").await;
    append_event(&app, "drift.reconcile_requested", "drift").await;
    let later = feed(&app, "?after=9", &steward()).await;
    assert_eq!(types(&later), ["io.meshgov.drift.found", "io.meshgov.drift.reconcile_requested"]);
    let consumer_later = feed(&app, "?after=9", &consumer("marketing")).await;
    assert!(types(&consumer_later).is_empty());
    assert_eq!(consumer_later["next_after"], 11, "the cursor moves past what the reader may not see");
}

#[sqlx::test]
async fn grants_the_jobs_apply_and_revoke_are_in_the_feed_and_filter_internals_are_not(pool: PgPool) {
    let m = common::mesh::Mesh::new(pool).await;
    m.product("sales", "orders", &["orders", "refunds"], serde_json::json!({})).await;
    let head = walk_feed(&m.app, 0, &steward()).await.1;
    let analyst = m.role("analyst");
    let tables = serde_json::json!([{ "name": "orders", "row_filter": "region = 'EU'" }, { "name": "refunds" }]);
    let id = m.request(&analyst, tables).await["id"].as_str().unwrap().to_string();
    m.approve(&id, serde_json::json!({})).await;
    m.run_jobs().await;
    m.revoke(&id).await;
    m.run_jobs().await;
    let subject = format!("subscription:{id}");
    // The jobs made these calls (and the filter's), as the audit trail shows.
    for action in ["lakeformation.batch_grant", "lakeformation.create_data_cells_filter", "lakeformation.batch_revoke",
                   "lakeformation.delete_data_cells_filter"] {
        assert_eq!(m.audit(action, &subject).await.len(), 1, "{action}");
    }
    let of_subscription = |events: &[Value]| -> Vec<String> {
        events.iter().filter(|e| e["subject"] == subject.as_str()).map(|e| e["type"].as_str().unwrap().to_string()).collect()
    };
    let expected = [
        "io.meshgov.subscription.requested",
        "io.meshgov.subscription.approved",
        "io.meshgov.grant.applied",
        // No link role for marketing: the consumer's steps are left to it (with the commands).
        "io.meshgov.consumer.access_left",
        "io.meshgov.subscription.revoked",
        "io.meshgov.grant.revoked",
    ];
    assert_eq!(of_subscription(&walk_feed(&m.app, head, &steward()).await.0), expected);
    assert_eq!(of_subscription(&walk_feed(&m.app, head, &consumer("marketing")).await.0), expected, "the subscriber sees them");
    assert!(of_subscription(&walk_feed(&m.app, head, &consumer("finance")).await.0).is_empty(), "another domain does not");
}

/// Every event after `after` the reader may see, and the cursor at the end.
async fn walk_feed(app: &TestApp, mut after: i64, token: &str) -> (Vec<Value>, i64) {
    let mut events = Vec::new();
    loop {
        let page = feed(app, &format!("?after={after}&limit=200"), token).await;
        let got = page["events"].as_array().unwrap().clone();
        let next = page["next_after"].as_i64().unwrap();
        events.extend(got.iter().cloned());
        if got.is_empty() && next == after {
            return (events, after);
        }
        after = next;
    }
}

#[sqlx::test]
async fn bad_cursors_and_limits_are_problems(pool: PgPool) {
    let app = TestApp::new(pool);
    app.get("/api/v1/events?limit=0", &admin()).await.problem(400, "invalid_limit");
    app.get("/api/v1/events?limit=201", &admin()).await.problem(400, "invalid_limit");
    app.get("/api/v1/events?after=-1", &admin()).await.problem(400, "invalid_after");
    app.get("/api/v1/events?after=abc", &admin()).await.problem(400, "invalid_query");
    app.get("/api/v1/events?cursor=x", &admin()).await.problem(400, "invalid_query");
    let r = app.call(axum::http::Method::GET, "/api/v1/events").send().await;
    r.problem(401, "unauthorized");
}

#[sqlx::test]
async fn a_reader_who_may_see_none_of_5000_events_still_moves_on_and_reaches_later_ones(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("finance").await; // seq 1, for finance's members
    // 5,100 events only admins and stewards may read, in one transaction (seq 2..=5101).
    let tx = app.pool.begin().await.unwrap();
    let hidden = (0..5_100).map(|i| {
        meshgov::audit::NewEvent::new(meshgov::audit::Actor::system("test"), "drift.found", "drift", serde_json::json!({ "i": i }))
    });
    meshgov::audit::commit(tx, hidden).await.unwrap();
    app.create_domain("sales").await; // 5102, not for finance
    published_product(&app, "sales", "orders").await; // 5103 and 5104, for everyone
    assert_eq!(app.audit_count().await, 5_104);
    let reader = consumer("finance");

    // A request examines at most 5,000 events: the page is short, and the cursor ends there.
    let first = feed(&app, "?after=0", &reader).await;
    assert_eq!(subjects(&first), ["domain:finance"]);
    assert_eq!(first["next_after"], 5_000, "the window ends after 5,000 events");
    // A window holding nothing for the reader is an empty page, and the cursor still moves on.
    let empty = feed(&app, "?after=1", &reader).await;
    assert_eq!((types(&empty).len(), empty["next_after"].as_i64()), (0, Some(5_001)), "{empty}");
    let next = feed(&app, "?after=5000", &reader).await;
    assert_eq!(types(&next), ["io.meshgov.product.created", "io.meshgov.product.published"]);
    assert_eq!(next["next_after"], 5_104);

    // Polling until the cursor stops moving reaches every event the reader may see.
    let (events, end) = walk_feed(&app, 0, &reader).await;
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!((seqs, end), (vec![1, 5_103, 5_104], 5_104));
    // A reader who sees everything gets full pages: each ends at its last event.
    let full = feed(&app, "?after=0&limit=200", &steward()).await;
    assert_eq!((types(&full).len(), full["next_after"].as_i64()), (200, Some(200)));
}
