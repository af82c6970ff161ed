//! Drift detection and repair against the AWS emulator with the real SDK: permissions are changed
//! behind meshgov's back through the emulator's own Lake Formation and Glue APIs, and every result
//! is checked in Lake Formation itself (ListPermissions), not only in our tables.

mod common;

use std::time::Duration;

use aws_sdk_lakeformation::types::{
    DataLakePrincipal, DatabaseResource, Permission, Resource, TableResource, TableWithColumnsResource,
};
use common::mesh::Mesh;
use meshgov::grants::holder::CatalogMode;
use common::*;
use meshgov::drift;
use serde_json::{Value, json};
use sqlx::PgPool;

fn principal(arn: &str) -> DataLakePrincipal {
    DataLakePrincipal::builder().data_lake_principal_identifier(arn).build()
}

fn table(catalog: &str, database: &str, name: &str) -> Resource {
    Resource::builder()
        .table(TableResource::builder().catalog_id(catalog).database_name(database).name(name).build().unwrap())
        .build()
}

impl Mesh {
    /// A published product `sales/orders` over `tables`, which exist in the producer's Glue
    /// catalog, readable through the domain's sync role.
    async fn catalog(&self, tables: &[&str]) {
        self.glue_tables(tables).await;
        self.sync_role("sales").await;
        self.product("sales", "orders", tables, json!({})).await;
    }

    /// Requests, approves and grants a subscription; returns its id.
    async fn granted(&self, principal: &str, tables: Value) -> String {
        let id = self.request(principal, tables).await["id"].as_str().unwrap().to_string();
        self.approve(&id, json!({})).await;
        self.run_jobs().await;
        assert_eq!(self.get(&id).await["provisioning"], "granted");
        id
    }

    async fn drift(&self) -> Value {
        let r = self.app.get("/api/v1/drift", &steward()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    async fn reconcile(&self, apply: bool) -> Value {
        let r = self.app.post_empty(&format!("/api/v1/reconcile?apply={apply}"), &steward()).await;
        assert_eq!(r.status, if apply { 202 } else { 200 }, "{}", r.body);
        r.body
    }

    async fn grant_by_hand(&self, who: &str, resource: Resource, permissions: &[Permission]) {
        self.lf
            .grant_permissions()
            .principal(principal(who))
            .resource(resource)
            .set_permissions(Some(permissions.to_vec()))
            .send()
            .await
            .unwrap();
    }
}

fn kinds(report: &Value) -> (usize, usize, usize) {
    let n = |k: &str| report[k].as_array().map_or(usize::MAX, Vec::len);
    (n("missing"), n("unexpected"), n("orphaned"))
}

#[sqlx::test]
async fn a_grant_revoked_by_hand_is_missing_and_reconcile_restores_it(pool: PgPool) {
    a_grant_revoked_by_hand_is_missing_and_reconcile_restores_it_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn a_grant_revoked_by_hand_is_missing_and_reconcile_restores_it_in_producer_mode(pool: PgPool) {
    a_grant_revoked_by_hand_is_missing_and_reconcile_restores_it_in(pool, CatalogMode::Producer).await
}

async fn a_grant_revoked_by_hand_is_missing_and_reconcile_restores_it_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.catalog(&["orders"]).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders", "columns": ["b", "a"] }])).await;

    let clean = m.drift().await;
    assert_eq!(kinds(&clean), (0, 0, 0), "{clean}");
    assert_eq!(clean["check"]["desired_grants"], 2);
    let sub = m.get(&id).await;
    assert_eq!(sub["health"]["status"], "healthy", "{sub}");
    assert!(sub["health"]["verified_at"].is_string());
    let before = m.lf_state().await;

    // Someone revokes the column grant in the console.
    let columns = TableWithColumnsResource::builder()
        .catalog_id(m.holder())
        .database_name(m.grant_database())
        .name("orders")
        .column_names("a")
        .column_names("b")
        .build()
        .unwrap();
    m.lf.revoke_permissions()
        .principal(principal(&analyst))
        .resource(Resource::builder().table_with_columns(columns).build())
        .permissions(Permission::Select)
        .send()
        .await
        .unwrap();
    assert_eq!(m.lf_state().await.len(), before.len() - 1);

    let report = m.drift().await;
    assert_eq!(kinds(&report), (1, 0, 0), "{report}");
    let missing = &report["missing"][0];
    assert_eq!(missing["subscription_id"], id);
    assert_eq!(missing["principal"], analyst);
    assert_eq!(missing["product"], "orders");
    assert_eq!(missing["permissions"], json!(["SELECT"]));
    assert_eq!(missing["resource"]["TableWithColumns"]["ColumnNames"], json!(["a", "b"]));
    let sub = m.get(&id).await;
    assert_eq!(sub["health"]["status"], "drifted");
    assert_eq!(sub["health"]["open_findings"], 1);
    let product = m.app.get("/api/v1/domains/sales/products/orders", &steward()).await.body;
    assert_eq!(product["health"]["drifted"], 1, "{product}");
    // Other domains read the published product, not its subscriptions' health.
    let seen_by_consumer = m.app.get("/api/v1/domains/sales/products/orders", &consumer("marketing")).await;
    assert_eq!(seen_by_consumer.status, 200);
    assert!(seen_by_consumer.body.get("health").is_none(), "{}", seen_by_consumer.body);
    let domain = m.app.get("/api/v1/domains/sales", &producer("sales")).await.body;
    assert_eq!(domain["health"]["live_subscriptions"], 1, "{domain}");
    assert_eq!(domain["health"]["drifted"], 1);
    // The drift is recorded once, however often it is seen.
    m.drift().await;
    assert_eq!(m.audit("drift.found", &format!("subscription:{id}")).await.len(), 1);

    // The plan only says what it would do.
    let plan = m.reconcile(false).await;
    assert_eq!(plan["applied"], false);
    assert_eq!(plan["grant"].as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(plan["grant"][0]["subscription_id"], id);
    assert!(plan["jobs"].as_array().unwrap().is_empty());
    assert_eq!(m.lf_state().await.len(), before.len() - 1);

    let applied = m.reconcile(true).await;
    assert_eq!(applied["jobs"].as_array().unwrap().len(), 1, "{applied}");
    m.run_jobs().await;
    assert_eq!(m.lf_state().await, before);
    let regrant = m.audit("lakeformation.batch_grant", &format!("subscription:{id}")).await;
    assert_eq!(regrant.last().unwrap()["reason"], "drift_repair");
    assert_eq!(m.audit("drift.reconcile_requested", "drift").await.len(), 1);
    assert_eq!(m.audit("drift.repaired", &format!("subscription:{id}")).await.len(), 1);
    // Repaired: healthy at once, and the next check agrees.
    assert_eq!(m.get(&id).await["health"]["status"], "healthy");
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));

    // The event feed tells the story in order; the consumer sees its subscription's part of it.
    let types = |token: String| {
        let app = m.app.clone();
        async move {
            let feed = app.get("/api/v1/events?limit=200", &token).await.body;
            let types: Vec<String> = feed["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["type"].as_str().unwrap().to_string())
                .filter(|t| t.contains("drift") || t.contains("grant."))
                .collect();
            types
        }
    };
    let drift_story = [
        "io.meshgov.grant.applied",
        "io.meshgov.drift.found",
        "io.meshgov.drift.reconcile_requested",
        "io.meshgov.grant.applied",
        "io.meshgov.drift.repaired",
    ];
    assert_eq!(types(steward()).await, drift_story);
    let consumer_story: Vec<&str> = drift_story.into_iter().filter(|t| !t.contains("reconcile_requested")).collect();
    assert_eq!(types(consumer("marketing")).await, consumer_story);
}

#[sqlx::test]
async fn permissions_granted_by_hand_are_unexpected_and_reconcile_revokes_them(pool: PgPool) {
    permissions_granted_by_hand_are_unexpected_and_reconcile_revokes_them_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn permissions_granted_by_hand_are_unexpected_and_reconcile_revokes_them_in_producer_mode(pool: PgPool) {
    permissions_granted_by_hand_are_unexpected_and_reconcile_revokes_them_in(pool, CatalogMode::Producer).await
}

async fn permissions_granted_by_hand_are_unexpected_and_reconcile_revokes_them_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.catalog(&["orders", "refunds"]).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders" }])).await;
    let granted = m.lf_state().await;

    // By hand: another table of the product, and more than SELECT on the subscribed one; and a
    // grant to a principal meshgov does not manage, which is none of its business.
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "refunds"), &[Permission::Select]).await;
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "orders"), &[Permission::Alter]).await;
    let stranger = format!("arn:aws:iam::{}:role/stranger", m.consumer);
    m.grant_by_hand(&stranger, table(m.holder(), &m.grant_database(), "refunds"), &[Permission::Select]).await;

    let report = m.drift().await;
    assert_eq!(kinds(&report), (0, 2, 0), "{report}");
    let unexpected = report["unexpected"].as_array().unwrap();
    let perms: Vec<(&str, &Value)> = unexpected
        .iter()
        .map(|u| (u["resource"]["Table"]["Name"].as_str().unwrap(), &u["permissions"]))
        .collect();
    assert_eq!(perms, [("orders", &json!(["ALTER"])), ("refunds", &json!(["SELECT"]))]);
    assert!(unexpected.iter().all(|u| u["principal"] == analyst && u["subscription_id"].is_null()));
    // The subscription's own grants are fine.
    assert_eq!(m.get(&id).await["health"]["status"], "healthy");

    let plan = m.reconcile(false).await;
    assert_eq!(plan["revoke"].as_array().unwrap().len(), 2, "{plan}");
    assert!(plan["grant"].as_array().unwrap().is_empty());
    m.reconcile(true).await;
    m.run_jobs().await;

    let mut expected = granted.clone();
    expected.push(format!("{stranger} table {}.refunds SELECT", m.grant_db()));
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    let repaired = m.audit("drift.repaired", &format!("principal:{analyst}")).await;
    assert_eq!(repaired.len(), 1);
    assert_eq!(repaired[0]["revoked"].as_array().unwrap().len(), 2);
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
}

#[sqlx::test]
async fn a_permission_left_by_a_revoked_subscription_names_it(pool: PgPool) {
    a_permission_left_by_a_revoked_subscription_names_it_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn a_permission_left_by_a_revoked_subscription_names_it_in_producer_mode(pool: PgPool) {
    a_permission_left_by_a_revoked_subscription_names_it_in(pool, CatalogMode::Producer).await
}

async fn a_permission_left_by_a_revoked_subscription_names_it_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.catalog(&["orders"]).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders" }])).await;
    m.revoke(&id).await;
    m.run_jobs().await;
    assert!(m.lf_state().await.is_empty());
    // Granted again by hand after the revoke.
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "orders"), &[Permission::Select, Permission::Describe]).await;

    let report = m.drift().await;
    assert_eq!(kinds(&report), (0, 1, 0), "{report}");
    assert_eq!(report["unexpected"][0]["subscription_id"], id);
    assert_eq!(m.audit("drift.found", &format!("subscription:{id}")).await.len(), 1);
}

#[sqlx::test]
async fn a_table_dropped_at_the_producer_orphans_its_grants_and_reconcile_syncs(pool: PgPool) {
    a_table_dropped_at_the_producer_orphans_its_grants_and_reconcile_syncs_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn a_table_dropped_at_the_producer_orphans_its_grants_and_reconcile_syncs_in_producer_mode(pool: PgPool) {
    a_table_dropped_at_the_producer_orphans_its_grants_and_reconcile_syncs_in(pool, CatalogMode::Producer).await
}

async fn a_table_dropped_at_the_producer_orphans_its_grants_and_reconcile_syncs_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.catalog(&["orders", "refunds"]).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders" }, { "name": "refunds" }])).await;

    m.glue().await.delete_table().database_name("sales_db").name("refunds").send().await.unwrap();
    let report = m.drift().await;
    // Orphaned, not missing: granting it again could not work.
    assert_eq!(kinds(&report), (0, 0, 1), "{report}");
    let orphan = &report["orphaned"][0];
    assert_eq!(orphan["subscription_id"], id);
    assert_eq!(orphan["resource"]["Table"]["Name"], "refunds");
    assert!(orphan["detail"].as_str().unwrap().contains("no longer exists"), "{orphan}");
    assert_eq!(m.get(&id).await["health"]["status"], "drifted");

    let plan = m.reconcile(true).await;
    assert_eq!(plan["sync"], json!([{ "domain": "sales", "product": "orders", "orphaned_grants": 1 }]));
    m.run_jobs().await;
    // The sync saw the table gone and revoked its grant; the rest stays.
    let lf = m.lf_state().await;
    assert!(!lf.iter().any(|p| p.contains("refunds")), "{lf:?}");
    assert!(lf.iter().any(|p| p.contains("orders")), "{lf:?}");
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
    // The revoke of what went with the table counts as done (Lake Formation: not found).
    assert_eq!(m.get(&id).await["provisioning"], "granted");
}

#[sqlx::test]
async fn the_periodic_reconcile_regrants_missing_but_leaves_unexpected_alone(pool: PgPool) {
    the_periodic_reconcile_regrants_missing_but_leaves_unexpected_alone_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn the_periodic_reconcile_regrants_missing_but_leaves_unexpected_alone_in_producer_mode(pool: PgPool) {
    the_periodic_reconcile_regrants_missing_but_leaves_unexpected_alone_in(pool, CatalogMode::Producer).await
}

async fn the_periodic_reconcile_regrants_missing_but_leaves_unexpected_alone_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.catalog(&["orders", "refunds"]).await;
    let analyst = m.role("analyst");
    m.granted(&analyst, json!([{ "name": "orders" }])).await;
    let granted = m.lf_state().await;

    let database = Resource::builder()
        .database(DatabaseResource::builder().catalog_id(m.holder()).name(m.grant_database()).build().unwrap())
        .build();
    m.lf.revoke_permissions()
        .principal(principal(&analyst))
        .resource(database)
        .permissions(Permission::Describe)
        .send()
        .await
        .unwrap();
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "refunds"), &[Permission::Select]).await;

    assert!(drift::jobs::enqueue_if_due(&m.state, Duration::from_secs(600)).await.unwrap());
    // One reconcile at a time: a second replica's tick queues nothing.
    assert!(!drift::jobs::enqueue_if_due(&m.state, Duration::from_secs(600)).await.unwrap());
    m.run_jobs().await;

    let mut expected = granted.clone();
    expected.push(format!("{analyst} table {}.refunds SELECT", m.grant_db()));
    expected.sort();
    assert_eq!(m.lf_state().await, expected, "missing re-granted, unexpected left for a steward");
    // Recently run: not due again.
    assert!(!drift::jobs::enqueue_if_due(&m.state, Duration::from_secs(600)).await.unwrap());
    let stored = m.app.get("/api/v1/drift?check=false", &steward()).await.body;
    assert_eq!(kinds(&stored), (0, 1, 0), "{stored}");
}

#[sqlx::test]
async fn lake_formation_unavailable_is_a_503_and_records_nothing(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.catalog(&["orders"]).await;
    m.granted(&m.role("analyst"), json!([{ "name": "orders" }])).await;
    let fault = m.fault("ListPermissions", "InternalServiceException", 100, json!({})).await;
    let r = m.app.get("/api/v1/drift", &steward()).await;
    m.clear_fault(&fault).await;
    r.problem(503, "lake_formation_unavailable");
    let checks: i64 = sqlx::query_scalar("SELECT count(*) FROM drift_checks").fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(checks, 0);
}

#[sqlx::test]
async fn a_producer_account_that_cannot_be_listed_leaves_its_grants_unverified(pool: PgPool) {
    let m = Mesh::in_mode(pool, CatalogMode::Producer).await;
    m.catalog(&["orders"]).await;
    let id = m.granted(&m.role("analyst"), json!([{ "name": "orders" }])).await;
    // The producer's Lake Formation does not answer; the governance account's does.
    let fault = m.fault("ListPermissions", "AccessDeniedException", 100, json!({})).await;
    let report = m.drift().await;
    m.clear_fault(&fault).await;
    assert_eq!(kinds(&report), (0, 0, 0), "nothing is guessed missing: {report}");
    let unverified = &report["check"]["unverified"];
    assert_eq!(unverified[0]["product"], "orders", "{report}");
    assert!(unverified[0]["error"].as_str().unwrap().contains("AccessDeniedException"), "{report}");
    assert_eq!(m.get(&id).await["health"]["status"], "unverified", "not marked verified");
}

#[sqlx::test]
async fn only_stewards_and_admins_see_and_repair_drift(pool: PgPool) {
    let app = TestApp::new(pool);
    for token in [producer("sales"), consumer("marketing")] {
        app.get("/api/v1/drift", &token).await.problem(403, "forbidden");
        app.post_empty("/api/v1/reconcile?apply=true", &token).await.problem(403, "forbidden");
    }
    assert_eq!(app.call(axum::http::Method::GET, "/api/v1/drift").send().await.status, 401);
    app.get("/api/v1/drift?check=false&limit=0", &steward()).await.problem(400, "invalid_limit");
    app.get("/api/v1/drift?check=false&limit=1001", &steward()).await.problem(400, "invalid_limit");
    let r = app.get("/api/v1/drift?check=maybe", &admin()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    // Without any check yet, the stored report is empty.
    let stored = app.get("/api/v1/drift?check=false", &admin()).await.body;
    assert!(stored["check"].is_null());
    assert_eq!(kinds(&stored), (0, 0, 0));
}

#[sqlx::test]
async fn a_grant_option_given_by_hand_is_revoked_and_the_subscribed_permission_stays(pool: PgPool) {
    a_grant_option_given_by_hand_is_revoked_and_the_subscribed_permission_stays_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn a_grant_option_given_by_hand_is_revoked_and_the_subscribed_permission_stays_in_producer_mode(pool: PgPool) {
    a_grant_option_given_by_hand_is_revoked_and_the_subscribed_permission_stays_in(pool, CatalogMode::Producer).await
}

async fn a_grant_option_given_by_hand_is_revoked_and_the_subscribed_permission_stays_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    m.catalog(&["orders"]).await;
    let analyst = m.role("analyst");
    m.granted(&analyst, json!([{ "name": "orders" }])).await;
    m.lf.grant_permissions()
        .principal(principal(&analyst))
        .resource(table(m.holder(), &m.grant_database(), "orders"))
        .permissions(Permission::Select)
        .permissions_with_grant_option(Permission::Select)
        .send()
        .await
        .unwrap();

    let report = m.drift().await;
    assert_eq!(kinds(&report), (0, 1, 0), "{report}");
    assert!(report["unexpected"][0]["detail"].as_str().unwrap().contains("grant option"));
    let plan = m.reconcile(true).await;
    assert_eq!(plan["revoke"][0]["grant_option"], json!(["SELECT"]), "{plan}");
    m.run_jobs().await;

    let held: Vec<_> = common::aws::lf_permissions_of(&m.lf, &analyst).await;
    let orders = held.iter().find(|p| p.resource().and_then(|r| r.table()).is_some_and(|t| t.name() == Some("orders"))).unwrap();
    assert!(orders.permissions_with_grant_option().is_empty(), "{orders:?}");
    assert!(orders.permissions().contains(&Permission::Select), "{orders:?}");
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
}
