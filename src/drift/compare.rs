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
    fn covers(&self, principal: &str, key: &str) -> bool {
        if !self.principals.contains(principal) {
            return false;
        }
        let mut parts = key.splitn(4, '|');
        let (_, catalog, database) = (parts.next(), parts.next(), parts.next());
        match (catalog, database) {
            (Some(c), Some(d)) => self.databases.contains(&format!("{c}|{d}")),
            _ => false,
        }
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn sorted_names(v: Option<&Value>) -> Vec<String> {
    let set: BTreeSet<String> = v
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_lowercase).collect())
        .unwrap_or_default();
    set.into_iter().collect()
}

/// The canonical key of a resource as Lake Formation lists it; None for kinds meshgov never grants
/// (data locations, LF-tags, catalogs).
pub fn resource_key(resource: &Value, default_catalog: &str) -> Option<String> {
    let catalog = |v: &Value, key: &str| text(v, key).unwrap_or(default_catalog).to_string();
    let lower = |v: &Value, key: &str| text(v, key).map(str::to_lowercase);
    if let Some(d) = resource.get("Database") {
        return Some(format!("database|{}|{}", catalog(d, "CatalogId"), lower(d, "Name")?));
    }
    if let Some(t) = resource.get("Table") {
        let name = if t.get("TableWildcard").is_some() { "*".to_string() } else { lower(t, "Name")? };
        return Some(format!("table|{}|{}|{name}", catalog(t, "CatalogId"), lower(t, "DatabaseName")?));
    }
    if let Some(t) = resource.get("TableWithColumns") {
        let prefix = format!("{}|{}|{}", catalog(t, "CatalogId"), lower(t, "DatabaseName")?, lower(t, "Name")?);
        if let Some(wildcard) = t.get("ColumnWildcard") {
            let excluded = sorted_names(wildcard.get("ExcludedColumnNames"));
            return Some(if excluded.is_empty() {
                format!("table|{prefix}")
            } else {
                format!("columns_excluding|{prefix}|{}", excluded.join(","))
            });
        }
        return Some(format!("columns|{prefix}|{}", sorted_names(t.get("ColumnNames")).join(",")));
    }
    if let Some(f) = resource.get("DataCellsFilter") {
        return Some(format!(
            "filter|{}|{}|{}|{}",
            catalog(f, "TableCatalogId"),
            lower(f, "DatabaseName")?,
            lower(f, "TableName")?,
            text(f, "Name")?
        ));
    }
    None
}

/// The same canonical form for a key meshgov wrote (`grants.resource_key`).
pub fn desired_key(key: &str) -> String {
    match key.split_once('|') {
        // The filter's own name keeps its case, like resource_key above.
        Some(("filter", rest)) => {
            let mut parts: Vec<String> = rest.split('|').map(str::to_string).collect();
            let last = parts.len().saturating_sub(1);
            for p in &mut parts[..last] {
                *p = p.to_lowercase();
            }
            format!("filter|{}", parts.join("|"))
        }
        _ => key.to_lowercase(),
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
pub fn compare(desired: &[Desired], listed: &[Listed], managed: &Managed, default_catalog: &str) -> Vec<Finding> {
    let mut held: HashMap<(String, String), Held> = HashMap::new();
    for (i, l) in listed.iter().enumerate() {
        let Some(key) = resource_key(&l.resource, default_catalog) else { continue };
        if !managed.covers(&l.principal, &key) {
            continue;
        }
        let h = held.entry((l.principal.clone(), key)).or_insert_with(|| Held { first: i, ..Held::default() });
        h.permissions.extend(l.permissions.iter().cloned());
        h.grantable.extend(l.grantable.iter().cloned());
    }

    let mut findings = Vec::new();
    // Permissions each principal and resource may hold: what any present or in-flight grant wants.
    let mut allowed: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for d in desired {
        let key = desired_key(&d.resource_key);
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
            resource: listed[h.first].resource.clone(),
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
            resource,
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
        assert_eq!(compare(&d, &l, &managed(), GOV), Vec::new());
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
        let f = compare(&d, &l, &managed(), GOV);
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
        let f = compare(&d, &l, &managed(), GOV);
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
        let f = compare(&[columns_grant(), gone], &l, &managed(), GOV);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|f| f.kind == Kind::Unexpected));
        assert!(f.iter().any(|f| f.detail.contains("grant option")));
    }

    #[test]
    fn orphaned_wins_over_missing() {
        let mut d = columns_grant();
        d.orphaned = Some("table orders no longer exists".into());
        let f = compare(&[d], &[], &managed(), GOV);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, Kind::Orphaned);
    }

    #[test]
    fn keys_of_every_resource_kind() {
        let k = |v: Value| resource_key(&v, GOV);
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
        assert_eq!(desired_key("filter|1|DB|T|Meshgov_X"), "filter|1|db|t|Meshgov_X");
    }
}
