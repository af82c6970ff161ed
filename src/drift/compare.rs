//! The comparison itself, free of I/O: desired grants against the permissions Lake Formation
//! lists, both reduced to canonical resource keys (the format of `grants.resource_key`).
//!
//! Lake Formation (and moto) spell one grant several ways, so the keys normalize:
//! - a missing `CatalogId` is the governance account's own catalog;
//! - column lists are compared as sets (any order, no duplicates);
//! - `TableWithColumns` with a `ColumnWildcard` and no exclusions is the whole table (a form in
//!   which Lake Formation can list SELECT on a table);
//! - database, table and column names are case-insensitive in Glue (Lake Formation lists them in
//!   lower case); principals are not.
//!
//! Permissions compare as sets per principal and resource: a resource held with fewer permissions
//! than desired is *missing* the difference; one held with more is *unexpected* for the rest.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;
use uuid::Uuid;

pub use crate::grants::lakeformation::Listed;
pub use crate::grants::resource::canonical_key;
use crate::grants::resource::LfResource;

/// Where a desired grant stands, as far as the comparison cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// Granted (or failed to grant) for an approved subscription: must be present.
    Present,
    /// Being granted or revoked right now: may or may not be present.
    InFlight,
    /// Its revoke failed: if still present, it is left over.
    Gone,
}

/// A desired grant with what the comparison needs.
#[derive(Debug, Clone)]
pub struct Desired {
    pub grant_id: Uuid,
    pub subscription_id: Uuid,
    pub principal: String,
    pub resource_key: String,
    pub permissions: Vec<String>,
    pub expectation: Expectation,
    /// Why the grant can no longer exist (its table or columns are gone at the producer).
    pub orphaned: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Missing,
    Unexpected,
    Orphaned,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Unexpected => "unexpected",
            Kind::Orphaned => "orphaned",
        }
    }
}

/// One difference between desired and actual.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: Kind,
    /// The desired grant (`missing`, `orphaned`).
    pub grant_id: Option<Uuid>,
    /// The subscription that wants it (`missing`, `orphaned`); for `unexpected`, filled in later
    /// from history (the last subscription that held it).
    pub subscription_id: Option<Uuid>,
    pub principal: String,
    pub resource_key: String,
    /// The Lake Formation resource: as listed for `unexpected`; null for the others until the
    /// caller fills it in from the grant (desired grants are compared by key alone, which keeps
    /// a check over many grants small).
    pub resource: Value,
    /// The permissions missing, unexpected, or orphaned.
    pub permissions: Vec<String>,
    /// Of an `unexpected` finding: the permissions held with the grant option (also in
    /// `permissions`), whose grant option a repair revokes.
    pub grant_option: Vec<String>,
    pub detail: String,
}

impl Finding {
    /// Identity across checks.
    pub fn finding_key(&self) -> String {
        match self.grant_id {
            Some(id) => format!("{}|{id}", self.kind.as_str()),
            None => format!("{}|{}|{}", self.kind.as_str(), self.principal, self.resource_key),
        }
    }
}

/// What is managed: the principals meshgov has granted to, and the databases of its products.
/// Everything else in the account is none of meshgov's business and is not reported.
#[derive(Debug, Default, Clone)]
pub struct Managed {
    pub principals: HashSet<String>,
    /// `catalog|database`, lower case.
    pub databases: HashSet<String>,
}

impl Managed {
    /// The `catalog|database` form of [`Managed::databases`].
    pub fn database_of(resource: &LfResource) -> String {
        format!("{}|{}", resource.catalog_id(), resource.database().to_lowercase())
    }

    fn covers(&self, principal: &str, resource: &LfResource) -> bool {
        self.principals.contains(principal) && self.databases.contains(&Managed::database_of(resource))
    }
}

/// What Lake Formation holds for one principal and resource.
#[derive(Debug, Default)]
struct Held {
    /// The first listed entry for it (its resource is copied only if it is reported).
    first: usize,
    permissions: BTreeSet<String>,
    grantable: BTreeSet<String>,
}

/// Compares; findings come out sorted (kind, principal, resource).
pub fn compare(desired: &[Desired], listed: &[Listed], managed: &Managed) -> Vec<Finding> {
    let mut held: HashMap<(String, String), Held> = HashMap::new();
    for (i, l) in listed.iter().enumerate() {
        if !managed.covers(&l.principal, &l.resource) {
            continue;
        }
        let key = l.resource.canonical_key();
        let h = held.entry((l.principal.clone(), key)).or_insert_with(|| Held { first: i, ..Held::default() });
        h.permissions.extend(l.permissions.iter().cloned());
        h.grantable.extend(l.grantable.iter().cloned());
    }

    let mut findings = Vec::new();
    // Permissions each principal and resource may hold: what any present or in-flight grant wants.
    let mut allowed: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for d in desired {
        let key = canonical_key(&d.resource_key);
        if d.expectation != Expectation::Gone {
            allowed.entry((d.principal.clone(), key.clone())).or_default().extend(d.permissions.iter().cloned());
        }
        if d.expectation != Expectation::Present {
            continue;
        }
        let finding = |kind, permissions: Vec<String>, detail: String| Finding {
            kind,
            grant_id: Some(d.grant_id),
            subscription_id: Some(d.subscription_id),
            principal: d.principal.clone(),
            resource_key: d.resource_key.clone(),
            resource: Value::Null,
            permissions,
            grant_option: Vec::new(),
            detail,
        };
        if let Some(why) = &d.orphaned {
            findings.push(finding(Kind::Orphaned, d.permissions.clone(), why.clone()));
            continue;
        }
        let have = held.get(&(d.principal.clone(), key));
        let absent: Vec<String> = d
            .permissions
            .iter()
            .filter(|p| !have.is_some_and(|h| h.permissions.contains(*p)))
            .cloned()
            .collect();
        if !absent.is_empty() {
            let detail = match have {
                None => "not granted in Lake Formation".to_string(),
                Some(_) => format!("granted in Lake Formation without {}", absent.join(", ")),
            };
            findings.push(finding(Kind::Missing, absent, detail));
        }
    }

    for ((principal, key), h) in held {
        let wanted = allowed.get(&(principal.clone(), key.clone()));
        let extra: BTreeSet<String> =
            h.permissions.iter().filter(|p| !wanted.is_some_and(|w| w.contains(*p))).cloned().collect();
        let grantable = h.grantable;
        if extra.is_empty() && grantable.is_empty() {
            continue;
        }
        let detail = match (wanted.is_some(), grantable.is_empty()) {
            (false, _) => "granted in Lake Formation, but no subscription wants it".to_string(),
            (true, true) => "granted in Lake Formation with more permissions than subscribed".to_string(),
            (true, false) => format!(
                "held with the grant option ({}), which meshgov never gives",
                grantable.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        let mut permissions: BTreeSet<String> = extra;
        permissions.extend(grantable.iter().cloned());
        findings.push(Finding {
            kind: Kind::Unexpected,
            grant_id: None,
            subscription_id: None,
            principal,
            resource_key: key,
            resource: listed[h.first].resource.to_json(),
            permissions: permissions.into_iter().collect(),
            grant_option: grantable.into_iter().collect(),
            detail,
        });
    }
    findings.sort_by(|a, b| (a.kind, &a.principal, &a.resource_key).cmp(&(b.kind, &b.principal, &b.resource_key)));
    findings
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const GOV: &str = "123456789012";
    const PROD: &str = "111122223333";
    const ROLE: &str = "arn:aws:iam::444455556666:role/analyst";

    fn managed() -> Managed {
        Managed {
            principals: [ROLE.to_string()].into(),
            databases: [format!("{PROD}|sales"), format!("{GOV}|local")].into(),
        }
    }

    fn desired(key: &str, perms: &[&str], expectation: Expectation) -> Desired {
        Desired {
            grant_id: Uuid::now_v7(),
            subscription_id: Uuid::nil(),
            principal: ROLE.into(),
            resource_key: key.into(),
            permissions: perms.iter().map(|s| s.to_string()).collect(),
            expectation,
            orphaned: None,
        }
    }

    fn listed(resource: Value, perms: &[&str]) -> Listed {
        Listed {
            principal: ROLE.into(),
            resource: LfResource::from_json(&resource, GOV).unwrap(),
            permissions: perms.iter().map(|s| s.to_string()).collect(),
            grantable: Vec::new(),
        }
    }

    fn columns_grant() -> Desired {
        desired(
            &format!("columns|{PROD}|sales|orders|amount,region"),
            &["SELECT"],
            Expectation::Present,
        )
    }

    #[test]
    fn column_order_catalog_id_and_case_do_not_make_drift() {
        let d = vec![
            columns_grant(),
            desired(
                &format!("table|{GOV}|local|t"),
                &["DESCRIBE", "SELECT"],
                Expectation::Present,
            ),
        ];
        let l = vec![
            listed(
                json!({"TableWithColumns": {"CatalogId": PROD, "DatabaseName": "Sales", "Name": "orders", "ColumnNames": ["region", "amount", "region"]}}),
                &["SELECT"],
            ),
            // The governance catalog, implicit; SELECT listed as a column wildcard, DESCRIBE apart.
            listed(json!({"TableWithColumns": {"DatabaseName": "local", "Name": "t", "ColumnWildcard": {}}}), &["SELECT"]),
            listed(json!({"Table": {"DatabaseName": "local", "Name": "t"}}), &["DESCRIBE"]),
        ];
        assert_eq!(compare(&d, &l, &managed()), Vec::new());
    }

    #[test]
    fn absent_and_partial_grants_are_missing() {
        let table = desired(
            &format!("table|{PROD}|sales|items"),
            &["DESCRIBE", "SELECT"],
            Expectation::Present,
        );
        let d = vec![columns_grant(), table.clone()];
        let l = vec![listed(json!({"Table": {"CatalogId": PROD, "DatabaseName": "sales", "Name": "items"}}), &["DESCRIBE"])];
        let f = compare(&d, &l, &managed());
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.kind == Kind::Missing));
        let partial = f.iter().find(|f| f.grant_id == Some(table.grant_id)).unwrap();
        assert_eq!(partial.permissions, ["SELECT"]);
    }

    #[test]
    fn extra_permissions_unmanaged_principals_and_in_flight_grants() {
        let revoking = desired(
            &format!("table|{PROD}|sales|old"),
            &["DESCRIBE", "SELECT"],
            Expectation::InFlight,
        );
        let d = vec![columns_grant(), revoking];
        let mut other = listed(json!({"Table": {"CatalogId": PROD, "DatabaseName": "sales", "Name": "x"}}), &["SELECT"]);
        other.principal = "arn:aws:iam::999999999999:role/someone-else".into();
        let l = vec![
            listed(json!({"TableWithColumns": {"CatalogId": PROD, "DatabaseName": "sales", "Name": "orders", "ColumnNames": ["amount", "region"]}}), &["SELECT", "ALTER"]),
            listed(json!({"Table": {"CatalogId": PROD, "DatabaseName": "sales", "Name": "old"}}), &["DESCRIBE", "SELECT"]),
            listed(json!({"Table": {"CatalogId": PROD, "DatabaseName": "sales", "Name": "secret"}}), &["SELECT"]),
            // Not a managed database, not a managed principal: not reported.
            listed(json!({"Table": {"CatalogId": PROD, "DatabaseName": "hr", "Name": "pay"}}), &["SELECT"]),
            other,
        ];
        let f = compare(&d, &l, &managed());
        let unexpected: Vec<(&str, &Vec<String>)> = f.iter().map(|f| (f.resource_key.as_str(), &f.permissions)).collect();
        assert_eq!(
            unexpected,
            vec![
                (format!("columns|{PROD}|sales|orders|amount,region").as_str(), &vec!["ALTER".to_string()]),
                (format!("table|{PROD}|sales|secret").as_str(), &vec!["SELECT".to_string()]),
            ]
        );
        assert!(f.iter().all(|f| f.kind == Kind::Unexpected && f.subscription_id.is_none()));
    }

    #[test]
    fn leftovers_of_failed_revokes_and_grant_options_are_unexpected() {
        let gone = desired(
            &format!("table|{PROD}|sales|old"),
            &["DESCRIBE", "SELECT"],
            Expectation::Gone,
        );
        let mut grantable = listed(
            json!({"TableWithColumns": {"CatalogId": PROD, "DatabaseName": "sales", "Name": "orders", "ColumnNames": ["amount", "region"]}}),
            &["SELECT"],
        );
        grantable.grantable = vec!["SELECT".into()];
        let l = vec![listed(json!({"Table": {"CatalogId": PROD, "DatabaseName": "sales", "Name": "old"}}), &["SELECT"]), grantable];
        let f = compare(&[columns_grant(), gone], &l, &managed());
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|f| f.kind == Kind::Unexpected));
        assert!(f.iter().any(|f| f.detail.contains("grant option")));
    }

    #[test]
    fn orphaned_wins_over_missing() {
        let mut d = columns_grant();
        d.orphaned = Some("table orders no longer exists".into());
        let f = compare(&[d], &[], &managed());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, Kind::Orphaned);
    }

    #[test]
    fn keys_of_every_resource_kind() {
        let k = |v: Value| LfResource::from_json(&v, GOV).map(|r| r.canonical_key());
        assert_eq!(k(json!({"Database": {"Name": "Sales"}})).unwrap(), format!("database|{GOV}|sales"));
        assert_eq!(k(json!({"Table": {"CatalogId": PROD, "DatabaseName": "s", "TableWildcard": {}}})).unwrap(), format!("table|{PROD}|s|*"));
        assert_eq!(
            k(json!({"TableWithColumns": {"DatabaseName": "s", "Name": "t", "ColumnWildcard": {"ExcludedColumnNames": ["b", "a"]}}})).unwrap(),
            format!("columns_excluding|{GOV}|s|t|a,b")
        );
        assert_eq!(
            k(json!({"DataCellsFilter": {"TableCatalogId": PROD, "DatabaseName": "s", "TableName": "t", "Name": "meshgov_ab"}})).unwrap(),
            format!("filter|{PROD}|s|t|meshgov_ab")
        );
        assert_eq!(k(json!({"DataLocation": {"ResourceArn": "arn:aws:s3:::b"}})), None);
        assert_eq!(canonical_key("filter|1|DB|T|Meshgov_X"), "filter|1|db|t|Meshgov_X");
    }
}
