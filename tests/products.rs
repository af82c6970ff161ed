//! Data products: who may register and change them, validation, lifecycle, draft visibility,
//! optimistic concurrency, schema endpoints.

mod common;

use axum::http::Method;
use common::*;
use serde_json::{Value, json};
use sqlx::PgPool;

const ORDERS: &str = "/api/v1/domains/sales/products/orders";

async fn product_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(pool).await.unwrap()
}

async fn with_sales(pool: PgPool) -> TestApp {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    app.create_domain("marketing").await;
    app
}

#[sqlx::test]
async fn producers_of_the_domain_create_drafts(pool: PgPool) {
    let app = with_sales(pool).await;
    let r = app
        .post(
            "/api/v1/domains/sales/products",
            &producer("sales"),
            json!({
                "slug": "orders", "name": "Orders", "description": "Every order, daily.",
                "classification": "confidential", "tags": ["Finance", "finance", "daily"],
                "source": {"database": "sales_curated", "tables": ["orders", "order_lines", "orders"]},
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("location"), Some(ORDERS));
    assert_eq!(r.etag(), "\"1\"");
    assert_eq!(r.body["domain"], "sales");
    assert_eq!(r.body["slug"], "orders");
    assert_eq!(r.body["status"], "draft");
    assert_eq!(r.body["classification"], "confidential");
    assert_eq!(r.body["tags"], json!(["finance", "daily"]), "tags are lowercased and deduplicated");
    assert_eq!(r.body["source"], json!({"database": "sales_curated", "tables": ["orders", "order_lines"]}));
    assert_eq!(r.body["owner"], "pat-producer-sales", "the owner defaults to the caller");
    assert_eq!(r.body["schema_version"], 0);
    assert_eq!(r.body["published_at"], Value::Null);
    assert_eq!(r.body["version"], 1);

    let mut got = app.get(ORDERS, &producer("sales")).await;
    assert_eq!(got.status, 200);
    // Reading one product adds the health of its subscriptions for its producers.
    let health = got.body.as_object_mut().unwrap().remove("health").expect("health rollup");
    assert_eq!(health["live_subscriptions"], 0);
    assert_eq!(got.body, r.body);
}

#[sqlx::test]
async fn admins_create_products_in_any_domain(pool: PgPool) {
    let app = with_sales(pool).await;
    let r = app.post("/api/v1/domains/marketing/products", &admin(), product_body("campaigns", json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["owner"], "ada-admin");
    assert_eq!(r.body["classification"], "internal", "the default classification");
    assert_eq!(r.body["source"]["tables"], Value::Null, "no table list: all tables");
}

#[sqlx::test]
async fn others_may_not_create_products(pool: PgPool) {
    let app = with_sales(pool).await;
    for (who, token) in [
        ("producer of another domain", producer("marketing")),
        ("consumer of the domain", consumer("sales")),
        ("steward", steward()),
        ("member without a role", token("nobody", &[], &["sales"])),
    ] {
        let r = app.post("/api/v1/domains/sales/products", &token, product_body("orders", json!({}))).await;
        assert_eq!(r.status, 403, "{who}: {}", r.body);
        r.problem(403, "forbidden");
    }
    assert_eq!(product_rows(&app.pool).await, 0);
}

#[sqlx::test]
async fn creating_in_an_unknown_domain_is_404(pool: PgPool) {
    let app = with_sales(pool).await;
    app.post("/api/v1/domains/nowhere/products", &admin(), product_body("orders", json!({})))
        .await
        .problem(404, "not_found");
    app.post("/api/v1/domains/nowhere/products", &producer("nowhere"), product_body("orders", json!({})))
        .await
        .problem(404, "not_found");
}

#[sqlx::test]
async fn invalid_products_are_refused_with_field_errors(pool: PgPool) {
    let app = with_sales(pool).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"slug": "Orders"}), "slug", "invalid_slug"),
        (json!({"slug": "orders_2024"}), "slug", "invalid_slug"),
        (json!({"name": ""}), "name", "required"),
        (json!({"name": "a\u{0}b"}), "name", "invalid_characters"),
        (json!({"description": "a\u{0}b"}), "description", "invalid_characters"),
        (json!({"owner": "  "}), "owner", "required"),
        (json!({"tags": ["ok", "has space"]}), "tags[1]", "invalid_tag"),
        (json!({"tags": ["-leading"]}), "tags[0]", "invalid_tag"),
        (json!({"tags": ["x".repeat(51)]}), "tags[0]", "invalid_tag"),
        (json!({"tags": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()}), "tags", "too_many"),
        (json!({"source": {"database": "Sales-DB"}}), "source.database", "invalid_glue_name"),
        (json!({"source": {"database": ""}}), "source.database", "invalid_glue_name"),
        (json!({"source": {"database": "sales", "tables": []}}), "source.tables", "empty"),
        (json!({"source": {"database": "sales", "tables": ["ok", "Not-Ok"]}}), "source.tables[1]", "invalid_glue_name"),
    ];
    for (overrides, field, code) in cases {
        let r = app.post("/api/v1/domains/sales/products", &admin(), product_body("orders", overrides.clone())).await;
        assert_eq!(r.status, 422, "{overrides} should be refused: {}", r.body);
        r.field_error(field, code);
    }
    assert_eq!(product_rows(&app.pool).await, 0);
}

#[sqlx::test]
async fn a_duplicate_slug_in_the_same_domain_is_a_conflict(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({})).await;
    app.post("/api/v1/domains/sales/products", &admin(), product_body("orders", json!({})))
        .await
        .problem(409, "product_exists");
    // Slugs are unique per domain only.
    let other = app.post("/api/v1/domains/marketing/products", &admin(), product_body("orders", json!({}))).await;
    assert_eq!(other.status, 201, "{}", other.body);
}

#[sqlx::test]
async fn lifecycle_moves_draft_to_published_to_deprecated_to_retired(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({})).await;

    let published = app.post_empty(&format!("{ORDERS}/publish"), &producer("sales")).await;
    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(published.body["status"], "published");
    assert_eq!(published.body["version"], 2);
    assert_eq!(published.etag(), "\"2\"");
    let published_at = published.body["published_at"].as_str().expect("published_at is set").to_string();

    let deprecated = app.post_empty(&format!("{ORDERS}/deprecate"), &producer("sales")).await;
    assert_eq!(deprecated.status, 200);
    assert_eq!(deprecated.body["status"], "deprecated");

    // Publishing a deprecated product takes the deprecation back; the first publication date stays.
    let again = app.post_empty(&format!("{ORDERS}/publish"), &producer("sales")).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["status"], "published");
    assert_eq!(again.body["published_at"], published_at);

    let retired = app.post_empty(&format!("{ORDERS}/retire"), &producer("sales")).await;
    assert_eq!(retired.status, 200);
    assert_eq!(retired.body["status"], "retired");
    assert_eq!(retired.body["version"], 5);
}

#[sqlx::test]
async fn retiring_straight_from_deprecated_is_allowed(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({})).await;
    app.lifecycle("sales", "orders", "publish").await;
    app.lifecycle("sales", "orders", "deprecate").await;
    assert_eq!(app.lifecycle("sales", "orders", "retire").await["status"], "retired");
}

#[sqlx::test]
async fn every_illegal_transition_is_a_conflict(pool: PgPool) {
    let app = with_sales(pool).await;
    // (steps to reach a state, actions not allowed from it)
    let cases: [(&[&str], &[&str]); 4] = [
        (&[], &["deprecate", "retire"]),
        (&["publish"], &["publish"]),
        (&["publish", "deprecate"], &["deprecate"]),
        (&["publish", "retire"], &["publish", "deprecate", "retire"]),
    ];
    for (i, (steps, refused)) in cases.iter().enumerate() {
        let slug = format!("p{i}");
        app.create_product("sales", &slug, json!({})).await;
        for step in *steps {
            app.lifecycle("sales", &slug, step).await;
        }
        let before = app.get(&format!("/api/v1/domains/sales/products/{slug}"), &admin()).await;
        for action in *refused {
            let r = app.post_empty(&format!("/api/v1/domains/sales/products/{slug}/{action}"), &admin()).await;
            assert_eq!(r.status, 409, "{action} after {steps:?}: {}", r.body);
            r.problem(409, "illegal_transition");
        }
        let after = app.get(&format!("/api/v1/domains/sales/products/{slug}"), &admin()).await;
        assert_eq!(after.body["status"], before.body["status"]);
        assert_eq!(after.body["version"], before.body["version"], "a refused transition changes nothing");
    }
}

#[sqlx::test]
async fn only_the_owning_producers_and_admins_run_the_lifecycle(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({})).await;
    app.lifecycle("sales", "orders", "publish").await;
    for token in [producer("marketing"), consumer("sales"), steward()] {
        app.post_empty(&format!("{ORDERS}/deprecate"), &token).await.problem(403, "forbidden");
        app.patch(ORDERS, &token, json!({"name": "hijacked"})).await.problem(403, "forbidden");
    }
    let now = app.get(ORDERS, &admin()).await;
    assert_eq!(now.body["status"], "published");
    assert_eq!(now.body["name"], "Product orders");
}

#[sqlx::test]
async fn drafts_exist_only_for_their_producers_stewards_and_admins(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({})).await;

    for (who, token) in [("own producer", producer("sales")), ("steward", steward()), ("admin", admin())] {
        assert_eq!(app.get(ORDERS, &token).await.status, 200, "{who} sees the draft");
        let search = app.get("/api/v1/products", &token).await;
        assert_eq!(search.body["items"].as_array().unwrap().len(), 1, "{who} finds the draft");
        let list = app.get("/api/v1/domains/sales/products", &token).await;
        assert_eq!(list.body["items"].as_array().unwrap().len(), 1, "{who} lists the draft");
        assert_eq!(app.get(&format!("{ORDERS}/schema"), &token).await.status, 200);
    }
    for (who, token) in [
        ("consumer of the domain", consumer("sales")),
        ("producer of another domain", producer("marketing")),
        ("consumer and producer elsewhere", token("mixed", &["consumer", "producer"], &["marketing"])),
    ] {
        app.get(ORDERS, &token).await.problem(404, "not_found");
        app.get(&format!("{ORDERS}/schema"), &token).await.problem(404, "not_found");
        app.get(&format!("{ORDERS}/schema-changes"), &token).await.problem(404, "not_found");
        let search = app.get("/api/v1/products", &token).await;
        assert_eq!(search.body["items"], json!([]), "{who} must not find the draft");
        let list = app.get("/api/v1/domains/sales/products", &token).await;
        assert_eq!(list.status, 200);
        assert_eq!(list.body["items"], json!([]), "{who} must not list the draft");
        // Writing to a draft one cannot see answers as if it did not exist: no existence leak.
        app.post_empty(&format!("{ORDERS}/publish"), &token).await.problem(404, "not_found");
        app.patch(ORDERS, &token, json!({"name": "x"})).await.problem(404, "not_found");
    }

    app.lifecycle("sales", "orders", "publish").await;
    for token in [consumer("sales"), producer("marketing")] {
        assert_eq!(app.get(ORDERS, &token).await.status, 200, "published products are visible to everyone");
        let search = app.get("/api/v1/products", &token).await;
        assert_eq!(search.body["items"][0]["slug"], "orders");
    }
}

#[sqlx::test]
async fn unknown_products_are_404(pool: PgPool) {
    let app = with_sales(pool).await;
    app.get("/api/v1/domains/sales/products/nothing", &admin()).await.problem(404, "not_found");
    app.get("/api/v1/domains/nowhere/products/nothing", &admin()).await.problem(404, "not_found");
    app.get("/api/v1/domains/nowhere/products", &admin()).await.problem(404, "not_found");
    app.get("/api/v1/domains/sales/products/Bad_Slug", &admin()).await.problem(404, "not_found");
    app.post_empty("/api/v1/domains/sales/products/nothing/publish", &admin()).await.problem(404, "not_found");
}

#[sqlx::test]
async fn patch_changes_fields_and_bumps_the_version(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({"tags": ["a"]})).await;
    let r = app
        .call(Method::PATCH, ORDERS)
        .bearer(&producer("sales"))
        .if_match("\"1\"")
        .json(&json!({"name": "Orders v2", "tags": ["b", "C"], "classification": "restricted",
                      "source": {"database": "sales_raw", "tables": ["orders"]}}))
        .send()
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.etag(), "\"2\"");
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["name"], "Orders v2");
    assert_eq!(r.body["tags"], json!(["b", "c"]));
    assert_eq!(r.body["classification"], "restricted");
    assert_eq!(r.body["source"], json!({"database": "sales_raw", "tables": ["orders"]}), "a draft's source may change");
    assert_eq!(r.body["owner"], "ada-admin", "absent fields stay");

    app.patch(ORDERS, &admin(), json!({"tags": ["bad tag"]})).await.field_error("tags[0]", "invalid_tag");
    app.patch(ORDERS, &admin(), json!({"source": {"database": "x", "tables": []}}))
        .await
        .field_error("source.tables", "empty");
    assert_eq!(app.get(ORDERS, &admin()).await.body["version"], 2);
}

#[sqlx::test]
async fn the_source_of_a_published_product_is_frozen(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({})).await;
    app.lifecycle("sales", "orders", "publish").await;

    app.patch(ORDERS, &admin(), json!({"source": {"database": "elsewhere"}}))
        .await
        .problem(409, "product_not_draft");
    app.patch(ORDERS, &admin(), json!({"source": {"database": "sales_curated", "tables": ["t"]}}))
        .await
        .problem(409, "product_not_draft");
    let now = app.get(ORDERS, &admin()).await;
    assert_eq!(now.body["source"], json!({"database": "sales_curated", "tables": null}));
    assert_eq!(now.body["version"], 2);

    // Repeating the current source (a client sending the whole resource back) is not a change.
    let same = app
        .patch(ORDERS, &admin(), json!({"description": "now documented", "source": {"database": "sales_curated"}}))
        .await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.body["description"], "now documented");
}

#[sqlx::test]
async fn if_match_guards_patch_and_lifecycle(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({})).await;

    app.call(Method::PATCH, ORDERS)
        .bearer(&admin())
        .if_match("\"2\"")
        .json(&json!({"name": "stale"}))
        .send()
        .await
        .problem(412, "precondition_failed");
    // Bad input is a 422 whatever the ETag says.
    app.call(Method::PATCH, ORDERS)
        .bearer(&admin())
        .if_match("\"2\"")
        .json(&json!({"name": "x".repeat(500)}))
        .send()
        .await
        .problem(422, "validation_failed");
    app.call(Method::POST, &format!("{ORDERS}/publish"))
        .bearer(&admin())
        .if_match("\"5\"")
        .send()
        .await
        .problem(412, "precondition_failed");
    let now = app.get(ORDERS, &admin()).await;
    assert_eq!(now.body["status"], "draft");
    assert_eq!(now.body["name"], "Product orders");
    assert_eq!(now.body["version"], 1);

    let ok = app.call(Method::POST, &format!("{ORDERS}/publish")).bearer(&admin()).if_match(&now.etag()).send().await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.etag(), "\"2\"");
    // The old ETag is stale now, for lifecycle actions too.
    app.call(Method::POST, &format!("{ORDERS}/deprecate"))
        .bearer(&admin())
        .if_match(&now.etag())
        .send()
        .await
        .problem(412, "precondition_failed");
}

#[sqlx::test]
async fn a_new_product_has_an_empty_schema_and_no_changes(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({})).await;
    let schema = app.get(&format!("{ORDERS}/schema"), &admin()).await;
    assert_eq!(schema.status, 200, "{}", schema.body);
    assert_eq!(
        schema.body,
        json!({"domain": "sales", "product": "orders", "schema_version": 0, "synced_at": null, "tables": []})
    );
    let changes = app.get(&format!("{ORDERS}/schema-changes"), &admin()).await;
    assert_eq!(changes.status, 200, "{}", changes.body);
    assert_eq!(changes.body, json!({"items": []}));
    app.get(&format!("{ORDERS}/schema-changes?limit=0"), &admin()).await.problem(400, "invalid_limit");
    app.get(&format!("{ORDERS}/schema-changes?cursor=zzz"), &admin()).await.problem(400, "invalid_cursor");
}

#[sqlx::test]
async fn a_synced_schema_is_served(pool: PgPool) {
    use meshgov::schema::{Column, SchemaDocument, TableSchema};
    let app = with_sales(pool).await;
    let created = app.create_product("sales", "orders", json!({})).await;
    let id: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let doc = SchemaDocument {
        tables: vec![TableSchema {
            name: "orders".into(),
            columns: vec![Column { name: "order_id".into(), data_type: "bigint".into(), comment: None }],
            partition_keys: vec![Column { name: "day".into(), data_type: "date".into(), comment: None }],
            location: Some("s3://sales/orders/".into()),
            format: Some("parquet".into()),
            parameters: Default::default(),
        }],
    };
    let mut conn = app.pool.acquire().await.unwrap();
    meshgov::catalog_sync::store::replace_schema(&mut conn, id, &doc).await.unwrap();
    drop(conn);

    let schema = app.get(&format!("{ORDERS}/schema"), &admin()).await;
    assert_eq!(schema.body["schema_version"], 1);
    assert!(schema.body["synced_at"].is_string());
    assert_eq!(schema.body["tables"][0]["name"], "orders");
    assert_eq!(schema.body["tables"][0]["columns"][0], json!({"name": "order_id", "type": "bigint"}));
    assert_eq!(schema.body["tables"][0]["partition_keys"][0]["name"], "day");
    assert_eq!(app.get(ORDERS, &admin()).await.body["schema_version"], 1);
}

#[sqlx::test]
async fn domain_product_lists_filter_by_status_and_page(pool: PgPool) {
    let app = with_sales(pool).await;
    for slug in ["p1", "p2", "p3"] {
        app.create_product("sales", slug, json!({})).await;
    }
    app.create_product("marketing", "m1", json!({})).await;
    app.lifecycle("sales", "p2", "publish").await;

    let published = app.get("/api/v1/domains/sales/products?status=published", &admin()).await;
    let slugs: Vec<&str> = published.body["items"].as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["p2"]);

    let (all, pages) = walk(&app, "/api/v1/domains/sales/products?limit=2", &admin()).await;
    let slugs: Vec<&str> = all.iter().map(|p| p["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["p3", "p2", "p1"], "newest first, only this domain");
    assert_eq!(pages, 2);

    app.get("/api/v1/domains/sales/products?domain=marketing", &admin()).await.problem(400, "invalid_query");
}

#[sqlx::test]
async fn idempotent_product_creates_replay(pool: PgPool) {
    let app = with_sales(pool).await;
    let send = |body: Value| {
        let app = app.clone();
        async move {
            app.call(Method::POST, "/api/v1/domains/sales/products")
                .bearer(&producer("sales"))
                .idempotency_key("orders-1")
                .json(&body)
                .send()
                .await
        }
    };
    let first = send(product_body("orders", json!({}))).await;
    assert_eq!(first.status, 201);
    let retry = send(product_body("orders", json!({}))).await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body["id"], first.body["id"]);
    send(product_body("orders", json!({"name": "Other"}))).await.problem(422, "idempotency_key_reused");
    assert_eq!(product_rows(&app.pool).await, 1);
}

#[sqlx::test]
async fn racing_creates_of_one_slug_make_one_product_and_conflicts(pool: PgPool) {
    let app = with_sales(pool).await;
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                app.post("/api/v1/domains/sales/products", &producer("sales"), product_body("orders", json!({}))).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        if r.status != 201 {
            r.problem(409, "product_exists");
        }
        statuses.push(r.status.as_u16());
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409]);
    assert_eq!(product_rows(&app.pool).await, 1);
}

/// PATCH is a JSON Merge Patch: absent keeps, `null` empties what can be empty and is a 422 that
/// changes nothing where the field must have a value.
#[sqlx::test]
async fn patch_null_empties_what_can_be_empty_and_is_refused_elsewhere(pool: PgPool) {
    let app = with_sales(pool).await;
    app.create_product("sales", "orders", json!({"description": "Orders", "tags": ["b2b"]})).await;
    let token = admin();
    let patch = |body: Value| app.patch(ORDERS, &token, body);
    for field in ["name", "owner", "classification", "auto_approve", "source"] {
        let refused = patch(json!({ field: null })).await;
        assert_eq!(refused.status, 422, "{field}: {}", refused.body);
        assert!(refused.body["detail"].as_str().unwrap().contains("cannot be removed"), "{field}: {}", refused.body);
    }
    let kept = app.get(ORDERS, &admin()).await;
    assert_eq!((kept.body["description"].as_str(), kept.body["version"].as_i64()), (Some("Orders"), Some(1)), "refusals change nothing");

    let emptied = patch(json!({"description": null, "tags": null})).await;
    assert_eq!(emptied.status, 200, "{}", emptied.body);
    assert_eq!((&emptied.body["description"], &emptied.body["tags"]), (&json!(""), &json!([])));
    let absent = patch(json!({"name": "Orders v2"})).await;
    assert_eq!(absent.status, 200, "{}", absent.body);
    assert_eq!((&absent.body["name"], &absent.body["description"], &absent.body["tags"]), (&json!("Orders v2"), &json!(""), &json!([])));
}
