//! Can meshgov work with a domain? Checked item by item, live against AWS: the sync role can be
//! assumed, the product databases can be read, Lake Formation in the governance account answers.

use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::glue::ProducerAccess;
use super::store;
use crate::AppState;
use crate::domains::model::DomainRow;

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainReadiness {
    pub domain: String,
    /// True when every check passed.
    pub ready: bool,
    pub checks: Vec<Check>,
    /// The trust policy the sync role in the producer account needs (when meshgov knows its own
    /// principal: `MESHGOV_AWS_PRINCIPAL_ARN`, or asked of STS).
    #[schema(value_type = Option<Object>)]
    pub trust_policy: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    /// `assume_role`, `read_catalog` or `lake_formation`.
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

fn check(name: &str, result: Result<String, String>) -> Check {
    match result {
        Ok(detail) => Check { name: name.into(), ok: true, detail },
        Err(detail) => Check { name: name.into(), ok: false, detail },
    }
}

/// The trust policy for a producer's sync role: only meshgov's principal, only with the domain's
/// external id (the confused-deputy guard).
pub fn trust_policy(principal_arn: &str, external_id: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": principal_arn },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "sts:ExternalId": external_id } }
        }]
    })
}

pub async fn check_domain(state: &AppState, domain: &DomainRow) -> sqlx::Result<DomainReadiness> {
    let mut checks = Vec::new();
    let access: Option<ProducerAccess> = super::service::access_of(domain);
    match &access {
        None => {
            checks.push(check("assume_role", Err("no sync_role_arn is set for the domain".into())));
            checks.push(check("read_catalog", Err("needs the sync role".into())));
        }
        Some(access) => match state.catalog.check_access(access).await {
            Err(e) => {
                checks.push(check("assume_role", Err(e.message)));
                checks.push(check("read_catalog", Err("needs the sync role".into())));
            }
            Ok(()) => {
                checks.push(check("assume_role", Ok(format!("assumed {}", access.role_arn))));
                let targets = store::products_to_sync(&state.db, domain.id, None).await?;
                let mut databases: Vec<&str> = targets.iter().map(|t| t.source_database.as_str()).collect();
                databases.sort_unstable();
                databases.dedup();
                let mut failures = Vec::new();
                for database in &databases {
                    if let Err(e) = state.catalog.tables(access, database).await {
                        failures.push(format!("{database}: {}", e.message));
                    }
                }
                checks.push(check(
                    "read_catalog",
                    if failures.is_empty() {
                        Ok(format!("read {} database(s)", databases.len()))
                    } else {
                        Err(failures.join("; "))
                    },
                ));
            }
        },
    }
    let lf = state.aws.lakeformation().await;
    checks.push(check(
        "lake_formation",
        match lf.get_data_lake_settings().send().await {
            Ok(out) => {
                let admins = out.data_lake_settings().map(|s| s.data_lake_admins().len()).unwrap_or(0);
                Ok(format!("Lake Formation answers in the governance account ({admins} data lake admin(s))"))
            }
            Err(e) => Err(format!("Lake Formation GetDataLakeSettings: {}", crate::aws::describe(&e))),
        },
    ));
    let principal = state.aws.principal_arn().await;
    Ok(DomainReadiness {
        domain: domain.slug.clone(),
        ready: checks.iter().all(|c| c.ok),
        checks,
        trust_policy: principal.map(|p| trust_policy(&p, &domain.external_id)),
    })
}
