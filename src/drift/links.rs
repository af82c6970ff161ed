//! The consumer side of drift. For each subscription whose access meshgov set up in the consumer's
//! account (through the consumer domain's link role), the resource link must still exist and point
//! at the database the grants name, and the principal must still hold DESCRIBE on it: Athena reads
//! shared tables only through the link, so either one gone is access gone. Each is a `missing`
//! finding of the subscription (the link's database as the resource, DESCRIBE as the permission),
//! repaired by setting the access up again ([`super::repair`]). A consumer account that cannot be
//! read leaves its products `unverified`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::compare::{Finding, Kind};
use super::model::Unverified;
use super::store::{self, LinkedAccess};
use crate::AppState;
use crate::grants::consumer_account::{Existing, LinkRole};
use crate::grants::resource::LfResource;

fn missing(a: &LinkedAccess, detail: String) -> Finding {
    let link = LfResource::Database { catalog_id: a.consumer_account.clone(), name: a.link_database.clone() };
    Finding {
        kind: Kind::Missing,
        grant_id: None,
        subscription_id: Some(a.subscription_id),
        principal: a.principal.clone(),
        resource_key: link.key(),
        resource: json!({ "Database": { "CatalogId": a.consumer_account, "Name": a.link_database } }),
        permissions: vec!["DESCRIBE".into()],
        grant_option: Vec::new(),
        detail,
    }
}

/// What is missing on the consumer side, and the products that could not be verified there;
/// only access that did not change since `started_at` is judged.
pub async fn check(state: &AppState, started_at: DateTime<Utc>) -> sqlx::Result<(Vec<Finding>, Vec<Unverified>)> {
    let rows = store::linked_access(&state.db, started_at).await?;
    let mut findings = Vec::new();
    let mut unverified: Vec<Unverified> = Vec::new();
    // One GetDatabase per link, shared by its subscriptions; one ListPermissions per principal
    // and link, shared by a principal's subscriptions.
    let mut links: HashMap<(String, String), Result<bool, String>> = HashMap::new();
    let mut describes: HashMap<(String, String, String), Result<bool, String>> = HashMap::new();
    for a in &rows {
        let role = LinkRole {
            domain: a.consumer_domain.clone(),
            account_id: a.consumer_account.clone(),
            role_arn: a.link_role_arn.clone(),
            external_id: a.external_id.clone(),
        };
        let key = (a.consumer_account.clone(), a.link_database.clone());
        if !links.contains_key(&key) {
            let found = match state.consumer.database(&role, &a.link_database).await {
                Ok(Existing::Link { catalog_id, database }) => Ok(catalog_id == a.target_catalog_id && database == a.target_database),
                Ok(_) => Ok(false),
                Err(e) => Err(e.message),
            };
            links.insert(key.clone(), found);
        }
        let read = match &links[&key] {
            Ok(false) => {
                let detail = format!(
                    "the resource link {} in account {} is gone or no longer points at database {} of account {}",
                    a.link_database, a.consumer_account, a.target_database, a.target_catalog_id
                );
                findings.push(missing(a, detail));
                Ok(())
            }
            Ok(true) => {
                let held_key = (a.consumer_account.clone(), a.link_database.clone(), a.principal.clone());
                if !describes.contains_key(&held_key) {
                    let held = state.consumer.has_describe(&role, &a.principal, &a.link_database).await.map_err(|e| e.message);
                    describes.insert(held_key.clone(), held);
                }
                match &describes[&held_key] {
                    Ok(true) => Ok(()),
                    Ok(false) => {
                        let detail = format!("DESCRIBE on the resource link {} in account {} is gone", a.link_database, a.consumer_account);
                        findings.push(missing(a, detail));
                        Ok(())
                    }
                    Err(e) => Err(e.clone()),
                }
            }
            Err(e) => Err(e.clone()),
        };
        if let Err(error) = read
            && !unverified.iter().any(|u| u.domain == a.product_domain && u.product == a.product)
        {
            let error = format!("the consumer account {} (domain {}) could not be read: {error}", a.consumer_account, a.consumer_domain);
            unverified.push(Unverified { domain: a.product_domain.clone(), product: a.product.clone(), error });
        }
    }
    Ok((findings, unverified))
}
