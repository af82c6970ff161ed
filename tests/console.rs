//! The console at `/console`: sign-in (a development role picker, or a pasted token) opening a
//! signed session cookie, CSRF tokens on every form, a strict Content-Security-Policy, and pages
//! showing each caller only what the API would show them, refused actions as problem pages.

mod common;

use axum::http::Method;
use common::*;
use meshgov::console::CONTENT_SECURITY_POLICY;
use serde_json::json;
use sqlx::PgPool;

/// The value of `name="csrf"` in a page's first form.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

/// `name=value` of the `Set-Cookie` header setting `name`, with its attributes.
fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with(&format!("{name}=")))
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// A browser's visit: the sign-in page, then its form posted with `fields`; returns the answer.
async fn sign_in_with(app: &TestApp, fields: &[(&str, &str)]) -> Resp {
    let page = app.call(Method::GET, "/console/sign-in").send().await;
    let nonce = cookie_pair(&set_cookie(&page, "meshgov_console_sign_in").expect("the sign-in nonce"));
    let csrf = csrf_of(&page.text);
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("csrf", &csrf);
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    post_form(app, "/console/sign-in", &nonce, &form.finish()).await
}

async fn post_form(app: &TestApp, path: &str, cookie: &str, body: &str) -> Resp {
    app.call(Method::POST, path)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .raw(body.to_string())
        .send()
        .await
}

/// Signs in through the development role picker; returns the session's `Cookie` value.
async fn session(app: &TestApp, sub: &str, role: &str, domains: &str) -> String {
    let r = sign_in_with(app, &[("method", "dev"), ("sub", sub), ("role", role), ("domains", domains)]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    cookie_pair(&set_cookie(&r, "meshgov_console").expect("a session cookie"))
}

async fn page(app: &TestApp, path: &str, cookie: &str) -> Resp {
    app.call(Method::GET, path).header("cookie", cookie).send().await
}

#[sqlx::test]
async fn a_session_opens_only_through_the_sign_in_form_and_closes_with_its_csrf_token(pool: PgPool) {
    let app = TestApp::new(pool);
    // Not signed in: every page leads to the sign-in page.
    let r = app.call(Method::GET, "/console/catalog").send().await;
    assert_eq!((r.status.as_u16(), r.header("location")), (303, Some("/console/sign-in")));

    let sign_in = app.call(Method::GET, "/console/sign-in").send().await;
    assert_eq!(sign_in.status, 200);
    assert_eq!(sign_in.header("content-security-policy"), Some(CONTENT_SECURITY_POLICY));
    assert_eq!(sign_in.header("x-frame-options"), Some("DENY"));
    assert!(sign_in.header("content-type").unwrap().starts_with("text/html"));
    assert!(!sign_in.text.contains("<script"), "no script at all");
    let nonce = set_cookie(&sign_in, "meshgov_console_sign_in").unwrap();
    assert!(nonce.contains("HttpOnly") && nonce.contains("Secure") && nonce.contains("SameSite=Strict"), "{nonce}");
    let nonce = cookie_pair(&nonce);

    // A form posted without the sign-in page's token, or from another browser: refused, no session.
    let dev = "method=dev&sub=sam&role=steward&domains=";
    for (cookie, body) in [(nonce.as_str(), dev.to_string()), (nonce.as_str(), format!("csrf=00ff&{dev}")), ("", format!("csrf={}&{dev}", csrf_of(&sign_in.text)))] {
        let r = post_form(&app, "/console/sign-in", cookie, &body).await;
        assert_eq!(r.status, 403, "{cookie} {body}: {}", r.text);
        assert!(set_cookie(&r, "meshgov_console").is_none());
    }

    // The role picker (a development secret is set): a session cookie as the issue asks.
    let r = sign_in_with(&app, &[("method", "dev"), ("sub", "sam-steward"), ("role", "steward"), ("domains", "")]).await;
    assert_eq!((r.status.as_u16(), r.header("location")), (303, Some("/console/catalog")));
    let session = set_cookie(&r, "meshgov_console").unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/console"] {
        assert!(session.contains(attribute), "{attribute} missing from {session}");
    }
    let cookie = cookie_pair(&session);
    let catalog = page(&app, "/console/catalog", &cookie).await;
    assert_eq!(catalog.status, 200, "{}", catalog.text);
    assert!(catalog.text.contains("Signed in as <strong>sam-steward</strong>"), "{}", catalog.text);

    // A session cookie altered by hand opens nothing.
    let tampered = cookie.replacen("meshgov_console=", "meshgov_console=x", 1);
    assert_eq!(page(&app, "/console/catalog", &tampered).await.status, 303);

    // Signing out needs the session's CSRF token.
    assert_eq!(post_form(&app, "/console/sign-out", &cookie, "csrf=").await.status, 403);
    let other = session_csrf(&app, &session_of(&app, "someone-else").await).await;
    assert_eq!(post_form(&app, "/console/sign-out", &cookie, &format!("csrf={other}")).await.status, 403, "another session's token");
    let out = post_form(&app, "/console/sign-out", &cookie, &format!("csrf={}", csrf_of(&catalog.text))).await;
    assert_eq!((out.status.as_u16(), out.header("location")), (303, Some("/console/sign-in")));
    assert!(set_cookie(&out, "meshgov_console").unwrap().contains("Max-Age=0"));
}

async fn session_of(app: &TestApp, sub: &str) -> String {
    session(app, sub, "consumer", "marketing").await
}

async fn session_csrf(app: &TestApp, cookie: &str) -> String {
    csrf_of(&page(app, "/console/catalog", cookie).await.text)
}

#[sqlx::test]
async fn a_pasted_token_signs_in_only_when_the_api_would_accept_it(pool: PgPool) {
    let app = TestApp::new(pool);
    let bad = sign_in_with(&app, &[("method", "token"), ("token", "not-a-token")]).await;
    assert_eq!(bad.status, 401);
    assert!(bad.text.contains("role=\"alert\""), "the problem is shown: {}", bad.text);
    assert!(set_cookie(&bad, "meshgov_console").is_none());
    let expired = hs256(&json!({ "sub": "x", "aud": "meshgov", "roles": ["steward"], "exp": now() - 3600 }), SECRET);
    assert_eq!(sign_in_with(&app, &[("method", "token"), ("token", &expired)]).await.status, 401);

    let good = sign_in_with(&app, &[("method", "token"), ("token", &consumer("marketing"))]).await;
    assert_eq!(good.status, 303, "{}", good.text);
    let cookie = cookie_pair(&set_cookie(&good, "meshgov_console").unwrap());
    let catalog = page(&app, "/console/catalog", &cookie).await;
    assert!(catalog.text.contains("cole-consumer-marketing") && catalog.text.contains("consumer; marketing"), "{}", catalog.text);

    // An unknown role in the picker is refused as the token command refuses it.
    let r = sign_in_with(&app, &[("method", "dev"), ("sub", "x"), ("role", "root"), ("domains", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("unknown role"), "{}", r.text);
}

#[sqlx::test]
async fn without_a_development_secret_there_is_no_role_picker(pool: PgPool) {
    let mut config = meshgov::Config::for_tests("postgres://unused", SECRET);
    config.auth.dev_secret = None;
    config.auth.jwks_url = Some("http://127.0.0.1:9/jwks.json".into());
    config.console_secret = Some("a console secret of at least thirty-two characters".into());
    let app = TestApp::with_config(pool, config);
    let sign_in = app.call(Method::GET, "/console/sign-in").send().await;
    assert_eq!(sign_in.status, 200);
    assert!(!sign_in.text.contains("Development sign-in"));
    let r = sign_in_with(&app, &[("method", "dev"), ("sub", "sam"), ("role", "admin"), ("domains", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("development tokens are disabled"), "{}", r.text);
    assert!(set_cookie(&r, "meshgov_console").is_none());
}

#[sqlx::test]
async fn the_catalog_and_product_pages_show_each_caller_what_the_api_would(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let orders = app
        .create_product("sales", "orders", json!({ "name": "Daily orders", "description": "Orders <script>alert(1)</script> by day", "tags": ["certified"] }))
        .await;
    app.give_schema(&orders, &[("orders", &["order_id", "amount"])]).await;
    app.lifecycle("sales", "orders", "publish").await;
    app.create_product("sales", "forecast", json!({ "name": "Demand forecast" })).await; // a draft

    // A consumer: the published product, escaped; not the draft.
    let consumer = session(&app, "cole", "consumer", "marketing").await;
    let catalog = page(&app, "/console/catalog", &consumer).await;
    assert_eq!(catalog.status, 200);
    assert!(catalog.text.contains("href=\"/console/domains/sales/products/orders\""), "{}", catalog.text);
    assert!(catalog.text.contains("Orders &#60;script&#62;alert(1)&#60;/script&#62; by day") || catalog.text.contains("Orders &lt;script&gt;"), "escaped: {}", catalog.text);
    assert!(!catalog.text.contains("<script>"));
    assert!(!catalog.text.contains("Demand forecast"), "a draft is its producers' only");
    // Filters as the API's search: a term, a tag, a classification.
    assert!(!page(&app, "/console/catalog?q=pangolin", &consumer).await.text.contains("Daily orders"));
    assert!(page(&app, "/console/catalog?q=orders&tag=certified&classification=", &consumer).await.text.contains("Daily orders"));
    let bad = page(&app, "/console/catalog?classification=secret", &consumer).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("classification") && bad.text.contains("request id"), "{}", bad.text);

    let product = page(&app, "/console/domains/sales/products/orders", &consumer).await;
    assert_eq!(product.status, 200, "{}", product.text);
    assert!(product.text.contains("<title>Daily orders · meshgov</title>"), "{}", product.text);
    for shown in ["Daily orders", "<code>order_id</code>", "<code>amount</code>", "published"] {
        assert!(product.text.contains(shown), "{shown} missing: {}", product.text);
    }
    assert!(!product.text.contains("Subscribers' health"), "health is for its producers and stewards");
    let draft = page(&app, "/console/domains/sales/products/forecast", &consumer).await;
    assert_eq!(draft.status, 404);
    assert!(draft.text.contains("role=\"alert\""));

    // Its producer: the draft too, and the subscribers' health.
    let producer = session(&app, "pat", "producer", "sales").await;
    assert!(page(&app, "/console/catalog", &producer).await.text.contains("Demand forecast"));
    let own = page(&app, "/console/domains/sales/products/orders", &producer).await;
    assert!(own.text.contains("Subscribers' health"), "{}", own.text);

    // The stylesheet is the only asset, and the policy allows nothing else.
    let css = app.call(Method::GET, "/console/assets/console.css").send().await;
    assert_eq!((css.status.as_u16(), css.header("content-type")), (200, Some("text/css; charset=utf-8")));
    assert!(CONTENT_SECURITY_POLICY.contains("default-src 'none'") && !CONTENT_SECURITY_POLICY.contains("unsafe"));
}

/// The form fields of a request for `principal`, tables as (name, columns, row filter).
fn request_form(csrf: &str, principal: &str, tables: &[(&str, &str, &str)], justification: &str) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("csrf", csrf).append_pair("consumer_domain", "marketing").append_pair("principal", principal);
    for (name, columns, filter) in tables {
        form.append_pair("table", name).append_pair(&format!("columns:{name}"), columns).append_pair(&format!("row_filter:{name}"), filter);
    }
    form.append_pair("expires_on", "").append_pair("justification", justification);
    form.finish()
}

/// The `name="version" value="…"` of a subscription page's decision forms.
fn version_of(html: &str) -> String {
    let at = html.find("name=\"version\" value=\"").expect("a decision form") + "name=\"version\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

#[sqlx::test]
async fn a_consumer_requests_access_and_a_steward_decides_from_the_pages(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    app.create_domain("sales").await;
    app.create_domain("marketing").await;
    let orders = app.create_product("sales", "orders", json!({ "name": "Daily orders" })).await;
    app.give_schema(&orders, &[("orders", &["order_id", "amount", "region"]), ("returns", &["order_id"])]).await;
    app.lifecycle("sales", "orders", "publish").await;
    let consumer = session(&app, "cole", "consumer", "marketing").await;
    let product = page(&app, "/console/domains/sales/products/orders", &consumer).await;
    assert!(product.text.contains("Request access"), "{}", product.text);
    let csrf = csrf_of(&product.text);

    // The API's validation, each error next to its field, the form as it was filled in; nothing stored.
    let body = request_form(&csrf, "not an arn", &[("orders", "order_id, nope", "region = 'EU'")], "campaign analysis");
    let refused = post_form(&app, "/console/domains/sales/products/orders/request", &consumer, &body).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused.text.contains("id=\"principal-error\""), "{}", refused.text);
    let analyst = format!("arn:aws:iam::{ACCOUNT}:role/analyst");
    let body = request_form(&csrf, &analyst, &[("orders", "order_id, nope", "region = 'EU'")], "campaign analysis");
    let refused = post_form(&app, "/console/domains/sales/products/orders/request", &consumer, &body).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused.text.contains("id=\"table-orders-error\""), "the unknown column, next to its table: {}", refused.text);
    assert!(refused.text.contains("value=\"order_id, nope\""), "kept: {}", refused.text);
    assert!(refused.text.contains("value=\"campaign analysis\"") || refused.text.contains(">campaign analysis</textarea>"), "kept: {}", refused.text);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 0);
    // Without the page's CSRF token: refused.
    let forged = request_form("", &analyst, &[], "x");
    assert_eq!(post_form(&app, "/console/domains/sales/products/orders/request", &consumer, &forged).await.status, 403);

    // A valid request: to its page.
    let body = request_form(&csrf, &analyst, &[("orders", "order_id, amount", "region = 'EU'")], "campaign analysis");
    let sent = post_form(&app, "/console/domains/sales/products/orders/request", &consumer, &body).await;
    assert_eq!(sent.status, 303, "{}", sent.text);
    let at = sent.header("location").unwrap().to_string();
    let id = at.rsplit('/').next().unwrap().to_string();
    let mine = page(&app, &at, &consumer).await;
    assert!(mine.text.contains("pending") && mine.text.contains("orders (columns amount, order_id) where region = &#39;EU&#39;"), "{}", mine.text);
    assert!(!mine.text.contains("/approve\""), "the consumer may not decide");
    // What the API holds is what the form asked.
    let api = app.get(&format!("/api/v1/subscriptions/{id}"), &admin()).await;
    assert_eq!(api.body["requested_scope"]["tables"], json!([{ "name": "orders", "columns": ["amount", "order_id"], "row_filter": "region = 'EU'" }]));
    // A consumer posting a decision anyway is refused as by the API.
    let posted = post_form(&app, &format!("{at}/approve"), &consumer, &format!("csrf={}&version={}", csrf_of(&mine.text), 1)).await;
    assert_eq!(posted.status, 403, "{}", posted.text);

    // The steward's pending list has it; its page offers the decision.
    let steward = session(&app, "sam", "steward", "").await;
    let inbox = page(&app, "/console/subscriptions?status=pending", &steward).await;
    assert!(inbox.text.contains(&at), "{}", inbox.text);
    let to_decide = page(&app, &at, &steward).await;
    let (csrf, version) = (csrf_of(&to_decide.text), version_of(&to_decide.text));
    // A rejection needs its reason; the problem says so.
    let no_reason = post_form(&app, &format!("{at}/reject"), &steward, &format!("csrf={csrf}&version={version}&comment=")).await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.text);
    assert!(no_reason.text.contains("comment"), "{}", no_reason.text);
    let approved = post_form(&app, &format!("{at}/approve"), &steward, &format!("csrf={csrf}&version={version}&comment=ok")).await;
    assert_eq!((approved.status.as_u16(), approved.header("location")), (303, Some(at.as_str())));
    assert_eq!(app.get(&format!("/api/v1/subscriptions/{id}"), &admin()).await.body["status"], "approved");
    // The same form again, now stale: the API's 412, and nothing changes.
    let stale = post_form(&app, &format!("{at}/reject"), &steward, &format!("csrf={csrf}&version={version}&comment=no")).await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    let seen = page(&app, &at, &consumer).await;
    assert!(seen.text.contains("<dd id=\"status\">approved</dd>") && seen.text.contains("sam, "), "{}", seen.text);
}

#[sqlx::test]
async fn the_audit_pages_are_the_stewards_and_verify_the_chain(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    app.create_domain("sales").await;
    app.create_product("sales", "orders", json!({})).await;
    app.lifecycle("sales", "orders", "publish").await;

    // A consumer and a producer: no link, and the page is the API's 403.
    for (who, role, domains) in [("cole", "consumer", "marketing"), ("pat", "producer", "sales")] {
        let cookie = session(&app, who, role, domains).await;
        assert!(!page(&app, "/console/catalog", &cookie).await.text.contains("href=\"/console/audit\""));
        for path in ["/console/audit", "/console/audit/verify"] {
            let refused = page(&app, path, &cookie).await;
            assert_eq!(refused.status, 403, "{who} {path}");
            assert!(refused.text.contains("only stewards and admins may read the audit trail"), "{}", refused.text);
        }
    }

    let steward = session(&app, "sam", "steward", "").await;
    assert!(page(&app, "/console/catalog", &steward).await.text.contains("href=\"/console/audit\""));
    let trail = page(&app, "/console/audit?action=product.published", &steward).await;
    assert_eq!(trail.status, 200, "{}", trail.text);
    assert!(trail.text.contains("<td>product.published</td>") && trail.text.contains("product:sales/orders"), "{}", trail.text);
    assert!(!trail.text.contains("<td>domain.created</td>"), "filtered by action");
    let verified = page(&app, "/console/audit/verify", &steward).await;
    assert!(verified.text.contains("<strong>Verified:</strong>"), "{}", verified.text);

    // A tampered event: the page says where the chain breaks.
    // (As someone with the database's superuser would: past the append-only triggers.)
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE audit_events SET actor_sub = 'mallory' WHERE seq = 2").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let broken = page(&app, "/console/audit/verify", &steward).await;
    assert!(broken.text.contains("<strong>Broken</strong>") && broken.text.contains("event 2"), "{}", broken.text);
}
