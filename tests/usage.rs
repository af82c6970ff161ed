//! Who really uses what: Lake Formation's `GetDataAccess` events (recorded shapes, one per engine:
//! tests/fixtures/access-events) from the account holding the grants are attributed to the live
//! subscriptions whose grants covered the table, counted once however often they are delivered,
//! in any order; what is not ours, forged or unattributable is refused and counted.

mod common;

use chrono::Duration as Age;
use common::access_events::recorded;
use common::mesh::Mesh;
use meshgov::grants::holder::CatalogMode;
use meshgov::intake::queue::{Received, drain};
use meshgov::intake::{Outcome, take, take_all};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::time::Duration;

async fn took(m: &Mesh, event: &Value) -> Outcome {
    take(&m.state, &event.to_string()).await.unwrap()
}

async fn usage(m: &Mesh, id: &str) -> Value {
    m.get(id).await["usage"].clone()
}

#[sqlx::test]
async fn a_use_counts_for_the_subscriptions_whose_grants_cover_the_table_once_in_any_order(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders", "returns"], json!({})).await;
    let analyst = m.role("analyst");
    let orders_only = m.granted(&analyst, json!([{ "name": "orders" }])).await;
    let everything = m.granted(&analyst, Value::Null).await;
    assert_eq!(usage(&m, &everything).await, json!({ "last_used_at": null, "uses_30d": 0, "engines": [] }));
    let (gov, db) = (m.gov.clone(), m.grant_database());

    // Athena reads `returns`: only the subscription whose scope has it used it.
    let returns = recorded("athena", &gov, &db, "returns", &analyst, "e-returns", Age::hours(2));
    assert_eq!(took(&m, &returns).await, Outcome::Uses(1));
    assert_eq!(usage(&m, &orders_only).await["uses_30d"], 0, "its scope lacks the table");
    assert_eq!(usage(&m, &everything).await["engines"], json!(["athena"]));

    // EMR reads `orders`: both cover it. Delivered twice (EventBridge may): counted once.
    let orders = recorded("emr-serverless", &gov, &db, "orders", &analyst, "e-orders", Age::hours(1));
    assert_eq!(took(&m, &orders).await, Outcome::Uses(2));
    assert_eq!(took(&m, &orders).await, Outcome::Uses(2), "a repeat is still a use of both, recorded once");
    // A Glue job's read of 10 days ago arrives late; one of 40 days ago is past the count's window.
    assert_eq!(took(&m, &recorded("glue-etl", &gov, &db, "orders", &analyst, "e-late", Age::days(10))).await, Outcome::Uses(2));
    assert_eq!(took(&m, &recorded("athena", &gov, &db, "orders", &analyst, "e-old", Age::days(40))).await, Outcome::Uses(2));

    let narrow = usage(&m, &orders_only).await;
    let wide = usage(&m, &everything).await;
    assert_eq!((narrow["uses_30d"].as_i64(), wide["uses_30d"].as_i64()), (Some(2), Some(3)), "{narrow} {wide}");
    assert_eq!(narrow["engines"], json!(["athena", "emr_serverless", "glue_etl"]), "sorted, each once");
    let last = |u: &Value| chrono::DateTime::parse_from_rfc3339(u["last_used_at"].as_str().unwrap()).unwrap();
    let expected = chrono::DateTime::parse_from_rfc3339(orders["detail"]["eventTime"].as_str().unwrap()).unwrap();
    assert_eq!((last(&narrow), last(&wide)), (expected, expected), "the latest use wins over late ones");

    // A use after the subscription ended is no use of it.
    m.revoke(&everything).await;
    m.run_jobs().await;
    let after = recorded("athena", &gov, &db, "returns", &analyst, "e-after", Age::minutes(1));
    assert_eq!(took(&m, &after).await, Outcome::Uses(0));
    assert_eq!(usage(&m, &everything).await["uses_30d"], 3);
}

#[sqlx::test]
async fn in_producer_mode_the_producers_events_count_and_an_account_wide_grant_covers_its_roles(pool: PgPool) {
    let m = Mesh::in_mode(pool, CatalogMode::Producer).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let account_wide = m.granted(&m.consumer.clone(), Value::Null).await;
    // The consumer account's administrator granted it on to a role of theirs, which reads it.
    let event = recorded("athena", &m.producer, "sales_db", "orders", &m.role("data-scientist"), "e-1", Age::minutes(5));
    assert_eq!(took(&m, &event).await, Outcome::Uses(1));
    assert_eq!(usage(&m, &account_wide).await["uses_30d"], 1);
    // The same access recorded in the governance account names a table it does not hold.
    let elsewhere = recorded("athena", &m.gov, "sales_db", "orders", &m.role("data-scientist"), "e-2", Age::minutes(4));
    assert_eq!(took(&m, &elsewhere).await, Outcome::Uses(0));
}

#[sqlx::test]
async fn events_not_ours_forged_or_unattributable_are_refused_counted_and_change_nothing(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, Value::Null).await;
    let (gov, db) = (m.gov.clone(), m.grant_database());

    // Recorded in the governance account, naming a table of another account.
    let mut forged = recorded("athena", &gov, &db, "orders", &analyst, "f-1", Age::minutes(1));
    forged["detail"]["requestParameters"]["tableArn"] = json!(format!("arn:aws:glue:us-east-1:{}:table/{db}/orders", m.producer));
    // An account that is neither meshgov's nor a domain's.
    let stranger = common::aws::fresh_account();
    let unknown = recorded("athena", &stranger, &db, "orders", &analyst, "f-2", Age::minutes(1));
    // The consumer did not opt in to share principal ARNs with the owner: no one to attribute to.
    let anonymous = recorded("cross-account-without-opt-in", &gov, &db, "orders", &analyst, "f-3", Age::minutes(1));
    // Another Lake Formation call.
    let mut other = recorded("athena", &gov, &db, "orders", &analyst, "f-4", Age::minutes(1));
    other["detail"]["eventName"] = json!("GetTable");
    for event in [&forged, &unknown, &anonymous, &other] {
        assert_eq!(took(&m, event).await, Outcome::Refused, "{event}");
    }
    // Lake Formation refused the credentials: not a use.
    let mut denied = recorded("athena", &gov, &db, "orders", &analyst, "f-5", Age::minutes(1));
    denied["detail"]["errorCode"] = json!("AccessDeniedException");
    assert_eq!(took(&m, &denied).await, Outcome::Ignored);
    assert_eq!(usage(&m, &id).await, json!({ "last_used_at": null, "uses_30d": 0, "engines": [] }));

    let metrics = m.app.call(axum::http::Method::GET, "/metrics").send().await.text;
    for reason in ["forged", "unknown_account", "no_principal", "not_a_data_access_event"] {
        let line = format!("access_events_refused_total{{reason=\"{reason}\"}} 1");
        assert!(metrics.lines().any(|l| l == line), "{line} missing from:\n{metrics}");
    }
}

#[sqlx::test]
async fn access_events_on_the_queue_are_taken_beside_catalog_events_and_deleted(pool: PgPool) {
    let m = Mesh::new(pool.clone()).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, Value::Null).await;
    let sqs = aws_sdk_sqs::Client::new(m.state.aws.sdk().await);
    let name = format!("meshgov-events-{}", uuid::Uuid::new_v4().simple());
    let url = sqs.create_queue().queue_name(name).send().await.unwrap().queue_url().unwrap().to_string();
    let used = recorded("athena", &m.gov, &m.grant_database(), "orders", &analyst, "q-1", Age::minutes(3));
    let mut forged = used.clone();
    forged["detail"]["eventID"] = json!("q-2");
    forged["account"] = json!(m.producer);
    for event in [&used, &forged] {
        sqs.send_message().queue_url(&url).message_body(event.to_string()).send().await.unwrap();
    }
    let got = drain(&m.state, &url, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got, Received { messages: 2, syncs: 0, uses: 1, refused: 1 });
    assert_eq!(usage(&m, &id).await["uses_30d"], 1);
    assert_eq!(drain(&m.state, &url, Duration::from_secs(5)).await.unwrap().messages, 0, "both were deleted");
}

#[sqlx::test]
async fn a_receive_s_events_are_taken_together_each_answered_and_one_the_database_refuses_holds_back_none(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders", "returns"], json!({})).await;
    let analyst = m.role("analyst");
    let orders_only = m.granted(&analyst, json!([{ "name": "orders" }])).await;
    let everything = m.granted(&analyst, Value::Null).await;
    let (gov, db) = (m.gov.clone(), m.grant_database());

    // One receive's worth: uses of one or both subscriptions, one delivered twice within the
    // receive, and what is refused or ignored, in the order the queue gave them.
    let returns = recorded("athena", &gov, &db, "returns", &analyst, "b-1", Age::hours(2));
    let orders = recorded("emr-serverless", &gov, &db, "orders", &analyst, "b-2", Age::hours(1));
    let late = recorded("glue-etl", &gov, &db, "orders", &analyst, "b-3", Age::days(3));
    let unknown = recorded("athena", &common::aws::fresh_account(), &db, "orders", &analyst, "b-4", Age::minutes(1));
    let mut denied = recorded("athena", &gov, &db, "orders", &analyst, "b-5", Age::minutes(1));
    denied["detail"]["errorCode"] = json!("AccessDeniedException");
    let bodies: Vec<String> = [&returns, &orders, &orders, &unknown, &denied, &late].iter().map(|e| e.to_string()).collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let answers: Vec<Outcome> = take_all(&m.state, &bodies).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(answers, [Outcome::Uses(1), Outcome::Uses(2), Outcome::Uses(2), Outcome::Refused, Outcome::Ignored, Outcome::Uses(2)]);
    let (narrow, wide) = (usage(&m, &orders_only).await, usage(&m, &everything).await);
    assert_eq!((narrow["uses_30d"].as_i64(), wide["uses_30d"].as_i64()), (Some(2), Some(3)), "{narrow} {wide}");
    assert_eq!(narrow["engines"], json!(["emr_serverless", "glue_etl"]));
    assert_eq!(wide["engines"], json!(["athena", "emr_serverless", "glue_etl"]));
    let last = |u: &Value| chrono::DateTime::parse_from_rfc3339(u["last_used_at"].as_str().unwrap()).unwrap();
    let latest = chrono::DateTime::parse_from_rfc3339(orders["detail"]["eventTime"].as_str().unwrap()).unwrap();
    assert_eq!((last(&narrow), last(&wide)), (latest, latest), "the batch's latest use, not its last");

    // An event Postgres cannot store (a NUL in its id) fails alone: the rest of its receive is
    // recorded, and it stays on the queue (to end on the dead-letter queue).
    let poison = recorded("athena", &gov, &db, "orders", &analyst, "b-6\u{0}", Age::minutes(2));
    let after = recorded("athena", &gov, &db, "orders", &analyst, "b-7", Age::minutes(1));
    let bodies = [poison.to_string(), after.to_string()];
    let answers = take_all(&m.state, &[bodies[0].as_str(), bodies[1].as_str()]).await;
    assert!(answers[0].is_err(), "{:?}", answers[0]);
    assert_eq!(answers[1].as_ref().unwrap(), &Outcome::Uses(2));
    assert_eq!(usage(&m, &everything).await["uses_30d"], 4);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM subscription_uses WHERE event_id LIKE 'b-6%'").fetch_one(&m.state.db).await.unwrap();
    assert_eq!(stored, 0);
}
