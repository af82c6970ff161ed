//! Can meshgov work with a domain? Checked item by item, live against AWS, for the domain's catalog
//! mode: the sync role can be assumed and the product databases read; in central mode, the data
//! access role is set (a governance-account role) and the governance catalog and Lake Formation
//! answer; in producer mode, the grant role can be assumed and administers Lake Formation in the
//! producer's account; as a consumer, its link role (optional) can be assumed and administers Lake
//! Formation in its account. The answer carries the policies each role needs (from `deploy/iam/`, filled in
//! for the domain), and the statements the producer adds to its bucket and key policies.

use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::glue::ProducerAccess;
use super::store;
use crate::AppState;
use crate::domains::model::{CatalogMode, DomainRow};

#[derive(Debug, Serialize, ToSchema)]
pub struct DomainReadiness {
    pub domain: String,
    pub catalog_mode: CatalogMode,
    /// True when every check passed.
    pub ready: bool,
    pub checks: Vec<Check>,
    /// The trust policy the sync role in the producer account needs (when meshgov knows its own
    /// principal: `MESHGOV_AWS_PRINCIPAL_ARN`, or asked of STS).
    #[schema(value_type = Option<Object>)]
    pub trust_policy: Option<Value>,
    /// What each role of the domain's mode needs, and what the producer adds to its bucket and
    /// key policies (central mode), filled in for this domain where meshgov knows the values.
    pub policies: Vec<RolePolicy>,
    /// The S3 locations of the domain's synced tables: the `<BUCKET>/<PREFIX>` of the policies.
    pub s3_locations: Vec<String>,
    /// The CloudFormation stacks (deploy/cloudformation) that create the domain's side, with the
    /// parameters meshgov knows filled in: `producer.yaml` always, `consumer.yaml` for a link role.
    pub stacks: Vec<StackLaunch>,
}

/// One stack to create in the domain's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct StackLaunch {
    /// `producer.yaml` or `consumer.yaml`.
    pub template: String,
    /// The account to create it in.
    pub account: String,
    pub stack_name: String,
    /// The template's parameters meshgov knows; the others keep their defaults or are asked for.
    pub parameters: std::collections::BTreeMap<String, String>,
    /// The AWS console's page that creates the stack with these parameters, when
    /// `MESHGOV_STACK_TEMPLATES_URL` says where the templates are published and the region is known.
    pub quick_create_url: Option<String>,
}

/// The stacks of the domain's side, with meshgov's account, the external id, the mode and (with one
/// S3 location) the data's bucket and prefix filled in.
fn stacks(aws: &crate::config::AwsConfig, governance: Option<&str>, domain: &DomainRow, s3_locations: &[String]) -> Vec<StackLaunch> {
    let mut producer = std::collections::BTreeMap::new();
    let mut consumer = std::collections::BTreeMap::new();
    for parameters in [&mut producer, &mut consumer] {
        if let Some(governance) = governance {
            parameters.insert("GovernanceAccountId".to_string(), governance.to_string());
        }
        parameters.insert("ExternalId".to_string(), domain.external_id.clone());
    }
    producer.insert("CatalogMode".into(), domain.catalog_mode.as_str().into());
    if let Some((bucket, prefix)) = shared_location(s3_locations) {
        producer.insert("DataBucket".into(), bucket);
        producer.insert("DataPrefix".into(), prefix);
    }
    if let Some(bus) = &aws.catalog_event_bus_arn {
        producer.insert("CatalogEventBusArn".into(), bus.clone());
    }
    let launch = |template: &str, stack_name: String, parameters: std::collections::BTreeMap<String, String>| StackLaunch {
        quick_create_url: quick_create_url(aws, template, &stack_name, &parameters),
        template: template.into(),
        account: domain.aws_account_id.clone(),
        stack_name,
        parameters,
    };
    let mut out = vec![launch("producer.yaml", format!("meshgov-producer-{}", domain.slug), producer)];
    if domain.link_role_arn.is_some() {
        out.push(launch("consumer.yaml", format!("meshgov-consumer-{}", domain.slug), consumer));
    }
    out
}

/// The bucket of the tables' locations and the longest folder prefix they share, when they are
/// all in one bucket (the stack takes one).
fn shared_location(locations: &[String]) -> Option<(String, String)> {
    let mut split = locations.iter().map(|l| l.strip_prefix("s3://").and_then(|l| l.split_once('/')));
    let (bucket, first) = split.next()??;
    let mut prefix = first.to_string();
    for location in split {
        let (b, key) = location?;
        if b != bucket {
            return None;
        }
        let shared = prefix.chars().zip(key.chars()).take_while(|(a, b)| a == b).count();
        prefix.truncate(prefix.char_indices().nth(shared).map_or(prefix.len(), |(i, _)| i));
    }
    // Whole folders only: `sales/or` of `sales/orders/` and `sales/orbits/` is `sales/`.
    prefix.truncate(prefix.rfind('/').map_or(0, |i| i + 1));
    Some((bucket.to_string(), prefix))
}

/// `https://<region>.console.aws.amazon.com/cloudformation/home?region=<region>#/stacks/quickcreate?…`
/// (the console's documented quick-create link: `templateURL`, `stackName`, `param_<Name>`).
fn quick_create_url(
    aws: &crate::config::AwsConfig,
    template: &str,
    stack_name: &str,
    parameters: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    let (base, region) = (aws.stack_templates_url.as_ref()?, aws.region.as_ref()?);
    // form-urlencoded pairs, as the console reads them from the fragment.
    let mut pairs = reqwest::Url::parse("https://pairs.invalid/").expect("a URL");
    pairs.query_pairs_mut().append_pair("templateURL", &format!("{base}{template}")).append_pair("stackName", stack_name);
    for (name, value) in parameters {
        pairs.query_pairs_mut().append_pair(&format!("param_{name}"), value);
    }
    Some(format!(
        "https://{region}.console.aws.amazon.com/cloudformation/home?region={region}#/stacks/quickcreate?{}",
        pairs.query().unwrap_or_default()
    ))
}

/// One role's policies (or a resource policy's statements).
#[derive(Debug, Serialize, ToSchema)]
pub struct RolePolicy {
    /// `sync_role`, `grant_role`, `data_access_role`, `producer_bucket_policy`,
    /// `producer_kms_key_policy` or `link_role`.
    pub name: String,
    /// The account it is created in.
    pub account: String,
    /// The role, when the domain names it.
    pub role_arn: Option<String>,
    /// `{ "trust": …, "permissions": … }` for a role, the statements for a resource policy.
    #[schema(value_type = Object)]
    pub document: Value,
}

const SYNC_ROLE: &str = include_str!("../../deploy/iam/producer-sync-role.json");
const GRANT_ROLE: &str = include_str!("../../deploy/iam/producer-grant-role.json");
const DATA_ACCESS_ROLE: &str = include_str!("../../deploy/iam/data-access-role.json");
const BUCKET_POLICY: &str = include_str!("../../deploy/iam/producer-bucket-policy.json");
const KMS_KEY_POLICY: &str = include_str!("../../deploy/iam/producer-kms-key-policy.json");
const LINK_ROLE: &str = include_str!("../../deploy/iam/consumer-link-role.json");

/// A policy template of `deploy/iam/` with what meshgov knows put in; unknown values stay as
/// their `<PLACEHOLDER>`.
fn fill(template: &str, principal: Option<&str>, governance: Option<&str>, domain: &DomainRow) -> Value {
    let mut text = template.to_string();
    if let Some(principal) = principal {
        text = text.replace("\"arn:aws:iam::<GOVERNANCE_ACCOUNT>:role/meshgov\"", &format!("\"{principal}\""));
    }
    if let Some(role) = &domain.data_access_role_arn {
        text = text.replace("arn:aws:iam::<GOVERNANCE_ACCOUNT>:role/meshgov-data-access", role);
    }
    if let Some(governance) = governance {
        text = text.replace("<GOVERNANCE_ACCOUNT>", governance);
    }
    text = text
        .replace("<PRODUCER_ACCOUNT>", &domain.aws_account_id)
        .replace("<CONSUMER_ACCOUNT>", &domain.aws_account_id)
        .replace("<EXTERNAL_ID>", &domain.external_id);
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn policies(principal: Option<&str>, governance: Option<&str>, domain: &DomainRow) -> Vec<RolePolicy> {
    let producer = || domain.aws_account_id.clone();
    let policy = |name: &str, account: String, role_arn: Option<&String>, template: &str| RolePolicy {
        name: name.into(),
        account,
        role_arn: role_arn.cloned(),
        document: fill(template, principal, governance, domain),
    };
    let mut out = vec![policy("sync_role", producer(), domain.sync_role_arn.as_ref(), SYNC_ROLE)];
    match domain.catalog_mode {
        CatalogMode::Central => {
            let governance = governance.unwrap_or("<GOVERNANCE_ACCOUNT>").to_string();
            out.push(policy("data_access_role", governance, domain.data_access_role_arn.as_ref(), DATA_ACCESS_ROLE));
            out.push(policy("producer_bucket_policy", producer(), None, BUCKET_POLICY));
            out.push(policy("producer_kms_key_policy", producer(), None, KMS_KEY_POLICY));
        }
        CatalogMode::Producer => out.push(policy("grant_role", producer(), domain.grant_role_arn.as_ref(), GRANT_ROLE)),
    }
    // As a consumer (optional: without it, subscriptions list the steps for the consumer).
    out.push(policy("link_role", producer(), domain.link_role_arn.as_ref(), LINK_ROLE));
    out
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
    let governance = state.aws.governance_account().await;
    match domain.catalog_mode {
        CatalogMode::Central => {
            checks.push(check(
                "data_access_role",
                match (&domain.data_access_role_arn, &governance) {
                    (None, _) => Err("no data_access_role_arn: Lake Formation cannot read the producer's data for the mirror".into()),
                    (Some(role), Some(gov)) if role.split(':').nth(4) != Some(gov.as_str()) => {
                        Err(format!("{role} is not a role of the governance account {gov}"))
                    }
                    (Some(role), _) => Ok(format!("{role} registers the producer's S3 locations")),
                },
            ));
            let glue = aws_sdk_glue::Client::new(state.aws.sdk().await);
            checks.push(check(
                "mirror_catalog",
                match glue.get_databases().max_results(1).send().await {
                    Ok(_) => Ok("the governance account's Glue catalog answers (the mirror is kept there)".into()),
                    Err(e) => Err(format!("Glue GetDatabases in the governance account: {}", crate::aws::describe(&e))),
                },
            ));
            let lf = state.aws.lakeformation().await;
            checks.push(check("lake_formation", data_lake_settings(&lf, "the governance account", None).await));
        }
        CatalogMode::Producer => match (&domain.grant_role_arn, super::service::access_of(domain)) {
            (Some(role), Some(access)) => {
                let session = format!("meshgov-grants-{}", domain.slug);
                match state.aws.config_as(role, &access.external_id, &session).await {
                    Ok(config) => {
                        checks.push(check("grant_role", Ok(format!("assumed {role}"))));
                        let lf = crate::aws::lakeformation_client(&config);
                        let account = format!("the producer's account {}", domain.aws_account_id);
                        checks.push(check("lake_formation", data_lake_settings(&lf, &account, Some(role)).await));
                    }
                    Err(e) => {
                        checks.push(check("grant_role", Err(e.to_string())));
                        checks.push(check("lake_formation", Err("needs the grant role".into())));
                    }
                }
            }
            (None, _) => {
                checks.push(check("grant_role", Err("no grant_role_arn: meshgov cannot grant in the producer's account".into())));
                checks.push(check("lake_formation", Err("needs the grant role".into())));
            }
            (Some(_), None) => {
                checks.push(check("grant_role", Err("set the sync role too: both are assumed with the domain's external id".into())));
                checks.push(check("lake_formation", Err("needs the grant role".into())));
            }
        },
    }
    checks.push(link_role_check(state, domain).await);
    let targets = store::products_to_sync(&state.db, domain.id, None).await?;
    let s3_locations = store::table_locations(&state.db, &targets.iter().map(|t| t.id).collect::<Vec<_>>()).await?;
    let principal = state.aws.principal_arn().await;
    Ok(DomainReadiness {
        domain: domain.slug.clone(),
        catalog_mode: domain.catalog_mode,
        ready: checks.iter().all(|c| c.ok),
        checks,
        trust_policy: principal.as_deref().map(|p| trust_policy(p, &domain.external_id)),
        policies: policies(principal.as_deref(), governance.as_deref(), domain),
        stacks: stacks(&state.config.aws, governance.as_deref(), domain, &s3_locations),
        s3_locations,
    })
}

/// The domain as a consumer: its link role, when it has one, can be assumed, administers Lake
/// Formation in its account (to create resource links and grant DESCRIBE on them) and reads its
/// RAM invitations. Without one the check passes: consumers may set up their access themselves.
async fn link_role_check(state: &AppState, domain: &DomainRow) -> Check {
    let Some(role) = &domain.link_role_arn else {
        return check("link_role", Ok("no link_role_arn: this domain's consumers accept invitations and create resource links themselves (each subscription lists the steps)".into()));
    };
    let session = format!("meshgov-links-{}", domain.slug);
    let config = match state.aws.config_as(role, &domain.external_id, &session).await {
        Ok(config) => config,
        Err(e) => return check("link_role", Err(e.to_string())),
    };
    let account = format!("the consumer's account {}", domain.aws_account_id);
    if let Err(e) = data_lake_settings(&crate::aws::lakeformation_client(&config), &account, Some(role)).await {
        return check("link_role", Err(e));
    }
    let ram = aws_sdk_ram::Client::new(&config);
    check(
        "link_role",
        match ram.get_resource_share_invitations().max_results(1).send().await {
            Ok(_) => Ok(format!("assumed {role}: a data lake administrator of {account} that reads its AWS RAM invitations")),
            Err(e) => Err(format!("AWS RAM GetResourceShareInvitations in {account}: {}", crate::aws::describe(&e))),
        },
    )
}

/// Whether Lake Formation answers in an account, and (for a grant role) whether the role is one
/// of its data lake administrators, who may grant on every catalog resource of the account.
async fn data_lake_settings(lf: &aws_sdk_lakeformation::Client, account: &str, admin: Option<&str>) -> Result<String, String> {
    let out = lf
        .get_data_lake_settings()
        .send()
        .await
        .map_err(|e| format!("Lake Formation GetDataLakeSettings in {account}: {}", crate::aws::describe(&e)))?;
    let admins: Vec<&str> = out
        .data_lake_settings()
        .map(|s| s.data_lake_admins().iter().filter_map(|a| a.data_lake_principal_identifier()).collect())
        .unwrap_or_default();
    match admin {
        Some(role) if !admins.contains(&role) => {
            Err(format!("{role} is not a data lake administrator in {account}: register it (PutDataLakeSettings) so it may act there"))
        }
        _ => Ok(format!("Lake Formation answers in {account} ({} data lake admin(s))", admins.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_of_the_stack_is_the_folder_the_tables_share() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let pair = |b: &str, p: &str| Some((b.to_string(), p.to_string()));
        assert_eq!(shared_location(&l(&["s3://data/sales/orders/"])), pair("data", "sales/orders/"));
        assert_eq!(shared_location(&l(&["s3://data/sales/orders/", "s3://data/sales/orbits/"])), pair("data", "sales/"));
        assert_eq!(shared_location(&l(&["s3://data/sales/a/", "s3://data/supply/b/"])), pair("data", ""));
        assert_eq!(shared_location(&l(&["s3://data/sales/a/", "s3://other/sales/a/"])), None);
        assert_eq!(shared_location(&l(&[])), None);
    }

    #[test]
    fn the_console_link_carries_the_template_and_every_parameter() {
        let mut aws = crate::config::AwsConfig::default();
        let parameters: std::collections::BTreeMap<String, String> =
            [("ExternalId".to_string(), "a b&c".to_string()), ("CatalogMode".to_string(), "central".to_string())].into();
        assert_eq!(quick_create_url(&aws, "producer.yaml", "s", &parameters), None, "no templates URL, no link");
        aws.stack_templates_url = Some("https://my-bucket.s3.amazonaws.com/meshgov/".into());
        aws.region = Some("eu-west-1".into());
        assert_eq!(
            quick_create_url(&aws, "producer.yaml", "meshgov-producer-sales", &parameters).unwrap(),
            "https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/quickcreate?\
             templateURL=https%3A%2F%2Fmy-bucket.s3.amazonaws.com%2Fmeshgov%2Fproducer.yaml&stackName=meshgov-producer-sales\
             &param_CatalogMode=central&param_ExternalId=a+b%26c"
        );
    }
}
