//! The job queue: dedupe, SKIP LOCKED claims, leases, retries and the final failed state; and the
//! scheduler that enqueues periodic syncs.

mod common;

use std::time::Duration;

use common::*;
use meshgov::catalog_sync::jobs::{SyncDomain, enqueue_due};
use meshgov::jobs::model::NewJob;
use meshgov::jobs::{BackgroundJob, store, worker};
use meshgov::{AppState, Config};
use serde_json::json;
use sqlx::PgPool;

fn state(pool: &PgPool) -> AppState {
    AppState::new(Config::for_tests("postgres://unused", SECRET), pool.clone())
}

fn job(kind: &'static str, key: Option<&str>, attempts: i32) -> NewJob {
    NewJob {
        kind,
        payload: json!({}),
        domain_id: None,
        dedupe_key: key.map(str::to_string),
        concurrency_key: None,
        created_by: "test".into(),
        max_attempts: attempts,
    }
}

async fn enqueue(pool: &PgPool, j: &NewJob) -> uuid::Uuid {
    let mut tx = pool.begin().await.unwrap();
    let row = store::enqueue(&mut tx, j).await.unwrap();
    tx.commit().await.unwrap();
    row.id
}

#[sqlx::test]
async fn a_live_job_is_not_queued_twice_but_a_finished_one_is(pool: PgPool) {
    let a = enqueue(&pool, &job("noop", Some("k"), 3)).await;
    let b = enqueue(&pool, &job("noop", Some("k"), 3)).await;
    assert_eq!(a, b, "the second request joins the queued job");
    store::succeed(&pool, a, &json!({})).await.unwrap();
    let c = enqueue(&pool, &job("noop", Some("k"), 3)).await;
    assert_ne!(a, c, "once finished, the same work can be queued again");
    let d = enqueue(&pool, &job("noop", None, 3)).await;
    let e = enqueue(&pool, &job("noop", None, 3)).await;
    assert_ne!(d, e, "jobs without a key never merge");
}

#[sqlx::test]
async fn concurrent_claims_never_take_the_same_job(pool: PgPool) {
    for _ in 0..20 {
        enqueue(&pool, &job("noop", None, 3)).await;
    }
    let mut claimers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let pool = pool.clone();
        claimers.spawn(async move {
            let mut mine = Vec::new();
            while let Some(j) = store::claim(&pool, Duration::from_secs(60)).await.unwrap() {
                mine.push(j.id);
            }
            mine
        });
    }
    let mut all = Vec::new();
    while let Some(ids) = claimers.join_next().await {
        all.extend(ids.unwrap());
    }
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!((count, all.len()), (20, 20), "each job claimed exactly once");
}

#[sqlx::test]
async fn a_job_whose_worker_died_is_claimed_again_after_its_lease(pool: PgPool) {
    let id = enqueue(&pool, &job("noop", None, 3)).await;
    let first = store::claim(&pool, Duration::from_secs(60)).await.unwrap().unwrap();
    assert_eq!(first.id, id);
    assert!(store::claim(&pool, Duration::from_secs(60)).await.unwrap().is_none(), "leased");
    // The worker dies and its lease runs out: moved into the past rather than slept through, so a
    // loaded machine cannot make either step race the clock.
    sqlx::query("UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1").bind(id).execute(&pool).await.unwrap();
    let again = store::claim(&pool, Duration::from_secs(60)).await.unwrap().expect("lease expired");
    assert_eq!((again.id, again.attempts), (id, 2), "the crashed attempt counts");
}

#[sqlx::test]
async fn failures_retry_with_backoff_then_end_failed_and_visible(pool: PgPool) {
    let st = state(&pool);
    // A sync of a domain without a sync role cannot succeed: it fails for good at once.
    let app = TestApp { router: meshgov::app(st.clone()), pool: pool.clone() };
    let mut body = domain_body("sales");
    body.as_object_mut().unwrap().remove("sync_role_arn");
    assert_eq!(app.post("/api/v1/domains", &admin(), body).await.status, 201);
    let domain_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM domains").fetch_one(&pool).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    let sync = SyncDomain { domain: "sales".into() };
    let id = sync.enqueue(&mut tx, Some(domain_id), "test").await.unwrap().id;
    tx.commit().await.unwrap();
    assert_eq!(worker::run_until_idle(&st).await.unwrap(), 1);
    let r = app.get(&format!("/api/v1/jobs/{id}"), &admin()).await;
    assert_eq!(r.body["status"], "failed", "{}", r.body);
    assert_eq!(r.body["attempts"], 1, "a fatal error is not retried");
    assert!(r.body["last_error"].as_str().unwrap().contains("sync_role_arn"));
    assert!(r.body["finished_at"].is_string());

    // An unknown job kind is fatal too; a retryable failure is re-queued with a backoff.
    let unknown = enqueue(&pool, &job("no_such_kind", None, 3)).await;
    worker::run_until_idle(&st).await.unwrap();
    let row = store::find(&pool, unknown).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 1));

    let retry = enqueue(&pool, &job("noop", None, 2)).await;
    let claimed = store::claim(&pool, Duration::from_secs(60)).await.unwrap().unwrap();
    assert_eq!(claimed.id, retry);
    store::fail(&pool, retry, "throttled", Some(Duration::from_secs(30))).await.unwrap();
    let row = store::find(&pool, retry).await.unwrap().unwrap();
    assert_eq!(row.status, "queued");
    assert!(row.run_after > chrono::Utc::now() + chrono::Duration::seconds(20), "backoff respected");
    assert!(store::claim(&pool, Duration::from_secs(60)).await.unwrap().is_none(), "not due yet");
}

#[sqlx::test]
async fn the_scheduler_enqueues_each_due_domain_once(pool: PgPool) {
    let st = state(&pool);
    let app = TestApp { router: meshgov::app(st.clone()), pool: pool.clone() };
    app.create_domain("sales").await;
    app.create_domain("marketing").await;
    let mut no_role = domain_body("finance");
    no_role.as_object_mut().unwrap().remove("sync_role_arn");
    assert_eq!(app.post("/api/v1/domains", &admin(), no_role).await.status, 201);
    sqlx::query("UPDATE domains SET last_sync_at = now() WHERE slug = 'marketing'").execute(&pool).await.unwrap();

    let interval = Duration::from_secs(3600);
    assert_eq!(enqueue_due(&st, interval).await.unwrap(), 1, "only sales is due");
    enqueue_due(&st, interval).await.unwrap();
    let queued: Vec<String> =
        sqlx::query_scalar("SELECT payload->>'domain' FROM jobs WHERE kind = 'sync_domain'").fetch_all(&pool).await.unwrap();
    assert_eq!(queued, ["sales"], "a due domain is queued once, however often the scheduler ticks");
}

#[sqlx::test]
async fn webhook_deliveries_never_take_the_provisioning_workers(pool: PgPool) {
    let st = state(&pool);
    // A burst of deliveries queued first, then a grant job and an unknown kind.
    let mut deliveries = Vec::new();
    for _ in 0..5 {
        deliveries.push(enqueue(&pool, &job("deliver_webhook", None, 3)).await);
    }
    let grant = enqueue(&pool, &job("apply_grants", None, 3)).await;
    let unknown = enqueue(&pool, &job("from_a_newer_version", None, 3)).await;
    let lease = Duration::from_secs(60);
    let provisioning = st.jobs.kinds(meshgov::jobs::Lane::Provisioning);
    let delivery = st.jobs.kinds(meshgov::jobs::Lane::Delivery);

    // The provisioning workers skip the deliveries queued before the grant.
    let first = store::claim_of(&pool, lease, provisioning).await.unwrap().unwrap();
    let second = store::claim_of(&pool, lease, provisioning).await.unwrap().unwrap();
    assert_eq!((first.id, second.id), (grant, unknown));
    assert!(store::claim_of(&pool, lease, provisioning).await.unwrap().is_none(), "deliveries are not theirs");
    // The delivery workers take only deliveries.
    let claimed = store::claim_of(&pool, lease, delivery).await.unwrap().unwrap();
    assert_eq!(claimed.id, deliveries[0]);
    assert_eq!(claimed.kind, "deliver_webhook");
}

/// Waits until job `id` has run (left the queue), at most `limit`.
async fn ran_within(pool: &PgPool, id: uuid::Uuid, limit: Duration, what: &str) {
    wait_for(what, limit, async || {
        let status: String = sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
        status != "queued"
    })
    .await
}

#[sqlx::test]
async fn a_job_enqueued_while_the_workers_idle_wakes_them_long_before_their_poll(pool: PgPool) {
    let mut config = Config::for_tests("postgres://unused", SECRET);
    // Were the workers only polling, the job would wait two minutes.
    config.sync.job_poll = Duration::from_secs(120);
    let st = AppState::new(config, pool.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(worker::run(st, 2, stopped));
    // A first job shows the workers and their listener are up (the listener wakes them once it
    // listens, for anything enqueued before); after it they idle until woken or polled.
    let first = enqueue(&pool, &job("noop", None, 1)).await;
    ran_within(&pool, first, Duration::from_secs(30), "the first job to run").await;
    for _ in 0..3 {
        let next = enqueue(&pool, &job("noop", None, 1)).await;
        ran_within(&pool, next, Duration::from_secs(20), "the job to wake the workers (not their 120 s poll)").await;
    }
    // A job enqueued by a transaction that rolls back wakes nobody and leaves nothing.
    let mut tx = pool.begin().await.unwrap();
    store::enqueue(&mut tx, &job("noop", None, 1)).await.unwrap();
    tx.rollback().await.unwrap();
    let _ = stop.send(true);
    workers.await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 4);
}

#[sqlx::test]
async fn jobs_of_one_concurrency_key_never_run_at_once(pool: PgPool) {
    let keyed = |key: &str| NewJob { concurrency_key: Some(key.to_string()), ..job("noop", None, 3) };
    let (a1, a2, b1) = (enqueue(&pool, &keyed("a")).await, enqueue(&pool, &keyed("a")).await, enqueue(&pool, &keyed("b")).await);
    let lease = Duration::from_secs(60);
    // Concurrent claims: one job of `a` and the one of `b`, never both of `a`.
    let mut claimers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let pool = pool.clone();
        claimers.spawn(async move { store::claim(&pool, lease).await.unwrap().map(|j| j.id) });
    }
    let mut claimed = Vec::new();
    while let Some(id) = claimers.join_next().await {
        claimed.extend(id.unwrap());
    }
    claimed.sort();
    assert!(claimed.contains(&b1) && claimed.len() == 2, "{claimed:?}");
    assert!(claimed.contains(&a1) != claimed.contains(&a2), "one job of `a` runs: {claimed:?}");
    assert!(store::claim(&pool, lease).await.unwrap().is_none(), "the other waits, unclaimed");
    // Once the running one ends, the other is claimed.
    let running = if claimed.contains(&a1) { a1 } else { a2 };
    store::succeed(&pool, running, &json!({})).await.unwrap();
    let next = store::claim(&pool, lease).await.unwrap().expect("the other job of `a`");
    assert_eq!(next.id, if running == a1 { a2 } else { a1 });
    // A running job whose worker died still holds the key until it is reclaimed itself.
    sqlx::query("UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1").bind(next.id).execute(&pool).await.unwrap();
    let third = enqueue(&pool, &keyed("a")).await;
    let again = store::claim(&pool, lease).await.unwrap().expect("the dead worker's job");
    assert_eq!(again.id, next.id);
    assert!(store::claim(&pool, lease).await.unwrap().is_none(), "{third} waits for it");
}
