//! Authentication: development HS256 tokens, and RS256/ES256 tokens verified against a JWKS served
//! by a tiny in-test identity provider (key rotation, issuer, audience, custom claim names).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::Method;
use axum::routing::get;
use common::*;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use meshgov::config::AuthConfig;
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::RwLock;

// ---- test keys and the identity provider ----

fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(include_bytes!("fixtures/rsa-private.pem")).unwrap()
}

fn rotated_rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(include_bytes!("fixtures/rsa-rotated-private.pem")).unwrap()
}

fn ec_key() -> EncodingKey {
    EncodingKey::from_ec_pem(include_bytes!("fixtures/ec-private.pem")).unwrap()
}

/// The public JWK of a private key, named `kid`.
fn public_jwk(key: &EncodingKey, alg: Algorithm, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_string());
    jwk
}

fn sign(key: &EncodingKey, alg: Algorithm, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn claims(sub: &str, roles: &[&str]) -> Value {
    json!({"sub": sub, "aud": "meshgov", "exp": now() + 300, "iat": now(), "roles": roles})
}

/// A JWKS endpoint on 127.0.0.1 whose key set the test can change, counting fetches.
struct IdentityProvider {
    url: String,
    keys: Arc<RwLock<JwkSet>>,
    fetches: Arc<AtomicUsize>,
}

impl IdentityProvider {
    async fn start(keys: Vec<Jwk>) -> IdentityProvider {
        let set = Arc::new(RwLock::new(JwkSet { keys }));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (set.clone(), fetches.clone());
        let router = axum::Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                let (served, counted) = (served.clone(), counted.clone());
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    axum::Json(served.read().await.clone())
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        IdentityProvider { url, keys: set, fetches }
    }

    async fn add(&self, jwk: Jwk) {
        self.keys.write().await.keys.push(jwk);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Verification through this provider only: no development secret.
    fn auth(&self) -> AuthConfig {
        AuthConfig {
            dev_secret: None,
            jwks_url: Some(self.url.clone()),
            jwks_min_refresh: Duration::ZERO,
            ..AuthConfig::dev(SECRET)
        }
    }
}

async fn idp_with_rsa_and_ec() -> IdentityProvider {
    IdentityProvider::start(vec![
        public_jwk(&rsa_key(), Algorithm::RS256, "rsa-1"),
        public_jwk(&ec_key(), Algorithm::ES256, "ec-1"),
    ])
    .await
}

#[track_caller]
fn unauthorized(r: &Resp) {
    r.problem(401, "unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"), "401 must say how to authenticate");
}

// ---- development tokens ----

#[sqlx::test]
async fn requests_without_valid_credentials_are_401(pool: PgPool) {
    let app = TestApp::new(pool);
    let no_header = app.call(Method::GET, "/api/v1/domains").send().await;
    unauthorized(&no_header);

    let expired = hs256(&json!({"sub": "a", "aud": "meshgov", "exp": now() - 120, "roles": ["admin"]}), SECRET);
    let wrong_aud = hs256(&json!({"sub": "a", "aud": "someone-else", "exp": now() + 300, "roles": ["admin"]}), SECRET);
    let no_aud = hs256(&json!({"sub": "a", "exp": now() + 300, "roles": ["admin"]}), SECRET);
    let no_exp = hs256(&json!({"sub": "a", "aud": "meshgov", "roles": ["admin"]}), SECRET);
    let no_sub = hs256(&json!({"aud": "meshgov", "exp": now() + 300, "roles": ["admin"]}), SECRET);
    let bad_sub = hs256(&json!({"sub": "a\u{0}b", "aud": "meshgov", "exp": now() + 300}), SECRET);
    let other_secret = hs256(&claims("a", &["admin"]), "another-secret-another-secret-another");
    let valid = admin();
    let parts: Vec<&str> = valid.split('.').collect();
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    let tampered = format!("{}.{}.{}", parts[0], base64_claims(&claims("ada-admin", &["admin"])), parts[2]);

    let cases = [
        ("Basic YWRtaW46YWRtaW4=".to_string(), "not a bearer token"),
        ("Bearer".to_string(), "no token"),
        ("Bearer    ".to_string(), "blank token"),
        ("Bearer garbage".to_string(), "garbage"),
        ("Bearer a.b.c".to_string(), "three garbage parts"),
        (format!("Bearer {expired}"), "expired"),
        (format!("Bearer {wrong_aud}"), "wrong audience"),
        (format!("Bearer {no_aud}"), "no audience"),
        (format!("Bearer {no_exp}"), "no expiry"),
        (format!("Bearer {no_sub}"), "no subject"),
        (format!("Bearer {bad_sub}"), "control characters in the subject"),
        (format!("Bearer {other_secret}"), "signed with another secret"),
        (format!("Bearer {unsigned}"), "alg none"),
        (format!("Bearer {tampered}"), "claims changed after signing"),
        (format!("Token {valid}"), "another scheme"),
    ];
    for (header, why) in cases {
        let r = app.call(Method::GET, "/api/v1/domains").header("authorization", &header).send().await;
        assert_eq!(r.status, 401, "{why}: {}", r.body);
        unauthorized(&r);
    }
    assert_eq!(app.get("/api/v1/domains", &valid).await.status, 200, "the valid token itself is fine");
}

/// RFC 7519 §4.1.5: a token MUST NOT be accepted before its `nbf`.
#[sqlx::test]
async fn a_token_is_refused_before_its_not_before_time(pool: PgPool) {
    let app = TestApp::new(pool);
    let mut early = claims("ada-admin", &["admin"]);
    early["nbf"] = json!(now() + 3600);
    unauthorized(&app.get("/api/v1/domains", &hs256(&early, SECRET)).await);
}

fn base64_claims(claims: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap())
}

#[sqlx::test]
async fn roles_the_service_does_not_know_grant_nothing(pool: PgPool) {
    let app = TestApp::new(pool);
    let root = hs256(&claims("mallory", &["root", "Admin", "ADMIN"]), SECRET);
    app.post("/api/v1/domains", &root, domain_body("sales")).await.problem(403, "forbidden");
    // A space-separated string (OAuth scope style) works like a list.
    let scoped = hs256(&json!({"sub": "a", "aud": "meshgov", "exp": now() + 300, "roles": "steward admin"}), SECRET);
    assert_eq!(app.post("/api/v1/domains", &scoped, domain_body("sales")).await.status, 201);
}

#[sqlx::test]
async fn domain_claims_that_are_not_slugs_are_dropped(pool: PgPool) {
    let app = TestApp::new(pool);
    app.create_domain("sales").await;
    let sneaky = hs256(
        &json!({"sub": "p", "aud": "meshgov", "exp": now() + 300, "roles": ["producer"], "domains": ["Sales", "sales'--", 7]}),
        SECRET,
    );
    app.post("/api/v1/domains/sales/products", &sneaky, product_body("orders", json!({}))).await.problem(403, "forbidden");
}

// ---- JWKS ----

async fn actor_of_last_event(pool: &PgPool) -> (String, Vec<String>) {
    sqlx::query_as("SELECT actor_sub, actor_roles FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn rs256_and_es256_tokens_from_the_identity_provider_are_accepted(pool: PgPool) {
    let idp = idp_with_rsa_and_ec().await;
    let app = TestApp::with_auth(pool, idp.auth());

    let rs = sign(&rsa_key(), Algorithm::RS256, "rsa-1", &claims("idp-admin-rs", &["admin"]));
    let r = app.post("/api/v1/domains", &rs, domain_body("sales")).await;
    assert_eq!(r.status, 201, "RS256: {}", r.body);
    assert_eq!(actor_of_last_event(&app.pool).await, ("idp-admin-rs".to_string(), vec!["admin".to_string()]));

    let es = sign(&ec_key(), Algorithm::ES256, "ec-1", &claims("idp-admin-es", &["admin"]));
    let r = app.post("/api/v1/domains", &es, domain_body("supply")).await;
    assert_eq!(r.status, 201, "ES256: {}", r.body);
    assert_eq!(actor_of_last_event(&app.pool).await.0, "idp-admin-es");

    // Keys are cached: two verifications, one fetch.
    assert_eq!(idp.fetches(), 1);
}

#[sqlx::test]
async fn identity_provider_tokens_are_checked_as_strictly_as_dev_tokens(pool: PgPool) {
    let idp = idp_with_rsa_and_ec().await;
    let app = TestApp::with_auth(pool, idp.auth());
    let mut expired = claims("u", &["admin"]);
    expired["exp"] = json!(now() - 120);
    let mut wrong_aud = claims("u", &["admin"]);
    wrong_aud["aud"] = json!("another-service");
    let cases = [
        (sign(&rsa_key(), Algorithm::RS256, "rsa-1", &expired), "expired"),
        (sign(&rsa_key(), Algorithm::RS256, "rsa-1", &wrong_aud), "wrong audience"),
        (sign(&rotated_rsa_key(), Algorithm::RS256, "rsa-1", &claims("u", &["admin"])), "signed by another key under a known kid"),
        (sign(&ec_key(), Algorithm::ES256, "rsa-1", &claims("u", &["admin"])), "algorithm does not match the key"),
        (sign(&rsa_key(), Algorithm::RS256, "nobody-knows", &claims("u", &["admin"])), "unknown kid"),
        (sign(&rsa_key(), Algorithm::RS384, "rsa-1", &claims("u", &["admin"])), "unsupported algorithm"),
        ({
            let mut header = Header::new(Algorithm::RS256);
            header.kid = None;
            jsonwebtoken::encode(&header, &claims("u", &["admin"]), &rsa_key()).unwrap()
        }, "no kid"),
        (token("ada-admin", &["admin"], &[]), "HS256 while only the JWKS is configured"),
    ];
    for (token, why) in cases {
        let r = app.get("/api/v1/domains", &token).await;
        assert_eq!(r.status, 401, "{why}: {}", r.body);
        unauthorized(&r);
    }
}

#[sqlx::test]
async fn a_rotated_key_is_accepted_once_the_provider_publishes_it(pool: PgPool) {
    let idp = IdentityProvider::start(vec![public_jwk(&rsa_key(), Algorithm::RS256, "rsa-1")]).await;
    let app = TestApp::with_auth(pool, idp.auth());
    let old = sign(&rsa_key(), Algorithm::RS256, "rsa-1", &claims("u", &["steward"]));
    let new = sign(&rotated_rsa_key(), Algorithm::RS256, "rsa-2", &claims("u", &["steward"]));

    assert_eq!(app.get("/api/v1/domains", &old).await.status, 200);
    unauthorized(&app.get("/api/v1/domains", &new).await);

    idp.add(public_jwk(&rotated_rsa_key(), Algorithm::RS256, "rsa-2")).await;
    let r = app.get("/api/v1/domains", &new).await;
    assert_eq!(r.status, 200, "the unknown kid triggers a refresh: {}", r.body);
    assert_eq!(app.get("/api/v1/domains", &old).await.status, 200, "the old key still works");
}

#[sqlx::test]
async fn unknown_kids_do_not_hammer_the_identity_provider(pool: PgPool) {
    let idp = IdentityProvider::start(vec![public_jwk(&rsa_key(), Algorithm::RS256, "rsa-1")]).await;
    let mut auth = idp.auth();
    auth.jwks_min_refresh = Duration::from_secs(3600);
    let app = TestApp::with_auth(pool, auth);

    let good = sign(&rsa_key(), Algorithm::RS256, "rsa-1", &claims("u", &["steward"]));
    assert_eq!(app.get("/api/v1/domains", &good).await.status, 200);
    assert_eq!(idp.fetches(), 1);
    for i in 0..5 {
        let forged = sign(&rsa_key(), Algorithm::RS256, &format!("forged-{i}"), &claims("u", &["steward"]));
        unauthorized(&app.get("/api/v1/domains", &forged).await);
    }
    assert_eq!(idp.fetches(), 1, "within min_refresh an unknown kid does not refetch the keys");
}

#[sqlx::test]
async fn the_issuer_is_checked_when_configured(pool: PgPool) {
    let idp = idp_with_rsa_and_ec().await;
    let mut auth = idp.auth();
    auth.issuer = Some("https://idp.example.com/pool-1".into());
    let app = TestApp::with_auth(pool, auth);

    let mut right = claims("u", &["steward"]);
    right["iss"] = json!("https://idp.example.com/pool-1");
    let mut wrong = claims("u", &["steward"]);
    wrong["iss"] = json!("https://evil.example.com/pool-1");

    assert_eq!(app.get("/api/v1/domains", &sign(&rsa_key(), Algorithm::RS256, "rsa-1", &right)).await.status, 200);
    unauthorized(&app.get("/api/v1/domains", &sign(&rsa_key(), Algorithm::RS256, "rsa-1", &wrong)).await);
}

/// A configured issuer must be required, or leaving `iss` out of a token skips the check.
#[sqlx::test]
async fn a_token_without_iss_is_refused_when_an_issuer_is_configured(pool: PgPool) {
    let idp = idp_with_rsa_and_ec().await;
    let mut auth = idp.auth();
    auth.issuer = Some("https://idp.example.com/pool-1".into());
    let app = TestApp::with_auth(pool, auth);
    let missing = claims("u", &["steward"]);
    unauthorized(&app.get("/api/v1/domains", &sign(&rsa_key(), Algorithm::RS256, "rsa-1", &missing)).await);
}

#[sqlx::test]
async fn claim_names_are_configurable_including_dotted_paths(pool: PgPool) {
    TestApp::new(pool.clone()).create_domain("sales").await;
    let idp = idp_with_rsa_and_ec().await;
    let mut auth = idp.auth();
    auth.roles_claim = "cognito:groups".into();
    auth.domains_claim = "custom.meshgov.domains".into();
    let app = TestApp::with_auth(pool, auth);

    let cognito = |roles: &[&str], domains: &[&str]| {
        sign(
            &rsa_key(),
            Algorithm::RS256,
            "rsa-1",
            &json!({"sub": "c", "aud": "meshgov", "exp": now() + 300,
                    "cognito:groups": roles, "custom": {"meshgov": {"domains": domains}}}),
        )
    };
    let producer = cognito(&["producer"], &["sales"]);
    let got = app.get("/api/v1/domains/sales", &producer).await;
    assert!(got.body["external_id"].is_string(), "producer of sales per the nested claim: {}", got.body);
    let r = app.post("/api/v1/domains/sales/products", &producer, product_body("orders", json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);

    let admin = cognito(&["admin"], &[]);
    assert_eq!(app.post("/api/v1/domains", &admin, domain_body("supply")).await.status, 201);

    // The default claim names are not consulted any more.
    let default_names = sign(
        &rsa_key(),
        Algorithm::RS256,
        "rsa-1",
        &json!({"sub": "d", "aud": "meshgov", "exp": now() + 300, "roles": ["admin"], "domains": ["sales"]}),
    );
    app.post("/api/v1/domains", &default_names, domain_body("other")).await.problem(403, "forbidden");
    assert!(app.get("/api/v1/domains/sales", &default_names).await.body.get("external_id").is_none());
}

#[sqlx::test]
async fn an_unreachable_identity_provider_is_503_not_401(pool: PgPool) {
    // An identity provider that hangs up on every connection; kept bound for the whole test, so
    // no other process can take its port meanwhile.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let auth = AuthConfig {
        dev_secret: None,
        jwks_url: Some(format!("http://127.0.0.1:{port}/jwks.json")),
        jwks_min_refresh: Duration::ZERO,
        ..AuthConfig::dev(SECRET)
    };
    let app = TestApp::with_auth(pool, auth);
    let r = app.get("/api/v1/domains", &sign(&rsa_key(), Algorithm::RS256, "rsa-1", &claims("u", &["admin"]))).await;
    r.problem(503, "identity_provider_unavailable");
}
