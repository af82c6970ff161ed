//! The access report: every live access to a domain's (or a product's) data, with who approved it,
//! since when, until when and its last use, as JSON and CSV; it agrees with what Lake Formation
//! holds, and only the domain's approvers, stewards and admins may read it.

mod common;

use chrono::Duration as Age;
use common::access_events::recorded;
use common::mesh::Mesh;
use common::*;
use serde_json::{Value, json};
use sqlx::PgPool;

#[sqlx::test]
async fn the_report_lists_every_live_access_as_lake_formation_holds_it(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders", "returns"], json!({})).await;
    let (analyst, intern, leaver, asker) = (m.role("analyst"), m.role("intern"), m.role("leaver"), m.role("asker"));
    let filtered = json!([{ "name": "orders", "columns": ["a", "b"], "row_filter": "region = 'EU'" }]);
    let used = m.granted(&analyst, filtered).await;
    let unused = m.granted(&intern, Value::Null).await;
    let ended = m.granted(&leaver, Value::Null).await;
    m.revoke(&ended).await;
    m.run_jobs().await;
    m.request(&asker, Value::Null).await; // pending: no access yet
    let event = recorded("athena", &m.gov, &m.grant_database(), "orders", &analyst, "r-1", Age::hours(3));
    meshgov::intake::take(&m.state, &event.to_string()).await.unwrap();

    let r = m.app.get("/api/v1/domains/sales/access-report", &steward()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = r.body["rows"].as_array().unwrap();
    let principals: Vec<&str> = rows.iter().map(|row| row["principal"].as_str().unwrap()).collect();
    assert_eq!(principals, [analyst.as_str(), intern.as_str()], "the live ones, by principal");
    let (first, second) = (&rows[0], &rows[1]);
    let subscription = m.get(&used).await;
    assert_eq!(first["subscription"], used.as_str());
    assert_eq!(first["approved_by"], subscription["decided_by"]);
    assert_eq!(first["since"], subscription["decided_at"]);
    assert_eq!(first["scope"]["tables"][0]["row_filter"], "region = 'EU'");
    assert_eq!((first["provisioning"].as_str(), first["usage"]["uses_30d"].as_i64()), (Some("granted"), Some(1)));
    assert_eq!(first["usage"], subscription["usage"]);
    assert_eq!(first["usage"]["engines"], json!(["athena"]));
    assert!(first["review_state"].is_null() && first["review_due_at"].is_null(), "the domain does not review access");
    assert_eq!((second["subscription"].as_str(), second["usage"]["last_used_at"].is_null()), (Some(unused.as_str()), true), "never used");

    // What Lake Formation holds: the principals with a permission on a table of the product are
    // exactly the report's.
    let listed = m.lf_state().await;
    let mut in_lake_formation: Vec<&str> = listed.iter().filter(|p| !p.contains(" database ")).filter_map(|p| p.split(' ').next()).collect();
    in_lake_formation.sort();
    in_lake_formation.dedup();
    assert_eq!(in_lake_formation, principals, "{listed:#?}");

    // As a file for the auditors: a header and one line per access.
    let r = m.app.get("/api/v1/domains/sales/access-report?format=csv", &steward()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(r.headers["content-disposition"], "attachment; filename=\"access-report-sales.csv\"");
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.text);
    assert!(lines[0].starts_with("product,consumer_domain,principal,scope,"), "{}", lines[0]);
    assert!(lines[1].contains(&analyst) && lines[1].contains("\"orders(a, b) WHERE region = 'EU'\""), "{}", lines[1]);
    assert!(lines[2].contains(&intern) && lines[2].contains("all tables"), "{}", lines[2]);

    // With access reviews on, each row says when its review is due.
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "access_policy": { "review_every_days": 90 } })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = m.app.get("/api/v1/domains/sales/access-report", &steward()).await.body["rows"].clone();
    assert_eq!((rows[0]["review_state"].as_str(), rows[0]["review_due_at"].is_string()), (Some("upcoming"), true), "{rows}");

    // Per product: the same rows.
    let r = m.app.get("/api/v1/domains/sales/products/orders/access-report", &steward()).await;
    assert_eq!((r.status.as_u16(), r.body["product"].as_str(), r.body["rows"].as_array().map(Vec::len)), (200, Some("orders"), Some(2)));
}

#[sqlx::test]
async fn only_the_domains_approvers_stewards_and_admins_read_it(pool: PgPool) {
    let m = Mesh::new(pool).await;
    m.product("sales", "orders", &["orders"], json!({})).await;
    m.granted(&m.role("analyst"), Value::Null).await;
    let path = "/api/v1/domains/sales/access-report";
    for (who, token) in [("admin", admin()), ("steward", steward())] {
        assert_eq!(m.app.get(path, &token).await.status, 200, "{who}");
    }
    // Sales lets stewards decide: its producers may not read who can access its data.
    for (who, token) in [("sales producer", producer("sales")), ("consumer", consumer("marketing")), ("marketing producer", producer("marketing"))] {
        let r = m.app.get(path, &token).await;
        assert_eq!(r.status, 403, "{who}: {}", r.body);
        r.problem(403, "forbidden");
    }
    let r = m.app.patch("/api/v1/domains/sales", &admin(), json!({ "approval_policy": "owners" })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(m.app.get(path, &producer("sales")).await.status, 200, "owners decide now: they read it too");
    m.app.get("/api/v1/domains/nowhere/access-report", &admin()).await.problem(404, "not_found");
    m.app.get("/api/v1/domains/sales/products/nothing/access-report", &admin()).await.problem(404, "not_found");
    m.app.get("/api/v1/domains/sales/access-report?format=xml", &admin()).await.problem(400, "invalid_query");
}
