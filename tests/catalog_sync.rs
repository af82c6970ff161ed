//! Catalog sync against the AWS emulator (moto behind our stricter layer, see `emulator/`), with
//! the real SDK over HTTP: each test uses its own producer account, so tests run in parallel
//! without resetting the emulator. `scripts/test.sh` starts the emulator and sets
//! `MESHGOV_TEST_AWS_ENDPOINT`.

mod common;

use aws_sdk_glue::types::{Column, DatabaseInput, StorageDescriptor, TableInput};
use common::aws::{config_in, endpoint, fresh_account, lf_list};
use common::*;
use meshgov::config::AwsConfig;
use meshgov::jobs::worker;
use meshgov::{AppState, Config};
use serde_json::{Value, json};
use sqlx::PgPool;



struct Mesh {
    app: TestApp,
    state: AppState,
    account: String,
    glue: aws_sdk_glue::Client,
    /// This test's governance account (where central mode's mirrors and grants are).
    gov: String,
    /// The account whose Lake Formation holds the grants (the governance account, or the producer's
    /// in producer mode).
    holder: String,
}

impl Mesh {
    async fn new(pool: PgPool) -> Mesh {
        let gov = fresh_account();
        let creds = common::mesh::credentials_in(&gov).await;
        let mut config = Config::for_tests("postgres://unused", SECRET);
        config.aws = AwsConfig::emulator(&endpoint());
        config.aws.static_credentials = Some((creds.access_key_id().to_string(), creds.secret_access_key().to_string()));
        config.aws.principal_arn = Some(format!("arn:aws:iam::{gov}:role/meshgov"));
        let state = AppState::new(config, pool.clone());
        let app = TestApp { router: meshgov::app(state.clone()), pool };
        let account = fresh_account();
        let glue = producer_glue(&account).await;
        Mesh { app, state, account, glue, holder: gov.clone(), gov }
    }

    /// The governance account's Glue, where central mode's mirrors are.
    async fn gov_glue(&self) -> aws_sdk_glue::Client {
        aws_sdk_glue::Client::new(&config_in(&self.gov, "meshgov").await)
    }

    /// Glue calls made in the governance account that change the catalog.
    async fn gov_glue_writes(&self) -> usize {
        let calls: Value = reqwest::get(format!("{}/_emulator/calls?service=glue&account={}", endpoint(), self.gov))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        calls["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["operation"].as_str().is_some_and(|o| !o.starts_with("Get")))
            .count()
    }

    /// What the Lake Formation holding the grants grants `principal`.
    async fn lf_grants_of(&self, principal: &str) -> Vec<String> {
        let client = aws_sdk_lakeformation::Client::new(&config_in(&self.holder, "meshgov").await);
        grants_text(lf_list(&client).await, principal)
    }

    fn role(&self) -> String {
        format!("arn:aws:iam::{}:role/meshgov-catalog-reader", self.account)
    }

    /// A domain in this test's account, with a sync role (central mode, with a data access role).
    async fn domain(&self, slug: &str) {
        let body = json!({ "slug": slug, "name": slug, "aws_account_id": self.account, "sync_role_arn": self.role(),
                           "data_access_role_arn": format!("arn:aws:iam::{}:role/meshgov-data-access", self.gov) });
        let r = self.app.post("/api/v1/domains", &admin(), body).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    async fn database(&self, name: &str) {
        self.glue.create_database().database_input(DatabaseInput::builder().name(name).build().unwrap()).send().await.unwrap();
    }

    async fn table(&self, database: &str, name: &str, columns: &[(&str, &str)], partitions: &[(&str, &str)]) {
        self.glue.create_table().database_name(database).table_input(table_input(name, columns, partitions)).send().await.unwrap();
    }

    async fn replace_table(&self, database: &str, name: &str, columns: &[(&str, &str)], partitions: &[(&str, &str)]) {
        self.glue.update_table().database_name(database).table_input(table_input(name, columns, partitions)).send().await.unwrap();
    }

    async fn drop_table(&self, database: &str, name: &str) {
        self.glue.delete_table().database_name(database).name(name).send().await.unwrap();
    }

    /// Requests a sync of `path` (`/domains/x` or `/domains/x/products/y`) and runs the queue dry.
    async fn sync(&self, path: &str) -> Value {
        let r = self.app.post_empty(&format!("/api/v1{path}/sync"), &admin()).await;
        assert_eq!(r.status, 202, "{}", r.body);
        let id = r.body["id"].as_str().unwrap().to_string();
        worker::run_until_idle(&self.state).await.unwrap();
        self.job(&id).await
    }

    async fn job(&self, id: &str) -> Value {
        let r = self.app.get(&format!("/api/v1/jobs/{id}"), &admin()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    async fn product(&self, domain: &str, product: &str) -> Value {
        let r = self.app.get(&format!("/api/v1/domains/{domain}/products/{product}"), &admin()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    async fn changes(&self, domain: &str, product: &str) -> Vec<Value> {
        let r = self.app.get(&format!("/api/v1/domains/{domain}/products/{product}/schema-changes?limit=200"), &admin()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"].as_array().unwrap().clone()
    }

    async fn schema(&self, domain: &str, product: &str) -> Value {
        let r = self.app.get(&format!("/api/v1/domains/{domain}/products/{product}/schema"), &admin()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }
}

/// A Glue client acting in `account`, through STS like a producer's own tooling would.
async fn producer_glue(account: &str) -> aws_sdk_glue::Client {
    aws_sdk_glue::Client::new(&config_in(account, "producer-admin").await)
}

fn table_input(name: &str, columns: &[(&str, &str)], partitions: &[(&str, &str)]) -> TableInput {
    let col = |(n, t): &(&str, &str)| Column::builder().name(*n).r#type(*t).build().unwrap();
    TableInput::builder()
        .name(name)
        .table_type("EXTERNAL_TABLE")
        .parameters("classification", "parquet")
        .storage_descriptor(
            StorageDescriptor::builder()
                .set_columns(Some(columns.iter().map(col).collect()))
                .location(format!("s3://producer-data/{name}/"))
                .input_format("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
                .build(),
        )
        .set_partition_keys(Some(partitions.iter().map(col).collect()))
        .build()
        .unwrap()
}

/// Injects a fault through the emulator's control API. `scope` narrows it to this test's calls:
/// `{"account": ...}` (the calling account) or `{"match": ...}` (a substring of the request).
/// Faults never outlive the test's own account, so parallel tests are not disturbed.
/// Injects a fault scoped to the test (`scope`: its account or a match); its id.
async fn fault(service: &str, operation: &str, error: &str, status: u16, count: i64, scope: Value) -> String {
    let mut body = json!({ "service": service, "operation": operation, "error": error, "status": status, "count": count });
    merge(&mut body, scope);
    common::aws::inject_fault(body).await
}

async fn calls(service: &str, operation: &str, account: &str) -> usize {
    let r: Value = reqwest::get(format!("{}/_emulator/calls?service={service}&operation={operation}", endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = r.get("calls").unwrap_or(&r).as_array().cloned().unwrap_or_default();
    list.iter().filter(|c| c["account"] == account).count()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_events ORDER BY seq").fetch_all(&app.pool).await.unwrap()
}

#[sqlx::test]
async fn first_sync_mirrors_the_catalog_and_a_second_sync_writes_nothing(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.database("sales_curated").await;
    m.table("sales_curated", "orders", &[("order_id", "bigint"), ("amount", "decimal(12,2)")], &[("dt", "string")]).await;
    m.table("sales_curated", "customers", &[("customer_id", "bigint"), ("segment", "string")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_curated" } })).await;

    let job = m.sync("/domains/sales").await;
    assert_eq!(job["status"], "succeeded", "{job}");

    let schema = m.schema("sales", "orders").await;
    assert_eq!(schema["schema_version"], 1);
    let tables: Vec<&str> = schema["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(tables, ["customers", "orders"]);
    let orders = &schema["tables"][1];
    assert_eq!(orders["columns"][1], json!({ "name": "amount", "type": "decimal(12,2)" }));
    assert_eq!(orders["partition_keys"][0]["name"], "dt");
    assert_eq!(orders["format"], "parquet");
    assert_eq!(orders["location"], "s3://producer-data/orders/");

    let changes = m.changes("sales", "orders").await;
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|c| c["kind"] == "table_added" && c["breaking"] == false && c["schema_version"] == 1));

    let product = m.product("sales", "orders").await;
    assert_eq!(product["sync"]["status"], "ok");
    let domain = m.app.get("/api/v1/domains/sales", &admin()).await.body;
    assert_eq!(domain["sync"]["status"], "ok");
    assert!(domain["sync"]["last_success_at"].is_string());

    // Search now finds the product by a column name read from the producer's catalog.
    let found = m.app.get("/api/v1/products?q=segment", &admin()).await;
    assert_eq!(found.body["items"][0]["slug"], "orders", "{}", found.body);

    let events_before = m.app.audit_count().await;
    let etag_before = product["version"].clone();
    let again = m.sync("/domains/sales").await;
    assert_eq!(again["status"], "succeeded");
    assert_eq!(m.schema("sales", "orders").await["schema_version"], 1, "no new version");
    assert_eq!(m.changes("sales", "orders").await.len(), 2, "no new change rows");
    assert_eq!(m.app.audit_count().await, events_before, "no audit event");
    assert_eq!(m.product("sales", "orders").await["version"], etag_before, "the product itself did not change");
}

#[sqlx::test]
async fn every_kind_of_change_is_recorded_with_its_breaking_flag(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("supply-chain").await;
    m.database("sc").await;
    m.table("sc", "shipments", &[("id", "bigint"), ("qty", "int"), ("carrier", "string")], &[("dt", "string")]).await;
    m.table("sc", "legacy_stock", &[("sku", "string")], &[]).await;
    m.app.create_product("supply-chain", "shipments", json!({ "source": { "database": "sc" } })).await;
    assert_eq!(m.sync("/domains/supply-chain").await["status"], "succeeded");
    assert!(m.product("supply-chain", "shipments").await["sync"]["last_breaking_change_at"].is_null());

    // The producer retypes qty, drops carrier, adds eta, repartitions, drops a table, adds one.
    m.replace_table("sc", "shipments", &[("id", "bigint"), ("qty", "bigint"), ("eta", "timestamp")], &[("dt", "date")])
        .await;
    m.drop_table("sc", "legacy_stock").await;
    m.table("sc", "returns", &[("id", "bigint")], &[]).await;
    assert_eq!(m.sync("/domains/supply-chain").await["status"], "succeeded");

    let changes: Vec<(String, String, Value, bool)> = m
        .changes("supply-chain", "shipments")
        .await
        .iter()
        .filter(|c| c["schema_version"] == 2)
        .map(|c| {
            (c["kind"].as_str().unwrap().to_string(), c["table"].as_str().unwrap().to_string(), c["column"].clone(), c["breaking"] == true)
        })
        .collect();
    let expect = |kind: &str, table: &str, column: Value, breaking: bool| {
        assert!(
            changes.contains(&(kind.to_string(), table.to_string(), column.clone(), breaking)),
            "missing {kind} {table} {column} breaking={breaking} in {changes:?}"
        )
    };
    expect("column_retyped", "shipments", json!("qty"), true);
    expect("column_removed", "shipments", json!("carrier"), true);
    expect("column_added", "shipments", json!("eta"), false);
    expect("partition_keys_changed", "shipments", Value::Null, true);
    expect("table_dropped", "legacy_stock", Value::Null, true);
    expect("table_added", "returns", Value::Null, false);
    assert_eq!(changes.len(), 6, "{changes:?}");

    let product = m.product("supply-chain", "shipments").await;
    assert_eq!(product["schema_version"], 2);
    assert!(product["sync"]["last_breaking_change_at"].is_string(), "{product}");
    let event = m.app.last_event_of("product.schema_changed").await;
    assert_eq!(event["target"], "product:supply-chain/shipments");
    assert_eq!(event["details"]["schema_version"], 2);
    assert_eq!(event["details"]["breaking"], true);
    assert_eq!(event["details"]["change_count"], 6);
}

#[sqlx::test]
async fn declared_tables_are_the_product_and_missing_ones_are_reported(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("marketing").await;
    m.database("mkt").await;
    m.table("mkt", "campaigns", &[("id", "bigint")], &[]).await;
    m.table("mkt", "internal_scratch", &[("x", "int")], &[]).await;
    m.app
        .create_product("marketing", "campaigns", json!({ "source": { "database": "mkt", "tables": ["campaigns", "spend"] } }))
        .await;
    assert_eq!(m.sync("/domains/marketing/products/campaigns").await["status"], "succeeded");
    let schema = m.schema("marketing", "campaigns").await;
    assert_eq!(schema["tables"].as_array().unwrap().len(), 1, "only the declared table: {schema}");
    assert_eq!(m.product("marketing", "campaigns").await["sync"]["missing_tables"], json!(["spend"]));
}

#[sqlx::test]
async fn more_than_a_hundred_tables_are_read_page_by_page(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("retail-pos").await;
    m.database("pos").await;
    for i in 0..230 {
        m.table("pos", &format!("store_{i:03}"), &[("sku", "string"), ("units", "int")], &[]).await;
    }
    m.app.create_product("retail-pos", "stores", json!({ "source": { "database": "pos" } })).await;
    let before = calls("glue", "GetTables", &m.account).await;
    assert_eq!(m.sync("/domains/retail-pos").await["status"], "succeeded");
    assert_eq!(m.schema("retail-pos", "stores").await["tables"].as_array().unwrap().len(), 230);
    assert_eq!(calls("glue", "GetTables", &m.account).await - before, 3, "230 tables are 3 pages of at most 100");
}

#[sqlx::test]
async fn throttling_is_retried_and_the_sync_succeeds(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    fault("glue", "GetTables", "ThrottlingException", 400, 2, json!({ "account": m.account })).await;
    let before = calls("glue", "GetTables", &m.account).await;
    let job = m.sync("/domains/sales").await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(calls("glue", "GetTables", &m.account).await - before, 3, "two throttled calls, then the one that worked");
    assert_eq!(job["attempts"], 1, "the SDK's own retries absorbed the throttling");
    assert_eq!(m.schema("sales", "orders").await["schema_version"], 1);
}

#[sqlx::test]
async fn a_role_that_cannot_be_assumed_fails_visibly_and_keeps_the_last_snapshot(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    assert_eq!(m.sync("/domains/sales").await["status"], "succeeded");

    // The producer breaks the trust policy; the table changes meanwhile.
    m.state.aws.roles.clear().await;
    // The AssumeRole call comes from the governance account: match the target role's account.
    let refusing = fault("sts", "AssumeRole", "AccessDenied", 403, -1, json!({ "match": m.account })).await;
    m.replace_table("sales_db", "orders", &[("id", "bigint"), ("late", "string")], &[]).await;
    let r = m.app.post_empty("/api/v1/domains/sales/sync", &admin()).await;
    let id = r.body["id"].as_str().unwrap().to_string();
    for _ in 0..10 {
        worker::run_until_idle(&m.state).await.unwrap();
        // Skip the backoff instead of sleeping through it.
        sqlx::query("UPDATE jobs SET run_after = now() WHERE status = 'queued'").execute(&m.app.pool).await.unwrap();
    }
    let job = m.job(&id).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["attempts"], job["max_attempts"]);
    assert!(job["last_error"].as_str().unwrap().contains("AccessDenied"), "{job}");
    let domain = m.app.get("/api/v1/domains/sales", &admin()).await.body;
    assert_eq!(domain["sync"]["status"], "failed");
    assert!(domain["sync"]["last_error"].as_str().unwrap().contains("AccessDenied"), "{domain}");
    let schema = m.schema("sales", "orders").await;
    assert_eq!(schema["schema_version"], 1, "the last good snapshot is kept");
    assert_eq!(schema["tables"][0]["columns"].as_array().unwrap().len(), 1);
    common::aws::clear_fault(&refusing).await;
}

#[sqlx::test]
async fn a_missing_database_fails_that_product_with_the_cause(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    m.app.create_product("sales", "ghost", json!({ "source": { "database": "no_such_db" } })).await;
    let job = m.sync("/domains/sales").await;
    assert_eq!(job["status"], "succeeded", "a missing database is not worth retrying: {job}");
    assert_eq!(m.product("sales", "orders").await["sync"]["status"], "ok");
    let ghost = m.product("sales", "ghost").await;
    assert_eq!(ghost["sync"]["status"], "failed");
    assert!(ghost["sync"]["last_error"].as_str().unwrap().contains("no_such_db"), "{ghost}");
    let domain = m.app.get("/api/v1/domains/sales", &admin()).await.body;
    assert_eq!(domain["sync"]["status"], "failed");
}

#[sqlx::test]
async fn two_concurrent_syncs_of_one_domain_run_once(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;

    // Two requests while the first is queued: one job.
    let a = m.app.post_empty("/api/v1/domains/sales/sync", &admin()).await;
    let b = m.app.post_empty("/api/v1/domains/sales/sync", &producer("sales")).await;
    assert_eq!(a.body["id"], b.body["id"]);

    // While one sync holds the domain's lock (as on another replica), a second one does not run.
    let domain_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM domains WHERE slug = 'sales'").fetch_one(&m.app.pool).await.unwrap();
    let mut other_replica = m.app.pool.begin().await.unwrap();
    assert!(meshgov::catalog_sync::store::try_lock_domain(&mut other_replica, domain_id).await.unwrap());
    let second = meshgov::catalog_sync::service::sync(&m.state, domain_id, None, "t", meshgov::catalog_sync::service::WhenBusy::Skip).await.unwrap();
    assert!(format!("{second:?}").contains("another sync of this domain is running"), "{second:?}");
    assert!(m.changes("sales", "orders").await.is_empty(), "the refused sync read and wrote nothing");
    other_replica.rollback().await.unwrap();

    // Two at once, for real: however they interleave, the change is recorded once.
    let (x, y) = tokio::join!(
        meshgov::catalog_sync::service::sync(&m.state, domain_id, None, "t", meshgov::catalog_sync::service::WhenBusy::Skip),
        meshgov::catalog_sync::service::sync(&m.state, domain_id, None, "t", meshgov::catalog_sync::service::WhenBusy::Skip),
    );
    x.unwrap();
    y.unwrap();
    assert_eq!(m.changes("sales", "orders").await.len(), 1, "the change was recorded once");
    assert_eq!(audit_actions(&m.app).await.iter().filter(|a| *a == "product.schema_changed").count(), 1);
}

#[sqlx::test]
async fn publishing_syncs_the_product(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    m.app.lifecycle("sales", "orders", "publish").await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'sync_product'").fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(queued, 1, "publishing enqueued a sync in the same transaction");
    worker::run_until_idle(&m.state).await.unwrap();
    assert_eq!(m.schema("sales", "orders").await["schema_version"], 1);
}

#[sqlx::test]
async fn readiness_reports_each_check(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.database("sales_db").await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    let r = m.app.get("/api/v1/domains/sales/readiness", &producer("sales")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ready"], true, "{}", r.body);
    let names: Vec<&str> = r.body["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["assume_role", "read_catalog", "data_access_role", "mirror_catalog", "lake_formation", "link_role"]);
    assert_eq!(r.body["catalog_mode"], "central");
    let policy = &r.body["trust_policy"]["Statement"][0];
    assert_eq!(policy["Action"], "sts:AssumeRole");
    let external_id = m.app.get("/api/v1/domains/sales", &admin()).await.body["external_id"].clone();
    assert_eq!(policy["Condition"]["StringEquals"]["sts:ExternalId"], external_id);
    // The policies of the central mode's roles, filled in for this domain.
    let policies: Vec<&str> = r.body["policies"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(policies, ["sync_role", "data_access_role", "producer_bucket_policy", "producer_kms_key_policy", "link_role"]);
    let sync = &r.body["policies"][0]["document"];
    assert_eq!(sync["trust"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"], external_id);
    assert_eq!(sync["trust"]["Statement"][0]["Principal"]["AWS"], format!("arn:aws:iam::{}:role/meshgov", m.gov));
    let bucket = &r.body["policies"][2]["document"]["Statement"][0];
    assert_eq!(bucket["Principal"]["AWS"], format!("arn:aws:iam::{}:role/meshgov-data-access", m.gov));
    assert!(!r.body.to_string().contains("<EXTERNAL_ID>") && !r.body.to_string().contains("<GOVERNANCE_ACCOUNT>"), "{}", r.body);
    // The producer's stack, its parameters filled in; no console link until the templates' URL is set.
    let stack = &r.body["stacks"][0];
    assert_eq!((stack["template"].as_str(), stack["stack_name"].as_str()), (Some("producer.yaml"), Some("meshgov-producer-sales")));
    assert_eq!(stack["parameters"]["ExternalId"], external_id);
    assert_eq!(stack["parameters"]["GovernanceAccountId"], m.gov.as_str());
    assert_eq!(stack["parameters"]["CatalogMode"], "central");
    assert_eq!(stack["quick_create_url"], serde_json::Value::Null);
    assert_eq!(r.body["stacks"].as_array().unwrap().len(), 1, "no consumer stack without a link role");

    m.app.create_product("sales", "ghost", json!({ "source": { "database": "no_such_db" } })).await;
    let r = m.app.get("/api/v1/domains/sales/readiness", &admin()).await;
    assert_eq!(r.body["ready"], false);
    assert_eq!(r.body["checks"][1]["ok"], false);
    assert!(r.body["checks"][1]["detail"].as_str().unwrap().contains("no_such_db"), "{}", r.body);
}

#[sqlx::test]
async fn sync_and_readiness_refusals(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.app.create_product("sales", "orders", json!({})).await;
    for token in [consumer("sales"), producer("marketing"), steward()] {
        m.app.post_empty("/api/v1/domains/sales/sync", &token).await.problem(403, "forbidden");
        m.app.get("/api/v1/domains/sales/readiness", &token).await.problem(403, "forbidden");
    }
    m.app.post_empty("/api/v1/domains/sales/products/orders/sync", &producer("marketing")).await.problem(404, "not_found");
    let job = m.app.post_empty("/api/v1/domains/sales/sync", &admin()).await.body;
    let id = job["id"].as_str().unwrap();
    m.app.get(&format!("/api/v1/jobs/{id}"), &consumer("sales")).await.problem(403, "forbidden");
    assert_eq!(m.app.get(&format!("/api/v1/jobs/{id}"), &producer("sales")).await.status, 200);
    m.app.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000", &admin()).await.problem(404, "not_found");
    m.app.get("/api/v1/jobs/not-a-uuid", &admin()).await.problem(404, "not_found");

    // A domain without a sync role cannot be synced.
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "sync_role_arn": null })).await;
    assert_eq!(r.status, 200);
    m.app.post_empty("/api/v1/domains/sales/sync", &admin()).await.problem(409, "no_sync_role");
}

/// What Lake Formation (the emulator, governance account) grants `principal`, as sorted lines.
fn grants_text(listed: Vec<aws_sdk_lakeformation::types::PrincipalResourcePermissions>, principal: &str) -> Vec<String> {
    let mut out: Vec<String> = listed
        .iter()
        .filter(|p| p.principal().and_then(|x| x.data_lake_principal_identifier()) == Some(principal))
        .map(|p| {
            let r = p.resource().unwrap();
            if let Some(t) = r.table_with_columns() {
                format!("columns {} [{}]", t.name(), t.column_names().join(","))
            } else if let Some(t) = r.table() {
                format!("table {}", t.name().unwrap_or("*"))
            } else if let Some(d) = r.database() {
                format!("database {}", d.name())
            } else {
                format!("{r:?}")
            }
        })
        .collect();
    out.sort();
    out
}

#[sqlx::test]
async fn a_dropped_table_or_column_takes_its_grants_along_and_names_the_subscriptions(pool: PgPool) {
    consequences_in(pool, "central").await
}

#[sqlx::test]
async fn a_dropped_table_or_column_takes_its_grants_along_in_producer_mode(pool: PgPool) {
    consequences_in(pool, "producer").await
}

async fn consequences_in(pool: PgPool, mode: &str) {
    let mut m = Mesh::new(pool).await;
    m.domain("sales").await;
    if mode == "producer" {
        let grant_role = format!("arn:aws:iam::{}:role/meshgov-grants", m.account);
        let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "catalog_mode": "producer", "grant_role_arn": grant_role })).await;
        assert_eq!(r.status, 200, "{}", r.body);
        m.holder = m.account.clone();
    }
    let db = if mode == "producer" { "database sales_db" } else { "database sales__orders" };
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint"), ("amount", "double"), ("note", "string")], &[]).await;
    m.table("sales_db", "returns", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    m.app.lifecycle("sales", "orders", "publish").await;
    worker::run_until_idle(&m.state).await.unwrap();

    let consumer_account = fresh_account();
    let body = json!({ "slug": "marketing", "name": "Marketing", "aws_account_id": consumer_account });
    assert_eq!(m.app.post("/api/v1/domains", &admin(), body).await.status, 201);
    let narrow = format!("arn:aws:iam::{consumer_account}:role/narrow");
    let wide = format!("arn:aws:iam::{consumer_account}:role/wide");
    let mut ids = Vec::new();
    for (principal, tables) in [(&narrow, json!([{ "name": "orders", "columns": ["id", "note"] }])), (&wide, Value::Null)] {
        let request = json!({ "domain": "sales", "product": "orders", "consumer_domain": "marketing",
                              "principal": principal, "tables": tables, "justification": "analysis" });
        let r = m.app.post("/api/v1/subscriptions", &consumer("marketing"), request).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.body["id"].as_str().unwrap().to_string();
        let r = m.app.post(&format!("/api/v1/subscriptions/{id}/approve"), &steward(), json!({})).await;
        assert_eq!(r.status, 202, "{}", r.body);
        ids.push(id);
    }
    worker::run_until_idle(&m.state).await.unwrap();
    assert_eq!(m.lf_grants_of(&narrow).await, ["columns orders [id,note]", db]);
    assert_eq!(m.lf_grants_of(&wide).await, [db, "table orders", "table returns"]);

    // The producer drops a column and a table.
    m.replace_table("sales_db", "orders", &[("id", "bigint"), ("amount", "double")], &[]).await;
    m.drop_table("sales_db", "returns").await;
    assert_eq!(m.sync("/domains/sales").await["status"], "succeeded");
    worker::run_until_idle(&m.state).await.unwrap();

    assert_eq!(m.lf_grants_of(&narrow).await, ["columns orders [id]", db], "note is gone from the column grant");
    assert_eq!(m.lf_grants_of(&wide).await, [db, "table orders"], "the dropped table's grant is revoked");
    for id in &ids {
        let s = m.app.get(&format!("/api/v1/subscriptions/{id}"), &steward()).await.body;
        assert_eq!((s["status"].as_str(), s["provisioning"].as_str()), (Some("approved"), Some("granted")), "{s}");
    }

    let changes = m.changes("sales", "orders").await;
    let removed = changes.iter().find(|c| c["kind"] == "column_removed").unwrap();
    let mut affected: Vec<String> =
        removed["details"]["affected_subscriptions"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    affected.sort();
    let mut both = ids.clone();
    both.sort();
    assert_eq!(affected, both, "both subscriptions read orders");
    let dropped = changes.iter().find(|c| c["kind"] == "table_dropped").unwrap();
    assert_eq!(dropped["details"]["affected_subscriptions"], json!([ids[1]]));
    let event = m.app.get("/api/v1/audit?action=product.schema_changed&limit=1", &steward()).await.body["items"][0].clone();
    let effects: Vec<&str> = event["details"]["grant_effects"].as_array().unwrap().iter().map(|e| e["effect"].as_str().unwrap()).collect();
    assert!(effects.contains(&"grant_revoked") && effects.contains(&"columns_narrowed"), "{event}");
}

/// The governance account's mirror of `database`: each table's columns, partition keys, location
/// and meshgov's parameters.
async fn mirror_of(m: &Mesh, database: &str) -> Vec<(String, Vec<String>, Vec<String>, Option<String>, Value)> {
    let page = m.gov_glue().await.get_tables().database_name(database).send().await.unwrap();
    let mut out: Vec<_> = page
        .table_list()
        .iter()
        .map(|t| {
            let sd = t.storage_descriptor().unwrap();
            let names = |cols: &[Column]| cols.iter().map(|c| format!("{}:{}", c.name(), c.r#type().unwrap_or(""))).collect::<Vec<_>>();
            let params: serde_json::Map<String, Value> = t
                .parameters()
                .unwrap()
                .iter()
                .filter(|(k, _)| k.starts_with("meshgov:") && k.as_str() != "meshgov:definition")
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            (t.name().to_string(), names(sd.columns()), names(t.partition_keys()), sd.location().map(str::to_string), Value::Object(params))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[sqlx::test]
async fn central_mode_mirrors_the_product_into_the_governance_catalog_and_follows_its_changes(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    let domain = m.app.get("/api/v1/domains/sales", &admin()).await.body;
    assert_eq!(domain["catalog_mode"], "central", "new domains are central: {domain}");
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint"), ("amount", "double")], &[("day", "string")]).await;
    m.table("sales_db", "returns", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    m.app.lifecycle("sales", "orders", "publish").await;
    worker::run_until_idle(&m.state).await.unwrap();

    // One database per product, named after it, holding the producer's definitions and their source.
    let source = |table: &str, version: &str| {
        json!({ "meshgov:source_account": m.account, "meshgov:source_database": "sales_db",
                "meshgov:source_table": table, "meshgov:schema_version": version })
    };
    assert_eq!(
        mirror_of(&m, "sales__orders").await,
        vec![
            (
                "orders".to_string(),
                vec!["id:bigint".to_string(), "amount:double".into()],
                vec!["day:string".to_string()],
                Some("s3://producer-data/orders/".to_string()),
                source("orders", "1")
            ),
            ("returns".to_string(), vec!["id:bigint".to_string()], vec![], Some("s3://producer-data/returns/".to_string()), source("returns", "1")),
        ]
    );
    let db = m.gov_glue().await.get_database().name("sales__orders").send().await.unwrap();
    assert_eq!(db.database().unwrap().parameters().unwrap()["meshgov:source_account"], m.account);
    assert_eq!(m.app.last_event_of("catalog.mirrored").await["details"]["created"], json!(["orders", "returns"]));

    // A sync that finds nothing new writes nothing to Glue and queues no mirror work.
    let writes = m.gov_glue_writes().await;
    assert!(writes >= 3, "the first mirror wrote the database and two tables ({writes})");
    assert_eq!(m.sync("/domains/sales/products/orders").await["status"], "succeeded");
    assert_eq!(m.gov_glue_writes().await, writes, "a no-change sync writes nothing");
    let mirror_jobs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'mirror_product'").fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(mirror_jobs, 1);

    // A column added and one removed, a table dropped: the mirror follows, touching only those.
    m.replace_table("sales_db", "orders", &[("id", "bigint"), ("note", "string")], &[("day", "string")]).await;
    m.drop_table("sales_db", "returns").await;
    assert_eq!(m.sync("/domains/sales").await["status"], "succeeded");
    worker::run_until_idle(&m.state).await.unwrap();
    assert_eq!(
        mirror_of(&m, "sales__orders").await,
        vec![(
            "orders".to_string(),
            vec!["id:bigint".to_string(), "note:string".into()],
            vec!["day:string".to_string()],
            Some("s3://producer-data/orders/".to_string()),
            source("orders", "2")
        )]
    );
    let mirrored = m.app.last_event_of("catalog.mirrored").await;
    assert_eq!((&mirrored["details"]["updated"], &mirrored["details"]["deleted"]), (&json!(["orders"]), &json!(["returns"])));
    assert_eq!(m.gov_glue_writes().await, writes + 2, "one update, one delete");
}

#[sqlx::test]
async fn the_mirror_registers_the_producer_locations_with_the_data_access_role(pool: PgPool) {
    let m = Mesh::new(pool).await;
    let role = format!("arn:aws:iam::{}:role/meshgov-data-access", m.gov);
    let body = json!({ "slug": "sales", "name": "sales", "aws_account_id": m.account, "sync_role_arn": m.role(),
                       "data_access_role_arn": role });
    assert_eq!(m.app.post("/api/v1/domains", &admin(), body).await.status, 201);
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    m.app.lifecycle("sales", "orders", "publish").await;
    worker::run_until_idle(&m.state).await.unwrap();

    let lf = aws_sdk_lakeformation::Client::new(&config_in(&m.gov, "meshgov").await);
    let registered = lf.list_resources().send().await.unwrap();
    let mine: Vec<(&str, Option<&str>)> = registered
        .resource_info_list()
        .iter()
        .filter(|r| r.resource_arn() == Some("arn:aws:s3:::producer-data"))
        .map(|r| (r.resource_arn().unwrap(), r.role_arn()))
        .collect();
    assert_eq!(mine, [("arn:aws:s3:::producer-data", Some(role.as_str()))]);
    assert_eq!(m.app.last_event_of("catalog.mirrored").await["details"]["registered"], json!(["arn:aws:s3:::producer-data"]));

    // A later table in the same bucket is covered by the bucket's registration.
    m.table("sales_db", "returns", &[("id", "bigint")], &[]).await;
    m.sync("/domains/sales").await;
    let event = m.app.last_event_of("catalog.mirrored").await;
    assert_eq!((event["details"]["created"].clone(), event["details"]["registered"].clone()), (json!(["returns"]), json!([])));
    let registered = lf.list_resources().send().await.unwrap();
    assert_eq!(registered.resource_info_list().iter().filter(|r| r.resource_arn().is_some_and(|a| a.contains("producer-data"))).count(), 1);
}

#[sqlx::test]
async fn readiness_in_producer_mode_checks_the_grant_role_and_its_lake_formation(pool: PgPool) {
    let m = Mesh::new(pool).await;
    let grant_role = format!("arn:aws:iam::{}:role/meshgov-grants", m.account);
    let body = json!({ "slug": "sales", "name": "sales", "aws_account_id": m.account, "sync_role_arn": m.role(),
                       "catalog_mode": "producer", "grant_role_arn": grant_role });
    assert_eq!(m.app.post("/api/v1/domains", &admin(), body).await.status, 201);
    let check = |body: &Value, name: &str| body["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).cloned().unwrap();

    let r = m.app.get("/api/v1/domains/sales/readiness", &admin()).await;
    assert_eq!(r.body["catalog_mode"], "producer");
    assert_eq!(check(&r.body, "grant_role")["ok"], true, "{}", r.body);
    let lf = check(&r.body, "lake_formation");
    assert_eq!(lf["ok"], false, "the grant role is no data lake administrator yet: {}", r.body);
    assert!(lf["detail"].as_str().unwrap().contains("not a data lake administrator"), "{lf}");
    let policies: Vec<&str> = r.body["policies"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(policies, ["sync_role", "grant_role", "link_role"]);
    assert_eq!(r.body["policies"][1]["role_arn"], grant_role);

    // The producer makes its grant role a data lake administrator: ready.
    let producer_lf = aws_sdk_lakeformation::Client::new(&config_in(&m.account, "producer-admin").await);
    let admin_role = aws_sdk_lakeformation::types::DataLakePrincipal::builder().data_lake_principal_identifier(&grant_role).build();
    let settings = aws_sdk_lakeformation::types::DataLakeSettings::builder().data_lake_admins(admin_role).build();
    producer_lf.put_data_lake_settings().data_lake_settings(settings).send().await.unwrap();
    let r = m.app.get("/api/v1/domains/sales/readiness", &admin()).await;
    assert_eq!(check(&r.body, "lake_formation")["ok"], true, "{}", r.body);
    assert_eq!(r.body["ready"], true, "{}", r.body);
}

/// Creates role `name` in `account`'s IAM with `trust` as its trust policy (the emulator's IAM;
/// moto reads the account from `x-moto-account-id` and does not check the signature).
async fn create_role(account: &str, name: &str, trust: &Value) {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0";
    let form = [
        ("Action", "CreateRole".to_string()),
        ("Version", "2010-05-08".to_string()),
        ("RoleName", name.to_string()),
        ("AssumeRolePolicyDocument", trust.to_string()),
    ];
    // application/x-www-form-urlencoded, by hand (reqwest is built without its form feature).
    let encode = |v: &str| -> String {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let body = form.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&");
    let r = reqwest::Client::new()
        .post(endpoint())
        .header("Authorization", auth)
        .header("x-moto-account-id", account)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "CreateRole: {}", r.text().await.unwrap());
}

#[sqlx::test]
async fn the_sync_role_is_assumed_with_the_domains_external_id_as_readiness_tells_the_producer(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.domain("sales").await;
    m.database("sales_db").await;
    m.table("sales_db", "orders", &[("id", "bigint")], &[]).await;
    m.app.create_product("sales", "orders", json!({ "source": { "database": "sales_db" } })).await;
    // The producer creates the role with the trust policy readiness gives it: only meshgov, only
    // with the domain's external id (the emulator enforces the external id of roles it knows).
    let readiness = m.app.get("/api/v1/domains/sales/readiness", &admin()).await.body;
    create_role(&m.account, "meshgov-catalog-reader", &readiness["trust_policy"]).await;
    assert_eq!(m.sync("/domains/sales").await["status"], "succeeded");
    let external_id = m.app.get("/api/v1/domains/sales", &admin()).await.body["external_id"].clone();
    let calls: Value = reqwest::get(format!("{}/_emulator/calls?service=sts&operation=AssumeRole&account={}", endpoint(), m.gov))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours: Vec<&Value> =
        calls["calls"].as_array().unwrap().iter().filter(|c| c["body"]["RoleArn"] == m.role() && c["status"] == 200).collect();
    assert!(!ours.is_empty() && ours.iter().all(|c| c["body"]["ExternalId"] == external_id), "{calls}");

    // A role that trusts another external id (another domain's, say) is refused, visibly.
    let mut other = readiness["trust_policy"].clone();
    other["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = json!("meshgov-someone-else");
    create_role(&m.account, "other-reader", &other).await;
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "sync_role_arn": format!("arn:aws:iam::{}:role/other-reader", m.account) })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let check = m.app.get("/api/v1/domains/sales/readiness", &admin()).await.body;
    assert_eq!(check["checks"][0]["name"], "assume_role");
    assert_eq!(check["checks"][0]["ok"], false, "{check}");
    assert!(check["checks"][0]["detail"].as_str().unwrap().contains("AccessDenied"), "{check}");
}
