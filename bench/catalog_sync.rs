//! Catalog sync benchmark: a full sync of N producer accounts × M tables and a no-change re-sync,
//! through meshgov's job worker, against the AWS emulator — compared with the same Glue reads in a
//! plain loop (assume role, GetTables page by page), which is the floor for any sync. First in
//! producer mode (reads only), then in central mode: the same domains switched to it, so the next
//! sync writes every table into the governance account's mirror (the mirror's first build), and a
//! no-change re-sync after it, which writes nothing.
//!
//! Run it with `bench/catalog_sync.sh` (starts Postgres and the emulator); it needs `DATABASE_URL`
//! (a server where it may create a database) and `MESHGOV_TEST_AWS_ENDPOINT`.
//! `BENCH_ACCOUNTS` and `BENCH_TABLES` change the size (default 10 × 1000).

mod common;

use common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_glue::types::{Column, DatabaseInput, StorageDescriptor, TableInput};
use meshgov::catalog_sync::glue::{CatalogReader, GlueReader, ProducerAccess};
use meshgov::config::AwsConfig;
use meshgov::{AppState, Config};
use sqlx::postgres::PgPoolOptions;
use tokio::sync::Semaphore;

const CONCURRENCY: usize = 4;

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("MESHGOV_TEST_AWS_ENDPOINT").expect("MESHGOV_TEST_AWS_ENDPOINT: the AWS emulator");
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL: a Postgres server");
    let accounts = env_usize("BENCH_ACCOUNTS", 10);
    let tables = env_usize("BENCH_TABLES", 1000);
    let run = format!("{:06}", rand::random_range(0..1_000_000u32));

    // A fresh database for the run.
    let admin = PgPoolOptions::new().max_connections(1).connect(&server).await.unwrap();
    let db_name = format!("meshgov_bench_sync_{run}");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}"))).execute(&admin).await.unwrap();
    let url = replace_database(&server, &db_name);
    let pool = PgPoolOptions::new().max_connections(16).connect(&url).await.unwrap();
    meshgov::db::MIGRATOR.run(&pool).await.unwrap();

    let mut config = Config::for_tests(&url, "benchmark-secret-0123456789abcdef0123");
    config.aws = AwsConfig::emulator(&endpoint);
    let state = AppState::new(config.clone(), pool.clone());

    // Producer accounts with their catalogs.
    let ids: Vec<String> = (0..accounts).map(|i| format!("7{run}{i:05}")).collect();
    let seeded = Instant::now();
    let mut seeding = tokio::task::JoinSet::new();
    for account in ids.clone() {
        let endpoint = endpoint.clone();
        seeding.spawn(async move { seed_account(&endpoint, &account, tables).await });
    }
    while let Some(r) = seeding.join_next().await {
        r.unwrap();
    }
    eprintln!("seeded {accounts} accounts × {tables} tables in {:.1?}", seeded.elapsed());

    // Register one domain and one product per account.
    for (i, account) in ids.iter().enumerate() {
        let slug = format!("producer-{i}");
        sqlx::query(
            "INSERT INTO domains (id, slug, name, aws_account_id, sync_role_arn, external_id, catalog_mode)
             VALUES ($1, $2, $2, $3, $4, $5, 'producer')",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(&slug)
        .bind(account)
        .bind(format!("arn:aws:iam::{account}:role/meshgov-catalog-reader"))
        .bind(format!("meshgov-bench-{run}-{i:04}"))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO products (id, domain_id, slug, name, owner, source_database, status)
             SELECT $1, id, 'catalog', 'Catalog', 'bench', 'bench_db', 'published' FROM domains WHERE slug = $2",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(&slug)
        .execute(&pool)
        .await
        .unwrap();
    }

    // 1. The floor: the same reads in a plain loop, same concurrency, fresh credentials — after
    // one untimed pass, so the emulator's first-call warm-up is not charged to either side.
    let _ = bare_reads(&config, &ids, &run).await;
    let bare = Instant::now();
    let read_tables = bare_reads(&config, &ids, &run).await;
    let bare = bare.elapsed();
    assert_eq!(read_tables, accounts * tables);

    // 2. Full sync through the job worker; 3. the same again, with nothing changed.
    let full = sync_all(&state, &ids).await;
    let versions: i64 = sqlx::query_scalar("SELECT sum(schema_version) FROM products").fetch_one(&pool).await.unwrap();
    let changes: i64 = sqlx::query_scalar("SELECT count(*) FROM schema_changes").fetch_one(&pool).await.unwrap();
    assert_eq!(versions as usize, accounts, "one schema version per product");
    assert_eq!(changes as usize, accounts * tables, "one table_added per table");
    let resync = sync_all(&state, &ids).await;
    let changes_after: i64 = sqlx::query_scalar("SELECT count(*) FROM schema_changes").fetch_one(&pool).await.unwrap();
    assert_eq!(changes_after, changes, "a no-change re-sync writes no change");

    // 4. Central mode: the next sync builds each product's mirror (every table written once);
    // 5. a no-change re-sync then writes nothing.
    sqlx::query("UPDATE domains SET catalog_mode = 'central'").execute(&pool).await.unwrap();
    let mirror_build = sync_all(&state, &ids).await;
    let mirrored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM products WHERE mirrored_version = schema_version").fetch_one(&pool).await.unwrap();
    assert_eq!(mirrored as usize, accounts, "every product mirrored");
    let mirror_jobs = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM jobs WHERE kind = 'mirror_product'").fetch_one(&pool).await.unwrap()
    };
    let jobs_before = mirror_jobs(pool.clone()).await;
    let central_resync = sync_all(&state, &ids).await;
    assert_eq!(mirror_jobs(pool.clone()).await, jobs_before, "a no-change re-sync queues no mirror work");
    print_table(accounts, tables, bare, &[
        ("full sync through meshgov, producer mode (first, 1 change per table)", full),
        ("no-change re-sync, producer mode", resync),
        ("sync in central mode, building the mirror (every table written)", mirror_build),
        ("no-change re-sync, central mode (nothing written)", central_resync),
    ]);

    drop(state);
    pool.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"))).execute(&admin).await;
}

/// Assume role and read every table of every account, `CONCURRENCY` accounts at a time.
async fn bare_reads(config: &Config, ids: &[String], run: &str) -> usize {
    let reader = Arc::new(GlueReader::new(Arc::new(meshgov::aws::Aws::new(config.aws.clone()))));
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut reads = tokio::task::JoinSet::new();
    for (i, account) in ids.iter().enumerate() {
        let (reader, gate) = (reader.clone(), gate.clone());
        let access = ProducerAccess {
            domain: format!("producer-{i}"),
            account_id: account.clone(),
            role_arn: format!("arn:aws:iam::{account}:role/meshgov-catalog-reader"),
            external_id: format!("meshgov-bench-{run}-{i:04}"),
        };
        reads.spawn(async move {
            let _slot = gate.acquire().await.unwrap();
            reader.tables(&access, "bench_db").await.unwrap().len()
        });
    }
    let mut read_tables = 0;
    while let Some(n) = reads.join_next().await {
        read_tables += n.unwrap();
    }
    read_tables
}

fn print_table(accounts: usize, tables: usize, bare: Duration, measured: &[(&str, Duration)]) {
    let mut rows = vec![("bare Glue reads (assume role + GetTables pages)", bare)];
    rows.extend_from_slice(measured);
    println!("| {accounts} accounts × {tables} tables, {CONCURRENCY} at a time | wall time | tables/s | vs bare reads |");
    println!("|---|---|---|---|");
    for (name, took) in rows {
        println!(
            "| {name} | {:.2} s | {:.0} | {:.2}× |",
            took.as_secs_f64(),
            (accounts * tables) as f64 / took.as_secs_f64(),
            took.as_secs_f64() / bare.as_secs_f64()
        );
    }
}

/// Enqueues a sync for every domain and runs the queue dry with `CONCURRENCY` workers.
async fn sync_all(state: &AppState, ids: &[String]) -> Duration {
    let started = Instant::now();
    let mut tx = state.db.begin().await.unwrap();
    let domains: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, slug FROM domains ORDER BY slug").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(domains.len(), ids.len());
    for (id, slug) in &domains {
        let job = meshgov::catalog_sync::jobs::SyncDomain { domain: slug.clone() };
        meshgov::jobs::BackgroundJob::enqueue(&job, &mut tx, Some(*id), "bench").await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let state = state.clone();
        workers.spawn(async move { meshgov::jobs::worker::run_until_idle(&state).await.unwrap() });
    }
    while workers.join_next().await.is_some() {}
    let failed: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE status <> 'succeeded'").fetch_one(&state.db).await.unwrap();
    assert_eq!(failed, 0, "every sync succeeded");
    started.elapsed()
}

async fn seed_account(endpoint: &str, account: &str, tables: usize) {
    let aws = meshgov::aws::Aws::new(AwsConfig::emulator(endpoint));
    let config = aws.config_as(&format!("arn:aws:iam::{account}:role/producer-admin"), "seed", "seed").await.unwrap();
    let glue = aws_sdk_glue::Client::new(&config);
    glue.create_database().database_input(DatabaseInput::builder().name("bench_db").build().unwrap()).send().await.unwrap();
    let columns: Vec<Column> = ["order_id:bigint", "store_id:int", "sku:string", "units:int", "net_sales:decimal(12,2)",
        "currency:string", "channel:string", "promo_id:string", "customer_segment:string", "region:string"]
        .iter()
        .map(|c| {
            let (n, t) = c.split_once(':').unwrap();
            Column::builder().name(n).r#type(t).build().unwrap()
        })
        .collect();
    for t in 0..tables {
        let name = format!("table_{t:05}");
        let input = TableInput::builder()
            .name(&name)
            .table_type("EXTERNAL_TABLE")
            .parameters("classification", "parquet")
            .storage_descriptor(
                StorageDescriptor::builder()
                    .set_columns(Some(columns.clone()))
                    .location(format!("s3://bench-{account}/{name}/"))
                    .build(),
            )
            .partition_keys(Column::builder().name("dt").r#type("date").build().unwrap())
            .build()
            .unwrap();
        glue.create_table().database_name("bench_db").table_input(input).send().await.unwrap();
    }
}

