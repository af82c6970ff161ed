//! Producer changes within seconds: Glue Data Catalog events (the documented shapes, as the
//! governance account's rule puts them on the SQS queue of the emulator) become syncs of just the
//! products whose tables changed; partition changes, repeats, unknown accounts and forgeries are
//! handled as they must be.

mod common;

use common::mesh::Mesh;
use common::*;
use meshgov::AppState;
use meshgov::catalog_events::model::{DATABASE_STATE_CHANGE, TABLE_STATE_CHANGE};
use meshgov::intake::queue::{Received, drain};
use meshgov::catalog_events::service::{Taken, take};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::Duration;

/// The mesh, its state reading a fresh queue of the governance account, and the queue's URL.
async fn with_queue(pool: PgPool) -> (Mesh, AppState, String) {
    let m = Mesh::new(pool.clone()).await;
    let sqs = aws_sdk_sqs::Client::new(m.state.aws.sdk().await);
    let name = format!("meshgov-catalog-events-{}", uuid::Uuid::new_v4().simple());
    let url = sqs.create_queue().queue_name(name).send().await.unwrap().queue_url().unwrap().to_string();
    let mut config = (*m.state.config).clone();
    config.aws.catalog_events_queue_url = Some(url.clone());
    (m, AppState::new(config, pool), url)
}

fn table_change(account: &str, table: &str, change: &str) -> Value {
    json!({
        "version": "0", "id": uuid::Uuid::new_v4().to_string(), "detail-type": TABLE_STATE_CHANGE,
        "source": "aws.glue", "account": account, "time": "2026-11-29T15:40:07Z", "region": "us-east-1",
        "resources": [format!("arn:aws:glue:us-east-1:{account}:table/sales_db/{table}")],
        "detail": { "databaseName": "sales_db", "tableName": table, "typeOfChange": change }
    })
}

fn database_change(account: &str, tables: &[&str], change: &str) -> Value {
    json!({
        "version": "0", "id": uuid::Uuid::new_v4().to_string(), "detail-type": DATABASE_STATE_CHANGE,
        "source": "aws.glue", "account": account, "time": "2026-11-29T15:40:07Z", "region": "us-east-1",
        "resources": tables.iter().map(|t| format!("arn:aws:glue:us-east-1:{account}:table/sales_db/{t}")).collect::<Vec<_>>(),
        "detail": { "databaseName": "sales_db", "typeOfChange": change, "changedTables": tables }
    })
}

async fn send(state: &AppState, url: &str, events: &[Value]) {
    let sqs = aws_sdk_sqs::Client::new(state.aws.sdk().await);
    for event in events {
        sqs.send_message().queue_url(url).message_body(event.to_string()).send().await.unwrap();
    }
}

async fn syncs_queued(m: &Mesh) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'sync_changed_product' AND status IN ('queued', 'running')")
        .fetch_one(&m.app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn a_column_added_at_the_producer_shows_in_the_api_after_its_event(pool: PgPool) {
    let (m, state, url) = with_queue(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    m.product("sales", "refunds", &["refunds"], json!({})).await;
    m.glue_columns("orders", &["a", "b", "c", "region", "discount"]).await;
    send(&state, &url, &[table_change(&m.producer, "orders", "UpdateTable")]).await;

    let got = drain(&state, &url, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got, Received { messages: 1, syncs: 1, uses: 0, refused: 0 }, "only the product over that table");
    assert_eq!(syncs_queued(&m).await, 1);
    m.run_jobs().await;
    let schema = m.app.get("/api/v1/domains/sales/products/orders/schema", &admin()).await.body;
    let columns: Vec<&str> = schema["tables"][0]["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(columns.contains(&"discount"), "{schema}");
    let changes = m.app.get("/api/v1/domains/sales/products/orders/schema-changes", &admin()).await.body;
    assert!(changes.to_string().contains("discount"), "{changes}");
    let refunds = m.app.get("/api/v1/domains/sales/products/refunds", &admin()).await.body;
    assert_eq!(refunds["schema_version"], 1, "the other product was not synced again: {refunds}");
    assert_eq!(drain(&state, &url, Duration::from_secs(5)).await.unwrap().messages, 0, "the message was deleted");
}

#[sqlx::test]
async fn repeats_partitions_strangers_and_forgeries(pool: PgPool) {
    let (m, state, url) = with_queue(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let update = table_change(&m.producer, "orders", "UpdateTable");
    // Repeated and out of order: one sync, which reads the catalog as it is now.
    let events = [
        update.clone(),
        database_change(&m.producer, &["orders"], "DeleteTable"),
        update.clone(),
        database_change(&m.producer, &["orders"], "CreateTable"),
        table_change(&m.producer, "orders", "BatchCreatePartition"),
    ];
    send(&state, &url, &events).await;
    let got = drain(&state, &url, Duration::from_secs(30)).await.unwrap();
    assert_eq!((got.messages, got.refused), (5, 0), "{got:?}");
    assert_eq!(syncs_queued(&m).await, 1, "repeats join the queued sync; partitions queue none");

    assert_eq!(take(&state, &table_change(&m.producer, "orders", "CreatePartition").to_string()).await.unwrap(), Taken::Ignored);
    assert_eq!(take(&state, &table_change(&m.producer, "shipments", "UpdateTable").to_string()).await.unwrap(), Taken::Syncs(vec![]));
    let stranger = table_change("999999999999", "orders", "UpdateTable");
    let mut forged = update.clone();
    forged["resources"] = json!([format!("arn:aws:glue:us-east-1:{}:table/sales_db/orders", m.consumer)]);
    let mut crawler = update.clone();
    crawler["detail-type"] = json!("Glue Crawler State Change");
    send(&state, &url, &[stranger.clone(), forged.clone(), crawler.clone()]).await;
    let got = drain(&state, &url, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got, Received { messages: 3, syncs: 0, uses: 0, refused: 3 }, "refused, counted, and deleted");
    for (event, reason) in [(stranger, "unknown_account"), (forged, "forged"), (crawler, "not_a_catalog_event")] {
        match take(&state, &event.to_string()).await.unwrap() {
            Taken::Refused(r) => assert_eq!(r.reason(), reason),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(syncs_queued(&m).await, 1, "nothing refused queued work");
}

#[sqlx::test]
async fn a_change_during_a_running_sync_queues_one_more_behind_it(pool: PgPool) {
    let (m, state, _) = with_queue(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let event = table_change(&m.producer, "orders", "UpdateTable").to_string();
    assert_eq!(take(&state, &event).await.unwrap(), Taken::Syncs(vec!["sales/orders".into()]));
    // That sync starts, and may read the catalog before the next change.
    sqlx::query("UPDATE jobs SET status = 'running', locked_until = now() + interval '1 minute' WHERE kind = 'sync_changed_product'")
        .execute(&m.app.pool)
        .await
        .unwrap();
    take(&state, &event).await.unwrap();
    take(&state, &event).await.unwrap();
    let live: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT status, dedupe_key FROM jobs WHERE kind = 'sync_changed_product' AND status IN ('queued', 'running') ORDER BY status",
    )
    .fetch_all(&m.app.pool)
    .await
    .unwrap();
    assert_eq!(live.len(), 2, "the running one and one behind it, which later events join: {live:?}");
    assert_eq!((live[0].0.as_str(), live[1].0.as_str()), ("queued", "running"));
    assert!(live[0].1.as_deref().unwrap().contains(":after:"), "{live:?}");
    // It waits for the running one: not claimed while a job of its concurrency key runs.
    assert!(!meshgov::jobs::worker::run_next(&m.state).await.unwrap());
}
