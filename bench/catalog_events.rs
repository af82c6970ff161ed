//! Producer change to API: the time from a change in a producer's Glue catalog (a column added
//! to a table of a published 3-table product, in the AWS emulator) to the new column in meshgov's
//! API, through the catalog-events queue: the emulator puts the Glue Data Catalog event Glue
//! documents on its SQS queue when the Glue call succeeds (`POST /_emulator/catalog-events`, in
//! place of the producer's EventBridge rule, the governance bus and its rule to SQS), `serve`'s
//! queue loop (long polling) takes it and queues a sync of that product, and the worker loops run
//! it. EventBridge's own delivery time on AWS is not in these figures.
//!
//! Run it with `bench/catalog_events.sh`; it needs `DATABASE_URL` (a server where it may create a
//! database) and `MESHGOV_TEST_AWS_ENDPOINT`. `BENCH_CHANGES` (default 50) changes are made one
//! after another.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use meshgov::config::AwsConfig;
use meshgov::{AppState, Config};
use serde_json::json;
use sqlx::postgres::PgPoolOptions;

const TABLES: [&str; 3] = ["orders", "returns", "refunds"];

fn columns(n: usize) -> Vec<aws_sdk_glue::types::Column> {
    let mut names: Vec<String> = ["id", "sku", "region", "amount"].map(String::from).to_vec();
    names.extend((0..n).map(|i| format!("added_{i}")));
    names.iter().map(|c| aws_sdk_glue::types::Column::builder().name(c).r#type("string").build().unwrap()).collect()
}

fn table_input(name: &str, added: usize) -> aws_sdk_glue::types::TableInput {
    let sd = aws_sdk_glue::types::StorageDescriptor::builder()
        .set_columns(Some(columns(added)))
        .location(format!("s3://sales-data/{name}/"))
        .build();
    aws_sdk_glue::types::TableInput::builder().name(name).storage_descriptor(sd).build().unwrap()
}

#[tokio::main]
async fn main() {
    meshgov::install_crypto_provider();
    let endpoint = std::env::var("MESHGOV_TEST_AWS_ENDPOINT").expect("MESHGOV_TEST_AWS_ENDPOINT: the AWS emulator");
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL: a Postgres server");
    let changes = env_usize("BENCH_CHANGES", 50).max(1);

    let run = format!("{:06}", rand::random_range(0..1_000_000u32));
    let admin_pool = PgPoolOptions::new().max_connections(1).connect(&server).await.unwrap();
    let db_name = format!("meshgov_bench_events_{run}");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}"))).execute(&admin_pool).await.unwrap();
    let url = replace_database(&server, &db_name);
    let pool = PgPoolOptions::new().max_connections(16).connect(&url).await.unwrap();
    meshgov::db::MIGRATOR.run(&pool).await.unwrap();

    let fresh = || format!("{:012}", rand::random_range(200_000_000_000u64..999_999_999_999));
    let (gov, producer) = (fresh(), fresh());
    let gov_creds = credentials_in(&endpoint, &gov).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk_config(&endpoint, gov_creds.clone()).await);
    let queue = sqs.create_queue().queue_name(format!("meshgov-catalog-events-{run}")).send().await.unwrap().queue_url().unwrap().to_string();
    let mut config = Config::for_tests(&url, SECRET);
    config.aws = AwsConfig::emulator(&endpoint);
    config.aws.static_credentials = Some((gov_creds.access_key_id().to_string(), gov_creds.secret_access_key().to_string()));
    config.aws.principal_arn = Some(format!("arn:aws:iam::{gov}:role/meshgov"));
    config.aws.catalog_events_queue_url = Some(queue.clone());
    let route = json!({ "queue_url": queue, "accounts": [producer] });
    let routed = reqwest::Client::new().post(format!("{endpoint}/_emulator/catalog-events")).json(&route).send().await.unwrap();
    assert_eq!(routed.status(), reqwest::StatusCode::CREATED, "the emulator's catalog-event route");
    // As `serve` runs: workers on, no scheduled sync in the way.
    config.sync.run_workers = true;
    config.sync.interval = None;
    let state = AppState::new(config, pool.clone());
    let router = meshgov::app(state.clone());

    let glue = aws_sdk_glue::Client::new(&sdk_config(&endpoint, credentials_in(&endpoint, &producer).await).await);
    glue.create_database().database_input(aws_sdk_glue::types::DatabaseInput::builder().name("sales_db").build().unwrap()).send().await.unwrap();
    for t in TABLES {
        glue.create_table().database_name("sales_db").table_input(table_input(t, 0)).send().await.unwrap();
    }
    let admin = token("ada-admin", &["admin"], &[] as &[&str]);
    let body = json!({ "slug": "sales", "name": "Sales", "aws_account_id": producer,
                       "sync_role_arn": format!("arn:aws:iam::{producer}:role/meshgov-sync") });
    assert_eq!(call(&router, "POST", "/api/v1/domains", &admin, Some(body)).await.0, StatusCode::CREATED);
    let product = json!({ "slug": "orders", "name": "Orders", "source": { "database": "sales_db", "tables": TABLES } });
    assert_eq!(call(&router, "POST", "/api/v1/domains/sales/products", &admin, Some(product)).await.0, StatusCode::CREATED);
    assert_eq!(call(&router, "POST", "/api/v1/domains/sales/products/orders/publish", &admin, None).await.0, StatusCode::OK);

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(meshgov::jobs::worker::run(state.clone(), 4, stopped.clone()));
    let events = tokio::spawn(meshgov::intake::queue::run(state.clone(), queue.clone(), stopped));
    let version = || async {
        let (status, p) = call(&router, "GET", "/api/v1/domains/sales/products/orders", &admin, None).await;
        assert_eq!(status, StatusCode::OK);
        p["schema_version"].as_i64().unwrap_or(0)
    };
    let started = Instant::now();
    while version().await < 1 {
        assert!(started.elapsed() < Duration::from_secs(60), "the published product was not synced");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let (mut to_visible, mut after_call, mut glue_update) = (Vec::new(), Vec::new(), Vec::new());
    for n in 1..=changes {
        let before = version().await;
        let table = TABLES[n % TABLES.len()];
        let t0 = Instant::now();
        glue.update_table().database_name("sales_db").table_input(table_input(table, n)).send().await.unwrap();
        glue_update.push(t0.elapsed());
        // The change is made and its event is on the queue.
        let t1 = Instant::now();
        while version().await <= before {
            assert!(t1.elapsed() < Duration::from_secs(60), "change {n} never reached the API");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        after_call.push(t1.elapsed());
        to_visible.push(t0.elapsed());
    }
    let _ = stop.send(true);
    let _ = tokio::join!(workers, events);

    let (cpus, model, ram) = machine();
    println!("# Producer change to API, through the catalog-events queue\n");
    println!("{cpus} CPUs ({model}), {ram} RAM; release build; Postgres and the AWS emulator on the same machine.");
    println!("{changes} changes one after another, each a column added to one table of a published 3-table product.\n");
    println!("| measure | median ms | p90 ms | max ms |");
    println!("|---|---|---|---|");
    for (name, v) in [
        ("UpdateTable answered (event on the queue) → new column in the API", &after_call),
        ("UpdateTable sent → new column in the API", &to_visible),
        ("UpdateTable in the emulator (the producer's own call)", &glue_update),
    ] {
        println!("| {name} | {} | {} | {} |", ms(percentile(v.clone(), 0.5)), ms(percentile(v.clone(), 0.9)), ms(*v.iter().max().unwrap()));
    }
    println!("\nWithout events a change waits for the next scheduled sync: `MESHGOV_SYNC_INTERVAL`, 1 h by default.");
    pool.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {db_name} WITH (FORCE)"))).execute(&admin_pool).await;
}
