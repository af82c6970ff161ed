//! Access reviews and unused access: reviews fall due and remind once (through the event feed),
//! a confirmation starts the period over, an overdue review past its grace ends the subscription
//! (`expired`, `review_overdue`) and Lake Formation forgets it; unused access is flagged, and
//! revoked where the domain says so; only the domain's approvers act on reviews. Time passes by
//! moving a subscription's approval back in the database.

mod common;

use chrono::Duration as Age;
use common::access_events::recorded;
use common::mesh::Mesh;
use common::*;
use serde_json::{Value, json};
use sqlx::PgPool;

async fn policy(m: &Mesh, access_policy: Value) {
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "access_policy": access_policy })).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Moves a subscription's approval `days` into the past.
async fn approved_days_ago(m: &Mesh, id: &str, days: i32) {
    sqlx::query("UPDATE subscriptions SET decided_at = now() - make_interval(days => $2) WHERE id = $1::uuid")
        .bind(id)
        .bind(days)
        .execute(&m.app.pool)
        .await
        .unwrap();
}

async fn reviews(m: &Mesh, query: &str) -> Vec<Value> {
    let r = m.app.get(&format!("/api/v1/reviews{query}"), &steward()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn run_duty(m: &Mesh) -> usize {
    meshgov::reviews::service::run(&m.app.pool).await.unwrap()
}

/// The types of the feed's events about `id`, as its consumer reads them.
async fn feed_types(m: &Mesh, id: &str) -> Vec<String> {
    let (mut types, mut after) = (Vec::new(), 0);
    loop {
        let r = m.app.get(&format!("/api/v1/events?after={after}&limit=200"), &consumer("marketing")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let events = r.body["events"].as_array().unwrap();
        if events.is_empty() {
            return types;
        }
        let about = events.iter().filter(|e| e["subject"] == format!("subscription:{id}"));
        types.extend(about.map(|e| e["type"].as_str().unwrap().to_string()));
        after = r.body["next_after"].as_i64().unwrap();
    }
}

#[sqlx::test]
async fn a_review_falls_due_reminds_once_and_a_confirmation_starts_the_period_over(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = m.granted(&m.role("analyst"), Value::Null).await;
    assert!(reviews(&m, "").await.is_empty(), "no reviews while the domain has none");
    policy(&m, json!({ "review_every_days": 30 })).await;
    assert!(reviews(&m, "").await.is_empty(), "due in 30 days: upcoming, not listed");

    approved_days_ago(&m, &id, 20).await;
    let listed = reviews(&m, "").await;
    assert_eq!(listed.len(), 1);
    let review = &listed[0];
    assert_eq!((review["subscription"].as_str(), review["state"].as_str()), (Some(id.as_str()), Some("due")));
    assert_eq!((review["age_days"].as_i64(), review["approved_by"].as_str()), (Some(20), Some("sam-steward")));
    assert_eq!(review["usage"]["uses_30d"], 0);
    assert!(review["scope"]["tables"].is_null() && review["reviewed_at"].is_null(), "{review}");

    assert_eq!(run_duty(&m).await, 1, "one reminder");
    assert_eq!(run_duty(&m).await, 0, "and only one");
    assert_eq!(feed_types(&m, &id).await.iter().filter(|t| *t == "io.meshgov.subscription.review_due").count(), 1);

    let r = m.app.post(&format!("/api/v1/reviews/{id}/confirm"), &steward(), json!({ "comment": "still running the campaign" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.body["state"].as_str(), r.body["reviewed_by"].as_str()), (Some("upcoming"), Some("sam-steward")));
    let due_at = chrono::DateTime::parse_from_rfc3339(r.body["due_at"].as_str().unwrap()).unwrap();
    let in_days = (due_at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&in_days), "the next review is 30 days from the confirmation: {in_days}");
    assert!(reviews(&m, "").await.is_empty());
    assert!(feed_types(&m, &id).await.contains(&"io.meshgov.subscription.review_confirmed".to_string()));
    let audit = m.audit("subscription.review_confirmed", &format!("subscription:{id}")).await;
    assert_eq!(audit[0]["comment"], "still running the campaign", "{audit:?}");
}

#[sqlx::test]
async fn an_overdue_review_past_its_grace_ends_the_subscription_and_its_grants(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let (late, lost) = (m.role("late"), m.role("lost"));
    let in_grace = m.granted(&late, Value::Null).await;
    let past_grace = m.granted(&lost, Value::Null).await;
    policy(&m, json!({ "review_every_days": 30, "review_grace_days": 5 })).await;
    approved_days_ago(&m, &in_grace, 32).await; // overdue 2 days: ends in 3
    approved_days_ago(&m, &past_grace, 40).await; // overdue 10 days: 5 past its grace
    let overdue = reviews(&m, "?state=overdue").await;
    assert_eq!(overdue.len(), 2);

    run_duty(&m).await;
    assert_eq!(m.get(&in_grace).await["status"], "approved", "still in its grace period");
    let ended = m.get(&past_grace).await;
    assert_eq!((ended["status"].as_str(), ended["end_comment"].as_str()), (Some("expired"), Some("review_overdue")));
    assert_eq!(ended["ended_by"], "system:reviews");
    assert!(feed_types(&m, &in_grace).await.contains(&"io.meshgov.subscription.review_overdue".to_string()));
    m.run_jobs().await;
    assert_eq!(m.get(&past_grace).await["provisioning"], "revoked");
    let held = m.lf_state().await;
    assert!(held.iter().all(|p| !p.starts_with(&lost)), "Lake Formation forgot the expired one: {held:#?}");
    assert!(held.iter().any(|p| p.starts_with(&late)), "and kept the other: {held:#?}");
}

#[sqlx::test]
async fn unused_access_is_flagged_and_revoked_when_the_domain_says_so(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let (idle, busy, fresh) = (m.role("idle"), m.role("busy"), m.role("fresh"));
    let idle_id = m.granted(&idle, Value::Null).await;
    let busy_id = m.granted(&busy, Value::Null).await;
    let fresh_id = m.granted(&fresh, Value::Null).await;
    approved_days_ago(&m, &idle_id, 45).await;
    approved_days_ago(&m, &busy_id, 45).await;
    approved_days_ago(&m, &fresh_id, 10).await; // not unused yet: counted from approval
    let read = recorded("athena", &m.gov, &m.grant_database(), "orders", &busy, "u-1", Age::days(2));
    meshgov::intake::take(&m.state, &read.to_string()).await.unwrap();

    policy(&m, json!({ "unused_after_days": 30 })).await;
    let unused = reviews(&m, "?state=unused").await;
    let flagged: Vec<&str> = unused.iter().map(|r| r["subscription"].as_str().unwrap()).collect();
    assert_eq!(flagged, [idle_id.as_str()]);
    assert!(unused[0]["state"].is_null(), "no reviews in this domain: {}", unused[0]);
    run_duty(&m).await;
    assert_eq!(m.get(&idle_id).await["status"], "approved", "flagging only");

    policy(&m, json!({ "unused_action": "revoke" })).await;
    run_duty(&m).await;
    let revoked = m.get(&idle_id).await;
    assert_eq!((revoked["status"].as_str(), revoked["end_comment"].as_str()), (Some("revoked"), Some("unused")));
    for id in [&busy_id, &fresh_id] {
        assert_eq!(m.get(id).await["status"], "approved");
    }
    m.run_jobs().await;
    let held = m.lf_state().await;
    assert!(held.iter().all(|p| !p.starts_with(&idle)) && held.iter().any(|p| p.starts_with(&busy)), "{held:#?}");
}

#[sqlx::test]
async fn only_the_domains_approvers_act_on_reviews(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = m.granted(&m.role("analyst"), Value::Null).await;
    let confirm = format!("/api/v1/reviews/{id}/confirm");
    let revoke = format!("/api/v1/reviews/{id}/revoke");
    m.app.post(&confirm, &steward(), json!({})).await.problem(409, "reviews_off");

    policy(&m, json!({ "review_every_days": 30 })).await;
    approved_days_ago(&m, &id, 25).await;
    m.app.get("/api/v1/reviews", &consumer("marketing")).await.problem(403, "forbidden");
    // Sales lets stewards decide: its producers see none of its reviews and may not confirm.
    let r = m.app.get("/api/v1/reviews", &producer("sales")).await;
    assert_eq!((r.status.as_u16(), r.body["items"].as_array().map(Vec::len)), (200, Some(0)), "{}", r.body);
    m.app.post(&confirm, &producer("sales"), json!({})).await.problem(403, "forbidden");
    policy(&m, json!({ "review_every_days": 30 })).await;
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "approval_policy": "owners" })).await;
    assert_eq!(r.status, 200);
    let r = m.app.get("/api/v1/reviews", &producer("sales")).await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1), "owners decide now: {}", r.body);
    assert_eq!(m.app.post(&confirm, &producer("sales"), json!({})).await.status, 200);

    m.app.post(&revoke, &producer("sales"), json!({})).await.field_error("comment", "required");
    m.app.post(&revoke, &producer("sales"), json!({ "comment": "   " })).await.field_error("comment", "required");
    let r = m.app.post(&revoke, &producer("sales"), json!({ "comment": "campaign over" })).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!((r.body["status"].as_str(), r.body["end_comment"].as_str()), (Some("revoked"), Some("campaign over")));
    m.app.post(&confirm, &producer("sales"), json!({})).await.problem(409, "subscription_not_live");
    m.app.post("/api/v1/reviews/0190a000-0000-7000-8000-000000000000/confirm", &steward(), json!({})).await.problem(404, "not_found");
}

#[sqlx::test]
async fn the_access_policy_is_validated_and_null_turns_a_rule_off(pool: PgPool) {
    let m = Mesh::new(pool).await;
    for bad in [json!({ "review_every_days": 0 }), json!({ "review_grace_days": 400 }), json!({ "unused_after_days": -1 }),
                json!({ "review_every_days": 30.5 })] {
        let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "access_policy": bad })).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
    }
    m.app.patch("/api/v1/domains/sales", &admin(), json!({ "access_policy": null })).await.problem(422, "invalid_body");
    // JSON has one number type: 90.0 is the integer 90, as JSON Schema counts it.
    policy(&m, json!({ "review_every_days": 90.0, "unused_after_days": 60, "unused_action": "revoke" })).await;
    let d = m.app.get("/api/v1/domains/sales", &admin()).await.body;
    assert_eq!(d["access_policy"], json!({ "review_every_days": 90, "review_grace_days": 14, "unused_after_days": 60, "unused_action": "revoke" }));
    policy(&m, json!({ "review_every_days": null })).await;
    let d = m.app.get("/api/v1/domains/sales", &admin()).await.body;
    assert_eq!(d["access_policy"], json!({ "review_every_days": null, "review_grace_days": 14, "unused_after_days": 60, "unused_action": "revoke" }));
    let r = m.app.post("/api/v1/domains", &admin(), json!({ "slug": "pos", "name": "POS", "aws_account_id": "444455556666",
                                                            "access_policy": { "review_every_days": 180 } })).await;
    assert_eq!((r.status.as_u16(), r.body["access_policy"]["review_every_days"].as_i64()), (201, Some(180)), "{}", r.body);
}

/// A confirmation committed while the duty is about to send its reminder wins: the duty, waiting
/// on the subscription's row, finds it confirmed and neither marks it nor tells anyone it is due.
#[sqlx::test]
async fn a_confirmation_racing_the_reminder_is_not_overwritten(pool: PgPool) {
    let m = Mesh::new(pool.clone()).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = m.granted(&m.role("analyst"), Value::Null).await;
    policy(&m, json!({ "review_every_days": 30 })).await;
    approved_days_ago(&m, &id, 20).await;
    // A confirmation in flight, as `store::confirm` writes it, not committed yet.
    let mut confirming = pool.begin().await.unwrap();
    sqlx::query("UPDATE subscriptions SET reviewed_at = now(), reviewed_by = 'sam-steward', review_notice = NULL WHERE id = $1::uuid")
        .bind(&id)
        .execute(&mut *confirming)
        .await
        .unwrap();
    let duty = tokio::spawn({
        let pool = pool.clone();
        async move { meshgov::reviews::service::run(&pool).await.unwrap() }
    });
    wait_for("the duty waits for the row", std::time::Duration::from_secs(20), async || {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        waiting == 1
    })
    .await;
    confirming.commit().await.unwrap();
    assert_eq!(duty.await.unwrap(), 0, "no reminder for a review just confirmed");
    let notice: Option<String> = sqlx::query_scalar("SELECT review_notice FROM subscriptions WHERE id = $1::uuid").bind(&id).fetch_one(&pool).await.unwrap();
    assert_eq!(notice, None);
    assert!(m.audit("subscription.review_due", &format!("subscription:{id}")).await.is_empty());
}
