//! Catalog search `GET /api/v1/products`: full text, filters, visibility, keyset pagination.

mod common;

use common::*;
use serde_json::json;
use sqlx::PgPool;

fn slugs(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap().to_string()).collect()
}

async fn search(app: &TestApp, query: &str) -> Vec<String> {
    let mut found = slugs(&app.get(&format!("/api/v1/products?{query}"), &consumer("outsider")).await);
    found.sort();
    found
}

/// A small published catalog in two domains.
async fn catalog(pool: PgPool) -> TestApp {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    app.create_domain("supply").await;
    let products = [
        ("sales", "footfall", json!({"name": "Store footfall", "tags": ["retail"], "classification": "public"})),
        ("sales", "orders", json!({"name": "Orders", "description": "Every customer order with its invoice lines.",
                                  "tags": ["finance", "daily"], "classification": "confidential"})),
        ("sales", "returns", json!({"name": "Returns", "tags": ["finance"], "classification": "internal"})),
        ("supply", "shipments", json!({"name": "Shipments", "tags": ["logistics", "daily"], "classification": "confidential"})),
    ];
    for (domain, slug, extra) in products {
        app.create_product(domain, slug, extra).await;
        app.lifecycle(domain, slug, "publish").await;
    }
    let returns = app.get("/api/v1/domains/sales/products/returns", &admin()).await.body;
    app.give_schema(&returns, &[("refunds", &["basket_size", "loyaltypoints"])]).await;
    app
}

#[sqlx::test]
async fn full_text_matches_names_descriptions_tags_and_columns(pool: PgPool) {
    let app = catalog(pool).await;
    assert_eq!(search(&app, "q=footfall").await, ["footfall"], "name");
    assert_eq!(search(&app, "q=invoice").await, ["orders"], "description");
    assert_eq!(search(&app, "q=logistics").await, ["shipments"], "tag");
    assert_eq!(search(&app, "q=finance").await, ["orders", "returns"], "tag on two products");
    assert_eq!(search(&app, "q=loyaltypoints").await, ["returns"], "column name");
    assert_eq!(search(&app, "q=basket").await, ["returns"], "part of a column name");
    assert_eq!(search(&app, "q=refunds").await, ["returns"], "table name");
    assert!(search(&app, "q=zeppelin").await.is_empty());
}

#[sqlx::test]
async fn full_text_stems_and_understands_web_search_syntax(pool: PgPool) {
    let app = catalog(pool).await;
    assert_eq!(search(&app, "q=stores").await, ["footfall"], "stores finds store");
    assert_eq!(search(&app, "q=ordered").await, ["orders"]);
    assert_eq!(search(&app, &format!("q={}", enc("finance -invoice"))).await, ["returns"]);
    assert_eq!(search(&app, &format!("q={}", enc("\"customer order\""))).await, ["orders"]);
    assert_eq!(search(&app, &format!("q={}", enc("daily finance"))).await, ["orders"], "all words must match");
}

#[sqlx::test]
async fn filters_combine(pool: PgPool) {
    let app = catalog(pool).await;
    assert_eq!(search(&app, "domain=sales").await, ["footfall", "orders", "returns"]);
    assert_eq!(search(&app, "tag=daily").await, ["orders", "shipments"]);
    assert_eq!(search(&app, "tag=DAILY").await, ["orders", "shipments"], "tags are case-insensitive");
    assert_eq!(search(&app, "classification=confidential").await, ["orders", "shipments"]);
    assert_eq!(search(&app, "domain=sales&tag=daily").await, ["orders"]);
    assert_eq!(search(&app, "domain=supply&classification=confidential&tag=daily").await, ["shipments"]);
    assert_eq!(search(&app, "q=finance&classification=internal").await, ["returns"]);
    assert!(search(&app, "domain=supply&tag=finance").await.is_empty());
    assert!(search(&app, "domain=nowhere").await.is_empty());

    app.lifecycle("sales", "orders", "deprecate").await;
    assert_eq!(search(&app, "status=deprecated").await, ["orders"]);
    assert_eq!(search(&app, "status=published&domain=sales&tag=finance").await, ["returns"]);
    app.lifecycle("sales", "orders", "retire").await;
    assert_eq!(search(&app, "status=retired&q=invoice").await, ["orders"]);
}

#[sqlx::test]
async fn drafts_are_found_only_by_those_who_may_see_them(pool: PgPool) {
    let app = catalog(pool).await;
    app.create_product("sales", "forecast", json!({"name": "Demand forecast"})).await;
    let found = |token: String| {
        let app = app.clone();
        async move { slugs(&app.get("/api/v1/products?q=forecast", &token).await) }
    };
    assert_eq!(found(producer("sales")).await, ["forecast"]);
    assert_eq!(found(steward()).await, ["forecast"]);
    assert_eq!(found(admin()).await, ["forecast"]);
    assert!(found(producer("supply")).await.is_empty());
    assert!(found(consumer("sales")).await.is_empty());
    // Asking for drafts explicitly does not reveal them either.
    assert!(slugs(&app.get("/api/v1/products?status=draft", &consumer("sales")).await).is_empty());
    assert_eq!(slugs(&app.get("/api/v1/products?status=draft", &producer("sales")).await), ["forecast"]);
}

#[sqlx::test]
async fn pagination_walks_every_product_once_newest_first(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let mut created = Vec::new();
    for i in 0..11 {
        let p = app.create_product("sales", &format!("p{i:02}"), json!({"tags": ["bulk"]})).await;
        app.lifecycle("sales", &format!("p{i:02}"), "publish").await;
        created.push(p["id"].as_str().unwrap().to_string());
    }
    created.reverse();

    for limit in [1, 3, 4, 11, 50] {
        let (items, pages) = walk(&app, &format!("/api/v1/products?tag=bulk&limit={limit}"), &consumer("x")).await;
        let ids: Vec<String> = items.iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(ids, created, "limit {limit}: every product once, newest first");
        assert_eq!(pages, 11usize.div_ceil(limit), "limit {limit}: no trailing empty page");
    }
    let first = app.get("/api/v1/products?limit=4", &consumer("x")).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 4);
    assert!(first.body["next_cursor"].is_string());
}

#[sqlx::test]
async fn bad_queries_are_400(pool: PgPool) {
    let app = catalog(pool).await;
    let bad = [
        ("sort=name", "invalid_query"),
        ("status=live", "invalid_query"),
        ("classification=secret", "invalid_query"),
        ("q=%01drop", "invalid_query"),
        ("q=a%00b", "invalid_query"),
        ("tag=a%0Ab", "invalid_query"),
        ("limit=0", "invalid_limit"),
        ("limit=201", "invalid_limit"),
        ("cursor=bm9wZQ", "invalid_cursor"),
    ];
    for (query, code) in bad {
        let r = app.get(&format!("/api/v1/products?{query}"), &admin()).await;
        assert_eq!(r.status, 400, "{query}: {}", r.body);
        r.problem(400, code);
    }
    let long = "a".repeat(201);
    app.get(&format!("/api/v1/products?q={long}"), &admin()).await.problem(400, "invalid_query");
    // A cursor from the domain list is not a product cursor.
    let domains = app.get("/api/v1/domains?limit=1", &admin()).await;
    let foreign = domains.body["next_cursor"].as_str().unwrap();
    app.get(&format!("/api/v1/products?cursor={}", enc(foreign)), &admin()).await.problem(400, "invalid_cursor");
}

#[sqlx::test]
async fn odd_but_harmless_queries_are_not_errors(pool: PgPool) {
    let app = catalog(pool).await;
    // Stop words only, punctuation only, SQL-looking text: an answer, never a 5xx.
    for q in ["the", "!!!", "' OR 1=1 --", "a & b | c", "\"unterminated", "-", "(((", "ünïcödé"] {
        let r = app.get(&format!("/api/v1/products?q={}", enc(q)), &consumer("x")).await;
        assert_eq!(r.status, 200, "q={q:?}: {}", r.body);
    }
}
