//! A burst of Lake Formation data access events beside decisions: `BENCH_EVENTS` (default 100,000)
//! `GetDataAccess` events, in the shape CloudTrail records them, arrive at once (a busy morning of
//! Athena queries) and are taken ten at a time as `serve`'s queue loop takes the messages of its
//! queue (`meshgov::intake::take_receive`: the same pacing, parse, attribution and writes), while
//! a steward approves subscriptions one after another. Measured: how long the burst takes to
//! absorb (every use recorded), and the approvals' latency before, during and after it.
//!
//! The SQS transport is left out: the emulator's SQS is slow and slows down as its queue grows
//! (tens of milliseconds a message past a few thousand), which would measure moto, not meshgov;
//! the queue loop itself is tested in tests/usage.rs and measured in bench/catalog_events.rs.
//!
//! Run it with `bench/usage.sh`; it needs `DATABASE_URL` (a server where it may create a database)
//! and `MESHGOV_TEST_AWS_ENDPOINT`. `BENCH_DECISIONS` (default 100) approvals are timed in each
//! phase, against `BENCH_SUBSCRIPTIONS` (default 20) granted subscriptions the events are uses of.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use meshgov::config::AwsConfig;
use meshgov::{AppState, Config};
use serde_json::json;
use sqlx::postgres::PgPoolOptions;

const TABLES: [&str; 3] = ["orders", "returns", "refunds"];

/// Lake Formation's record of `principal` reading `table` of the governance account's mirror, in
/// the EventBridge envelope the governance stack's rule puts on meshgov's queue (the Athena shape of the
/// Lake Formation best practices).
fn access_event(gov: &str, principal: &str, table: &str, id: &str, hours_ago: i64) -> String {
    let at = (chrono::Utc::now() - chrono::Duration::hours(hours_ago)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "version": "0", "id": id, "detail-type": "AWS API Call via CloudTrail", "source": "aws.lakeformation",
        "account": gov, "time": at, "region": "us-east-1", "resources": [],
        "detail": {
            "eventVersion": "1.11",
            "userIdentity": { "type": "AWSAccount", "principalId": "AROAEXAMPLEBENCH:athena", "accountId": principal.split(':').nth(4) },
            "eventTime": at, "eventSource": "lakeformation.amazonaws.com", "eventName": "GetDataAccess",
            "awsRegion": "us-east-1", "sourceIPAddress": "athena.amazonaws.com", "userAgent": "athena.amazonaws.com",
            "requestParameters": {
                "tableArn": format!("arn:aws:glue:us-east-1:{gov}:table/sales__orders/{table}"),
                "permissions": ["SELECT"], "auditContext": { "additionalAuditContext": format!("{{queryId: {id}}}") },
                "cellLevelSecurityEnforced": true
            },
            "responseElements": null,
            "additionalEventData": { "requesterService": "ATHENA", "lakeFormationPrincipal": principal,
                                     "lakeFormationRoleSessionName": "AWSLF-00-AT-333344445555-BENCH" },
            "requestID": id, "eventID": id, "readOnly": true, "eventType": "AwsApiCall",
            "managementEvent": true, "recipientAccountId": gov, "eventCategory": "Management"
        }
    })
    .to_string()
}

/// Waits until `sql` counts `n`; returns how long that took.
async fn wait_for_count(pool: sqlx::PgPool, what: &'static str, sql: &'static str, n: i64, limit: Duration) -> Duration {
    let started = Instant::now();
    while sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() < n {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

/// Request and approve a subscription for `principal`; returns the approval's latency.
async fn decide(router: &axum::Router, consumer: &str, steward: &str, principal: &str) -> Duration {
    let body = json!({ "domain": "sales", "product": "orders", "consumer_domain": "marketing", "principal": principal,
                       "justification": "usage benchmark" });
    let (status, sub) = call(router, "POST", "/api/v1/subscriptions", consumer, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{sub}");
    let path = format!("/api/v1/subscriptions/{}/approve", sub["id"].as_str().unwrap());
    let t = Instant::now();
    let (status, body) = call(router, "POST", &path, steward, Some(json!({}))).await;
    let took = t.elapsed();
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    took
}

#[tokio::main]
async fn main() {
    meshgov::install_crypto_provider();
    let endpoint = std::env::var("MESHGOV_TEST_AWS_ENDPOINT").expect("MESHGOV_TEST_AWS_ENDPOINT: the AWS emulator");
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL: a Postgres server");
    let events = env_usize("BENCH_EVENTS", 100_000).max(1);
    let decisions = env_usize("BENCH_DECISIONS", 100).max(1);
    let subscriptions = env_usize("BENCH_SUBSCRIPTIONS", 20).max(1);

    let run = format!("{:06}", rand::random_range(0..1_000_000u32));
    let admin_pool = PgPoolOptions::new().max_connections(1).connect(&server).await.unwrap();
    let db_name = format!("meshgov_bench_usage_{run}");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}"))).execute(&admin_pool).await.unwrap();
    let url = replace_database(&server, &db_name);
    // The service's default pool size.
    let pool = PgPoolOptions::new().max_connections(10).connect(&url).await.unwrap();
    meshgov::db::MIGRATOR.run(&pool).await.unwrap();

    let fresh = || format!("{:012}", rand::random_range(200_000_000_000u64..999_999_999_999));
    let (gov, producer, consumer_account) = (fresh(), fresh(), fresh());
    let gov_creds = credentials_in(&endpoint, &gov).await;
    let mut config = Config::for_tests(&url, SECRET);
    config.aws = AwsConfig::emulator(&endpoint);
    config.aws.static_credentials = Some((gov_creds.access_key_id().to_string(), gov_creds.secret_access_key().to_string()));
    config.aws.principal_arn = Some(format!("arn:aws:iam::{gov}:role/meshgov"));
    config.sync.run_workers = true;
    config.sync.interval = None;
    config.aws.events_intake_share = env_usize("MESHGOV_EVENTS_INTAKE_SHARE", config.aws.events_intake_share as usize) as u32;
    let state = AppState::new(config, pool.clone());
    let router = meshgov::app(state.clone());

    // A published 3-table product of sales (central mode: grants on the governance account's
    // mirror), and marketing as the consumer.
    let glue = aws_sdk_glue::Client::new(&sdk_config(&endpoint, credentials_in(&endpoint, &producer).await).await);
    glue.create_database().database_input(aws_sdk_glue::types::DatabaseInput::builder().name("sales_db").build().unwrap()).send().await.unwrap();
    for t in TABLES {
        let column = aws_sdk_glue::types::Column::builder().name("id").r#type("string").build().unwrap();
        let sd = aws_sdk_glue::types::StorageDescriptor::builder().columns(column).location(format!("s3://sales-data/{t}/")).build();
        let input = aws_sdk_glue::types::TableInput::builder().name(t).storage_descriptor(sd).build().unwrap();
        glue.create_table().database_name("sales_db").table_input(input).send().await.unwrap();
    }
    let admin = token("ada-admin", &["admin"], &[] as &[&str]);
    let steward = token("sam-steward", &["steward"], &[] as &[&str]);
    let consumer = token("cole-consumer", &["consumer"], &["marketing"]);
    for (slug, account, extra) in [
        ("sales", &producer, json!({ "sync_role_arn": format!("arn:aws:iam::{producer}:role/meshgov-sync") })),
        ("marketing", &consumer_account, json!({})),
    ] {
        let mut body = json!({ "slug": slug, "name": slug, "aws_account_id": account });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        assert_eq!(call(&router, "POST", "/api/v1/domains", &admin, Some(body)).await.0, StatusCode::CREATED);
    }
    let product = json!({ "slug": "orders", "name": "Orders", "source": { "database": "sales_db", "tables": TABLES } });
    assert_eq!(call(&router, "POST", "/api/v1/domains/sales/products", &admin, Some(product)).await.0, StatusCode::CREATED);
    assert_eq!(call(&router, "POST", "/api/v1/domains/sales/products/orders/publish", &admin, None).await.0, StatusCode::OK);

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(meshgov::jobs::worker::run(state.clone(), 4, stopped.clone()));
    wait_for_count(pool.clone(), "the mirror", "SELECT count(*) FROM products WHERE mirrored_version >= 1", 1, Duration::from_secs(60)).await;

    // The subscriptions the events are uses of, granted.
    let readers: Vec<String> = (0..subscriptions).map(|i| format!("arn:aws:iam::{consumer_account}:role/reader-{i}")).collect();
    for r in &readers {
        decide(&router, &consumer, &steward, r).await;
    }
    wait_for_count(pool.clone(), "the readers' grants", "SELECT count(*) FROM subscriptions WHERE provisioning = 'granted'", subscriptions as i64, Duration::from_secs(300)).await;

    // Phase 1: approvals alone.
    let mut quiet = Vec::new();
    for i in 0..decisions {
        quiet.push(decide(&router, &consumer, &steward, &format!("arn:aws:iam::{consumer_account}:role/quiet-{i}")).await);
    }

    // Phase 1's grant jobs finish first, so that each phase's approvals start with the workers
    // (and the emulator) idle and differ only by the burst.
    let settled = (subscriptions + decisions) as i64;
    wait_for_count(pool.clone(), "phase 1's grants", "SELECT count(*) FROM subscriptions WHERE provisioning = 'granted'", settled, Duration::from_secs(300)).await;

    // The burst: every event at hand before meshgov takes any, then taken one after another.
    let bodies: Vec<String> = (0..events)
        .map(|i| access_event(&gov, &readers[i % readers.len()], TABLES[i % TABLES.len()], &format!("bench-{run}-{i}"), (i % 600) as i64))
        .collect();
    let taker = state.clone();
    let burst = Instant::now();
    let intake = tokio::spawn(async move {
        // As the queue loop receives them: ten messages at a time.
        for receive in bodies.chunks(10) {
            let receive: Vec<&str> = receive.iter().map(String::as_str).collect();
            for taken in meshgov::intake::take_receive(&taker, &receive).await {
                assert_eq!(taken.unwrap(), meshgov::intake::Outcome::Uses(1));
            }
        }
        burst.elapsed()
    });
    // Phase 2: approvals while the burst is taken.
    let mut busy = Vec::new();
    for i in 0..decisions {
        busy.push(decide(&router, &consumer, &steward, &format!("arn:aws:iam::{consumer_account}:role/busy-{i}")).await);
    }
    let approvals_took = burst.elapsed();
    let absorb = intake.await.unwrap();
    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM subscription_uses").fetch_one(&pool).await.unwrap();
    assert_eq!(recorded, events as i64, "every use recorded once");

    // Phase 3, the control: approvals alone again once the burst is absorbed and phase 2's grants
    // are done. What phases 1 and 3 differ by is the database and the emulator having grown, not
    // the burst.
    let settled = (subscriptions + 2 * decisions) as i64;
    wait_for_count(pool.clone(), "phase 2's grants", "SELECT count(*) FROM subscriptions WHERE provisioning = 'granted'", settled, Duration::from_secs(300)).await;
    let mut after = Vec::new();
    for i in 0..decisions {
        after.push(decide(&router, &consumer, &steward, &format!("arn:aws:iam::{consumer_account}:role/after-{i}")).await);
    }
    let _ = stop.send(true);
    let _ = workers.await;

    let (cpus, model, ram) = machine();
    println!("# A burst of data access events beside decisions\n");
    println!("{cpus} CPUs ({model}), {ram} RAM; release build; Postgres and the AWS emulator (whose Lake Formation the grants go to) on the same machine.");
    println!(
        "{events} GetDataAccess events at once, each a use of one of {subscriptions} granted subscriptions, taken ten at a \
         time as `serve`'s queue loop receives them: each receive after the requests in flight (waiting at most {yield_ms} ms), \
         then a rest that keeps to an intake share of {share} % (`MESHGOV_EVENTS_INTAKE_SHARE`); {decisions} approvals one after another in each phase; a pool of 10 connections.\n",
        share = state.config.aws.events_intake_share,
        yield_ms = meshgov::intake::MAX_YIELD.as_millis()
    );
    println!("| measure | value |");
    println!("|---|---|");
    println!("| burst absorbed (every use recorded) | {:.1} s, {:.0} events/s |", absorb.as_secs_f64(), events as f64 / absorb.as_secs_f64());
    println!("\n| approvals | median ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    for (name, v) in [("alone, before the burst", &quiet), ("during the burst", &busy), ("alone, after the burst", &after)] {
        println!("| {name} | {} | {} | {} |", ms(percentile(v.clone(), 0.5)), ms(percentile(v.clone(), 0.99)), ms(*v.iter().max().unwrap()));
    }
    println!(
        "\nThe approvals during the burst took its first {:.1} s{}.",
        approvals_took.as_secs_f64(),
        if approvals_took > absorb { " (longer than the burst: the last ones ran after it)" } else { "" }
    );
    pool.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {db_name} WITH (FORCE)"))).execute(&admin_pool).await;
}
