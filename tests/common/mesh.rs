//! A mesh on the AWS emulator for the tests of grants and drift: the test acts as its own
//! governance account (credentials from AssumeRole into a fresh account), with fresh producer and
//! consumer accounts, so tests run in parallel and every ListPermissions / call-log / fault is
//! this test's alone. Domains are in `central` mode: products are read from the producer's Glue
//! catalog by a real sync, mirrored into the governance account's catalog (`sales__orders`), and
//! granted on there.

use aws_sdk_lakeformation::types::Resource;
use meshgov::config::AwsConfig;
use meshgov::grants::holder::CatalogMode;
use meshgov::jobs::worker;
use meshgov::{AppState, Config};
use serde_json::{Value, json};
use sqlx::PgPool;

use super::aws::{base_config, config_in, endpoint, fresh_account};
use super::*;

/// Credentials that act in `account` (the emulator maps an assumed key to its account).
pub async fn credentials_in(account: &str) -> aws_credential_types::Credentials {
    use aws_credential_types::provider::ProvideCredentials;
    let config = config_in(account, "meshgov").await;
    config.credentials_provider().unwrap().provide_credentials().await.unwrap()
}

pub struct Mesh {
    pub app: TestApp,
    pub state: AppState,
    pub gov: String,
    pub producer: String,
    pub consumer: String,
    /// The Lake Formation that holds the grants: the governance account's (central mode) or the
    /// producer's (producer mode).
    pub lf: aws_sdk_lakeformation::Client,
    pub mode: CatalogMode,
}

impl Mesh {
    /// The mesh with `sales` in central mode (the default).
    pub async fn new(pool: PgPool) -> Mesh {
        Mesh::in_mode(pool, CatalogMode::Central).await
    }

    /// The mesh with `sales` in `mode`; in producer mode meshgov grants through a grant role in
    /// the producer's account.
    pub async fn in_mode(pool: PgPool, mode: CatalogMode) -> Mesh {
        let gov = fresh_account();
        let creds = credentials_in(&gov).await;
        let mut config = Config::for_tests("postgres://unused", SECRET);
        config.aws = AwsConfig::emulator(&endpoint());
        config.aws.static_credentials = Some((creds.access_key_id().to_string(), creds.secret_access_key().to_string()));
        config.aws.principal_arn = Some(format!("arn:aws:iam::{gov}:role/meshgov"));
        let state = AppState::new(config, pool.clone());
        let app = TestApp { router: meshgov::app(state.clone()), pool };
        let producer = fresh_account();
        let holder_creds = match mode {
            CatalogMode::Central => creds,
            CatalogMode::Producer => credentials_in(&producer).await,
        };
        let base = base_config().await;
        let lf = aws_sdk_lakeformation::Client::from_conf(
            aws_sdk_lakeformation::config::Builder::from(&base).credentials_provider(holder_creds).build(),
        );
        let m = Mesh { app, state, gov, producer, consumer: fresh_account(), lf, mode };
        m.domain("sales", &m.producer.clone(), "stewards").await;
        if mode == CatalogMode::Producer {
            // What the producer does for producer mode: a grant role, a data lake administrator of
            // its account (the emulator does not check it; Lake Formation would).
            let grant_role = format!("arn:aws:iam::{}:role/meshgov-grants", m.producer);
            let admin_role = aws_sdk_lakeformation::types::DataLakePrincipal::builder().data_lake_principal_identifier(&grant_role).build();
            let settings = aws_sdk_lakeformation::types::DataLakeSettings::builder().data_lake_admins(admin_role).build();
            m.lf.put_data_lake_settings().data_lake_settings(settings).send().await.unwrap();
            let body = json!({ "catalog_mode": "producer", "grant_role_arn": grant_role });
            let r = m.app.patch("/api/v1/domains/sales", &admin(), body).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        m.domain("marketing", &m.consumer.clone(), "stewards").await;
        m
    }

    /// A second replica of the service on the same database: its own pool, its own state, its
    /// own router (as a second process would have), for races between replicas.
    pub async fn replica(&self) -> (AppState, TestApp) {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect_with((*self.app.pool.connect_options()).clone())
            .await
            .unwrap();
        let state = AppState::new((*self.state.config).clone(), pool.clone());
        let app = TestApp { router: meshgov::app(state.clone()), pool };
        (state, app)
    }

    /// The Lake Formation meshgov calls for the grants on `sales/orders`.
    pub async fn lf_account(&self) -> meshgov::grants::holder::LfAccount {
        use meshgov::grants::holder::LfAccount;
        match self.mode {
            CatalogMode::Central => LfAccount::Governance,
            CatalogMode::Producer => {
                let external_id: String = sqlx::query_scalar("SELECT external_id FROM domains WHERE slug = 'sales'")
                    .fetch_one(&self.app.pool)
                    .await
                    .unwrap();
                LfAccount::Producer {
                    domain: "sales".into(),
                    account_id: self.producer.clone(),
                    role_arn: format!("arn:aws:iam::{}:role/meshgov-grants", self.producer),
                    external_id,
                }
            }
        }
    }

    /// The account whose Lake Formation holds the grants.
    pub fn holder(&self) -> &str {
        match self.mode {
            CatalogMode::Central => &self.gov,
            CatalogMode::Producer => &self.producer,
        }
    }

    pub async fn domain(&self, slug: &str, account: &str, policy: &str) {
        let body = json!({ "slug": slug, "name": slug, "aws_account_id": account, "approval_policy": policy });
        let r = self.app.post("/api/v1/domains", &admin(), body).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    pub fn role(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:role/{name}", self.consumer)
    }

    /// A published product `domain/slug` over `sales_db` with the given tables (columns a, b, c
    /// and region each): the tables are created in the producer's Glue catalog, and publishing
    /// syncs them and mirrors them into the governance account's catalog, as in production.
    pub async fn product(&self, domain: &str, slug: &str, tables: &[&str], extra: Value) {
        let mut body = json!({ "source": { "database": "sales_db", "tables": tables } });
        merge(&mut body, extra);
        self.glue_tables(tables).await;
        self.sync_role(domain).await;
        self.app.create_product(domain, slug, body).await;
        self.app.lifecycle(domain, slug, "publish").await;
        self.run_jobs().await;
        let p = self.app.get(&format!("/api/v1/domains/{domain}/products/{slug}"), &admin()).await.body;
        assert_eq!(p["sync"]["status"], "ok", "the product was synced: {p}");
        if self.mode == CatalogMode::Central {
            let mirrored: i32 = sqlx::query_scalar("SELECT mirrored_version FROM products WHERE slug = $1")
                .bind(slug)
                .fetch_one(&self.app.pool)
                .await
                .unwrap();
            assert_eq!(i64::from(mirrored), p["schema_version"].as_i64().unwrap(), "the product was mirrored: {p}");
        }
    }

    /// The database the grants on `sales/orders` name.
    pub fn grant_database(&self) -> String {
        match self.mode {
            CatalogMode::Central => "sales__orders".into(),
            CatalogMode::Producer => "sales_db".into(),
        }
    }

    /// The catalog and database the grants on `sales/orders` name: the governance account's mirror,
    /// or the producer's own database.
    pub fn grant_db(&self) -> String {
        match self.mode {
            CatalogMode::Central => format!("{}.sales__orders", self.gov),
            CatalogMode::Producer => format!("{}.sales_db", self.producer),
        }
    }

    pub fn request_body(&self, principal: &str, tables: Value) -> Value {
        json!({
            "domain": "sales", "product": "orders", "consumer_domain": "marketing", "principal": principal,
            "tables": tables, "justification": "campaign attribution",
        })
    }

    pub async fn request(&self, principal: &str, tables: Value) -> Value {
        let r = self.app.post("/api/v1/subscriptions", &consumer("marketing"), self.request_body(principal, tables)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body
    }

    pub async fn approve(&self, id: &str, body: Value) -> Value {
        let r = self.app.post(&format!("/api/v1/subscriptions/{id}/approve"), &steward(), body).await;
        assert_eq!(r.status, 202, "{}", r.body);
        r.body
    }

    /// Requests, approves and grants a subscription (its jobs run); returns its id.
    pub async fn granted(&self, principal: &str, tables: Value) -> String {
        let id = self.request(principal, tables).await["id"].as_str().unwrap().to_string();
        self.approve(&id, json!({})).await;
        self.run_jobs().await;
        assert_eq!(self.get(&id).await["provisioning"], "granted");
        id
    }

    /// A steward's retry of failed provisioning.
    pub async fn retry(&self, id: &str) -> Value {
        let r = self.app.post_empty(&format!("/api/v1/subscriptions/{id}/retry"), &steward()).await;
        assert_eq!(r.status, 202, "{}", r.body);
        r.body
    }

    pub async fn revoke(&self, id: &str) -> Value {
        let r = self.app.post_empty(&format!("/api/v1/subscriptions/{id}/revoke"), &steward()).await;
        assert_eq!(r.status, 202, "{}", r.body);
        r.body
    }

    pub async fn get(&self, id: &str) -> Value {
        let r = self.app.get(&format!("/api/v1/subscriptions/{id}"), &steward()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    pub async fn run_jobs(&self) {
        worker::run_until_idle(&self.state).await.unwrap();
    }

    /// Makes queued retries due now instead of after their backoff, and runs them.
    pub async fn run_retries(&self) {
        sqlx::query("UPDATE jobs SET run_after = now() WHERE status = 'queued'").execute(&self.app.pool).await.unwrap();
        self.run_jobs().await;
    }

    /// Every permission in this test's governance account, as (principal, resource, permissions),
    /// in a comparable text form.
    pub async fn lf_state(&self) -> Vec<String> {
        let mut out: Vec<String> = super::aws::lf_list(&self.lf)
            .await
            .iter()
            .map(|p| {
                let principal = p.principal().and_then(|x| x.data_lake_principal_identifier()).unwrap_or("");
                let mut perms: Vec<&str> = p.permissions().iter().map(|x| x.as_str()).collect();
                perms.sort();
                format!("{principal} {} {}", resource_text(p.resource().unwrap(), self.holder()), perms.join("+"))
            })
            .collect();
        out.sort();
        out
    }

    pub async fn lf_calls(&self, operation: &str) -> Vec<Value> {
        let r: Value = reqwest::get(format!(
            "{}/_emulator/calls?service=lakeformation&operation={operation}&account={}",
            endpoint(),
            self.holder()
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        // A broken reply must fail the test, not read as "no calls".
        r["calls"].as_array().cloned().unwrap_or_else(|| panic!("the emulator's call log: {r}"))
    }

    /// Injects a Lake Formation fault for this test's governance account only; returns its id.
    pub async fn fault(&self, operation: &str, error: &str, count: i64, extra: Value) -> String {
        let mut body = json!({ "service": "lakeformation", "operation": operation, "error": error, "count": count, "account": self.holder() });
        merge(&mut body, extra);
        super::aws::inject_fault(body).await
    }

    /// Clears one fault (never all: other tests run in parallel).
    pub async fn clear_fault(&self, id: &str) {
        super::aws::clear_fault(id).await
    }

    pub async fn audit(&self, action: &str, target: &str) -> Vec<Value> {
        sqlx::query_scalar("SELECT details FROM audit_events WHERE action = $1 AND target = $2 ORDER BY seq")
            .bind(action)
            .bind(target)
            .fetch_all(&self.app.pool)
            .await
            .unwrap()
    }

    pub fn db(&self, table: &str) -> String {
        format!("table {}.{table}", self.grant_db())
    }

    pub fn expect_db(&self, principal: &str) -> String {
        format!("{principal} database {} DESCRIBE", self.grant_db())
    }

    pub fn expect_table(&self, principal: &str, table: &str) -> String {
        format!("{principal} {} DESCRIBE+SELECT", self.db(table))
    }
    /// The producer's Glue client.
    pub async fn glue(&self) -> aws_sdk_glue::Client {
        let base = base_config().await;
        aws_sdk_glue::Client::from_conf(
            aws_sdk_glue::config::Builder::from(&base).credentials_provider(credentials_in(&self.producer).await).build(),
        )
    }

    /// Creates `sales_db` (if needed) and `tables` in the producer's Glue catalog, with the columns
    /// `product` gives its tables (a, b, c, region).
    pub async fn glue_tables(&self, tables: &[&str]) {
        let glue = self.glue().await;
        let db = aws_sdk_glue::types::DatabaseInput::builder().name("sales_db").build().unwrap();
        if let Err(e) = glue.create_database().database_input(db).send().await {
            assert!(e.as_service_error().is_some_and(|e| e.is_already_exists_exception()), "{e:?}");
        }
        let col = |n: &str| aws_sdk_glue::types::Column::builder().name(n).r#type("string").build().unwrap();
        for t in tables {
            let sd = aws_sdk_glue::types::StorageDescriptor::builder()
                .set_columns(Some(vec![col("a"), col("b"), col("c"), col("region")]))
                .location(format!("s3://sales-data/{t}/"))
                .build();
            let input = aws_sdk_glue::types::TableInput::builder().name(*t).storage_descriptor(sd).build().unwrap();
            if let Err(e) = glue.create_table().database_name("sales_db").table_input(input).send().await {
                assert!(e.as_service_error().is_some_and(|e| e.is_already_exists_exception()), "{e:?}");
            }
        }
    }

    /// Gives the producer's table `table` (in `sales_db`) these columns, as a schema change would.
    pub async fn glue_columns(&self, table: &str, columns: &[&str]) {
        let col = |n: &&str| aws_sdk_glue::types::Column::builder().name(*n).r#type("string").build().unwrap();
        let sd = aws_sdk_glue::types::StorageDescriptor::builder()
            .set_columns(Some(columns.iter().map(col).collect()))
            .location(format!("s3://sales-data/{table}/"))
            .build();
        let input = aws_sdk_glue::types::TableInput::builder().name(table).storage_descriptor(sd).build().unwrap();
        self.glue().await.update_table().database_name("sales_db").table_input(input).send().await.unwrap();
    }

    /// Lets meshgov read the producer's catalog (sync, drift checks) through a role there.
    pub async fn sync_role(&self, domain: &str) {
        sqlx::query("UPDATE domains SET sync_role_arn = $2 WHERE slug = $1")
            .bind(domain)
            .bind(format!("arn:aws:iam::{}:role/meshgov-sync", self.producer))
            .execute(&self.app.pool)
            .await
            .unwrap();
    }
}

/// A resource as text; one listed without a catalog id is in `own`, the caller's catalog.
pub fn resource_text(r: &Resource, own: &str) -> String {
    if let Some(d) = r.database() {
        return format!("database {}.{}", d.catalog_id().unwrap_or(own), d.name());
    }
    if let Some(t) = r.table() {
        return format!("table {}.{}.{}", t.catalog_id().unwrap_or(own), t.database_name(), t.name().unwrap_or("*"));
    }
    if let Some(t) = r.table_with_columns() {
        return format!(
            "columns {}.{}.{}[{}]",
            t.catalog_id().unwrap_or(own),
            t.database_name(),
            t.name(),
            t.column_names().join(",")
        );
    }
    if let Some(f) = r.data_cells_filter() {
        return format!(
            "filter {}.{}.{}/{}",
            f.table_catalog_id().unwrap_or(own),
            f.database_name().unwrap_or(""),
            f.table_name().unwrap_or(""),
            f.name().unwrap_or("")
        );
    }
    format!("{r:?}")
}
