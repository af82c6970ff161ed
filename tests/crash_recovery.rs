//! Killing the service in the middle of granting a batch of approvals, then starting it again,
//! ends with Lake Formation holding exactly the approved grants and one audit event per recorded
//! call. The real binary runs as a child process (kill -9 is a real kill); the emulator slows
//! this test's grant calls down so the kill lands while calls are in flight.

mod common;

use std::time::{Duration, Instant};

use common::aws::{clear_fault, endpoint, fresh_account, inject_fault};
use common::*;
use common::process::Served;
use meshgov::config::AwsConfig;
use meshgov::schema::{Column, SchemaDocument, TableSchema};
use meshgov::Config;
use serde_json::json;
use sqlx::PgPool;

const SUBSCRIPTIONS: usize = 24;


/// The service with four workers and a 3 s job lease (a killed replica's jobs are reclaimed soon),
/// acting as the test's own governance account.
fn serve(database_url: &str, mesh: &Crashable) -> Served {
    let (key, secret, principal) = &mesh.gov_credentials;
    common::process::serve(
        database_url,
        &[
            ("MESHGOV_WORKER_CONCURRENCY", "4"),
            ("MESHGOV_JOB_LEASE", "3s"),
            ("AWS_ACCESS_KEY_ID", key),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("MESHGOV_AWS_PRINCIPAL_ARN", principal),
        ],
    )
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(pool).await.unwrap()
}

/// What the Lake Formation of `holder` (the test's governance account, or the producer's in
/// producer mode) grants principals of `account`.
async fn lf_grants_in(account: &str, holder: &str) -> Vec<String> {
    let listed = common::aws::lf_list(&aws_sdk_lakeformation::Client::new(&common::aws::config_in(holder, "meshgov").await)).await;
    let mut out: Vec<String> = listed
        .iter()
        .filter_map(|p| {
            let principal = p.principal().and_then(|x| x.data_lake_principal_identifier())?;
            if !principal.contains(&format!("::{account}:")) {
                return None;
            }
            let r = p.resource().unwrap();
            let what = match (r.database(), r.table()) {
                (Some(d), _) => format!("database {}", d.name()),
                (_, Some(t)) => format!("table {}", t.name().unwrap_or("*")),
                _ => format!("{r:?}"),
            };
            let mut perms: Vec<&str> = p.permissions().iter().map(|x| x.as_str()).collect();
            perms.sort();
            Some(format!("{principal} {what} {}", perms.join("+")))
        })
        .collect();
    out.sort();
    out
}

#[sqlx::test]
async fn killed_mid_batch_and_restarted_lake_formation_holds_exactly_the_approved_grants(pool: PgPool) {
    killed_mid_batch_in(pool, false).await
}

#[sqlx::test]
async fn killed_mid_batch_and_restarted_in_producer_mode(pool: PgPool) {
    killed_mid_batch_in(pool, true).await
}

/// A mesh of `sales` (in central or producer mode) and `marketing`, and the principals of
/// `marketing`'s subscriptions to `sales/orders`.
struct Crashable {
    app: TestApp,
    consumer_account: String,
    principals: Vec<String>,
    /// The database the grants name, and the account holding them (the governance account's, or
    /// the producer's in producer mode).
    database: &'static str,
    holder: String,
    /// The test's own governance account, and meshgov's credentials and principal there.
    gov: String,
    gov_credentials: (String, String, String),
}

async fn approved(pool: &PgPool, producer_mode: bool, link_role: bool) -> Crashable {
    let mut mesh = published(pool, producer_mode, link_role).await;
    let principals: Vec<String> =
        (0..SUBSCRIPTIONS).map(|i| format!("arn:aws:iam::{}:role/analyst-{i:02}", mesh.consumer_account)).collect();
    for principal in &principals {
        let body = json!({ "domain": "sales", "product": "orders", "consumer_domain": "marketing",
                           "principal": principal, "justification": "crash test" });
        let r = mesh.app.post("/api/v1/subscriptions", &consumer("marketing"), body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let sub = r.body["id"].as_str().unwrap();
        let r = mesh.app.post(&format!("/api/v1/subscriptions/{sub}/approve"), &steward(), json!({})).await;
        assert_eq!(r.status, 202, "{}", r.body);
    }
    mesh.principals = principals;
    mesh
}

/// Makes `role` a data lake administrator of `account`, as its administrator would.
async fn data_lake_admin(account: &str, role: &str) {
    let lf = aws_sdk_lakeformation::Client::new(&common::aws::config_in(account, "admin").await);
    let admin = aws_sdk_lakeformation::types::DataLakePrincipal::builder().data_lake_principal_identifier(role).build();
    let settings = aws_sdk_lakeformation::types::DataLakeSettings::builder().data_lake_admins(admin).build();
    lf.put_data_lake_settings().data_lake_settings(settings).send().await.unwrap();
}

/// The mesh of `sales` (with `orders`: tables orders and returns, in the producer's Glue catalog
/// and, in central mode, mirrored) and `marketing`, published, without subscriptions.
async fn published(pool: &PgPool, producer_mode: bool, link_role: bool) -> Crashable {
    meshgov::install_crypto_provider();
    // A governance account of the test's own: its mirror and grants are no other test's.
    let gov = fresh_account();
    let creds = common::mesh::credentials_in(&gov).await;
    let principal = format!("arn:aws:iam::{gov}:role/meshgov");
    let gov_credentials = (creds.access_key_id().to_string(), creds.secret_access_key().to_string(), principal.clone());
    let mut config = Config::for_tests("postgres://unused", SECRET);
    config.aws = AwsConfig::emulator(&endpoint());
    config.aws.static_credentials = Some((gov_credentials.0.clone(), gov_credentials.1.clone()));
    config.aws.principal_arn = Some(principal);
    let app = TestApp::with_config(pool.clone(), config.clone());
    let (producer_account, consumer_account) = (fresh_account(), fresh_account());
    for (slug, account) in [("sales", &producer_account), ("marketing", &consumer_account)] {
        let r = app.post("/api/v1/domains", &admin(), json!({ "slug": slug, "name": slug, "aws_account_id": account })).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let product = app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    let schema = SchemaDocument {
        tables: ["orders", "returns"]
            .iter()
            .map(|t| TableSchema {
                name: t.to_string(),
                columns: vec![Column { name: "id".into(), data_type: "bigint".into(), comment: None }],
                partition_keys: vec![],
                location: None,
                format: None,
                parameters: Default::default(),
            })
            .collect(),
    };
    // The tables exist in the producer's Glue catalog, as the schema says: Lake Formation grants
    // only on what exists.
    let glue = aws_sdk_glue::Client::new(&common::aws::config_in(&producer_account, "admin").await);
    glue.create_database().database_input(aws_sdk_glue::types::DatabaseInput::builder().name("sales_db").build().unwrap()).send().await.unwrap();
    for t in &schema.tables {
        let id = aws_sdk_glue::types::Column::builder().name("id").r#type("bigint").build().unwrap();
        let sd = aws_sdk_glue::types::StorageDescriptor::builder().columns(id).location(format!("s3://sales-data/{}/", t.name)).build();
        let input = aws_sdk_glue::types::TableInput::builder().name(&t.name).storage_descriptor(sd).build().unwrap();
        glue.create_table().database_name("sales_db").table_input(input).send().await.unwrap();
    }
    let id: uuid::Uuid = product["id"].as_str().unwrap().parse().unwrap();
    let mut conn = pool.acquire().await.unwrap();
    meshgov::catalog_sync::store::replace_schema(&mut conn, id, &schema).await.unwrap();
    drop(conn);
    if producer_mode {
        let grant_role = format!("arn:aws:iam::{producer_account}:role/meshgov-grants");
        // What the producer does for producer mode, as readiness asks: its grant role is a data
        // lake administrator of its account (Lake Formation lets only those grant on its tables).
        data_lake_admin(&producer_account, &grant_role).await;
        let r = app.patch("/api/v1/domains/sales", &admin(), json!({ "catalog_mode": "producer", "grant_role_arn": grant_role })).await;
        assert_eq!(r.status, 200, "{}", r.body);
    } else {
        // Central mode: grants name the governance account's mirror, made as a sync's job would.
        let state = meshgov::AppState::new(config.clone(), pool.clone());
        let mirrored = meshgov::catalog_sync::mirror::run(&state, id).await.unwrap();
        assert!(matches!(mirrored, meshgov::jobs::JobOutcome::Done(_)), "{mirrored:?}");
    }
    let (database, holder) = if producer_mode { ("sales_db", producer_account.clone()) } else { ("sales__orders", gov.clone()) };
    if link_role {
        let role = format!("arn:aws:iam::{consumer_account}:role/meshgov-links");
        let r = app.patch("/api/v1/domains/marketing", &admin(), json!({ "link_role_arn": role })).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // What the consumer does for it, as readiness asks: a data lake administrator of its account.
        data_lake_admin(&consumer_account, &role).await;
    }
    app.lifecycle("sales", "orders", "publish").await;
    Crashable { app, consumer_account, principals: Vec::new(), database, holder, gov, gov_credentials }
}

async fn killed_mid_batch_in(pool: PgPool, producer_mode: bool) {
    let mesh = approved(&pool, producer_mode, false).await;
    let Crashable { app, consumer_account, principals, database, holder, .. } = &mesh;
    // Slow this test's grant calls (they name the consumer account) so the kill hits mid-flight.
    let fault = inject_fault(json!({ "service": "lakeformation", "operation": "BatchGrantPermissions", "delay_ms": 400,
                                  "count": -1, "match": consumer_account }))
    .await;

    let url = common::process::database_url(&pool);
    let mut first = serve(&url, &mesh);
    let granted = "SELECT count(*) FROM subscriptions WHERE provisioning = 'granted'";
    wait_for("a few grants", Duration::from_secs(60), async || count(&pool, granted).await >= 3).await;
    first.kill();
    let done_before = count(&pool, granted).await;
    let in_flight = count(&pool, "SELECT count(*) FROM jobs WHERE kind = 'apply_grants' AND status = 'running'").await;
    assert!(done_before < SUBSCRIPTIONS as i64, "the kill came too late to test anything");
    assert!(in_flight > 0, "jobs were in flight when the process died");

    clear_fault(&fault).await;
    let mut second = serve(&url, &mesh);
    wait_for("every subscription granted", Duration::from_secs(90), async || {
        count(&pool, granted).await == SUBSCRIPTIONS as i64
    })
    .await;
    second.kill();

    let mut expected: Vec<String> = principals
        .iter()
        .flat_map(|p| {
            [
                format!("{p} database {database} DESCRIBE"),
                format!("{p} table orders DESCRIBE+SELECT"),
                format!("{p} table returns DESCRIBE+SELECT"),
            ]
        })
        .collect();
    expected.sort();
    assert_eq!(lf_grants_in(consumer_account, holder).await, expected, "exactly the approved grants");
    let per_subscription: Vec<i64> = sqlx::query_scalar(
        "SELECT count(e.seq) FROM subscriptions s
         LEFT JOIN audit_events e ON e.target = 'subscription:' || s.id AND e.action = 'lakeformation.batch_grant'
         GROUP BY s.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(per_subscription, vec![1; SUBSCRIPTIONS], "one audited grant call per subscription, none twice");
    let verify = app.get("/api/v1/audit/verify", &steward()).await;
    assert_eq!(verify.body["ok"], true, "{}", verify.body);
}

/// Killed while setting up consumer access (the grants done, the DESCRIBE grants on the resource
/// link slowed down), then restarted: every principal ends with its grants, the one link, and
/// DESCRIBE on it, nothing half-done and nothing twice.
#[sqlx::test]
async fn killed_between_the_grants_and_the_links_and_restarted_every_principal_can_query(pool: PgPool) {
    let mesh = approved(&pool, false, true).await;
    let Crashable { app, consumer_account, principals, gov, .. } = &mesh;
    let fault = inject_fault(json!({ "service": "lakeformation", "operation": "GrantPermissions", "delay_ms": 400,
                                  "count": -1, "account": consumer_account }))
    .await;
    let url = common::process::database_url(&pool);
    let mut first = serve(&url, &mesh);
    let ready = "SELECT count(*) FROM consumer_access WHERE state = 'ready'";
    wait_for("a few links", Duration::from_secs(60), async || count(&pool, ready).await >= 3).await;
    first.kill();
    assert!(count(&pool, ready).await < SUBSCRIPTIONS as i64, "the kill came too late to test anything");
    let granted_grants = "SELECT count(*) FROM grants WHERE state = 'granted'";
    assert!(count(&pool, granted_grants).await > count(&pool, ready).await, "grants were done whose links were not");

    clear_fault(&fault).await;
    let mut second = serve(&url, &mesh);
    let granted = "SELECT count(*) FROM subscriptions WHERE provisioning = 'granted'";
    wait_for("every subscription granted", Duration::from_secs(90), async || {
        count(&pool, granted).await == SUBSCRIPTIONS as i64
    })
    .await;
    second.kill();
    assert_eq!(count(&pool, ready).await, SUBSCRIPTIONS as i64);

    // In the consumer's account: one link to the mirror, DESCRIBE on it for each principal, once.
    let config = common::aws::config_in(consumer_account, "meshgov").await;
    let link = aws_sdk_glue::Client::new(&config).get_database().name("sales__orders").send().await.unwrap();
    let target = link.database().unwrap().target_database().unwrap();
    assert_eq!((target.catalog_id(), target.database_name()), (Some(gov.as_str()), Some("sales__orders")));
    let lf = aws_sdk_lakeformation::Client::new(&config);
    let mut held: Vec<String> = common::aws::lf_list(&lf)
        .await
        .iter()
        .map(|p| {
            let who = p.principal().and_then(|x| x.data_lake_principal_identifier()).unwrap_or("").to_string();
            let db = p.resource().and_then(|r| r.database()).map(|d| d.name().to_string()).unwrap_or_default();
            let perms: Vec<&str> = p.permissions().iter().map(|x| x.as_str()).collect();
            format!("{who} {db} {}", perms.join("+"))
        })
        .collect();
    held.sort();
    let mut expected: Vec<String> = principals.iter().map(|p| format!("{p} sales__orders DESCRIBE")).collect();
    expected.sort();
    assert_eq!(held, expected);
    let failed = "SELECT count(*) FROM consumer_access WHERE state <> 'ready' OR last_error IS NOT NULL";
    assert_eq!(count(&pool, failed).await, 0);
    let verify = app.get("/api/v1/audit/verify", &steward()).await;
    assert_eq!(verify.body["ok"], true, "{}", verify.body);
}

/// One campaign: three replicas on one database take requests, approvals and revokes spread over
/// all of them (each call to another replica than the last), one replica is killed with -9 in the
/// middle of the wave and started again, and at the end Lake Formation holds exactly what the live
/// subscriptions want. Its figures are printed (`--no-capture`) and written down in
/// `bench/results/campaign.md`.
#[sqlx::test]
async fn three_replicas_under_approvals_revokes_and_a_kill_end_with_lake_formation_as_desired(pool: PgPool) {
    const WAVE: usize = 60;
    let mesh = published(&pool, false, false).await;
    let Crashable { app, consumer_account, gov, .. } = &mesh;
    // Slow this test's grant and revoke calls so the kill lands while some are in flight.
    let mut faults = Vec::new();
    for operation in ["BatchGrantPermissions", "BatchRevokePermissions"] {
        let spec = json!({ "service": "lakeformation", "operation": operation, "delay_ms": 150, "count": -1, "match": consumer_account });
        faults.push(inject_fault(spec).await);
    }
    let url = common::process::database_url(&pool);
    let mut replicas: Vec<Served> = (0..3).map(|_| serve(&url, &mesh)).collect();
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    let started = Instant::now();

    // Each subscription: requested on one replica, approved on the next; every third revoked on
    // the third, half of those at once (while its grant is in flight), half at the end.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..WAVE {
        let (bases, account) = (bases.clone(), consumer_account.clone());
        tasks.spawn(async move {
            let principal = format!("arn:aws:iam::{account}:role/campaign-{i:02}");
            let body = json!({ "domain": "sales", "product": "orders", "consumer_domain": "marketing",
                               "principal": principal, "justification": "campaign" });
            let key = format!("campaign-{i}");
            let created = call(&bases, i, "POST", "/api/v1/subscriptions", &consumer("marketing"), Some(&body), Some(&key)).await;
            assert_eq!(created.0, 201, "{}", created.1);
            let id = created.1["id"].as_str().unwrap().to_string();
            let approved = call(&bases, i + 1, "POST", &format!("/api/v1/subscriptions/{id}/approve"), &steward(), Some(&json!({})), None).await;
            assert!(approved.0 == 202 || approved.0 == 409, "{approved:?}");
            if i % 6 == 0 {
                let revoked = call(&bases, i + 2, "POST", &format!("/api/v1/subscriptions/{id}/revoke"), &steward(), None, None).await;
                assert!(revoked.0 == 202 || revoked.0 == 409, "{revoked:?}");
            }
            (i, id, principal)
        });
    }
    // The kill: replica 0 dies with grants in flight, and comes back two seconds later.
    let granted = "SELECT count(*) FROM subscriptions WHERE provisioning = 'granted'";
    wait_for("a few grants", Duration::from_secs(60), async || count(&pool, granted).await >= 5).await;
    replicas[0].kill();
    let killed_at = started.elapsed();
    let running_at_kill = count(&pool, "SELECT count(*) FROM jobs WHERE status = 'running'").await;
    let granted_at_kill = count(&pool, granted).await;
    let mut subscriptions = Vec::new();
    while let Some(done) = tasks.join_next().await {
        subscriptions.push(done.unwrap());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    replicas[0] = serve(&url, &mesh);
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    for (i, id, _) in &subscriptions {
        if i % 6 == 3 {
            let revoked = call(&bases, i + 2, "POST", &format!("/api/v1/subscriptions/{id}/revoke"), &steward(), None, None).await;
            assert_eq!(revoked.0, 202, "{revoked:?}");
        }
    }
    let revoked_ids = |i: &usize| matches!(i % 6, 0 | 3);
    let settled = "SELECT count(*) FROM subscriptions WHERE (status = 'approved' AND provisioning = 'granted')
                                                      OR (status = 'revoked' AND provisioning = 'revoked')";
    wait_for("every subscription settled", Duration::from_secs(120), async || count(&pool, settled).await == WAVE as i64).await;
    let settle_time = started.elapsed();
    for fault in &faults {
        clear_fault(fault).await;
    }

    let mut expected: Vec<String> = subscriptions
        .iter()
        .filter(|(i, ..)| !revoked_ids(i))
        .flat_map(|(_, _, p)| {
            [format!("{p} database sales__orders DESCRIBE"), format!("{p} table orders DESCRIBE+SELECT"), format!("{p} table returns DESCRIBE+SELECT")]
        })
        .collect();
    expected.sort();
    assert_eq!(lf_grants_in(consumer_account, gov).await, expected, "Lake Formation holds exactly what the live subscriptions want");
    assert_eq!(count(&pool, "SELECT count(*) FROM jobs WHERE status = 'failed'").await, 0, "no job failed");
    let verify = app.get("/api/v1/audit/verify", &steward()).await;
    assert_eq!(verify.body["ok"], true, "{}", verify.body);
    let reclaimed = count(&pool, "SELECT count(*) FROM jobs WHERE kind IN ('apply_grants', 'revoke_grants') AND attempts > 1").await;
    let calls = count(&pool, "SELECT count(*) FROM audit_events WHERE action LIKE 'lakeformation.%'").await;
    eprintln!(
        "campaign: {WAVE} subscriptions over 3 replicas, {} revoked; kill -9 of one replica at {:.1} s with {running_at_kill} jobs running \
         and {granted_at_kill} granted; settled at {:.1} s; {reclaimed} grant/revoke jobs ran more than once; {calls} audited Lake Formation calls; \
         Lake Formation: {} permissions, exactly as desired",
        subscriptions.iter().filter(|(i, ..)| revoked_ids(i)).count(),
        killed_at.as_secs_f64(),
        settle_time.as_secs_f64(),
        expected.len()
    );
}

/// One API call through the replicas, as a client behind a load balancer makes it: to replica
/// `first` (mod their number), or to the next one when a replica does not answer.
async fn call(bases: &[String], first: usize, method: &str, path: &str, token: &str, body: Option<&serde_json::Value>, key: Option<&str>) -> (u16, serde_json::Value) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    for k in 0..bases.len() * 3 {
        let base = &bases[(first + k) % bases.len()];
        let mut request = http.request(method.parse().unwrap(), format!("{base}{path}")).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        match request.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                return (status, r.json().await.unwrap_or(serde_json::Value::Null));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("no replica answered {method} {path}");
}
