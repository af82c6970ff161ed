//! Webhooks: signed CloudEvents pushed to a receiver on loopback, retried through the job queue,
//! dead-lettered after the last attempt, and limited to what the registrant may read.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::flow::{published_product, request_access};
use common::*;
use hmac::{Hmac, Mac};
use common::flow::append_event;
use meshgov::jobs::{Lane, worker};
use meshgov::webhooks::service::fan_out;
use meshgov::{AppState, Config};
use serde_json::{Value, json};
use sha2::Sha256;
use sqlx::PgPool;

/// What a receiver got: headers and body of each request.
#[derive(Clone)]
struct Received {
    headers: HeaderMap,
    body: String,
}

/// A receiver on 127.0.0.1: answers the scripted statuses in turn, then `then` forever.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<(VecDeque<u16>, u16)>>,
}

impl Receiver {
    async fn start(script: &[u16], then: u16) -> Receiver {
        let receiver = Receiver {
            url: String::new(),
            got: Arc::default(),
            answers: Arc::new(Mutex::new((script.iter().copied().collect(), then))),
        };
        let shared = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let r = shared.clone();
                async move {
                    r.got.lock().unwrap().push(Received { headers, body });
                    let mut answers = r.answers.lock().unwrap();
                    let status = answers.0.pop_front().unwrap_or(answers.1);
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, ..receiver }
    }

    fn answer_from_now(&self, status: u16) {
        *self.answers.lock().unwrap() = (VecDeque::new(), status);
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn types(&self) -> Vec<String> {
        self.received().iter().map(|r| body_json(r)["type"].as_str().unwrap().to_string()).collect()
    }
}

fn body_json(r: &Received) -> Value {
    serde_json::from_str(&r.body).unwrap()
}

struct Setup {
    app: TestApp,
    state: AppState,
}

fn setup(pool: PgPool, change: impl FnOnce(&mut Config)) -> Setup {
    let mut config = Config::for_tests("postgres://unused", SECRET);
    config.events.webhook_max_attempts = 3;
    change(&mut config);
    let state = AppState::new(config, pool.clone());
    Setup { app: TestApp { router: meshgov::app(state.clone()), pool }, state }
}

impl Setup {
    async fn register(&self, token: &str, receiver: &Receiver, extra: Value) -> Value {
        let mut body = json!({ "url": receiver.url, "description": "test receiver" });
        merge(&mut body, extra);
        let r = self.app.post("/api/v1/webhooks", token, body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body
    }

    /// Fans out and runs deliveries, retries and receivers' backoffs made due at once, until none
    /// is queued. Other jobs (catalog syncs, grants) are dropped: they would call AWS.
    async fn deliver(&self) {
        fan_out(&self.state).await.unwrap();
        for _ in 0..20 {
            sqlx::query("DELETE FROM jobs WHERE kind <> 'deliver_webhook'").execute(&self.app.pool).await.unwrap();
            self.time_passes().await;
            if worker::run_until_idle(&self.state).await.unwrap() == 0 {
                return;
            }
        }
        panic!("deliveries do not settle");
    }

    /// Every queued job and every receiver's backoff is due now.
    async fn time_passes(&self) {
        sqlx::query("UPDATE jobs SET run_after = now() WHERE status = 'queued'").execute(&self.app.pool).await.unwrap();
        sqlx::query("UPDATE webhooks SET retry_after = now() WHERE retry_after IS NOT NULL").execute(&self.app.pool).await.unwrap();
    }

    async fn deliveries(&self, hook: &Value, query: &str) -> Vec<Value> {
        let r = self.app.get(&format!("/api/v1/webhooks/{}/deliveries{query}", hook["id"].as_str().unwrap()), &admin()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"].as_array().unwrap().clone()
    }
}

/// Checks a request's Standard Webhooks signature with the secret, independently of meshgov.
fn verify_signature(r: &Received, secret: &str) {
    let header = |name: &str| r.headers.get(name).unwrap_or_else(|| panic!("{name} header")).to_str().unwrap().to_string();
    let (id, timestamp) = (header("webhook-id"), header("webhook-timestamp"));
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "timestamp is now: {timestamp}");
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{}", r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(header("webhook-signature"), expected);
}

#[sqlx::test]
async fn a_receiver_gets_each_new_event_signed_as_a_cloudevent(pool: PgPool) {
    let s = setup(pool, |_| {});
    s.app.create_domain("sales").await;
    let receiver = Receiver::start(&[], 200).await;
    let hook = s.register(&steward(), &receiver, json!({})).await;
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && STANDARD.decode(&secret[6..]).unwrap().len() == 32);
    let shown = s.app.get(&format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap()), &steward()).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.get("secret").is_none(), "the secret is shown only once");

    s.app.create_domain("marketing").await;
    s.deliver().await;
    let got = receiver.received();
    assert_eq!(got.len(), 1, "only events after the registration (not even its own)");
    let request = &got[0];
    verify_signature(request, secret);
    assert_eq!(request.headers["content-type"], "application/cloudevents+json");
    let event = body_json(request);
    assert_eq!(request.headers["webhook-id"].to_str().unwrap(), event["id"].as_str().unwrap());
    let feed = s.app.get(&format!("/api/v1/events?after={}", event["seq"].as_i64().unwrap() - 1), &steward()).await;
    assert_eq!(event, feed.body["events"][0], "the body is the feed's CloudEvent");
    assert_eq!((event["type"].as_str(), event["subject"].as_str()), (Some("io.meshgov.domain.created"), Some("domain:marketing")));

    let deliveries = s.deliveries(&hook, "").await;
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!((d["state"].as_str(), d["attempts"].as_i64(), d["last_status"].as_i64()), (Some("delivered"), Some(1), Some(200)));
    assert_eq!(d["type"], "io.meshgov.domain.created");
    s.deliver().await;
    assert_eq!(receiver.received().len(), 1, "nothing is sent twice");
}

#[sqlx::test]
async fn a_failing_receiver_is_retried_until_it_answers(pool: PgPool) {
    let s = setup(pool, |_| {});
    let receiver = Receiver::start(&[500, 502], 204).await;
    let hook = s.register(&admin(), &receiver, json!({})).await;
    s.app.create_domain("sales").await;
    s.deliver().await;
    let got = receiver.received();
    assert_eq!(got.len(), 3, "two failures, then delivered");
    assert!(got.iter().all(|r| r.headers["webhook-id"] == got[0].headers["webhook-id"]), "one message id for every attempt");
    verify_signature(&got[2], hook["secret"].as_str().unwrap());
    let d = &s.deliveries(&hook, "").await[0];
    assert_eq!((d["state"].as_str(), d["attempts"].as_i64(), d["last_status"].as_i64()), (Some("delivered"), Some(3), Some(204)));
    assert!(d["delivered_at"].is_string());
}

#[sqlx::test]
async fn a_receiver_that_keeps_failing_gets_a_dead_letter_which_can_be_sent_again(pool: PgPool) {
    let s = setup(pool, |_| {});
    let receiver = Receiver::start(&[], 503).await;
    let hook = s.register(&admin(), &receiver, json!({})).await;
    let id = hook["id"].as_str().unwrap();
    s.app.create_domain("sales").await;
    s.deliver().await;
    assert_eq!(receiver.received().len(), 3, "MESHGOV_WEBHOOK_MAX_ATTEMPTS attempts");
    let dead = s.deliveries(&hook, "?state=dead").await;
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0]["attempts"].as_i64(), dead[0]["last_status"].as_i64()), (Some(3), Some(503)));
    assert!(dead[0]["last_error"].as_str().unwrap().contains("503"), "{}", dead[0]);
    assert!(s.deliveries(&hook, "?state=delivered").await.is_empty());
    let job = s.app.get(&format!("/api/v1/jobs/{}", dead[0]["job_id"].as_str().unwrap()), &admin()).await;
    assert_eq!(job.body["status"], "failed", "{}", job.body);

    receiver.answer_from_now(200);
    let seq = dead[0]["seq"].as_i64().unwrap();
    let path = format!("/api/v1/webhooks/{id}/deliveries/{seq}/redeliver");
    let r = s.app.post_empty(&path, &consumer("sales")).await;
    r.problem(403, "forbidden");
    let r = s.app.post_empty(&path, &admin()).await;
    assert_eq!((r.status.as_u16(), r.body["state"].as_str()), (202, Some("pending")), "{}", r.body);
    s.deliver().await;
    let all = s.deliveries(&hook, "").await;
    let d = all.iter().find(|d| d["seq"] == seq).unwrap();
    assert_eq!((d["state"].as_str(), d["attempts"].as_i64()), (Some("delivered"), Some(4)));
    // An admin's webhook also hears of the redelivery request itself, a change like any other.
    assert_eq!(all[0]["type"], "io.meshgov.webhook.redelivery_requested");
    s.app.post_empty(&path, &admin()).await.problem(409, "delivery_not_dead");
    s.app.post_empty(&format!("/api/v1/webhooks/{id}/deliveries/999/redeliver"), &admin()).await.problem(404, "not_found");
}

#[sqlx::test]
async fn a_receiver_that_is_gone_disables_its_webhook(pool: PgPool) {
    let s = setup(pool, |_| {});
    let receiver = Receiver::start(&[410], 200).await;
    let hook = s.register(&admin(), &receiver, json!({})).await;
    s.app.create_domain("sales").await;
    s.app.create_domain("marketing").await;
    s.deliver().await;
    let shown = s.app.get(&format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap()), &admin()).await;
    assert_eq!(shown.body["status"], "disabled", "{}", shown.body);
    assert_eq!(receiver.received().len(), 1, "nothing more is sent to a receiver that is gone");
}

#[sqlx::test]
async fn a_webhook_gets_only_what_its_registrant_may_read(pool: PgPool) {
    let s = setup(pool, |_| {});
    for d in ["sales", "marketing", "finance"] {
        s.app.create_domain(d).await;
    }
    published_product(&s.app, "sales", "orders").await;
    let (marketing, finance, only_published) =
        (Receiver::start(&[], 200).await, Receiver::start(&[], 200).await, Receiver::start(&[], 200).await);
    s.register(&consumer("marketing"), &marketing, json!({})).await;
    s.register(&consumer("finance"), &finance, json!({})).await;
    s.register(&consumer("marketing"), &only_published, json!({ "types": ["io.meshgov.product.published"] })).await;

    request_access(&s.app, "sales", "orders", "marketing").await;
    published_product(&s.app, "sales", "returns").await;
    s.app.create_product("sales", "forecast", json!({})).await; // stays a draft
    s.deliver().await;

    let product_events = ["io.meshgov.product.created", "io.meshgov.product.published"];
    let mut expected = vec!["io.meshgov.subscription.requested"];
    expected.extend(product_events);
    let mut got = marketing.types();
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|t| t.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "its own subscription and published products, not drafts");
    let mut got = finance.types();
    got.sort();
    assert_eq!(got, product_events, "another domain's subscription is not for finance");
    assert_eq!(only_published.types(), ["io.meshgov.product.published"], "the type filter applies");
}

#[sqlx::test]
async fn registration_is_validated_and_webhooks_are_private_to_their_registrant(pool: PgPool) {
    let s = setup(pool.clone(), |_| {});
    let post = |body: Value| {
        let app = s.app.clone();
        async move { app.post("/api/v1/webhooks", &consumer("sales"), body).await }
    };
    post(json!({ "url": "not a url" })).await.field_error("url", "invalid_url");
    post(json!({ "url": "https://user:pw@hooks.example.com/" })).await.field_error("url", "userinfo_not_allowed");
    post(json!({ "url": "https://hooks.example.com/#x" })).await.field_error("url", "fragment_not_allowed");
    post(json!({ "url": format!("https://hooks.example.com/{}", "a".repeat(2100)) })).await.field_error("url", "too_long");
    post(json!({ "url": "https://hooks.example.com/", "types": ["product.created"] })).await.field_error("types[0]", "invalid_type");
    post(json!({ "url": "https://hooks.example.com/", "types": [] })).await.field_error("types", "empty");
    post(json!({ "url": "https://hooks.example.com/", "secret": "mine" })).await.problem(422, "invalid_body");
    let strict = setup(pool, |c| c.events.webhook_allow_http = false);
    strict.app.post("/api/v1/webhooks", &admin(), json!({ "url": "http://hooks.example.com/" })).await.field_error("url", "https_required");
    assert_eq!(strict.app.post("/api/v1/webhooks", &admin(), json!({ "url": "https://hooks.example.com/" })).await.status, 201);
    s.app.call(Method::POST, "/api/v1/webhooks").json(&json!({ "url": "https://hooks.example.com/" })).send().await.problem(401, "unauthorized");
    s.app.call(Method::GET, "/api/v1/webhooks").send().await.problem(401, "unauthorized");

    // A retried create returns the first answer, secret included.
    let body = json!({ "url": "https://hooks.example.com/sales" });
    let first = s.app.call(Method::POST, "/api/v1/webhooks").bearer(&consumer("sales")).idempotency_key("k1").json(&body).send().await;
    let again = s.app.call(Method::POST, "/api/v1/webhooks").bearer(&consumer("sales")).idempotency_key("k1").json(&body).send().await;
    assert_eq!((first.status.as_u16(), again.status.as_u16()), (201, 201));
    assert_eq!(first.body, again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let path = first.header("location").unwrap().to_string();

    // The registrant, stewards and admins see and manage it; nobody else.
    for token in [consumer("marketing"), producer("sales")] {
        s.app.get(&path, &token).await.problem(403, "forbidden");
        s.app.get(&format!("{path}/deliveries"), &token).await.problem(403, "forbidden");
        s.app.delete(&path, &token).await.problem(403, "forbidden");
    }
    assert_eq!(s.app.get(&path, &steward()).await.status, 200);
    let own = s.app.get("/api/v1/webhooks", &consumer("sales")).await;
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1, "{}", own.body);
    assert!(s.app.get("/api/v1/webhooks", &consumer("marketing")).await.body["items"].as_array().unwrap().is_empty());
    assert_eq!(s.app.get("/api/v1/webhooks", &steward()).await.body["items"].as_array().unwrap().len(), 2, "the admin's too");
    assert_eq!(s.app.delete(&path, &consumer("sales")).await.status, 204);
    s.app.get(&path, &consumer("sales")).await.problem(404, "not_found");
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events WHERE action LIKE 'webhook.%' ORDER BY seq")
        .fetch_all(&s.app.pool)
        .await
        .unwrap();
    assert_eq!(actions, ["webhook.created", "webhook.created", "webhook.deleted"], "a replayed create is not a change");
}

#[sqlx::test]
async fn without_allow_private_webhooks_reach_no_address_inside_the_network(pool: PgPool) {
    let s = setup(pool, |c| c.events.webhook_allow_private = false);
    let receiver = Receiver::start(&[], 200).await;
    // A literal loopback address is refused at registration.
    s.app.post("/api/v1/webhooks", &admin(), json!({ "url": receiver.url })).await.field_error("url", "address_not_allowed");
    // A name that resolves to it is accepted, but gets no connection: the resolver drops it.
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let r = s.app.post("/api/v1/webhooks", &admin(), json!({ "url": by_name })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    s.app.create_domain("sales").await;
    s.deliver().await;
    assert!(receiver.received().is_empty(), "a request reached a loopback receiver");
    let dead = s.deliveries(&r.body, "?state=dead").await;
    assert!(!dead.is_empty());
    assert!(dead[0]["last_error"].as_str().unwrap().contains("non-public"), "{}", dead[0]);
}

#[sqlx::test]
async fn a_receiver_that_keeps_failing_backs_off_as_a_whole_and_gets_everything_once_it_answers(pool: PgPool) {
    let s = setup(pool, |c| c.events.webhook_max_attempts = 8);
    let receiver = Receiver::start(&[], 500).await;
    let hook = s.register(&admin(), &receiver, json!({})).await;
    let id = hook["id"].as_str().unwrap();
    for i in 0..20 {
        append_event(&s.app, "product.published", &format!("product:sales/p{i}")).await;
    }
    fan_out(&s.state).await.unwrap();
    // The deliveries run as they come due, no faster than the receiver's backoff allows.
    while worker::run_next_in(&s.state, Lane::Delivery).await.unwrap() {}
    assert_eq!(receiver.received().len(), 1, "one failed attempt, then the whole receiver waits");
    let pending = s.deliveries(&hook, "?state=pending").await;
    assert_eq!(pending.len(), 20);
    assert_eq!(pending.iter().map(|d| d["attempts"].as_i64().unwrap()).sum::<i64>(), 1, "no attempt was spent waiting");
    let shown = s.app.get(&format!("/api/v1/webhooks/{id}"), &admin()).await.body;
    let (since, until) = (shown["failing_since"].as_str().unwrap(), shown["retry_after"].as_str().unwrap());
    assert!(until > since, "{shown}");
    // The deliveries not yet tried are not even claimed before then (the one tried retries on
    // its own backoff, and waits for the receiver's if it comes due first).
    let early = "SELECT count(*) FROM jobs WHERE kind = 'deliver_webhook' AND status = 'queued' AND attempts = 0
                 AND run_after < $1::timestamptz";
    let early: i64 = sqlx::query_scalar(early).bind(until).fetch_one(&s.app.pool).await.unwrap();
    assert_eq!(early, 0, "every untried delivery waits for the receiver's backoff");

    // The backoff ends, and it fails again: one more attempt, a longer wait.
    s.time_passes().await;
    while worker::run_next_in(&s.state, Lane::Delivery).await.unwrap() {}
    assert_eq!(receiver.received().len(), 2);
    let again = s.app.get(&format!("/api/v1/webhooks/{id}"), &admin()).await.body;
    assert_eq!(again["failing_since"], shown["failing_since"], "still failing since the first failure");

    // It answers again: everything is delivered, each event once, and it is healthy.
    receiver.answer_from_now(200);
    s.deliver().await;
    let delivered = s.deliveries(&hook, "?state=delivered").await;
    assert_eq!(delivered.len(), 20);
    let mut ids: Vec<String> = receiver.received()[2..].iter().map(|r| r.headers["webhook-id"].to_str().unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((ids.len(), receiver.received().len()), (20, 22), "each event delivered once after the two failures");
    let healthy = s.app.get(&format!("/api/v1/webhooks/{id}"), &admin()).await.body;
    assert!(healthy["failing_since"].is_null() && healthy["retry_after"].is_null(), "{healthy}");
}

/// A receiver that accepts connections, reads each request's head, and never answers: it counts
/// how many requests to each path are open at once.
#[derive(Clone, Default)]
struct Silent {
    open: Arc<Mutex<std::collections::BTreeMap<String, (usize, usize)>>>,
}

impl Silent {
    async fn start() -> (Silent, String) {
        use tokio::io::AsyncReadExt;
        let silent = Silent::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = silent.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let open = shared.open.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let path = String::from_utf8_lossy(&head).split(' ').nth(1).unwrap_or("").to_string();
                    {
                        let mut open = open.lock().unwrap();
                        let (now, max) = open.entry(path.clone()).or_default();
                        *now += 1;
                        *max = (*max).max(*now);
                    }
                    // Hold the request until the client gives up.
                    while !matches!(socket.read(&mut buf).await, Ok(0) | Err(_)) {}
                    open.lock().unwrap().get_mut(&path).unwrap().0 -= 1;
                });
            }
        });
        (silent, base)
    }

    /// The most requests to `path` that were open at once.
    fn most_open(&self, path: &str) -> usize {
        self.open.lock().unwrap().get(path).map_or(0, |(_, max)| *max)
    }
}

#[sqlx::test]
async fn an_approval_is_granted_promptly_while_receivers_time_out_under_a_burst_of_events(pool: PgPool) {
    let m = common::mesh::Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    // Two webhooks whose receiver never answers, and a burst of events for them.
    let (silent, base) = Silent::start().await;
    for path in ["/a", "/b"] {
        let r = m.app.post("/api/v1/webhooks", &admin(), json!({ "url": format!("{base}{path}") })).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for i in 0..300 {
        append_event(&m.app, "product.published", &format!("product:sales/burst-{i}")).await;
    }
    fan_out(&m.state).await.unwrap();
    // The service's own workers: provisioning and delivery workers, as `serve` runs them.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(worker::run(m.state.clone(), 2, stopped));
    let in_flight = || async { silent.most_open("/a") + silent.most_open("/b") };
    for _ in 0..500 {
        if in_flight().await >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(in_flight().await >= 2, "both receivers are being tried");

    let analyst = m.role("analyst");
    let id = m.request(&analyst, Value::Null).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    let mut granted = false;
    for _ in 0..300 {
        if m.get(&id).await["provisioning"] == "granted" {
            granted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Granted while every delivery still waits on the silent receivers (their first attempts
    // time out after 10 s): the deliveries took none of the provisioning workers.
    let answered: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE state <> 'pending' OR attempts > 1")
        .fetch_one(&m.app.pool)
        .await
        .unwrap();
    assert!(granted, "the approval was granted");
    assert_eq!(answered, 0, "granted before any delivery attempt ended");
    assert_eq!(m.lf_state().await.len(), 2, "the grants are in Lake Formation");
    assert_eq!((silent.most_open("/a"), silent.most_open("/b")), (1, 1), "one delivery in flight per receiver, never more");
    let _ = stop.send(true);
    workers.abort();
}

/// A receiver on 127.0.0.1 recording every request it gets (any method, any path) and answering
/// `status`, with `location` as its `Location` header when set.
#[derive(Clone)]
struct Recorder {
    base: String,
    got: Arc<Mutex<Vec<(String, String)>>>,
}

impl Recorder {
    async fn start(status: u16, location: Option<String>) -> Recorder {
        let got: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let shared = got.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: axum::http::Uri| {
            let (got, location) = (shared.clone(), location.clone());
            async move {
                got.lock().unwrap().push((method.to_string(), uri.to_string()));
                let mut response = axum::response::Response::new(axum::body::Body::empty());
                *response.status_mut() = StatusCode::from_u16(status).unwrap();
                if let Some(location) = location {
                    response.headers_mut().insert("location", location.parse().unwrap());
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Recorder { base, got }
    }

    fn requests(&self) -> Vec<(String, String)> {
        self.got.lock().unwrap().clone()
    }
}

#[sqlx::test]
async fn a_redirect_is_not_followed_and_counts_as_a_failed_attempt(pool: PgPool) {
    let s = setup(pool, |_| {});
    // Where the redirects point: a receiver that would accept anything.
    let elsewhere = Recorder::start(200, None).await;
    let mut hooks = Vec::new();
    for status in [302, 307, 308] {
        let redirecting = Recorder::start(status, Some(format!("{}/elsewhere", elsewhere.base))).await;
        let body = json!({ "url": format!("{}/hook", redirecting.base), "types": ["io.meshgov.domain.created"] });
        let r = s.app.post("/api/v1/webhooks", &admin(), body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        hooks.push((status, redirecting, r.body));
    }
    s.app.create_domain("sales").await;

    // The first attempt: the redirect is the answer, a failure like any other non-2xx.
    fan_out(&s.state).await.unwrap();
    while worker::run_next_in(&s.state, Lane::Delivery).await.unwrap() {}
    for (status, redirecting, hook) in &hooks {
        assert_eq!(redirecting.requests(), [("POST".to_string(), "/hook".to_string())], "{status}");
        let d = &s.deliveries(hook, "").await[0];
        assert_eq!((d["state"].as_str(), d["attempts"].as_i64(), d["last_status"].as_i64()), (Some("pending"), Some(1), Some(*status as i64)), "{d}");
        let shown = s.app.get(&format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap()), &admin()).await.body;
        assert!(shown["failing_since"].is_string() && shown["retry_after"].is_string(), "the receiver backs off: {shown}");
    }

    // Every attempt ends the same way: a dead letter, and nothing ever reached the target.
    s.deliver().await;
    for (status, redirecting, hook) in &hooks {
        assert_eq!(redirecting.requests().len(), 3, "{status}: MESHGOV_WEBHOOK_MAX_ATTEMPTS attempts, all to the registered URL");
        let d = &s.deliveries(hook, "").await[0];
        assert_eq!((d["state"].as_str(), d["attempts"].as_i64(), d["last_status"].as_i64()), (Some("dead"), Some(3), Some(*status as i64)), "{d}");
        assert!(d["last_error"].as_str().unwrap().contains(&status.to_string()), "{d}");
        assert!(d["delivered_at"].is_null(), "{d}");
    }
    assert!(elsewhere.requests().is_empty(), "a redirect was followed: {:?}", elsewhere.requests());
}

#[sqlx::test]
async fn a_receiver_that_does_not_answer_within_10_seconds_fails_the_attempt(pool: PgPool) {
    let s = setup(pool, |_| {});
    let (silent, base) = Silent::start().await;
    let r = s.app.post("/api/v1/webhooks", &admin(), json!({ "url": format!("{base}/slow") })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = r.body;
    s.app.create_domain("sales").await;
    assert_eq!(fan_out(&s.state).await.unwrap(), 1);

    let started = std::time::Instant::now();
    let ran = tokio::time::timeout(std::time::Duration::from_secs(30), worker::run_next_in(&s.state, Lane::Delivery))
        .await
        .expect("the attempt does not end");
    assert!(ran.unwrap(), "the delivery ran");
    let took = started.elapsed();
    assert_eq!(silent.most_open("/slow"), 1, "the receiver got the request");
    assert!(took >= std::time::Duration::from_millis(9_500), "gave up after {took:?}, before 10 s");
    assert!(took < std::time::Duration::from_secs(15), "gave up only after {took:?}");
    let d = &s.deliveries(&hook, "").await[0];
    assert_eq!((d["state"].as_str(), d["attempts"].as_i64()), (Some("pending"), Some(1)), "a failed attempt, to be retried: {d}");
    assert!(d["last_status"].is_null(), "no status without an answer: {d}");
    let error = d["last_error"].as_str().unwrap();
    assert!(error.contains("no answer") && error.contains("timed out"), "{error}");
}

#[sqlx::test]
async fn a_webhook_keeps_the_roles_and_domains_its_registrant_had_when_registering(pool: PgPool) {
    let s = setup(pool, |_| {});
    for d in ["sales", "marketing", "finance"] {
        s.app.create_domain(d).await;
    }
    published_product(&s.app, "sales", "orders").await;
    let (everything, kims) = (Receiver::start(&[], 200).await, Receiver::start(&[], 200).await);
    let admins = s.register(&admin(), &everything, json!({})).await;
    // Kim registers as a consumer of marketing; later Kim calls with other roles and domains.
    let kim_then = token("kim", &["consumer"], &["marketing"]);
    let kim_now = token("kim", &["admin"], &["finance"]);
    let hook = s.register(&kim_then, &kims, json!({})).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap());
    let shown = s.app.get(&path, &kim_now).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!((&shown.body["owner"], &shown.body["owner_roles"], &shown.body["owner_domains"]), (&json!("kim"), &json!(["consumer"]), &json!(["marketing"])));

    let marketing = request_access(&s.app, "sales", "orders", "marketing").await;
    let finance = request_access(&s.app, "sales", "orders", "finance").await;
    s.app.create_product("sales", "forecast", json!({})).await; // a draft
    append_event(&s.app, "drift.found", "principal:arn:aws:iam::111122223333:role/x").await;
    // Kim's later calls, as an admin of finance, change nothing of what the webhook may see.
    let r = s.app.post("/api/v1/webhooks", &kim_now, json!({ "url": "https://hooks.example.com/kim" })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    s.deliver().await;

    let seen = |r: &Receiver| -> Vec<(String, String)> {
        r.received().iter().map(|x| { let e = body_json(x); (e["type"].as_str().unwrap().to_string(), e["subject"].as_str().unwrap().to_string()) }).collect()
    };
    let requested = "io.meshgov.subscription.requested".to_string();
    assert_eq!(seen(&kims), [(requested.clone(), format!("subscription:{marketing}"))], "only what a consumer of marketing could read");
    let mut all = seen(&everything);
    all.sort();
    let mut want = vec![
        (requested.clone(), format!("subscription:{marketing}")),
        (requested, format!("subscription:{finance}")),
        ("io.meshgov.product.created".to_string(), "product:sales/forecast".to_string()),
        ("io.meshgov.drift.found".to_string(), "principal:arn:aws:iam::111122223333:role/x".to_string()),
        ("io.meshgov.webhook.created".to_string(), format!("webhook:{}", hook["id"].as_str().unwrap())),
        ("io.meshgov.webhook.created".to_string(), format!("webhook:{}", r.body["id"].as_str().unwrap())),
    ];
    want.sort();
    assert_eq!(all, want, "an admin's webhook gets every event");
    assert_eq!(s.deliveries(&admins, "?state=delivered").await.len(), 6);
}

/// Appends `n` audit events only admins and stewards may read, in one transaction.
async fn append_hidden_events(app: &TestApp, n: usize) {
    let tx = app.pool.begin().await.unwrap();
    let events = (0..n).map(|i| {
        meshgov::audit::NewEvent::new(meshgov::audit::Actor::system("test"), "drift.found", "drift", json!({ "i": i }))
    });
    meshgov::audit::commit(tx, events).await.unwrap();
}

#[sqlx::test]
async fn fan_out_scans_5000_events_per_round_and_delivers_what_follows_in_later_rounds(pool: PgPool) {
    let s = setup(pool, |_| {});
    s.app.create_domain("sales").await;
    s.app.create_domain("finance").await;
    let receiver = Receiver::start(&[], 200).await;
    let hook = s.register(&consumer("finance"), &receiver, json!({})).await;
    let id = hook["id"].as_str().unwrap();
    let start = hook["last_seq"].as_i64().unwrap();
    published_product(&s.app, "sales", "early").await;
    append_hidden_events(&s.app, 5_100).await;
    published_product(&s.app, "sales", "late").await;
    let head = s.app.audit_count().await;
    assert!(head > start + 5_000 + 4);

    // The first round examines 5,000 events: the early product's, not the late one's.
    assert_eq!(fan_out(&s.state).await.unwrap(), 2);
    let shown = s.app.get(&format!("/api/v1/webhooks/{id}"), &admin()).await.body;
    assert_eq!(shown["last_seq"].as_i64(), Some(start + 5_000), "{shown}");
    // The next round goes on from there to the head.
    assert_eq!(fan_out(&s.state).await.unwrap(), 2);
    let shown = s.app.get(&format!("/api/v1/webhooks/{id}"), &admin()).await.body;
    assert_eq!(shown["last_seq"].as_i64(), Some(head), "{shown}");

    s.deliver().await;
    let mut got: Vec<String> = receiver.received().iter().map(|r| body_json(r)["subject"].as_str().unwrap().to_string()).collect();
    got.sort();
    assert_eq!(got, ["product:sales/early", "product:sales/early", "product:sales/late", "product:sales/late"]);
    assert_eq!(s.deliveries(&hook, "?state=delivered").await.len(), 4);
}
