//! `meshgov work` (`background::work_for`): one run drains what is due and returns; runs that overlap (two schedules, a
//! slow run, a replica's own workers) run each job once; a spent budget leaves the rest for the
//! next run.

mod common;

use std::time::Duration;

use common::mesh::Mesh;
use meshgov::background::work_for;
use serde_json::{Value, json};
use sqlx::PgPool;

/// `n` subscriptions of different principals to `sales/orders`, approved: their grant jobs queued.
async fn approved(m: &Mesh, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let principal = m.role(&format!("analyst{i}"));
        let id = m.request(&principal, Value::Null).await["id"].as_str().unwrap().to_string();
        m.approve(&id, json!({})).await;
        out.push((id, principal));
    }
    out
}

async fn jobs_with(m: &Mesh, condition: &'static str) -> i64 {
    let sql = format!("SELECT count(*) FROM jobs WHERE {condition}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&m.app.pool).await.unwrap()
}

#[sqlx::test]
async fn one_run_drains_the_queue_and_returns(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let subs = approved(&m, 3).await;
    assert!(m.lf_state().await.is_empty());
    let queued = jobs_with(&m, "status = 'queued'").await;
    assert!(queued >= 3, "one grant job per approval at least: {queued}");

    let done = work_for(&m.state, Duration::from_secs(60)).await.unwrap();
    assert_eq!(done.jobs as i64, queued, "{done:?}");
    assert!(!done.budget_spent, "the queue was found empty: {done:?}");
    assert_eq!(jobs_with(&m, "status <> 'succeeded'").await, 0);
    let mut expected: Vec<String> =
        subs.iter().flat_map(|(_, p)| [m.expect_db(p), m.expect_table(p, "orders")]).collect();
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    for (id, _) in &subs {
        assert_eq!(m.get(id).await["provisioning"], "granted");
    }

    let again = work_for(&m.state, Duration::from_secs(60)).await.unwrap();
    assert_eq!(again.jobs, 0, "nothing is left to run: {again:?}");
}

#[sqlx::test]
async fn overlapping_runs_run_each_job_once(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let subs = approved(&m, 8).await;
    let queued = jobs_with(&m, "status = 'queued'").await;
    // Two invocations at once, each with its own connections, as two Lambda instances would be.
    let (other, _) = m.replica().await;
    let (a, b) = tokio::join!(work_for(&m.state, Duration::from_secs(60)), work_for(&other, Duration::from_secs(60)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.jobs + b.jobs) as i64, queued, "every job ran, and only once: {a:?} {b:?}");
    assert_eq!(jobs_with(&m, "status <> 'succeeded' OR attempts <> 1").await, 0, "no job was run twice or left");
    assert_eq!(m.lf_state().await.len(), 2 * subs.len());
}

#[sqlx::test]
async fn a_spent_budget_leaves_the_rest_for_the_next_run(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let subs = approved(&m, 2).await;
    let done = work_for(&m.state, Duration::ZERO).await.unwrap();
    assert_eq!((done.jobs, done.budget_spent), (0, true), "no job is claimed after the budget: {done:?}");
    assert!(m.lf_state().await.is_empty());
    let next = work_for(&m.state, Duration::from_secs(60)).await.unwrap();
    assert!(next.jobs >= 2 && !next.budget_spent, "{next:?}");
    assert_eq!(m.lf_state().await.len(), 2 * subs.len());
}

/// A container set to be a worker (`MESHGOV_SERVE_API=false`, workers on as by default): it
/// grants what was approved on another replica, and on its port answers only what its
/// orchestrator asks (probes, metrics), not the API.
#[sqlx::test]
async fn a_worker_only_replica_runs_the_queue_and_answers_only_its_probes(pool: PgPool) {
    let m = Mesh::new(pool.clone()).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let subs = approved(&m, 2).await;
    let (key, secret) = m.state.config.aws.static_credentials.clone().unwrap();
    let principal = m.state.config.aws.principal_arn.clone().unwrap();
    let served = common::process::serve(
        &common::process::database_url(&pool),
        &[
            ("MESHGOV_SERVE_API", "false"),
            ("MESHGOV_RECONCILE_INTERVAL", "off"),
            ("AWS_ACCESS_KEY_ID", &key),
            ("AWS_SECRET_ACCESS_KEY", &secret),
            ("MESHGOV_AWS_PRINCIPAL_ARN", &principal),
        ],
    );
    common::wait_for("the worker grants both approvals", Duration::from_secs(30), async || {
        let mut granted = 0;
        for (id, _) in &subs {
            granted += (m.get(id).await["provisioning"] == "granted") as usize;
        }
        granted == subs.len()
    })
    .await;
    assert_eq!(m.lf_state().await.len(), 2 * subs.len());

    let http = reqwest::Client::new();
    for probe in ["/healthz", "/readyz", "/metrics"] {
        let r = http.get(format!("{}{probe}", served.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{probe}");
    }
    for path in ["/api/v1/domains", "/openapi.json"] {
        let r = http.get(format!("{}{path}", served.base)).bearer_auth(common::admin()).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path} is the API replicas' to answer");
        assert!(r.headers().contains_key("x-request-id"), "{path}: the same request handling as the API's");
    }
}
