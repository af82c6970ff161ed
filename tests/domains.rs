//! Domains: onboarding, validation, listing, optimistic concurrency, deletion, idempotent creates.

mod common;

use axum::http::Method;
use common::*;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn domain_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM domains").fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn create_answers_201_with_location_etag_and_generated_external_id(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app.post("/api/v1/domains", &admin(), domain_body("sales")).await;

    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("location"), Some("/api/v1/domains/sales"));
    assert_eq!(r.etag(), "\"1\"");
    assert_eq!(r.body["slug"], "sales");
    assert_eq!(r.body["name"], "Domain sales");
    assert_eq!(r.body["aws_account_id"], ACCOUNT);
    assert_eq!(r.body["sync_role_arn"], format!("arn:aws:iam::{ACCOUNT}:role/meshgov-catalog-reader"));
    assert_eq!(r.body["approval_policy"], "stewards");
    assert_eq!(r.body["owners"], json!([]));
    assert_eq!(r.body["version"], 1);
    let external_id = r.body["external_id"].as_str().expect("admins see the external id");
    assert!(external_id.len() >= 16, "{external_id}");

    // The resource at Location is the one created.
    let got = app.get("/api/v1/domains/sales", &admin()).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.etag(), "\"1\"");
    assert_eq!(got.body["external_id"], external_id);
}

#[sqlx::test]
async fn external_id_is_shown_to_admins_and_the_domains_producers_only(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;

    for (who, token) in [("admin", admin()), ("producer of sales", producer("sales"))] {
        let r = app.get("/api/v1/domains/sales", &token).await;
        assert_eq!(r.status, 200);
        assert!(r.body["external_id"].is_string(), "{who} should see the external id: {}", r.body);
    }
    for (who, token) in [
        ("producer of marketing", producer("marketing")),
        ("consumer of sales", consumer("sales")),
        ("steward", steward()),
    ] {
        let r = app.get("/api/v1/domains/sales", &token).await;
        assert_eq!(r.status, 200, "{who} may read domains");
        assert!(r.body.get("external_id").is_none(), "{who} must not see the external id: {}", r.body);
        let listed = app.get("/api/v1/domains", &token).await;
        assert!(listed.body["items"][0].get("external_id").is_none(), "{who} sees it in the list");
    }
    let listed = app.get("/api/v1/domains", &producer("sales")).await;
    assert!(listed.body["items"][0]["external_id"].is_string());
}

#[sqlx::test]
async fn only_admins_onboard_change_and_delete_domains(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    for token in [steward(), producer("sales"), consumer("sales")] {
        app.post("/api/v1/domains", &token, domain_body("other")).await.problem(403, "forbidden");
        app.patch("/api/v1/domains/sales", &token, json!({"name": "x"})).await.problem(403, "forbidden");
        app.delete("/api/v1/domains/sales", &token).await.problem(403, "forbidden");
    }
    assert_eq!(domain_rows(&app.pool).await, 1);
    assert_eq!(app.get("/api/v1/domains/sales", &admin()).await.body["version"], 1);
}

#[sqlx::test]
async fn invalid_domains_are_refused_with_field_errors(pool: PgPool) {
    let app = TestApp::new(pool);
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"slug": "Sales"}), "slug", "invalid_slug"),
        (json!({"slug": "s"}), "slug", "invalid_slug"),
        (json!({"slug": "sales-"}), "slug", "invalid_slug"),
        (json!({"slug": "sa\u{0}les"}), "slug", "invalid_slug"),
        (json!({"aws_account_id": "1234"}), "aws_account_id", "invalid_account_id"),
        (json!({"aws_account_id": "11112222333a"}), "aws_account_id", "invalid_account_id"),
        (json!({"sync_role_arn": "arn:aws:iam::444455556666:role/reader"}), "sync_role_arn", "account_mismatch"),
        (json!({"sync_role_arn": "arn:aws:iam::111122223333:user/reader"}), "sync_role_arn", "invalid_role_arn"),
        (json!({"name": ""}), "name", "required"),
        (json!({"name": "   "}), "name", "required"),
        (json!({"name": "x".repeat(201)}), "name", "too_long"),
        (json!({"name": "Sa\u{0}les"}), "name", "invalid_characters"),
        (json!({"name": "Sales\nTeam"}), "name", "invalid_characters"),
        (json!({"description": "bell \u{7}"}), "description", "invalid_characters"),
        (json!({"description": "nul \u{0}"}), "description", "invalid_characters"),
        (json!({"owners": ["ok", ""]}), "owners[1]", "required"),
        (json!({"owners": ["a\u{1b}[31m"]}), "owners[0]", "invalid_characters"),
        (json!({"owners": vec!["o"; 51]}), "owners", "too_many"),
    ];
    for (overrides, field, code) in cases {
        let mut body = domain_body("sales");
        merge(&mut body, overrides.clone());
        let r = app.post("/api/v1/domains", &admin(), body).await;
        assert_eq!(r.status, 422, "{overrides} should be refused: {}", r.body);
        r.field_error(field, code);
    }
    assert_eq!(domain_rows(&app.pool).await, 0, "nothing invalid was stored");
    assert_eq!(app.audit_count().await, 0);
}

#[sqlx::test]
async fn every_invalid_field_is_reported_at_once(pool: PgPool) {
    let app = TestApp::new(pool);
    let r = app
        .post(
            "/api/v1/domains",
            &admin(),
            json!({"slug": "X", "name": "", "aws_account_id": "1", "sync_role_arn": "nope"}),
        )
        .await;
    r.field_error("slug", "invalid_slug");
    r.field_error("name", "required");
    r.field_error("aws_account_id", "invalid_account_id");
    r.field_error("sync_role_arn", "invalid_role_arn");
}

#[sqlx::test]
async fn a_duplicate_slug_is_a_conflict(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let r = app.post("/api/v1/domains", &admin(), domain_body("sales")).await;
    r.problem(409, "domain_exists");
    assert_eq!(domain_rows(&app.pool).await, 1);
}

#[sqlx::test]
async fn list_pages_by_slug_with_keyset_cursors(pool: PgPool) {
    let app = TestApp::new(pool);
    for slug in ["echo", "alpha", "delta", "bravo", "charlie"] {
        app.create_domain(slug).await;
    }
    let first = app.get("/api/v1/domains?limit=2", &consumer("x")).await;
    assert_eq!(first.status, 200);
    let slugs = |r: &Resp| -> Vec<String> {
        r.body["items"].as_array().unwrap().iter().map(|d| d["slug"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(slugs(&first), ["alpha", "bravo"]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page");

    let second = app.get(&format!("/api/v1/domains?limit=2&cursor={}", enc(cursor)), &consumer("x")).await;
    assert_eq!(slugs(&second), ["charlie", "delta"]);
    let cursor = second.body["next_cursor"].as_str().expect("a third page");

    let last = app.get(&format!("/api/v1/domains?limit=2&cursor={}", enc(cursor)), &consumer("x")).await;
    assert_eq!(slugs(&last), ["echo"]);
    assert!(last.body.get("next_cursor").is_none(), "the last page has no cursor: {}", last.body);

    // Exactly a page's worth: no cursor pointing at an empty page.
    let all = app.get("/api/v1/domains?limit=5", &consumer("x")).await;
    assert_eq!(slugs(&all).len(), 5);
    assert!(all.body.get("next_cursor").is_none());

    // Default limit covers them all.
    let (items, pages) = walk(&app, "/api/v1/domains?limit=1", &admin()).await;
    assert_eq!(items.len(), 5);
    assert_eq!(pages, 5);
}

#[sqlx::test]
async fn list_refuses_bad_limits_and_cursors(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("alpha").await;
    app.create_domain("bravo").await;
    for limit in ["0", "201", "-1"] {
        app.get(&format!("/api/v1/domains?limit={limit}"), &admin()).await.problem(400, "invalid_limit");
    }
    app.get("/api/v1/domains?limit=ten", &admin()).await.problem(400, "invalid_query");
    assert_eq!(app.get("/api/v1/domains?limit=200", &admin()).await.status, 200);

    app.get("/api/v1/domains?cursor=garbage!!", &admin()).await.problem(400, "invalid_cursor");
    app.get("/api/v1/domains?cursor=eyJ0IjoiZG9tYWlucyJ9", &admin()).await.problem(400, "invalid_cursor");

    // A cursor of another list (the audit trail) is refused, not misread.
    let audit = app.get("/api/v1/audit?limit=1", &admin()).await;
    let foreign = audit.body["next_cursor"].as_str().expect("two events, so a second page");
    app.get(&format!("/api/v1/domains?cursor={}", enc(foreign)), &admin()).await.problem(400, "invalid_cursor");
}

#[sqlx::test]
async fn unknown_domains_are_404(pool: PgPool) {
    let app = TestApp::new(pool);
    app.get("/api/v1/domains/nowhere", &admin()).await.problem(404, "not_found");
    // A path value that cannot be a slug names nothing either.
    app.get("/api/v1/domains/NOT_A_SLUG", &admin()).await.problem(404, "not_found");
    app.patch("/api/v1/domains/nowhere", &admin(), json!({"name": "x"})).await.problem(404, "not_found");
    app.delete("/api/v1/domains/nowhere", &admin()).await.problem(404, "not_found");
}

#[sqlx::test]
async fn patch_with_if_match_bumps_the_version_and_refuses_stale_etags(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let before = app.get("/api/v1/domains/sales", &admin()).await;

    let ok = app
        .call(Method::PATCH, "/api/v1/domains/sales")
        .bearer(&admin())
        .if_match(&before.etag())
        .json(&json!({"name": "Sales & Marketing", "owners": ["team-sales@example.com"]}))
        .send()
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["version"], 2);
    assert_eq!(ok.etag(), "\"2\"");
    assert_eq!(ok.body["name"], "Sales & Marketing");
    assert_eq!(ok.body["owners"], json!(["team-sales@example.com"]));
    assert_eq!(ok.body["aws_account_id"], ACCOUNT, "absent fields stay");
    assert_eq!(ok.body["external_id"], before.body["external_id"], "the external id never changes");

    // The same (now stale) ETag again: refused, nothing changes.
    let stale = app
        .call(Method::PATCH, "/api/v1/domains/sales")
        .bearer(&admin())
        .if_match(&before.etag())
        .json(&json!({"name": "Overwritten"}))
        .send()
        .await;
    stale.problem(412, "precondition_failed");
    // Bad input is a 422 whatever the ETag says.
    app.call(Method::PATCH, "/api/v1/domains/sales")
        .bearer(&admin())
        .if_match(&before.etag())
        .json(&json!({"name": ""}))
        .send()
        .await
        .problem(422, "validation_failed");
    let now = app.get("/api/v1/domains/sales", &admin()).await;
    assert_eq!(now.body["name"], "Sales & Marketing");
    assert_eq!(now.body["version"], 2);

    // A list of ETags and `*` match too.
    let listed = app
        .call(Method::PATCH, "/api/v1/domains/sales")
        .bearer(&admin())
        .if_match("\"9\", \"2\"")
        .json(&json!({"description": "listed"}))
        .send()
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let star = app
        .call(Method::PATCH, "/api/v1/domains/sales")
        .bearer(&admin())
        .if_match("*")
        .json(&json!({"description": "star"}))
        .send()
        .await;
    assert_eq!(star.status, 200, "{}", star.body);

    // Without If-Match the write is unconditional.
    let blind = app.patch("/api/v1/domains/sales", &admin(), json!({"name": "Blind"})).await;
    assert_eq!(blind.status, 200);
    assert_eq!(blind.body["version"], 5);
}

#[sqlx::test]
async fn patch_validates_the_result_and_leaves_the_domain_alone_when_invalid(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    // Moving the account while the role stays in the old one is refused.
    let r = app.patch("/api/v1/domains/sales", &admin(), json!({"aws_account_id": "444455556666"})).await;
    r.field_error("sync_role_arn", "account_mismatch");
    app.patch("/api/v1/domains/sales", &admin(), json!({"name": ""})).await.field_error("name", "required");
    let now = app.get("/api/v1/domains/sales", &admin()).await;
    assert_eq!(now.body["version"], 1);
    assert_eq!(now.body["aws_account_id"], ACCOUNT);

    // Moving both together is fine.
    let moved = app
        .patch(
            "/api/v1/domains/sales",
            &admin(),
            json!({"aws_account_id": "444455556666", "sync_role_arn": "arn:aws:iam::444455556666:role/r"}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["aws_account_id"], "444455556666");
}

#[sqlx::test]
async fn patch_sync_role_arn_null_clears_it_and_absent_keeps_it(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let kept = app.patch("/api/v1/domains/sales", &admin(), json!({"description": "d"})).await;
    assert_eq!(kept.body["sync_role_arn"], format!("arn:aws:iam::{ACCOUNT}:role/meshgov-catalog-reader"));

    let cleared = app.patch("/api/v1/domains/sales", &admin(), json!({"sync_role_arn": null})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.body["sync_role_arn"], Value::Null);
    let stored: Option<String> = sqlx::query_scalar("SELECT sync_role_arn FROM domains WHERE slug = 'sales'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, None);
}

#[sqlx::test]
async fn delete_answers_204_then_404_and_refuses_while_products_exist(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    app.create_domain("empty").await;
    app.create_product("sales", "orders", json!({})).await;

    app.delete("/api/v1/domains/sales", &admin()).await.problem(409, "domain_has_products");
    assert_eq!(app.get("/api/v1/domains/sales", &admin()).await.status, 200);

    let stale = app.call(Method::DELETE, "/api/v1/domains/empty").bearer(&admin()).if_match("\"7\"").send().await;
    stale.problem(412, "precondition_failed");

    let gone = app.delete("/api/v1/domains/empty", &admin()).await;
    assert_eq!(gone.status, 204);
    assert!(gone.text.is_empty());
    app.get("/api/v1/domains/empty", &admin()).await.problem(404, "not_found");
    app.delete("/api/v1/domains/empty", &admin()).await.problem(404, "not_found");
    // The slug is free again.
    assert_eq!(app.post("/api/v1/domains", &admin(), domain_body("empty")).await.status, 201);
}

#[sqlx::test]
async fn idempotency_key_replays_the_first_create(pool: PgPool) {
    let app = TestApp::new(pool);
    let send = |body: Value| {
        let app = app.clone();
        async move {
            app.call(Method::POST, "/api/v1/domains")
                .bearer(&admin())
                .idempotency_key("create-sales-1")
                .json(&body)
                .send()
                .await
        }
    };
    let first = send(domain_body("sales")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(first.header("idempotent-replayed").is_none());

    let retry = send(domain_body("sales")).await;
    assert_eq!(retry.status, 201, "a retry answers like the original: {}", retry.body);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body, first.body, "the same resource, external id included");
    assert_eq!(retry.header("etag"), first.header("etag"));

    let mut other = domain_body("sales");
    other["name"] = json!("Something else");
    send(other).await.problem(422, "idempotency_key_reused");

    assert_eq!(domain_rows(&app.pool).await, 1, "only one domain was created");
    assert_eq!(app.audit_count().await, 1, "and audited once");
}

/// DESIGN §4: "a retried request returns the original" — the original 201 carried a Location.
#[sqlx::test]
async fn an_idempotent_replay_carries_the_original_location(pool: PgPool) {
    let app = TestApp::new(pool);
    let send = || app.call(Method::POST, "/api/v1/domains").bearer(&admin()).idempotency_key("k").json(&domain_body("sales")).send();
    let first = send().await;
    let retry = send().await;
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.header("location"), Some("/api/v1/domains/sales"));
    assert_eq!(retry.header("location"), first.header("location"), "a replay returns the original Location");
}

#[sqlx::test]
async fn idempotency_keys_are_scoped_to_the_caller(pool: PgPool) {
    let app = TestApp::new(pool);
    let other_admin = token("another-admin", &["admin"], &[]);
    let first = app
        .call(Method::POST, "/api/v1/domains")
        .bearer(&admin())
        .idempotency_key("k1")
        .json(&domain_body("sales"))
        .send()
        .await;
    assert_eq!(first.status, 201);
    // Another caller with the same key and body is a new request: it hits the slug conflict.
    let second = app
        .call(Method::POST, "/api/v1/domains")
        .bearer(&other_admin)
        .idempotency_key("k1")
        .json(&domain_body("sales"))
        .send()
        .await;
    second.problem(409, "domain_exists");
}

#[sqlx::test]
async fn a_failed_create_does_not_burn_its_idempotency_key(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let attempt = || {
        app.call(Method::POST, "/api/v1/domains").bearer(&admin()).idempotency_key("k-dup").json(&domain_body("sales")).send()
    };
    attempt().await.problem(409, "domain_exists");
    // The failure was not recorded as the key's answer: the retry is evaluated again.
    attempt().await.problem(409, "domain_exists");
    app.delete("/api/v1/domains/sales", &admin()).await;
    let r = attempt().await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.header("idempotent-replayed").is_none());
}

#[sqlx::test]
async fn racing_writers_with_the_same_etag_let_exactly_one_win(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.call(Method::PATCH, "/api/v1/domains/sales")
                    .bearer(&admin())
                    .if_match("\"1\"")
                    .json(&json!({"name": format!("Writer {i}")}))
                    .send()
                    .await
                    .status
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412]);
    assert_eq!(app.get("/api/v1/domains/sales", &admin()).await.body["version"], 2);
    assert_eq!(app.audit_count().await, 2, "one create, one update");
}

#[sqlx::test]
async fn racing_creates_of_one_slug_make_one_domain_and_conflicts(pool: PgPool) {
    let app = TestApp::new(pool);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.post("/api/v1/domains", &admin(), domain_body("sales")).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        if r.status != 201 {
            r.problem(409, "domain_exists");
        }
        statuses.push(r.status.as_u16());
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409]);
    assert_eq!(domain_rows(&app.pool).await, 1);
}

#[sqlx::test]
async fn racing_retries_with_one_idempotency_key_see_one_outcome(pool: PgPool) {
    let app = TestApp::new(pool);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                app.call(Method::POST, "/api/v1/domains")
                    .bearer(&admin())
                    .idempotency_key("race-1")
                    .json(&domain_body("sales"))
                    .send()
                    .await
            })
        })
        .collect();
    let mut bodies = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 201, "{}", r.body);
        bodies.push(r.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "every attempt returns the same domain");
    assert_eq!(domain_rows(&app.pool).await, 1);
    assert_eq!(app.audit_count().await, 1);
}

#[sqlx::test]
async fn an_expired_idempotency_key_starts_afresh(pool: PgPool) {
    let app = TestApp::new(pool);
    let send = |slug: &str| {
        app.call(Method::POST, "/api/v1/domains").bearer(&admin()).idempotency_key("daily-job").json(&domain_body(slug)).send()
    };
    assert_eq!(send("sales").await.status, 201);
    send("supply").await.problem(422, "idempotency_key_reused");

    sqlx::query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'").execute(&app.pool).await.unwrap();
    let fresh = send("supply").await;
    assert_eq!(fresh.status, 201, "{}", fresh.body);
    assert!(fresh.header("idempotent-replayed").is_none());
    assert_eq!(fresh.body["slug"], "supply");
    // And the key now remembers the new request.
    assert_eq!(send("supply").await.header("idempotent-replayed"), Some("true"));
    assert_eq!(domain_rows(&app.pool).await, 2);
}

/// PATCH is a JSON Merge Patch: `null` empties the owners and description, removes a role, and is
/// refused (422, nothing changed) for what a domain must have.
#[sqlx::test]
async fn patch_null_empties_removes_or_is_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let path = "/api/v1/domains/sales";
    let set = app.patch(path, &admin(), json!({"owners": ["ada@example.com"], "description": "Sales"})).await;
    assert_eq!(set.status, 200, "{}", set.body);
    for field in ["name", "aws_account_id", "approval_policy", "catalog_mode"] {
        let refused = app.patch(path, &admin(), json!({ field: null })).await;
        assert_eq!(refused.status, 422, "{field}: {}", refused.body);
    }
    assert_eq!(app.get(path, &admin()).await.body["version"], set.body["version"], "refusals change nothing");
    let emptied = app.patch(path, &admin(), json!({"owners": null, "description": null, "sync_role_arn": null})).await;
    assert_eq!(emptied.status, 200, "{}", emptied.body);
    assert_eq!((&emptied.body["owners"], &emptied.body["description"]), (&json!([]), &json!("")));
    assert!(emptied.body["sync_role_arn"].is_null(), "{}", emptied.body);
}
