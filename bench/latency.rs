//! Latency from decision to effect: request → approve → `provisioning: granted` cycles for a
//! 3-table product, through the real HTTP router, with the service's own worker loops running in
//! the background (as `meshgov serve` runs them) against the AWS emulator. Measured one cycle at a
//! time (what a person feels), then with 16 cycles in flight (throughput end to end), and once
//! more one at a time with the enqueue notification switched off (the workers only poll), to show
//! what the wake-up buys. Beside it, the emulator's own time for the grant calls; and a last run
//! with 16 in flight whose Lake Formation answers at once from memory, which is meshgov's own cost
//! (the emulator, one Python process, is what limits the run before it).
//!
//! Run it with `bench/latency.sh` (starts Postgres and the emulator); it needs `DATABASE_URL` (a
//! server where it may create a database) and `MESHGOV_TEST_AWS_ENDPOINT`. Settings:
//! `BENCH_CYCLES` (100, one at a time), `BENCH_POLL_CYCLES` (30, one at a time, polling only),
//! `BENCH_INFLIGHT` (16), `BENCH_INFLIGHT_CYCLES` (400) and `BENCH_WORKERS` (the worker loops,
//! `MESHGOV_WORKER_CONCURRENCY`: 4, the default).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use meshgov::BoxFuture;
use meshgov::config::AwsConfig;
use meshgov::grants::holder::LfAccount;
use meshgov::grants::lakeformation::{Answer, Entry, LakeFormation, LfError, PermissionPage};
use meshgov::{AppState, Config};
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tower::ServiceExt;
use uuid::Uuid;

const TABLES: [&str; 3] = ["orders", "returns", "refunds"];

async fn call(router: &Router, method: Method, path: &str, token: &str, body: Option<Value>, want: StatusCode) -> Value {
    let mut request = Request::builder().method(method).uri(path).header("authorization", format!("Bearer {token}"));
    let body = match body {
        Some(b) => {
            request = request.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let response = router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert_eq!(status, want, "{path}: {value}");
    value
}

/// A Lake Formation that grants and revokes at once, in memory: what is left of a cycle's time is
/// meshgov's own.
struct InstantLf;

impl LakeFormation for InstantLf {
    fn batch_grant<'a>(&'a self, _: &'a LfAccount, _: &'a [Entry]) -> BoxFuture<'a, Result<Answer, LfError>> {
        Box::pin(async { Ok(Answer { request_id: Some("in-memory".into()), failures: Vec::new() }) })
    }
    fn batch_revoke<'a>(&'a self, _: &'a LfAccount, _: &'a [Entry]) -> BoxFuture<'a, Result<Answer, LfError>> {
        Box::pin(async { Ok(Answer { request_id: Some("in-memory".into()), failures: Vec::new() }) })
    }
    fn create_data_cells_filter<'a>(&'a self, _: &'a LfAccount, _: &'a Value) -> BoxFuture<'a, Result<Answer, LfError>> {
        Box::pin(async { Ok(Answer { request_id: Some("in-memory".into()), failures: Vec::new() }) })
    }
    fn delete_data_cells_filter<'a>(&'a self, _: &'a LfAccount, _: &'a Value) -> BoxFuture<'a, Result<Answer, LfError>> {
        Box::pin(async { Ok(Answer { request_id: Some("in-memory".into()), failures: Vec::new() }) })
    }
    fn list_permissions<'a>(&'a self, _: &'a LfAccount, _: Option<String>) -> BoxFuture<'a, Result<PermissionPage, LfError>> {
        Box::pin(async { Ok(PermissionPage { entries: Vec::new(), next_token: None }) })
    }
}

/// The mesh: `sales` (central mode) with a published, mirrored 3-table product read from its
/// producer account's Glue catalog, and `marketing`, whose roles subscribe.
struct Mesh {
    router: Router,
    pool: PgPool,
    /// The benchmark's own connections (polling for `granted`), apart from the service's pool.
    watch: PgPool,
    consumer_account: String,
    consumer: String,
    steward: String,
}

/// One cycle: request, approve, then wait until the grants are in Lake Formation.
#[derive(Clone, Copy)]
struct Cycle {
    request: Duration,
    approve: Duration,
    total: Duration,
}

async fn cycle(m: &Mesh, n: usize) -> Cycle {
    let started = Instant::now();
    let body = json!({ "domain": "sales", "product": "orders", "consumer_domain": "marketing",
                       "principal": format!("arn:aws:iam::{}:role/analyst-{n:05}", m.consumer_account),
                       "justification": "latency benchmark" });
    let requested = call(&m.router, Method::POST, "/api/v1/subscriptions", &m.consumer, Some(body), StatusCode::CREATED).await;
    let request = started.elapsed();
    let id: Uuid = requested["id"].as_str().unwrap().parse().unwrap();
    let t = Instant::now();
    call(&m.router, Method::POST, &format!("/api/v1/subscriptions/{id}/approve"), &m.steward, Some(json!({})), StatusCode::ACCEPTED).await;
    let approve = t.elapsed();
    loop {
        let provisioning: String =
            sqlx::query_scalar("SELECT provisioning FROM subscriptions WHERE id = $1").bind(id).fetch_one(&m.watch).await.unwrap();
        match provisioning.as_str() {
            "granted" => break,
            "granting" => tokio::time::sleep(Duration::from_millis(1)).await,
            other => panic!("subscription {id} ended {other}"),
        }
    }
    Cycle { request, approve, total: started.elapsed() }
}

struct Run {
    name: String,
    cycles: Vec<Cycle>,
    wall: Duration,
}

impl Run {
    fn pct(&self, pick: impl Fn(&Cycle) -> Duration, p: f64) -> Duration {
        let mut v: Vec<Duration> = self.cycles.iter().map(pick).collect();
        v.sort();
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    }
}

async fn sequential(m: &Mesh, name: &str, from: usize, count: usize) -> Run {
    let started = Instant::now();
    let mut cycles = Vec::with_capacity(count);
    for n in from..from + count {
        cycles.push(cycle(m, n).await);
    }
    Run { name: name.into(), cycles, wall: started.elapsed() }
}

async fn in_flight(m: &Arc<Mesh>, name: &str, from: usize, count: usize, at_once: usize) -> Run {
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(from));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..at_once {
        let (m, next) = (m.clone(), next.clone());
        tasks.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= from + count {
                    return mine;
                }
                mine.push(cycle(&m, n).await);
            }
        });
    }
    let mut cycles = Vec::new();
    while let Some(done) = tasks.join_next().await {
        cycles.extend(done.unwrap());
    }
    Run { name: name.into(), cycles, wall: started.elapsed() }
}

/// The emulator's own time for this governance account's BatchGrantPermissions calls since `from`
/// (its call log's `ts`, seconds): median and p99, in ms.
async fn emulator_grant_time(endpoint: &str, gov: &str, from: f64) -> (usize, f64, f64) {
    let url = format!("{endpoint}/_emulator/calls?service=lakeformation&operation=BatchGrantPermissions&account={gov}");
    let calls: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let mut ms: Vec<f64> = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ts"].as_f64().unwrap_or(0.0) >= from)
        .filter_map(|c| c["duration_ms"].as_f64())
        .collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if ms.is_empty() {
        return (0, 0.0, 0.0);
    }
    let at = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
    (ms.len(), at(0.5), at(0.99))
}

fn now_s() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

async fn set_up(endpoint: &str, server: &str, workers: usize) -> (Mesh, AppState, String, String) {
    let run = format!("{:06}", rand::random_range(0..1_000_000u32));
    let admin_pool = PgPoolOptions::new().max_connections(1).connect(server).await.unwrap();
    let db_name = format!("meshgov_bench_latency_{run}");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}"))).execute(&admin_pool).await.unwrap();
    let url = replace_database(server, &db_name);
    let mut config = Config::for_tests(&url, SECRET);
    // The service's default pool (16), or more for more workers: an apply run holds two.
    let pool_size = (16).max(3 * workers as u32);
    config.db_max_connections = pool_size;
    let pool = PgPoolOptions::new().max_connections(pool_size).connect(&url).await.unwrap();
    let watch = PgPoolOptions::new().max_connections(20).connect(&url).await.unwrap();
    meshgov::db::MIGRATOR.run(&pool).await.unwrap();

    // Accounts of this run's own: the governance account (mirror, grants), a producer, a consumer.
    let fresh = || format!("{:012}", rand::random_range(200_000_000_000u64..999_999_999_999));
    let (gov, producer, consumer_account) = (fresh(), fresh(), fresh());
    let creds = credentials_in(endpoint, &gov).await;
    config.aws = AwsConfig::emulator(endpoint);
    config.aws.static_credentials = Some((creds.access_key_id().to_string(), creds.secret_access_key().to_string()));
    config.aws.principal_arn = Some(format!("arn:aws:iam::{gov}:role/meshgov"));
    // As `serve` runs by default: workers on, the enqueue wake-up, a 500 ms fallback poll.
    config.sync.run_workers = true;
    let state = AppState::new(config, pool.clone());
    let router = meshgov::app(state.clone());

    // The producer's catalog.
    let glue = aws_sdk_glue::Client::new(&sdk_config(endpoint, credentials_in(endpoint, &producer).await).await);
    glue.create_database().database_input(aws_sdk_glue::types::DatabaseInput::builder().name("sales_db").build().unwrap()).send().await.unwrap();
    for t in TABLES {
        let cols = ["id", "sku", "region", "amount"].map(|c| aws_sdk_glue::types::Column::builder().name(c).r#type("string").build().unwrap());
        let sd = aws_sdk_glue::types::StorageDescriptor::builder().set_columns(Some(cols.to_vec())).location(format!("s3://sales-data/{t}/")).build();
        glue.create_table()
            .database_name("sales_db")
            .table_input(aws_sdk_glue::types::TableInput::builder().name(t).storage_descriptor(sd).build().unwrap())
            .send()
            .await
            .unwrap();
    }

    let admin = token("ada-admin", &["admin"], &[] as &[&str]);
    let producer_token = token("pat-producer", &["producer"], &["sales"]);
    for (slug, account) in [("sales", &producer), ("marketing", &consumer_account)] {
        let mut body = json!({ "slug": slug, "name": slug, "aws_account_id": account });
        if slug == "sales" {
            body["sync_role_arn"] = json!(format!("arn:aws:iam::{producer}:role/meshgov-sync"));
        }
        call(&router, Method::POST, "/api/v1/domains", &admin, Some(body), StatusCode::CREATED).await;
    }
    let product = json!({ "slug": "orders", "name": "Orders", "source": { "database": "sales_db", "tables": TABLES } });
    call(&router, Method::POST, "/api/v1/domains/sales/products", &producer_token, Some(product), StatusCode::CREATED).await;
    call(&router, Method::POST, "/api/v1/domains/sales/products/orders/publish", &producer_token, None, StatusCode::OK).await;
    let mesh = Mesh {
        router,
        pool,
        watch,
        consumer_account,
        consumer: token("cole-consumer", &["consumer"], &["marketing"]),
        steward: token("sam-steward", &["steward"], &[] as &[&str]),
    };
    (mesh, state, gov, db_name)
}

#[tokio::main]
async fn main() {
    meshgov::install_crypto_provider();
    let endpoint = std::env::var("MESHGOV_TEST_AWS_ENDPOINT").expect("MESHGOV_TEST_AWS_ENDPOINT: the AWS emulator");
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL: a Postgres server");
    let cycles = env_usize("BENCH_CYCLES", 100);
    let poll_cycles = env_usize("BENCH_POLL_CYCLES", 30);
    let at_once = env_usize("BENCH_INFLIGHT", 16).max(1);
    let inflight_cycles = env_usize("BENCH_INFLIGHT_CYCLES", 400);
    let workers = env_usize("BENCH_WORKERS", 4).max(1);

    let (mesh, state, gov, db_name) = set_up(&endpoint, &server, workers).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker_loops = tokio::spawn(meshgov::jobs::worker::run(state.clone(), workers, stopped));
    // The publish's sync and mirror jobs, run by the workers.
    let started = Instant::now();
    loop {
        let mirrored: Option<i32> =
            sqlx::query_scalar("SELECT mirrored_version FROM products WHERE slug = 'orders'").fetch_one(&mesh.pool).await.unwrap();
        if mirrored.is_some_and(|v| v >= 1) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the product was not mirrored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mesh = Arc::new(mesh);
    // A few cycles to warm up (connections, the emulator's backends).
    sequential(&mesh, "warm-up", 0, 5).await;

    let mut runs = Vec::new();
    let mut emulator = Vec::new();
    let mut from = 100;
    let t = now_s();
    runs.push(sequential(&mesh, "one at a time", from, cycles).await);
    emulator.push(emulator_grant_time(&endpoint, &gov, t).await);
    from += cycles;

    let t = now_s();
    runs.push(in_flight(&mesh, &format!("{at_once} in flight"), from, inflight_cycles, at_once).await);
    emulator.push(emulator_grant_time(&endpoint, &gov, t).await);
    from += inflight_cycles;

    // The same one at a time, the workers only polling (the trigger that notifies them off).
    sqlx::query("ALTER TABLE jobs DISABLE TRIGGER jobs_notify").execute(&mesh.pool).await.unwrap();
    let t = now_s();
    runs.push(sequential(&mesh, "one at a time, polling only (500 ms)", from, poll_cycles).await);
    emulator.push(emulator_grant_time(&endpoint, &gov, t).await);
    sqlx::query("ALTER TABLE jobs ENABLE TRIGGER jobs_notify").execute(&mesh.pool).await.unwrap();

    let _ = stop.send(true);
    worker_loops.await.unwrap();

    // The same 16 in flight, Lake Formation answered from memory: meshgov's own cost.
    from += poll_cycles;
    let in_memory = AppState { lakeformation: Arc::new(InstantLf), ..state.clone() };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker_loops = tokio::spawn(meshgov::jobs::worker::run(in_memory, workers, stopped));
    runs.push(in_flight(&mesh, &format!("{at_once} in flight, Lake Formation in memory"), from, inflight_cycles, at_once).await);
    emulator.push((0, 0.0, 0.0));
    let _ = stop.send(true);
    worker_loops.await.unwrap();

    let granted: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE provisioning = 'granted'").fetch_one(&mesh.pool).await.unwrap();
    let expected = 5 + cycles + inflight_cycles + poll_cycles + inflight_cycles;
    assert_eq!(granted as usize, expected, "every subscription granted");

    let (cpus, model, ram) = machine();
    let pg: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mesh.pool).await.unwrap();
    println!("# Latency from decision to effect\n");
    println!(
        "{} (release build), {cpus} CPUs ({model}), {ram} RAM, Postgres {pg}, the AWS emulator; database `{db_name}`.\n",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!("A cycle: request a 3-table product for a new principal, approve it, wait until its provisioning reads `granted` (its grants and consumer access done; polled every 1 ms). The service's own worker loops ({workers}; 4 is the default) run in the background.\n");
    println!("| run | cycles | median | p99 | max | cycles/s | request (median) | approve (median) | emulator: grant calls, median / p99 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (r, (calls, med, p99)) in runs.iter().zip(&emulator) {
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "| {} | {} | {} | {} | {} | {:.1} | {} | {} | {} |",
            r.name,
            r.cycles.len(),
            ms(r.pct(|c| c.total, 0.5)),
            ms(r.pct(|c| c.total, 0.99)),
            ms(r.pct(|c| c.total, 1.0)),
            r.cycles.len() as f64 / r.wall.as_secs_f64(),
            ms(r.pct(|c| c.request, 0.5)),
            ms(r.pct(|c| c.approve, 0.5)),
            if *calls == 0 { "none (in memory)".to_string() } else { format!("{calls} calls, {med:.1} / {p99:.1} ms") },
        );
    }
}
