//! Consumer access against the AWS emulator, read from RAM, Glue and Lake Formation in the
//! consumer's account: the invitation accepted (only ours), the resource link created, shared and
//! deleted, DESCRIBE on it, and the principal's own credentials reading through it — in both
//! catalog modes, inside and outside one organization, with and without a link role.

mod common;

use aws_sdk_lakeformation::types::PrincipalResourcePermissions;
use common::aws::{Hold, base_config, config_in, endpoint, fresh_account, inject_fault, lf_list};
use common::mesh::{Mesh, credentials_in, resource_text};
use common::*;
use meshgov::grants::holder::CatalogMode;
use serde_json::{Value, json};
use sqlx::PgPool;

const LINK: &str = "sales__orders";

async fn glue_in(account: &str) -> aws_sdk_glue::Client {
    let base = base_config().await;
    aws_sdk_glue::Client::from_conf(
        aws_sdk_glue::config::Builder::from(&base)
            .credentials_provider(credentials_in(account).await)
            .build(),
    )
}

async fn ram_in(account: &str) -> aws_sdk_ram::Client {
    aws_sdk_ram::Client::new(&config_in(account, "meshgov").await)
}

async fn lf_in(account: &str) -> aws_sdk_lakeformation::Client {
    aws_sdk_lakeformation::Client::new(&config_in(account, "meshgov").await)
}

/// Gives the consumer domain `marketing` a link role, which the consumer makes a data lake
/// administrator of its account, as readiness asks (Lake Formation lets data lake administrators
/// create databases, resource links included, and grant on them; the emulator does not check it).
async fn link_role(m: &Mesh) {
    let role = set_link_role(m).await;
    make_data_lake_admin(&m.consumer, &role).await;
}

/// Names `marketing`'s link role (nothing else); its ARN.
async fn set_link_role(m: &Mesh) -> String {
    let role = format!("arn:aws:iam::{}:role/meshgov-links", m.consumer);
    let r = m.app.patch("/api/v1/domains/marketing", &admin(), json!({ "link_role_arn": role })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["link_role_arn"], role);
    role
}

async fn make_data_lake_admin(account: &str, role: &str) {
    let admin_role = aws_sdk_lakeformation::types::DataLakePrincipal::builder().data_lake_principal_identifier(role).build();
    let settings = aws_sdk_lakeformation::types::DataLakeSettings::builder().data_lake_admins(admin_role).build();
    lf_in(account).await.put_data_lake_settings().data_lake_settings(settings).send().await.unwrap();
}

/// The database `name` of the consumer's catalog: its target (catalog, database) if a link, None
/// if missing.
async fn link_target(m: &Mesh, name: &str) -> Option<(String, String)> {
    match glue_in(&m.consumer)
        .await
        .get_database()
        .name(name)
        .send()
        .await
    {
        Ok(out) => {
            let t = out
                .database()
                .unwrap()
                .target_database()
                .expect("a resource link");
            Some((
                t.catalog_id().unwrap().to_string(),
                t.database_name().unwrap().to_string(),
            ))
        }
        Err(e) => {
            assert!(
                e.as_service_error()
                    .is_some_and(|s| s.is_entity_not_found_exception()),
                "{e:?}"
            );
            None
        }
    }
}

/// What the consumer's Lake Formation grants, as text.
async fn consumer_lf(m: &Mesh) -> Vec<String> {
    let all: Vec<PrincipalResourcePermissions> = lf_list(&lf_in(&m.consumer).await).await;
    let mut out: Vec<String> = all
        .iter()
        .map(|p| {
            let principal = p
                .principal()
                .and_then(|x| x.data_lake_principal_identifier())
                .unwrap_or("");
            let perms: Vec<&str> = p.permissions().iter().map(|x| x.as_str()).collect();
            format!(
                "{principal} {} {}",
                resource_text(p.resource().unwrap(), &m.consumer),
                perms.join("+")
            )
        })
        .collect();
    out.sort();
    out
}

/// Whether `role` of the consumer's account reads `table` through the link with its own credentials.
async fn reads(m: &Mesh, role: &str, table: &str) -> bool {
    let glue = aws_sdk_glue::Client::new(&config_in(&m.consumer, role).await);
    match glue
        .get_table()
        .database_name(LINK)
        .name(table)
        .send()
        .await
    {
        Ok(out) => {
            assert_eq!(out.table().unwrap().name(), table);
            true
        }
        Err(e) => {
            assert!(
                e.as_service_error()
                    .is_some_and(|s| s.is_entity_not_found_exception()),
                "{e:?}"
            );
            false
        }
    }
}

async fn invitations(account: &str) -> Vec<(String, String)> {
    let out = ram_in(account)
        .await
        .get_resource_share_invitations()
        .send()
        .await
        .unwrap();
    out.resource_share_invitations()
        .iter()
        .map(|i| {
            (
                i.sender_account_id().unwrap().to_string(),
                i.status().unwrap().as_str().to_string(),
            )
        })
        .collect()
}

/// The subscription's provisioning and its consumer access's state.
fn states(sub: &Value) -> (&str, &str) {
    (sub["provisioning"].as_str().unwrap(), sub["access"]["state"].as_str().unwrap())
}

fn statuses(sub: &Value) -> Vec<(String, String)> {
    sub["access"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn approved(m: &Mesh, role: &str, tables: Value) -> String {
    let id = m.request(&m.role(role), tables).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    m.approve(&id, json!({})).await;
    m.run_jobs().await;
    id
}

#[sqlx::test]
async fn approval_links_the_product_and_the_principal_reads_through_it(pool: PgPool) {
    approval_links_the_product_in(pool, CatalogMode::Central).await
}

#[sqlx::test]
async fn approval_links_the_product_and_the_principal_reads_through_it_in_producer_mode(
    pool: PgPool,
) {
    approval_links_the_product_in(pool, CatalogMode::Producer).await
}

async fn approval_links_the_product_in(pool: PgPool, mode: CatalogMode) {
    let m = Mesh::in_mode(pool, mode).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders", "customers"], json!({}))
        .await;
    assert!(link_target(&m, LINK).await.is_none());

    let id = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let sub = m.get(&id).await;
    assert_eq!(sub["provisioning"], "granted", "{sub}");
    let access = &sub["access"];
    assert_eq!(access["state"], "ready", "{sub}");
    assert_eq!(
        (
            access["grants_catalog_id"].as_str().unwrap(),
            access["grants_database"].as_str().unwrap()
        ),
        (m.holder(), m.grant_database().as_str())
    );
    assert_eq!(
        (
            access["consumer_account"].as_str().unwrap(),
            access["database"].as_str().unwrap()
        ),
        (m.consumer.as_str(), LINK)
    );
    assert_eq!(
        access["example_query"],
        format!("SELECT * FROM \"{LINK}\".\"orders\" LIMIT 10")
    );
    assert_eq!(
        statuses(&sub),
        pairs(&[
            ("accept_invitation", "done"),
            ("create_resource_link", "done"),
            ("grant_describe", "done")
        ])
    );

    // In the consumer's account: the invitation accepted, the link, DESCRIBE on it.
    assert_eq!(
        invitations(&m.consumer).await,
        [(m.holder().to_string(), "ACCEPTED".to_string())]
    );
    assert_eq!(
        link_target(&m, LINK).await,
        Some((m.holder().to_string(), m.grant_database()))
    );
    assert_eq!(
        consumer_lf(&m).await,
        [format!(
            "{} database {}.{LINK} DESCRIBE",
            m.role("analyst"),
            m.consumer
        )]
    );
    // The principal reads the granted table through the link, and nothing else.
    assert!(reads(&m, "analyst", "orders").await);
    assert!(!reads(&m, "analyst", "customers").await);
    assert!(!reads(&m, "intruder", "orders").await);
    // Every call is audited.
    let target = format!("subscription:{id}");
    for action in [
        "ram.invitation_accepted",
        "glue.resource_link_created",
        "lakeformation.grant",
        "consumer.access_ready",
    ] {
        assert_eq!(m.audit(action, &target).await.len(), 1, "{action}");
    }

    m.revoke(&id).await;
    m.run_jobs().await;
    let sub = m.get(&id).await;
    assert_eq!(
        states(&sub),
        ("revoked", "removed"),
        "{sub}"
    );
    assert_eq!(
        statuses(&sub),
        pairs(&[
            ("revoke_describe", "done"),
            ("delete_resource_link", "done")
        ])
    );
    assert!(link_target(&m, LINK).await.is_none());
    assert_eq!(consumer_lf(&m).await, Vec::<String>::new());
    assert!(!reads(&m, "analyst", "orders").await);
    // The target is untouched by the link's deletion.
    let holder_glue = glue_in(m.holder()).await;
    assert!(
        holder_glue
            .get_database()
            .name(m.grant_database())
            .send()
            .await
            .is_ok()
    );
}

#[sqlx::test]
async fn two_subscriptions_share_a_link_until_the_last_one_ends(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let first = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let second = approved(&m, "scientist", json!([{ "name": "orders" }])).await;
    assert_eq!(
        statuses(&m.get(&second).await)[1],
        ("create_resource_link".to_string(), "not_needed".to_string())
    );
    assert!(reads(&m, "analyst", "orders").await && reads(&m, "scientist", "orders").await);

    m.revoke(&first).await;
    m.run_jobs().await;
    let sub = m.get(&first).await;
    assert_eq!(
        statuses(&sub),
        pairs(&[
            ("revoke_describe", "done"),
            ("delete_resource_link", "not_needed")
        ])
    );
    assert_eq!(
        link_target(&m, LINK).await,
        Some((m.gov.clone(), LINK.to_string()))
    );
    assert_eq!(
        consumer_lf(&m).await,
        [format!(
            "{} database {}.{LINK} DESCRIBE",
            m.role("scientist"),
            m.consumer
        )]
    );
    assert!(!reads(&m, "analyst", "orders").await);
    assert!(reads(&m, "scientist", "orders").await);

    m.revoke(&second).await;
    m.run_jobs().await;
    assert!(link_target(&m, LINK).await.is_none());
    assert_eq!(consumer_lf(&m).await, Vec::<String>::new());
}

#[sqlx::test]
async fn a_second_subscription_of_one_principal_keeps_its_describe(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders", "customers"], json!({}))
        .await;
    let first = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let _second = approved(&m, "analyst", json!([{ "name": "customers" }])).await;
    m.revoke(&first).await;
    m.run_jobs().await;
    let sub = m.get(&first).await;
    assert_eq!(
        statuses(&sub),
        pairs(&[
            ("revoke_describe", "not_needed"),
            ("delete_resource_link", "not_needed")
        ])
    );
    assert!(!reads(&m, "analyst", "orders").await);
    assert!(reads(&m, "analyst", "customers").await);
}

#[sqlx::test]
async fn only_invitations_that_carry_the_subscriptions_grants_are_accepted(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    // Another account shares something with the consumer's account: not meshgov's to accept.
    let stranger = fresh_account();
    let glue = glue_in(&stranger).await;
    glue.create_database()
        .database_input(
            aws_sdk_glue::types::DatabaseInput::builder()
                .name("other")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let sd = aws_sdk_glue::types::StorageDescriptor::builder().build();
    glue.create_table()
        .database_name("other")
        .table_input(
            aws_sdk_glue::types::TableInput::builder()
                .name("t")
                .storage_descriptor(sd)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let resource = aws_sdk_lakeformation::types::Resource::builder()
        .table(
            aws_sdk_lakeformation::types::TableResource::builder()
                .database_name("other")
                .name("t")
                .build()
                .unwrap(),
        )
        .build();
    lf_in(&stranger)
        .await
        .grant_permissions()
        .principal(
            aws_sdk_lakeformation::types::DataLakePrincipal::builder()
                .data_lake_principal_identifier(&m.consumer)
                .build(),
        )
        .resource(resource)
        .permissions(aws_sdk_lakeformation::types::Permission::Select)
        .send()
        .await
        .unwrap();

    m.product("sales", "orders", &["orders"], json!({})).await;
    approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let mut got = invitations(&m.consumer).await;
    got.sort();
    let mut want = vec![
        (m.gov.clone(), "ACCEPTED".to_string()),
        (stranger.clone(), "PENDING".to_string()),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[sqlx::test]
async fn within_one_organization_there_is_no_invitation_to_accept(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    let r = reqwest::Client::new()
        .post(format!("{}/_emulator/organizations", endpoint()))
        .json(&json!({ "accounts": [m.gov, m.producer, m.consumer] }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let sub = m.get(&id).await;
    assert_eq!(sub["access"]["state"], "ready", "{sub}");
    assert_eq!(
        statuses(&sub)[0],
        ("accept_invitation".to_string(), "not_needed".to_string())
    );
    assert!(invitations(&m.consumer).await.is_empty());
    assert!(reads(&m, "analyst", "orders").await);
}

#[sqlx::test]
async fn without_a_link_role_the_steps_are_left_to_the_consumer_with_their_commands(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let sub = m.get(&id).await;
    // The grants are in place; what is left is the consumer's, and says how.
    assert_eq!(
        states(&sub),
        ("granted", "manual"),
        "{sub}"
    );
    assert_eq!(
        statuses(&sub),
        pairs(&[
            ("accept_invitation", "left"),
            ("create_resource_link", "left"),
            ("grant_describe", "left")
        ])
    );
    let steps = sub["access"]["steps"].as_array().unwrap();
    assert!(steps[1]["detail"].as_str().unwrap().contains(&format!(
        r#""TargetDatabase":{{"CatalogId":"{}","DatabaseName":"{LINK}"}}"#,
        m.gov
    )));
    assert!(steps[2]["detail"].as_str().unwrap().contains(&format!(
        "DataLakePrincipalIdentifier={}",
        m.role("analyst")
    )));
    assert!(link_target(&m, LINK).await.is_none());
    assert_eq!(
        invitations(&m.consumer).await,
        [(m.gov.clone(), "PENDING".to_string())]
    );

    // Carrying out the steps as told gives the principal access.
    let ram = ram_in(&m.consumer).await;
    let inv = ram.get_resource_share_invitations().send().await.unwrap();
    let arn = inv.resource_share_invitations()[0]
        .resource_share_invitation_arn()
        .unwrap()
        .to_string();
    ram.accept_resource_share_invitation()
        .resource_share_invitation_arn(arn)
        .send()
        .await
        .unwrap();
    let target = aws_sdk_glue::types::DatabaseIdentifier::builder()
        .catalog_id(&m.gov)
        .database_name(LINK)
        .build();
    let input = aws_sdk_glue::types::DatabaseInput::builder()
        .name(LINK)
        .target_database(target)
        .build()
        .unwrap();
    glue_in(&m.consumer)
        .await
        .create_database()
        .database_input(input)
        .send()
        .await
        .unwrap();
    let on_link = aws_sdk_lakeformation::types::Resource::builder()
        .database(
            aws_sdk_lakeformation::types::DatabaseResource::builder()
                .name(LINK)
                .build()
                .unwrap(),
        )
        .build();
    lf_in(&m.consumer)
        .await
        .grant_permissions()
        .principal(
            aws_sdk_lakeformation::types::DataLakePrincipal::builder()
                .data_lake_principal_identifier(m.role("analyst"))
                .build(),
        )
        .resource(on_link)
        .permissions(aws_sdk_lakeformation::types::Permission::Describe)
        .send()
        .await
        .unwrap();
    assert!(reads(&m, "analyst", "orders").await);

    // On revoke the consumer is told what to take down; meshgov takes down nothing of theirs.
    m.revoke(&id).await;
    m.run_jobs().await;
    let sub = m.get(&id).await;
    assert_eq!(
        states(&sub),
        ("revoked", "removed")
    );
    assert_eq!(
        statuses(&sub),
        pairs(&[
            ("revoke_describe", "left"),
            ("delete_resource_link", "left")
        ])
    );
    assert!(link_target(&m, LINK).await.is_some());
    assert!(
        !reads(&m, "analyst", "orders").await,
        "the grant on the target is revoked"
    );
}

/// Injects a fault for calls from the consumer's account.
async fn consumer_fault(
    m: &Mesh,
    service: &str,
    operation: &str,
    error: &str,
    status: u16,
    count: i64,
) -> String {
    let body = json!({ "service": service, "operation": operation, "error": error, "status": status, "count": count, "account": m.consumer });
    inject_fault(body).await
}

#[sqlx::test]
async fn a_link_role_that_may_not_act_fails_visibly_and_a_retry_completes(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    consumer_fault(
        &m,
        "glue",
        "CreateDatabase",
        "AccessDeniedException",
        400,
        1,
    )
    .await;
    let id = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let sub = m.get(&id).await;
    assert_eq!(
        states(&sub),
        ("grant_failed", "failed"),
        "{sub}"
    );
    assert_eq!(
        statuses(&sub),
        pairs(&[
            ("accept_invitation", "done"),
            ("create_resource_link", "failed"),
            ("grant_describe", "left")
        ])
    );
    let failed = &sub["access"]["steps"][1];
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("AccessDeniedException"),
        "{failed}"
    );
    assert!(
        sub["access"]["last_error"]
            .as_str()
            .unwrap()
            .contains("AccessDeniedException")
    );
    assert_eq!(sub["health"]["status"], "failing", "{sub}");
    assert_eq!(
        m.audit("consumer.access_failed", &format!("subscription:{id}"))
            .await
            .len(),
        1
    );
    // The grants themselves are in place.
    assert!(
        m.lf_state()
            .await
            .iter()
            .any(|g| g.contains(&m.role("analyst")))
    );

    let r = m
        .app
        .post_empty(&format!("/api/v1/subscriptions/{id}/retry"), &steward())
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    m.run_jobs().await;
    let sub = m.get(&id).await;
    assert_eq!(
        states(&sub),
        ("granted", "ready"),
        "{sub}"
    );
    assert!(reads(&m, "analyst", "orders").await);
}

#[sqlx::test]
async fn a_throttled_step_is_retried_by_the_job(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    // More throttling than the SDK retries within one call (4 attempts against the emulator): the job retries later.
    consumer_fault(
        &m,
        "lakeformation",
        "GrantPermissions",
        "ThrottlingException",
        400,
        4,
    )
    .await;
    let id = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let sub = m.get(&id).await;
    assert_eq!(
        states(&sub),
        ("granting", "pending"),
        "{sub}"
    );
    assert_eq!(
        statuses(&sub)[2],
        ("grant_describe".to_string(), "failed".to_string())
    );
    m.run_retries().await;
    let sub = m.get(&id).await;
    assert_eq!(
        states(&sub),
        ("granted", "ready"),
        "{sub}"
    );
}

#[sqlx::test]
async fn a_database_of_the_consumers_own_under_the_link_name_is_never_overwritten(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    let input = aws_sdk_glue::types::DatabaseInput::builder()
        .name(LINK)
        .description("ours")
        .build()
        .unwrap();
    glue_in(&m.consumer)
        .await
        .create_database()
        .database_input(input)
        .send()
        .await
        .unwrap();
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let sub = m.get(&id).await;
    assert_eq!(sub["access"]["state"], "failed", "{sub}");
    assert!(
        sub["access"]["last_error"]
            .as_str()
            .unwrap()
            .contains("does not overwrite"),
        "{sub}"
    );
    let db = glue_in(&m.consumer)
        .await
        .get_database()
        .name(LINK)
        .send()
        .await
        .unwrap();
    assert_eq!(db.database().unwrap().description(), Some("ours"));
    assert!(db.database().unwrap().target_database().is_none());

    // Revoking leaves it alone too.
    m.revoke(&id).await;
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["access"]["state"], "removed");
    assert!(
        glue_in(&m.consumer)
            .await
            .get_database()
            .name(LINK)
            .send()
            .await
            .is_ok()
    );
}

#[sqlx::test]
async fn the_link_role_must_be_in_the_domains_account(pool: PgPool) {
    let m = Mesh::new(pool).await;
    let r = m
        .app
        .patch(
            "/api/v1/domains/marketing",
            &admin(),
            json!({ "link_role_arn": format!("arn:aws:iam::{}:role/x", m.producer) }),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "link_role_arn");
}

#[sqlx::test]
async fn readiness_checks_the_link_role_and_returns_its_policies(pool: PgPool) {
    let m = Mesh::new(pool).await;
    let check = |body: &Value| body["checks"].as_array().unwrap().iter().find(|c| c["name"] == "link_role").cloned().unwrap();
    // Without a link role the domain is still ready: its consumers do the steps themselves.
    let r = m.app.get("/api/v1/domains/marketing/readiness", &admin()).await;
    assert_eq!(check(&r.body)["ok"], true, "{}", r.body);

    let role = set_link_role(&m).await;
    let r = m.app.get("/api/v1/domains/marketing/readiness", &admin()).await;
    let link = check(&r.body);
    assert_eq!(link["ok"], false, "{}", r.body);
    assert!(link["detail"].as_str().unwrap().contains("not a data lake administrator"), "{link}");
    let policy = r.body["policies"].as_array().unwrap().iter().find(|p| p["name"] == "link_role").cloned().unwrap();
    assert_eq!((policy["account"].as_str().unwrap(), policy["role_arn"].as_str().unwrap()), (m.consumer.as_str(), role.as_str()));
    let external_id = m.app.get("/api/v1/domains/marketing", &admin()).await.body["external_id"].clone();
    assert_eq!(policy["document"]["trust"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"], external_id);
    assert!(policy["document"]["permissions"].to_string().contains(&format!("arn:aws:glue:*:{}:database/*__*", m.consumer)));

    // The consumer makes the link role a data lake administrator of its account: ready.
    make_data_lake_admin(&m.consumer, &role).await;
    let r = m.app.get("/api/v1/domains/marketing/readiness", &admin()).await;
    assert_eq!(check(&r.body)["ok"], true, "{}", r.body);
}

async fn drift(m: &Mesh) -> Value {
    let r = m.app.get("/api/v1/drift", &steward()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn reconcile(m: &Mesh) -> Value {
    let r = m.app.post_empty("/api/v1/reconcile?apply=true", &steward()).await;
    assert_eq!(r.status, 202, "{}", r.body);
    m.run_jobs().await;
    r.body
}

#[sqlx::test]
async fn a_deleted_link_or_a_revoked_describe_is_missing_and_reconcile_restores_it(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let clean = drift(&m).await;
    assert_eq!(clean["missing"], json!([]), "{clean}");

    // Someone deletes the link in the consumer's console.
    glue_in(&m.consumer).await.delete_database().name(LINK).send().await.unwrap();
    assert!(!reads(&m, "analyst", "orders").await);
    let report = drift(&m).await;
    let missing = report["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1, "{report}");
    assert_eq!((missing[0]["subscription_id"].as_str().unwrap(), missing[0]["principal"].as_str().unwrap()), (id.as_str(), m.role("analyst").as_str()));
    assert_eq!(missing[0]["resource"], json!({ "Database": { "CatalogId": m.consumer, "Name": LINK } }));
    assert!(missing[0]["detail"].as_str().unwrap().contains("is gone"), "{report}");
    assert_eq!(m.get(&id).await["health"]["status"], "drifted");

    let plan = reconcile(&m).await;
    assert_eq!(plan["access"][0]["subscription_id"], id, "{plan}");
    assert_eq!(link_target(&m, LINK).await, Some((m.gov.clone(), LINK.to_string())));
    assert!(reads(&m, "analyst", "orders").await);
    assert_eq!(drift(&m).await["missing"], json!([]));
    assert_eq!(m.get(&id).await["provisioning"], "granted");

    // Someone revokes DESCRIBE on the link.
    let on_link = aws_sdk_lakeformation::types::Resource::builder()
        .database(aws_sdk_lakeformation::types::DatabaseResource::builder().name(LINK).build().unwrap())
        .build();
    lf_in(&m.consumer)
        .await
        .revoke_permissions()
        .principal(aws_sdk_lakeformation::types::DataLakePrincipal::builder().data_lake_principal_identifier(m.role("analyst")).build())
        .resource(on_link)
        .permissions(aws_sdk_lakeformation::types::Permission::Describe)
        .send()
        .await
        .unwrap();
    assert!(!reads(&m, "analyst", "orders").await);
    let report = drift(&m).await;
    assert_eq!(report["missing"].as_array().unwrap().len(), 1, "{report}");
    assert!(report["missing"][0]["detail"].as_str().unwrap().contains("DESCRIBE on the resource link"), "{report}");
    reconcile(&m).await;
    assert!(reads(&m, "analyst", "orders").await);
    assert_eq!(drift(&m).await["missing"], json!([]));
}

#[sqlx::test]
async fn a_consumer_account_that_cannot_be_read_leaves_its_products_unverified(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    // The link role stops working.
    let fault = consumer_fault(&m, "glue", "GetDatabase", "AccessDeniedException", 400, -1).await;
    let report = drift(&m).await;
    assert_eq!(report["missing"], json!([]), "{report}");
    let unverified = report["check"]["unverified"].as_array().unwrap();
    assert_eq!(unverified.len(), 1, "{report}");
    assert_eq!((unverified[0]["domain"].as_str().unwrap(), unverified[0]["product"].as_str().unwrap()), ("sales", "orders"));
    assert!(unverified[0]["error"].as_str().unwrap().contains(&m.consumer), "{report}");
    m.clear_fault(&fault).await;
}

#[sqlx::test]
async fn expiry_and_retirement_take_the_links_down_too(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let expiring = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let lasting = approved(&m, "scientist", json!([{ "name": "orders" }])).await;
    sqlx::query("UPDATE subscriptions SET expires_at = now() - interval '1 second' WHERE id = $1::uuid")
        .bind(&expiring)
        .execute(&m.app.pool)
        .await
        .unwrap();
    assert_eq!(meshgov::subscriptions::expiry::expire_due(&m.state).await.unwrap(), 1);
    m.run_jobs().await;
    let sub = m.get(&expiring).await;
    assert_eq!((sub["status"].as_str().unwrap(), sub["access"]["state"].as_str().unwrap()), ("expired", "removed"), "{sub}");
    assert!(!reads(&m, "analyst", "orders").await);
    assert!(reads(&m, "scientist", "orders").await, "the link stays for the live subscription");

    m.app.lifecycle("sales", "orders", "retire").await;
    m.run_jobs().await;
    assert_eq!(m.get(&lasting).await["access"]["state"], "removed");
    assert!(link_target(&m, LINK).await.is_none());
    assert_eq!(consumer_lf(&m).await, Vec::<String>::new());
}

#[sqlx::test]
async fn a_link_role_that_cannot_be_assumed_fails_visibly_and_a_retry_completes(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    // STS refuses meshgov the consumer's link role once (a role not created yet, or a trust policy
    // without meshgov): only calls naming this test's role match.
    let body = json!({ "service": "sts", "operation": "AssumeRole", "error": "AccessDenied", "status": 403, "count": 1,
                       "match": format!("{}:role/meshgov-links", m.consumer) });
    inject_fault(body).await;
    let id = approved(&m, "analyst", json!([{ "name": "orders" }])).await;
    let sub = m.get(&id).await;
    assert_eq!(states(&sub), ("grant_failed", "failed"), "{sub}");
    assert_eq!(statuses(&sub)[0], ("accept_invitation".to_string(), "failed".to_string()));
    let error = sub["access"]["steps"][0]["error"].as_str().unwrap();
    assert!(error.contains("meshgov-links") && error.contains("AccessDenied"), "{error}");

    m.retry(&id).await;
    m.run_jobs().await;
    assert_eq!(m.get(&id).await["access"]["state"], "ready");
    assert!(reads(&m, "analyst", "orders").await);
}

#[sqlx::test]
async fn a_revoke_while_the_link_is_being_set_up_leaves_nothing_behind(pool: PgPool) {
    let m = Mesh::new(pool).await;
    link_role(&m).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    let id = m.request(&m.role("analyst"), json!([{ "name": "orders" }])).await["id"].as_str().unwrap().to_string();
    m.approve(&id, json!({})).await;
    // The DESCRIBE grant on the link is held in flight; the steward revokes meanwhile.
    let hold = Hold::new(json!({ "service": "lakeformation", "operation": "GrantPermissions", "account": m.consumer })).await;
    let state = m.state.clone();
    let applying = tokio::spawn(async move { meshgov::jobs::worker::run_next(&state).await.unwrap() });
    hold.arrived().await;
    m.revoke(&id).await;
    hold.release().await;
    assert!(applying.await.unwrap(), "the apply job ran");
    m.run_jobs().await;

    // Recording the set-up's outcome did not undo the revoke: the revoke job took it all down.
    let sub = m.get(&id).await;
    assert_eq!(states(&sub), ("revoked", "removed"), "{sub}");
    assert!(link_target(&m, LINK).await.is_none());
    assert_eq!(consumer_lf(&m).await, Vec::<String>::new());
    assert!(!reads(&m, "analyst", "orders").await);
    assert!(m.lf_state().await.is_empty(), "nothing is left in the governance account either");
}
