//! Subscriptions benchmark: decisions per second (an approval, with its audit event, grants and
//! job, through the real HTTP router) and Lake Formation grants applied per second (the job worker
//! against the AWS emulator), at a registry of 500,000 products and 100,000 subscriptions.
//! DataZone allows 3 AcceptSubscriptionRequest calls a second; the aim is at least 100 times that.
//!
//! Run it with `bench/subscriptions.sh` (starts Postgres and the emulator); it needs `DATABASE_URL`
//! (a server where it may create a database) and `MESHGOV_TEST_AWS_ENDPOINT`. Settings:
//! `BENCH_PRODUCTS` (500000), `BENCH_SUBSCRIPTIONS` (100000, seeded), `BENCH_DECISIONS` (2000
//! approvals measured at `BENCH_CONCURRENCY`, 16), `BENCH_SERIAL` (200 approvals one at a time,
//! the uncontended latency), `BENCH_GRANT_JOBS` (500: how many of the queued apply_grants jobs run
//! against the emulator; its Lake Formation gets slower with every permission an account holds, so
//! running all of them measures moto more than meshgov), `BENCH_KEEP_DB=1` (keep the database).

mod common;

use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use meshgov::audit::chain::{self, GENESIS_HASH, HashInput};
use meshgov::config::AwsConfig;
use meshgov::{AppState, Config};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tower::ServiceExt;
use uuid::Uuid;

const DOMAINS: usize = 40;
/// Roles per consumer account that subscriptions are requested for.
const ROLES: usize = 25;
const WORKERS: usize = 4;
const DATAZONE_ACCEPTS_PER_S: f64 = 3.0;
const LF_SAMPLE: usize = 50;

/// The canonical scope hash, as the service computes it (`subscriptions::service::scope_hash`).
fn scope_hash(scope: &Value) -> String {
    let canonical = json!({ "scope": scope, "permissions": ["DESCRIBE", "SELECT"] });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

struct Settings {
    products: usize,
    subscriptions: usize,
    decisions: usize,
    serial: usize,
    concurrency: usize,
    grant_jobs: usize,
}

#[tokio::main]
async fn main() {
    meshgov::install_crypto_provider();
    let endpoint = std::env::var("MESHGOV_TEST_AWS_ENDPOINT").expect("MESHGOV_TEST_AWS_ENDPOINT: the AWS emulator");
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL: a Postgres server");
    let decisions = env_usize("BENCH_DECISIONS", 2000);
    let serial = env_usize("BENCH_SERIAL", 200);
    let s = Settings {
        products: env_usize("BENCH_PRODUCTS", 500_000),
        subscriptions: env_usize("BENCH_SUBSCRIPTIONS", 100_000),
        decisions,
        serial,
        concurrency: env_usize("BENCH_CONCURRENCY", 16).max(1),
        grant_jobs: env_usize("BENCH_GRANT_JOBS", 500),
    };
    // Seeded subscriptions use products 5i, the bench's requests products 5k + 2.
    assert!(s.subscriptions * 5 <= s.products && (s.decisions + s.serial) * 5 <= s.products, "too few products");
    let run = format!("{:06}", rand::random_range(0..1_000_000u32));
    let load_at_start = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();

    // A fresh database for the run.
    let admin = PgPoolOptions::new().max_connections(1).connect(&server).await.unwrap();
    let db_name = format!("meshgov_bench_subs_{run}");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}"))).execute(&admin).await.unwrap();
    let url = replace_database(&server, &db_name);
    let mut config = Config::for_tests(&url, SECRET);
    // The service's default pool size (MESHGOV_DB_MAX_CONNECTIONS).
    let pool_size = 16;
    config.db_max_connections = pool_size;
    let pool = PgPoolOptions::new().max_connections(pool_size).connect(&url).await.unwrap();
    meshgov::db::MIGRATOR.run(&pool).await.unwrap();
    let pg_version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&pool).await.unwrap();

    // A governance account of our own: its grants and call log are this run's alone.
    let gov = format!("{:012}", rand::random_range(200_000_000_000u64..999_999_999_999));
    let creds = credentials_in(&endpoint, &gov).await;
    config.aws = AwsConfig::emulator(&endpoint);
    config.aws.static_credentials = Some((creds.access_key_id().to_string(), creds.secret_access_key().to_string()));
    config.aws.principal_arn = Some(format!("arn:aws:iam::{gov}:role/meshgov"));
    let state = AppState::new(config, pool.clone());
    let router = meshgov::app(state.clone());

    // 1. The registry.
    let seeding = Instant::now();
    seed(&pool, &run, &s).await;
    let seed_took = seeding.elapsed();
    eprintln!("seeded in {seed_took:.1?}");

    // 2. Requests (not the measure, but they make the pending subscriptions the real way).
    let consumer = token("cole-consumer", &["consumer"], &(0..DOMAINS).map(domain_slug).collect::<Vec<_>>());
    let steward = token("sam-steward", &["steward"], &[] as &[&str]);
    let domain_accounts: Vec<String> =
        sqlx::query_scalar("SELECT aws_account_id FROM domains ORDER BY slug").fetch_all(&pool).await.unwrap();
    let total = s.serial + s.decisions;
    let bodies: Vec<Value> = (0..total).map(|k| request_body(k, &domain_accounts)).collect();
    let calls = bodies
        .into_iter()
        .map(|b| (Method::POST, "/api/v1/subscriptions".to_string(), consumer.clone(), Some(b), StatusCode::CREATED))
        .collect();
    let requested = drive(&router, s.concurrency, calls).await;
    let ids: Vec<Uuid> = requested.bodies.iter().map(|b| b["id"].as_str().unwrap().parse().unwrap()).collect();
    eprintln!("requested {total} subscriptions: {:.0}/s", total as f64 / requested.wall.as_secs_f64());

    // 3. Approvals: first one at a time (uncontended), then at the configured concurrency.
    let seq_before: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM audit_events").fetch_one(&pool).await.unwrap();
    let approve = |id: &Uuid| {
        (
            Method::POST,
            format!("/api/v1/subscriptions/{id}/approve"),
            steward.clone(),
            Some(json!({ "comment": "benchmark approval" })),
            StatusCode::ACCEPTED,
        )
    };
    let (serial_ids, ids) = ids.split_at(s.serial);
    let one_at_a_time = drive(&router, 1, serial_ids.iter().map(approve).collect()).await;
    eprintln!("{} approvals one at a time: {:.0}/s", s.serial, s.serial as f64 / one_at_a_time.wall.as_secs_f64());
    let sampler = WaitSampler::start(pool.clone());
    let approvals = drive(&router, s.concurrency, ids.iter().map(approve).collect()).await;
    let waits = sampler.stop().await;
    eprintln!("{} approvals at concurrency {}: {:.0}/s", s.decisions, s.concurrency, s.decisions as f64 / approvals.wall.as_secs_f64());

    // Every approval wrote its decision, its audit event and its job; the chain verifies.
    let all: Vec<Uuid> = serial_ids.iter().chain(ids.iter()).copied().collect();
    let approved: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE id = ANY($1) AND status = 'approved'")
        .bind(&all)
        .fetch_one(&pool)
        .await
        .unwrap();
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE seq > $1 AND action = 'subscription.approved'")
            .bind(seq_before)
            .fetch_one(&pool)
            .await
            .unwrap();
    let jobs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'apply_grants' AND status = 'queued'
           AND (payload ->> 'subscription_id')::uuid = ANY($1)",
    )
    .bind(&all)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((approved, events, jobs), (total as i64, total as i64, total as i64), "approved, audit events, apply_grants jobs");
    // What two statements of an approval cost on their own (one connection, no contention): the
    // read of the chain's head (inside the chain lock's hold), and the read of the answer, which
    // decide() now does before the append, outside the hold.
    let t = Instant::now();
    for _ in &all {
        let _: (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetch_one(&pool).await.unwrap();
    }
    let head_read = t.elapsed() / all.len() as u32;
    let t = Instant::now();
    for id in &all {
        meshgov::subscriptions::store::find(&pool, *id, false).await.unwrap().unwrap();
    }
    let reread = t.elapsed() / all.len() as u32;
    let (verify1, verify1_took) = verify(&router, &steward).await;
    eprintln!("audit chain verified after approvals: {} events in {verify1_took:.1?}", verify1["events_checked"]);

    // 4. Grants against the emulator: all queued apply_grants jobs, or the first BENCH_GRANT_JOBS.
    let grant_jobs = s.grant_jobs.min(total);
    if grant_jobs < total {
        sqlx::query(
            "UPDATE jobs SET run_after = now() + interval '1 day'
             WHERE kind = 'apply_grants' AND status = 'queued'
               AND id NOT IN (SELECT id FROM jobs WHERE kind = 'apply_grants' AND status = 'queued' ORDER BY run_after, id LIMIT $1)",
        )
        .bind(grant_jobs as i64)
        .execute(&pool)
        .await
        .unwrap();
    }
    let provisioned: Vec<Uuid> = sqlx::query_scalar(
        "SELECT (payload ->> 'subscription_id')::uuid FROM jobs
         WHERE kind = 'apply_grants' AND status = 'queued' AND run_after <= now()",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(provisioned.len(), grant_jobs);
    // The products were seeded into our database only: make the databases and tables their grants
    // name in the governance account's Glue catalog (Lake Formation grants only on what exists).
    catalog_for(&pool, &endpoint, &creds, &provisioned).await;
    let wanted: i64 = sqlx::query_scalar("SELECT count(*) FROM grants WHERE subscription_id = ANY($1)")
        .bind(&provisioned)
        .fetch_one(&pool)
        .await
        .unwrap();
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..WORKERS {
        let state = state.clone();
        workers.spawn(async move { meshgov::jobs::worker::run_until_idle(&state).await.unwrap() });
    }
    let mut ran = 0;
    while let Some(n) = workers.join_next().await {
        ran += n.unwrap();
    }
    let grants_took = started.elapsed();
    assert_eq!(ran, grant_jobs, "every selected job ran once");
    let not_done: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'apply_grants' AND (payload ->> 'subscription_id')::uuid = ANY($1)
           AND status <> 'succeeded'",
    )
    .bind(&provisioned)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(not_done, 0, "every apply_grants job succeeded");
    let granted_subs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE id = ANY($1) AND provisioning = 'granted'")
            .bind(&provisioned)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(granted_subs as usize, grant_jobs, "every provisioned subscription is granted");
    let granted: i64 =
        sqlx::query_scalar("SELECT count(*) FROM grants WHERE subscription_id = ANY($1) AND state = 'granted'")
            .bind(&provisioned)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(granted, wanted, "every grant granted");
    let calls = lf_calls(&endpoint, &gov).await;
    let batch_grants = calls.iter().filter(|c| c["operation"] == "BatchGrantPermissions").count();
    let durations: Vec<f64> = calls.iter().filter_map(|c| c["duration_ms"].as_f64()).collect();
    let emulator_ms: f64 = durations.iter().sum();
    let tenth = (durations.len() / 10).max(1);
    let mean = |d: &[f64]| d.iter().sum::<f64>() / d.len().max(1) as f64;
    let emulator_first_last = (mean(&durations[..tenth.min(durations.len())]), mean(&durations[durations.len().saturating_sub(tenth)..]));
    let sampled = check_lake_formation(&endpoint, &creds, &pool, &provisioned, &gov).await;
    let (verify2, verify2_took) = verify(&router, &steward).await;
    eprintln!("audit chain verified after grants: {} events in {verify2_took:.1?}", verify2["events_checked"]);

    let r = Report {
        s: &s,
        pg_version,
        load_at_start,
        seed_took,
        requested,
        one_at_a_time,
        approvals,
        waits,
        head_read,
        reread,
        verify1,
        verify1_took,
        grant_jobs,
        total,
        granted,
        grants_took,
        lf_calls: calls.len(),
        batch_grants,
        emulator_ms,
        emulator_first_last,
        sampled,
        verify2,
        verify2_took,
    };
    r.print();

    drop(router);
    drop(state);
    pool.close().await;
    if std::env::var("BENCH_KEEP_DB").as_deref() == Ok("1") {
        eprintln!("kept database {db_name}");
    } else {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"))).execute(&admin).await;
    }
}

fn domain_slug(k: usize) -> String {
    format!("domain-{k:02}")
}

/// Request k: product 5k + 2 (no seeded subscription), for a role of another domain; even k ask
/// for every table, odd k for two columns of one table.
fn request_body(k: usize, accounts: &[String]) -> Value {
    let p = 5 * k + 2;
    let producer = p % DOMAINS;
    let consumer = (producer + 1 + k % (DOMAINS - 1)) % DOMAINS;
    let tables = if k.is_multiple_of(2) { Value::Null } else { json!([{ "name": "orders", "columns": ["order_id", "region"] }]) };
    json!({
        "domain": domain_slug(producer), "product": format!("product-{p}"), "consumer_domain": domain_slug(consumer),
        "principal": format!("arn:aws:iam::{}:role/analyst-{}", accounts[consumer], k % ROLES),
        "tables": tables, "justification": "benchmark: campaign attribution",
    })
}

/// Creates, in the governance account's Glue catalog, every database and table the grants of
/// `subscriptions` name (not measured).
async fn catalog_for(pool: &PgPool, endpoint: &str, creds: &aws_credential_types::Credentials, subscriptions: &[Uuid]) {
    let named: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT coalesce(resource->'Database'->>'Name', resource->'Table'->>'DatabaseName',
                                  resource->'TableWithColumns'->>'DatabaseName', resource->'DataCellsFilter'->>'DatabaseName'),
                         coalesce(resource->'Table'->>'Name', resource->'TableWithColumns'->>'Name',
                                  resource->'DataCellsFilter'->>'TableName')
         FROM grants WHERE subscription_id = ANY($1)",
    )
    .bind(subscriptions)
    .fetch_all(pool)
    .await
    .unwrap();
    let glue = aws_sdk_glue::Client::new(&sdk_config(endpoint, creds.clone()).await);
    let mut databases: Vec<&String> = named.iter().map(|(db, _)| db).collect();
    databases.sort();
    databases.dedup();
    for db in databases {
        glue.create_database().database_input(aws_sdk_glue::types::DatabaseInput::builder().name(db).build().unwrap()).send().await.unwrap();
    }
    for (db, table) in &named {
        if let Some(table) = table {
            let input = aws_sdk_glue::types::TableInput::builder().name(table).build().unwrap();
            glue.create_table().database_name(db).table_input(input).send().await.unwrap();
        }
    }
}


// ------------------------------------------------------------------------------------------------
// Seeding
// ------------------------------------------------------------------------------------------------

async fn seed(pool: &PgPool, run: &str, s: &Settings) {
    let step = Instant::now();
    sqlx::query(
        "INSERT INTO domains (id, slug, name, description, aws_account_id, sync_role_arn, external_id, owners, approval_policy,
                              sync_status, last_sync_at, last_sync_success_at)
         SELECT gen_random_uuid(), format('domain-%s', lpad(i::text, 2, '0')), format('Domain %s', i),
                'A business domain of the benchmark mesh', a.acct,
                format('arn:aws:iam::%s:role/meshgov-catalog-reader', a.acct),
                format('meshgov-bench-%s-%s', $1::text, lpad(i::text, 4, '0')), ARRAY['owner-' || i], 'stewards',
                'ok', now(), now()
         FROM generate_series(0, $2 - 1) i, LATERAL (SELECT '3' || $1::text || lpad(i::text, 5, '0') AS acct) a",
    )
    .bind(run)
    .bind(DOMAINS as i32)
    .execute(pool)
    .await
    .unwrap();

    let schema = json!({ "tables": [
        { "name": "orders", "columns": [
            { "name": "order_id", "type": "bigint" }, { "name": "store_id", "type": "int" },
            { "name": "region", "type": "string" }, { "name": "net_sales", "type": "decimal(12,2)" } ],
          "partition_keys": [{ "name": "dt", "type": "date" }], "format": "parquet" },
        { "name": "customers", "columns": [
            { "name": "customer_id", "type": "bigint" }, { "name": "segment", "type": "string" },
            { "name": "country", "type": "string" } ],
          "partition_keys": [], "format": "parquet" } ] });
    sqlx::query(
        "WITH d AS (SELECT id, (row_number() OVER (ORDER BY slug) - 1)::int AS k FROM domains)
         INSERT INTO products (id, domain_id, slug, name, description, classification, tags, owner, source_database,
                               schema, schema_version, mirrored_version, schema_synced_at, status, published_at, sync_status,
                               last_sync_at, created_at, updated_at)
         SELECT gen_random_uuid(), d.id, 'product-' || i,
                format('%s %s %s', (ARRAY['Sales','Orders','Inventory','Customers','Returns','Payments','Shipments',
                                          'Campaigns','Pricing','Suppliers'])[1 + i % 10],
                       (ARRAY['daily','weekly','curated','raw','aggregated'])[1 + (i / 10) % 5], i),
                format('%s data of the %s region, refreshed %s, for %s analytics',
                       (ARRAY['Transactional','Reference','Behavioural','Financial'])[1 + i % 4],
                       (ARRAY['north','south','east','west','central','pangolin'])[1 + (i / 7) % 6],
                       (ARRAY['hourly','daily','weekly'])[1 + i % 3],
                       (ARRAY['marketing','finance','supply chain','sales'])[1 + (i / 3) % 4]),
                (ARRAY['public','internal','confidential','restricted'])[1 + i % 4],
                ARRAY[(ARRAY['certified','gold','pii','finance','experimental'])[1 + i % 5], 'tier-' || (i % 3)],
                -- Domains are in central mode: schema version 1, and its mirror as if already built.
                'team-' || (i % 200), 'db_' || i, $2, 1, 1, now(), 'published', now(), 'ok', now(),
                now() - make_interval(days => i % 700), now()
         FROM generate_series(0, $1 - 1) i JOIN d ON d.k = i % 40",
    )
    .bind(s.products as i32)
    .bind(&schema)
    .execute(pool)
    .await
    .unwrap();
    eprintln!("  {} domains, {} products: {:.1?}", DOMAINS, s.products, step.elapsed());

    // Subscriptions to products 5i: 80% approved and granted, 8% pending, 7% revoked, 3% rejected,
    // 2% cancelled; a fifth of the approved ones expire within a year.
    let step = Instant::now();
    sqlx::query(
        "WITH d AS (SELECT id, aws_account_id, (row_number() OVER (ORDER BY slug) - 1)::int AS k FROM domains),
         src AS (
             SELECT i, p.id AS product_id, cd.id AS consumer_id,
                    format('arn:aws:iam::%s:role/analyst-%s', cd.aws_account_id, i % 25) AS principal,
                    CASE WHEN i % 100 < 80 THEN 'approved' WHEN i % 100 < 88 THEN 'pending'
                         WHEN i % 100 < 95 THEN 'revoked' WHEN i % 100 < 98 THEN 'rejected' ELSE 'cancelled' END AS status,
                    now() - make_interval(days => 1 + i % 365) AS created
             FROM generate_series(0, $1 - 1) i
             JOIN d pd ON pd.k = (5 * i) % 40
             JOIN products p ON p.domain_id = pd.id AND p.slug = 'product-' || (5 * i)
             JOIN d cd ON cd.k = ((5 * i) % 40 + 1 + i % 39) % 40)
         INSERT INTO subscriptions (id, product_id, consumer_domain_id, principal, requested_scope, approved_scope,
                                    scope_hash, permissions, justification, requested_expires_at, expires_at, status,
                                    provisioning, requested_by, decided_by, decided_at, decision_comment, ended_by,
                                    ended_at, end_comment, version, created_at, updated_at)
         SELECT gen_random_uuid(), product_id, consumer_id, principal, '{\"tables\": null}',
                CASE WHEN status IN ('approved', 'revoked') THEN '{\"tables\": null}'::jsonb END,
                $2, ARRAY['DESCRIBE', 'SELECT'], 'quarterly reporting',
                CASE WHEN status = 'approved' AND i % 5 = 0 THEN now() + make_interval(days => 30 + i % 300) END,
                CASE WHEN status = 'approved' AND i % 5 = 0 THEN now() + make_interval(days => 30 + i % 300) END,
                status,
                CASE status WHEN 'approved' THEN 'granted' WHEN 'revoked' THEN 'revoked' ELSE 'none' END,
                'consumer-' || (i % 500),
                CASE WHEN status IN ('approved', 'revoked', 'rejected') THEN 'steward-' || (i % 7) END,
                CASE WHEN status IN ('approved', 'revoked', 'rejected') THEN created + interval '2 hours' END,
                CASE WHEN status = 'rejected' THEN 'not for this purpose' END,
                CASE WHEN status IN ('revoked', 'cancelled') THEN 'steward-' || (i % 7) END,
                CASE WHEN status IN ('revoked', 'cancelled') THEN created + interval '3 days' END,
                CASE WHEN status = 'revoked' THEN 'project ended' END,
                CASE WHEN status = 'pending' THEN 1 WHEN status IN ('revoked') THEN 3 ELSE 2 END,
                created, created + interval '3 days'
         FROM src",
    )
    .bind(s.subscriptions as i32)
    .bind(scope_hash(&json!({ "tables": null })))
    .execute(pool)
    .await
    .unwrap();

    // Their grants (database + one per table, as `grants::plan` makes them) and finished jobs.
    sqlx::query(
        "INSERT INTO grants (id, subscription_id, principal, catalog_id, resource_type, resource_key, resource,
                             permissions, state, attempts, created_at, updated_at)
         SELECT gen_random_uuid(), s.id, s.principal, d.aws_account_id, t.kind,
                CASE t.kind WHEN 'database' THEN format('database|%s|%s', d.aws_account_id, p.source_database)
                            ELSE format('table|%s|%s|%s', d.aws_account_id, p.source_database, t.name) END,
                CASE t.kind WHEN 'database'
                     THEN jsonb_build_object('Database', jsonb_build_object('CatalogId', d.aws_account_id, 'Name', p.source_database))
                     ELSE jsonb_build_object('Table', jsonb_build_object('CatalogId', d.aws_account_id,
                                             'DatabaseName', p.source_database, 'Name', t.name)) END,
                CASE t.kind WHEN 'database' THEN ARRAY['DESCRIBE'] ELSE ARRAY['DESCRIBE', 'SELECT'] END,
                CASE s.status WHEN 'approved' THEN 'granted' ELSE 'revoked' END, 1, s.decided_at, s.updated_at
         FROM subscriptions s JOIN products p ON p.id = s.product_id JOIN domains d ON d.id = p.domain_id
         CROSS JOIN (VALUES ('database', NULL), ('table', 'orders'), ('table', 'customers')) t(kind, name)
         WHERE s.status IN ('approved', 'revoked')",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, domain_id, status, attempts, max_attempts, run_after, result, created_by,
                           created_at, updated_at, finished_at)
         SELECT gen_random_uuid(), j.kind, jsonb_build_object('subscription_id', s.id), p.domain_id, 'succeeded', 1, 5,
                j.at, jsonb_build_object('calls', 1), s.decided_by, j.at, j.at, j.at + interval '2 seconds'
         FROM subscriptions s JOIN products p ON p.id = s.product_id
         CROSS JOIN LATERAL (VALUES ('apply_grants', s.decided_at), ('revoke_grants', s.ended_at)) j(kind, at)
         WHERE s.status IN ('approved', 'revoked') AND j.at IS NOT NULL",
    )
    .execute(pool)
    .await
    .unwrap();
    eprintln!("  {} subscriptions with grants and jobs: {:.1?}", s.subscriptions, step.elapsed());

    // An audit trail before ours: one valid, chained event per seeded subscription.
    let step = Instant::now();
    let rows: Vec<(Uuid, String, DateTime<Utc>)> =
        sqlx::query_as("SELECT id, status, updated_at FROM subscriptions ORDER BY updated_at, id").fetch_all(pool).await.unwrap();
    let roles = vec!["steward".to_string()];
    let mut prev = GENESIS_HASH.to_string();
    for (n, chunk) in rows.chunks(5000).enumerate() {
        let (mut seqs, mut ats, mut actions, mut targets, mut request_ids, mut details, mut prevs, mut hashes) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for (j, (id, status, at)) in chunk.iter().enumerate() {
            let seq = (n * 5000 + j + 1) as i64;
            let at = chain::truncate_to_micros(*at);
            let action = format!("subscription.{}", if status == "pending" { "requested" } else { status });
            let target = format!("subscription:{id}");
            let request_id = format!("seed-{seq}");
            let d = json!({ "seeded": true, "comment": "history before the benchmark" });
            let hash = chain::event_hash(&HashInput {
                seq,
                at,
                actor_sub: "seed-steward",
                actor_roles: &roles,
                action: &action,
                target: &target,
                request_id: &request_id,
                details: &d,
                prev_hash: &prev,
            });
            seqs.push(seq);
            ats.push(at);
            actions.push(action);
            targets.push(target);
            request_ids.push(request_id);
            details.push(d.to_string());
            prevs.push(std::mem::replace(&mut prev, hash.clone()));
            hashes.push(hash);
        }
        sqlx::query(
            "INSERT INTO audit_events (seq, at, actor_sub, actor_roles, action, target, request_id, details, prev_hash, hash)
             SELECT seq, at, 'seed-steward', ARRAY['steward'], action, target, request_id, details::jsonb, prev_hash, hash
             FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                  AS e(seq, at, action, target, request_id, details, prev_hash, hash)",
        )
        .bind(&seqs)
        .bind(&ats)
        .bind(&actions)
        .bind(&targets)
        .bind(&request_ids)
        .bind(&details)
        .bind(&prevs)
        .bind(&hashes)
        .execute(pool)
        .await
        .unwrap();
    }
    eprintln!("  {} audit events: {:.1?}", rows.len(), step.elapsed());

    let step = Instant::now();
    sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await.unwrap();
    eprintln!("  VACUUM ANALYZE: {:.1?}", step.elapsed());
}

// ------------------------------------------------------------------------------------------------
// HTTP load
// ------------------------------------------------------------------------------------------------

struct Load {
    wall: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
    bodies: Vec<Value>,
}

impl Load {
    fn per_s(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    fn pct(&self, p: f64) -> Duration {
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[i]
    }
}

type Call = (Method, String, String, Option<Value>, StatusCode);

/// Sends `count` requests through the router in-process, `concurrency` at a time (closed loop).
async fn drive(router: &Router, concurrency: usize, calls: Vec<Call>) -> Load {
    let count = calls.len();
    let calls = Arc::new(calls);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (router, calls, next) = (router.clone(), calls.clone(), next.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let (method, path, token, body, expect) = calls[i].clone();
                let t = Instant::now();
                let (status, body) = send(&router, method, &path, &token, body).await;
                let took = t.elapsed();
                assert_eq!(status, expect, "{path}: {body}");
                out.push((i, took, body));
            }
            out
        });
    }
    let mut results = Vec::with_capacity(count);
    while let Some(r) = tasks.join_next().await {
        results.extend(r.unwrap());
    }
    let wall = started.elapsed();
    results.sort_by_key(|(i, _, _)| *i);
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d, _)| *d).collect();
    latencies.sort();
    Load { wall, latencies, bodies: results.into_iter().map(|(_, _, b)| b).collect() }
}

async fn send(router: &Router, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path).header("authorization", format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            req = req.header("content-type", "application/json");
            Body::from(serde_json::to_vec(&v).unwrap())
        }
        None => Body::empty(),
    };
    let response = router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn verify(router: &Router, steward: &str) -> (Value, Duration) {
    let t = Instant::now();
    let (status, body) = send(router, Method::GET, "/api/v1/audit/verify", steward, None).await;
    let took = t.elapsed();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ok"], true, "audit chain: {body}");
    (body, took)
}

/// What the approvals' database sessions were doing, sampled every 10 ms from pg_stat_activity.
struct WaitSampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Waits>,
}

#[derive(Default)]
struct Waits {
    samples: u64,
    /// Sums over samples of sessions in a transaction that are: waiting on an advisory lock; on
    /// another lock; running or waiting for the client (in the transaction, not waiting).
    advisory: u64,
    other_lock: u64,
    busy: u64,
}

impl WaitSampler {
    fn start(pool: PgPool) -> WaitSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            // A connection of its own, outside the service's pool.
            let mut conn = pool.acquire().await.unwrap().detach();
            let mut w = Waits::default();
            while !flag.load(Ordering::Relaxed) {
                let (advisory, other, busy): (i64, i64, i64) = sqlx::query_as(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'),
                            count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event <> 'advisory'),
                            count(*) FILTER (WHERE wait_event_type IS DISTINCT FROM 'Lock')
                     FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                       AND state IN ('active', 'idle in transaction')",
                )
                .fetch_one(&mut conn)
                .await
                .unwrap();
                w.samples += 1;
                w.advisory += advisory as u64;
                w.other_lock += other as u64;
                w.busy += busy as u64;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            w
        });
        WaitSampler { stop, task }
    }

    async fn stop(self) -> Waits {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap()
    }
}

// ------------------------------------------------------------------------------------------------
// The emulator
// ------------------------------------------------------------------------------------------------

async fn base_config(endpoint: &str) -> aws_config::SdkConfig {
    sdk_config(endpoint, aws_credential_types::Credentials::new("testing", "testing", None, None, "bench")).await
}

/// Every Lake Formation call the emulator logged for `account`.
async fn lf_calls(endpoint: &str, account: &str) -> Vec<Value> {
    let r: Value = reqwest::get(format!("{endpoint}/_emulator/calls?service=lakeformation&account={account}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["calls"].as_array().cloned().unwrap_or_default()
}

/// ListPermissions in the governance account (`own`, the catalog of what it lists without a catalog
/// id) must show every grant of a sample of the provisioned subscriptions; returns how many
/// subscriptions and grants were checked.
async fn check_lake_formation(
    endpoint: &str,
    creds: &aws_credential_types::Credentials,
    pool: &PgPool,
    provisioned: &[Uuid],
    own: &str,
) -> (usize, usize) {
    let base = base_config(endpoint).await;
    let lf = aws_sdk_lakeformation::Client::from_conf(
        aws_sdk_lakeformation::config::Builder::from(&base).credentials_provider(creds.clone()).build(),
    );
    let mut present = std::collections::HashSet::new();
    let mut token = None;
    loop {
        let page = lf.list_permissions().set_next_token(token.take()).send().await.unwrap();
        for p in page.principal_resource_permissions() {
            let principal = p.principal().and_then(|x| x.data_lake_principal_identifier()).unwrap_or("").to_string();
            let r = p.resource().unwrap();
            let key = if let Some(d) = r.database() {
                format!("database|{}|{}", d.catalog_id().unwrap_or(own), d.name())
            } else if let Some(t) = r.table() {
                format!("table|{}|{}|{}", t.catalog_id().unwrap_or(own), t.database_name(), t.name().unwrap_or("*"))
            } else if let Some(t) = r.table_with_columns() {
                let mut cols: Vec<&str> = t.column_names().iter().map(String::as_str).collect();
                cols.sort();
                format!("columns|{}|{}|{}|{}", t.catalog_id().unwrap_or(own), t.database_name(), t.name(), cols.join(","))
            } else {
                format!("{r:?}")
            };
            for perm in p.permissions() {
                present.insert(format!("{principal} {key} {}", perm.as_str()));
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    let step = (provisioned.len() / LF_SAMPLE).max(1);
    let sample: Vec<Uuid> = provisioned.iter().step_by(step).take(LF_SAMPLE).copied().collect();
    let wanted: Vec<(String, String, Vec<String>)> =
        sqlx::query_as("SELECT principal, resource_key, permissions FROM grants WHERE subscription_id = ANY($1)")
            .bind(&sample)
            .fetch_all(pool)
            .await
            .unwrap();
    for (principal, key, perms) in &wanted {
        for perm in perms {
            let k = format!("{principal} {key} {perm}");
            assert!(present.contains(&k), "Lake Formation lacks {k}");
        }
    }
    (sample.len(), wanted.len())
}

// ------------------------------------------------------------------------------------------------
// The report
// ------------------------------------------------------------------------------------------------

struct Report<'a> {
    s: &'a Settings,
    pg_version: String,
    load_at_start: String,
    seed_took: Duration,
    requested: Load,
    one_at_a_time: Load,
    approvals: Load,
    waits: Waits,
    head_read: Duration,
    reread: Duration,
    verify1: Value,
    verify1_took: Duration,
    grant_jobs: usize,
    total: usize,
    granted: i64,
    grants_took: Duration,
    lf_calls: usize,
    batch_grants: usize,
    emulator_ms: f64,
    /// Mean emulator time of a call in the first and the last tenth of the calls.
    emulator_first_last: (f64, f64),
    sampled: (usize, usize),
    verify2: Value,
    verify2_took: Duration,
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

impl Report<'_> {
    fn print(&self) {
        let s = self.s;
        let (cpus, model, ram) = machine();
        let load_now = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let first = |l: &str| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
        let a = &self.approvals;
        let grants_per_s = self.granted as f64 / self.grants_took.as_secs_f64();
        let jobs_per_s = self.grant_jobs as f64 / self.grants_took.as_secs_f64();
        let samples = self.waits.samples.max(1) as f64;
        println!("## Subscriptions benchmark\n");
        println!(
            "{} · {} CPUs ({model}) · {ram} RAM · PostgreSQL {} · load average at start {}, at end {}\n",
            Utc::now().format("%Y-%m-%d %H:%M UTC"),
            cpus,
            self.pg_version,
            first(&self.load_at_start),
            first(&load_now),
        );
        println!(
            "Registry: {} domains, {} published products, {} seeded subscriptions (80% approved + granted, 8% pending, \
             7% revoked, 3% rejected, 2% cancelled) with their grants and jobs, and an audit chain of {} events; seeded in {:.0} s.\n",
            DOMAINS,
            s.products,
            s.subscriptions,
            s.subscriptions,
            self.seed_took.as_secs_f64()
        );
        println!("| measure | count | wall time | per second | p50 | p99 | max | vs DataZone (3/s) |");
        println!("|---|---|---|---|---|---|---|---|");
        let row = |name: &str, l: &Load| {
            println!(
                "| {name} | {} | {:.2} s | **{:.0}** | {} | {} | {} | {:.0}× |",
                l.latencies.len(),
                l.wall.as_secs_f64(),
                l.per_s(),
                ms(l.pct(0.50)),
                ms(l.pct(0.99)),
                ms(*l.latencies.last().unwrap()),
                l.per_s() / DATAZONE_ACCEPTS_PER_S
            )
        };
        row(&format!("approvals (decision + audit event + grants + job), {} at a time", s.concurrency), a);
        row("approvals, 1 at a time", &self.one_at_a_time);
        println!(
            "| requests (POST /subscriptions, with audit event), {} at a time | {} | {:.2} s | {:.0} | {} | {} | {} | – |",
            s.concurrency,
            self.requested.latencies.len(),
            self.requested.wall.as_secs_f64(),
            self.requested.per_s(),
            ms(self.requested.pct(0.50)),
            ms(self.requested.pct(0.99)),
            ms(*self.requested.latencies.last().unwrap()),
        );
        println!(
            "| grants applied in Lake Formation (emulator), {WORKERS} workers | {} grants / {} jobs | {:.2} s | **{:.0}** grants ({:.0} subscriptions) | – | – | – | {:.0}× (subscriptions) |",
            self.granted,
            self.grant_jobs,
            self.grants_took.as_secs_f64(),
            grants_per_s,
            jobs_per_s,
            jobs_per_s / DATAZONE_ACCEPTS_PER_S,
        );
        println!();
        println!(
            "- Approvals were POST /api/v1/subscriptions/{{id}}/approve through `meshgov::app` in-process (no socket), \
             pool of 16 connections (the service's default). Verified: {} approved, {} `subscription.approved` audit events, \
             {} queued apply_grants jobs; GET /api/v1/audit/verify ok over {} events ({}).",
            self.total,
            self.total,
            self.total,
            self.verify1["events_checked"],
            ms(self.verify1_took)
        );
        println!(
            "- During the concurrent approvals, sessions in a transaction (sampled {} times, every 10 ms): on average {:.1} \
             waiting on an advisory lock (the audit chain's), {:.1} on other locks, {:.1} running or waiting for the client.",
            self.waits.samples,
            self.waits.advisory as f64 / samples,
            self.waits.other_lock as f64 / samples,
            self.waits.busy as f64 / samples,
        );
        println!(
            "- Serialized time per approval at {} at a time: {:.2} ms (1 / rate). Measured alone on one connection: reading the \
             chain's head (inside the chain lock's hold) {:.2} ms; reading the answer (`store::find`, a 4-table join, done \
             before the append, outside the hold) {:.2} ms.",
            s.concurrency,
            1000.0 / a.per_s(),
            self.head_read.as_secs_f64() * 1000.0,
            self.reread.as_secs_f64() * 1000.0,
        );
        let subset = if self.grant_jobs < self.total {
            format!("{} of the {} queued apply_grants jobs (BENCH_GRANT_JOBS; the rest were held back)", self.grant_jobs, self.total)
        } else {
            format!("all {} queued apply_grants jobs", self.total)
        };
        println!(
            "- Grants: {subset}, run by `jobs::worker::run_until_idle` from {WORKERS} tasks against the emulator, in a fresh \
             governance account: {} Lake Formation calls ({} BatchGrantPermissions), {:.1} s spent inside the emulator \
             ({:.1} ms a call on average; {:.1} ms in the first tenth of the calls, {:.1} ms in the last: moto's \
             Lake Formation slows down as the account's permissions grow). Verified: every job succeeded, every subscription `provisioning = granted`, and \
             ListPermissions shows all {} grants of {} sampled subscriptions. Audit chain verified again: {} events ({}).",
            self.lf_calls,
            self.batch_grants,
            self.emulator_ms / 1000.0,
            self.emulator_ms / self.lf_calls.max(1) as f64,
            self.emulator_first_last.0,
            self.emulator_first_last.1,
            self.sampled.1,
            self.sampled.0,
            self.verify2["events_checked"],
            ms(self.verify2_took)
        );
        println!(
            "- The emulator (moto, Python) is the grant path's ceiling here, not Lake Formation's; \
             real Lake Formation has its own per-account API quotas."
        );
        println!(
            "- A shared {cpus}-CPU machine with other builds running: the numbers are a floor (see the load averages above)."
        );
        println!(
            "- Settings: BENCH_PRODUCTS={} BENCH_SUBSCRIPTIONS={} BENCH_DECISIONS={} BENCH_SERIAL={} BENCH_CONCURRENCY={} BENCH_GRANT_JOBS={}",
            s.products, s.subscriptions, s.decisions, s.serial, s.concurrency, self.grant_jobs
        );
    }
}

