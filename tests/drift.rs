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

/// The state of a replica configured with these periodic-reconcile settings, due at every tick.
fn reconciling(m: &Mesh, revoke_unexpected: bool, sync_orphaned: bool) -> meshgov::AppState {
    let mut config = (*m.state.config).clone();
    config.reconcile.interval = Some(Duration::ZERO);
    config.reconcile.revoke_unexpected = revoke_unexpected;
    config.reconcile.sync_orphaned = sync_orphaned;
    let mut state = m.state.clone();
    state.config = std::sync::Arc::new(config);
    state
}

/// One scheduler tick of the periodic reconcile's duty, then every job it led to.
async fn tick(state: &meshgov::AppState) {
    assert_eq!((drift::jobs::SCHEDULED_RECONCILE.run)(state).await.unwrap(), 1, "the duty queued the reconcile");
    meshgov::jobs::worker::run_until_idle(state).await.unwrap();
}

/// The permissions `who` holds, as `lf_state` spells them.
async fn held_by(m: &Mesh, who: &str) -> Vec<String> {
    m.lf_state().await.into_iter().filter(|p| p.starts_with(&format!("{who} "))).collect()
}

#[sqlx::test]
async fn the_periodic_reconcile_revokes_unexpected_when_turned_on(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.catalog(&["orders", "refunds"]).await;
    let analyst = m.role("analyst");
    m.granted(&analyst, json!([{ "name": "orders" }])).await;
    let granted = m.lf_state().await;
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "refunds"), &[Permission::Select]).await;
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "orders"), &[Permission::Alter]).await;
    let stranger = format!("arn:aws:iam::{}:role/stranger", m.consumer);
    m.grant_by_hand(&stranger, table(m.holder(), &m.grant_database(), "refunds"), &[Permission::Select]).await;
    let mut expected = granted.clone();
    expected.push(format!("{stranger} table {}.refunds SELECT", m.grant_db()));
    expected.sort();

    // Off (the default): a tick leaves them for a steward.
    tick(&reconciling(&m, false, true)).await;
    assert_eq!(held_by(&m, &analyst).await.len(), granted.len() + 1, "ALTER merged into orders, SELECT on refunds kept");
    assert_eq!(kinds(&m.app.get("/api/v1/drift?check=false", &steward()).await.body), (0, 2, 0));

    // On: the next tick revokes both, through the scheduled trigger, and nothing else.
    tick(&reconciling(&m, true, true)).await;
    assert_eq!(m.lf_state().await, expected, "unexpected revoked on managed resources, the stranger's left");
    let requested = m.audit("drift.reconcile_requested", "drift").await;
    assert_eq!(requested.last().unwrap()["trigger"], "schedule", "{requested:?}");
    assert_eq!(requested.last().unwrap()["revoke"], 2, "{requested:?}");
    let repaired = m.audit("drift.repaired", &format!("principal:{analyst}")).await;
    assert_eq!(repaired.len(), 1);
    assert_eq!(repaired[0]["revoked"].as_array().unwrap().len(), 2, "{repaired:?}");
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
}

#[sqlx::test]
async fn the_periodic_reconcile_syncs_products_with_orphaned_grants(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.catalog(&["orders", "refunds"]).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders" }, { "name": "refunds" }])).await;
    m.glue().await.delete_table().database_name("sales_db").name("refunds").send().await.unwrap();

    // Turned off: the tick finds the orphan and leaves its grant.
    tick(&reconciling(&m, false, false)).await;
    assert!(m.lf_state().await.iter().any(|p| p.contains("refunds")), "not synced while off");
    let stored = m.app.get("/api/v1/drift?check=false", &steward()).await.body;
    assert_eq!(kinds(&stored), (0, 0, 1), "{stored}");

    // On (the default): the tick syncs the product, whose schema-change handling revokes the grant.
    tick(&reconciling(&m, false, true)).await;
    let lf = m.lf_state().await;
    assert!(!lf.iter().any(|p| p.contains("refunds")), "{lf:?}");
    assert!(lf.contains(&m.expect_table(&analyst, "orders")), "{lf:?}");
    let requested = m.audit("drift.reconcile_requested", "drift").await;
    assert_eq!(requested.len(), 1, "only the tick with sync on queued a repair: {requested:?}");
    assert_eq!((requested[0]["trigger"].as_str(), requested[0]["sync"].as_i64()), (Some("schedule"), Some(1)));
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
    assert_eq!(m.get(&id).await["provisioning"], "granted");
}

#[sqlx::test]
async fn a_revoke_of_unexpected_permissions_spares_what_a_grant_wants_by_the_time_it_runs(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.catalog(&["orders", "refunds"]).await;
    let analyst = m.role("analyst");
    m.granted(&analyst, json!([{ "name": "orders" }])).await;
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "refunds"), &[Permission::Select]).await;
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "orders"), &[Permission::Alter]).await;

    // The plan: both are unexpected now, queued to be revoked in one job.
    let plan = m.reconcile(true).await;
    assert_eq!(plan["revoke"].as_array().unwrap().len(), 2, "{plan}");
    assert_eq!(plan["jobs"].as_array().unwrap().len(), 1, "{plan}");
    let job: uuid::Uuid = plan["jobs"][0].as_str().unwrap().parse().unwrap();
    // The repair waits while a subscription to refunds is approved and granted.
    sqlx::query("UPDATE jobs SET run_after = now() + interval '1 hour' WHERE id = $1").bind(job).execute(&m.app.pool).await.unwrap();
    let refunds = m.granted(&analyst, json!([{ "name": "refunds" }])).await;
    let status: String = sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1").bind(job).fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(status, "queued", "the repair has not run yet");

    m.run_retries().await;
    let result: Value = sqlx::query_scalar("SELECT result FROM jobs WHERE id = $1").bind(job).fetch_one(&m.app.pool).await.unwrap();
    assert_eq!(result, json!({ "revoked": 1 }));
    // SELECT on refunds is wanted now and stays; ALTER on orders still is not, and went.
    let mut expected = vec![m.expect_db(&analyst), m.expect_table(&analyst, "orders"), m.expect_table(&analyst, "refunds")];
    expected.sort();
    assert_eq!(m.lf_state().await, expected);
    let repaired = m.audit("drift.repaired", &format!("principal:{analyst}")).await;
    assert_eq!(repaired.len(), 1, "{repaired:?}");
    assert_eq!(repaired[0]["revoked"][0]["permissions"], json!(["ALTER"]), "{repaired:?}");
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
    assert_eq!(m.get(&refunds).await["health"]["status"], "healthy");
}

#[sqlx::test]
async fn a_check_sees_every_page_of_list_permissions(pool: PgPool) {
    use aws_sdk_lakeformation::types::BatchPermissionsRequestEntry;
    let m = Mesh::new(pool).await;
    m.catalog(&["orders", "refunds"]).await;
    let analyst = m.role("analyst");
    let id = m.granted(&analyst, json!([{ "name": "orders" }])).await;

    // A full page of permissions of principals meshgov does not manage, which list first (ALTER
    // sorts before DESCRIBE and SELECT in the emulator's stable order).
    for batch in 0..50 {
        let entries: Vec<BatchPermissionsRequestEntry> = (0..20)
            .map(|i| {
                BatchPermissionsRequestEntry::builder()
                    .id(format!("{i}"))
                    .principal(principal(&format!("arn:aws:iam::{}:role/filler-{batch:02}-{i:02}", m.consumer)))
                    .resource(table(m.holder(), &m.grant_database(), "orders"))
                    .permissions(Permission::Alter)
                    .build()
                    .unwrap()
            })
            .collect();
        let out = m.lf.batch_grant_permissions().set_entries(Some(entries)).send().await.unwrap();
        assert!(out.failures().is_empty(), "{out:?}");
    }
    // On the last page: the table grant, with SELECT revoked by hand (DESCRIBE left), and SELECT
    // on refunds granted by hand.
    m.lf.revoke_permissions()
        .principal(principal(&analyst))
        .resource(table(m.holder(), &m.grant_database(), "orders"))
        .permissions(Permission::Select)
        .send()
        .await
        .unwrap();
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "refunds"), &[Permission::Select]).await;
    let first = m.lf.list_permissions().max_results(1000).send().await.unwrap();
    assert!(first.next_token().is_some_and(|t| !t.is_empty()), "more than one page");
    let of_analyst = |p: &aws_sdk_lakeformation::types::PrincipalResourcePermissions| {
        p.principal().and_then(|x| x.data_lake_principal_identifier()) == Some(analyst.as_str())
    };
    assert!(!first.principal_resource_permissions().iter().any(of_analyst), "the analyst's permissions are past the first page");
    let all = common::aws::lf_list(&m.lf).await.len();
    assert_eq!(all, 1000 + 3);

    let report = m.drift().await;
    assert_eq!(report["check"]["listed_permissions"], all, "{}", report["check"]);
    assert_eq!(kinds(&report), (1, 1, 0), "{report}");
    assert_eq!(report["missing"][0]["subscription_id"], id);
    assert_eq!(report["missing"][0]["permissions"], json!(["SELECT"]), "DESCRIBE, on the last page, is held: {report}");
    assert_eq!(report["unexpected"][0]["principal"], analyst);
    assert_eq!(report["unexpected"][0]["resource"]["Table"]["Name"], "refunds", "{report}");
    assert_eq!(report["unexpected"][0]["permissions"], json!(["SELECT"]));
}

#[sqlx::test]
async fn health_follows_a_subscription_and_grants_in_flight_are_not_judged(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.catalog(&["orders"]).await;
    let analyst = m.role("analyst");
    let health = |s: &Value| s["health"]["status"].as_str().unwrap().to_string();

    // Requested, not approved: inactive.
    let id = m.request(&analyst, json!([{ "name": "orders" }])).await["id"].as_str().unwrap().to_string();
    assert_eq!(health(&m.get(&id).await), "inactive");

    // Approved, its grants not applied yet: provisioning, and a check does not call them missing.
    m.approve(&id, json!({})).await;
    let sub = m.get(&id).await;
    assert_eq!((sub["provisioning"].as_str(), health(&sub).as_str()), (Some("granting"), "provisioning"), "{sub}");
    assert!(m.lf_state().await.is_empty());
    let report = m.drift().await;
    assert_eq!(kinds(&report), (0, 0, 0), "in flight, not missing: {report}");
    let product = m.app.get("/api/v1/domains/sales/products/orders", &steward()).await.body;
    assert_eq!(product["health"]["provisioning"], 1, "{product}");
    // Lake Formation already holds them (the grant call landed, the job has not recorded it):
    // not unexpected either.
    m.grant_by_hand(&analyst, table(m.holder(), &m.grant_database(), "orders"), &[Permission::Select, Permission::Describe]).await;
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
    assert!(m.get(&id).await["health"]["verified_at"].is_null(), "not verified while in flight");

    // Granted, never checked since: unverified; the next check makes it healthy.
    m.run_jobs().await;
    let sub = m.get(&id).await;
    assert_eq!((sub["provisioning"].as_str(), health(&sub).as_str()), (Some("granted"), "unverified"), "{sub}");
    assert!(sub["health"]["verified_at"].is_null());
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
    assert_eq!(health(&m.get(&id).await), "healthy");

    // Revoked, its revoke not applied yet: inactive, and what Lake Formation still holds is not
    // unexpected.
    m.revoke(&id).await;
    assert_eq!(health(&m.get(&id).await), "inactive");
    assert!(!m.lf_state().await.is_empty());
    assert_eq!(kinds(&m.drift().await), (0, 0, 0));
    m.run_jobs().await;
    assert!(m.lf_state().await.is_empty());
    assert_eq!(health(&m.get(&id).await), "inactive");

    // A grant that failed: failing health, not drift.
    let broken = m.role("broken");
    let id = m.request(&broken, json!([{ "name": "orders" }])).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    let fault = m.fault("BatchGrantPermissions", "AccessDeniedException", -1, json!({ "match": "role/broken" })).await;
    m.run_jobs().await;
    m.clear_fault(&fault).await;
    let sub = m.get(&id).await;
    assert_eq!((sub["provisioning"].as_str(), health(&sub).as_str()), (Some("grant_failed"), "failing"), "{sub}");
    assert!(held_by(&m, &broken).await.is_empty());
    let report = m.drift().await;
    assert_eq!(kinds(&report), (0, 0, 0), "failed grants are not drift: {report}");
    assert_eq!(health(&m.get(&id).await), "failing");
    let product = m.app.get("/api/v1/domains/sales/products/orders", &steward()).await.body;
    assert_eq!(product["health"]["failing"], 1, "{product}");
}
