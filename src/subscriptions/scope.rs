//! The rules of a subscription's scope: resolving requested tables, columns and row filters
//! against the product's synced schema and Lake Formation's limits, the canonical form that is
//! stored and hashed, narrowing at approval (never widening), expiry bounds, and the principal's
//! account.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::model::{Scope, TableScope};
use super::rowfilter;
use crate::grants::plan::ResolvedTable;
use crate::http::problem::{ApiError, ApiResult, FieldError, Violations};
use crate::schema::SchemaDocument;
use crate::validate::{AwsAccountId, RoleArn};

/// Lake Formation accepts at most this many data cells filters per grant request.
pub const MAX_ROW_FILTERS: usize = 10;

fn columns_of(schema: &SchemaDocument, table: &str) -> Option<Vec<String>> {
    schema
        .tables
        .iter()
        .find(|t| t.name == table)
        .map(|t| t.columns.iter().chain(t.partition_keys.iter()).map(|c| c.name.clone()).collect())
}

/// A scope checked against a product's schema: its canonical form (what is stored and hashed) and
/// the tables it grants (what the grant plan is made from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub scope: Scope,
    pub tables: Vec<ResolvedTable>,
}

/// Validates tables against the schema and Lake Formation's limits, adding what is wrong to `v`;
/// returns the canonical scope (tables sorted, columns sorted and deduplicated, filters trimmed)
/// and its resolved tables.
pub fn resolve(v: &mut Violations, field: &str, tables: Option<&[TableScope]>, schema: &SchemaDocument) -> Resolved {
    let Some(list) = tables else {
        let all = schema
            .tables
            .iter()
            .map(|t| ResolvedTable { name: t.name.clone(), columns: None, row_filter: None })
            .collect();
        return Resolved { scope: Scope { tables: None }, tables: all };
    };
    if list.is_empty() {
        v.add(field, "empty", "list at least one table, or omit the list for every table");
    }
    if list.len() > 1000 {
        v.add(field, "too_many", "at most 1000 tables");
        return Resolved { scope: Scope::default(), tables: Vec::new() };
    }
    let mut out: Vec<TableScope> = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, t) in list.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let Some(existing) = columns_of(schema, &t.name) else {
            v.add(format!("{f}.name"), "unknown_table", format!("the product has no table {:?}", t.name));
            continue;
        };
        if !seen.insert(t.name.clone()) {
            v.add(format!("{f}.name"), "duplicate", "each table may appear once");
            continue;
        }
        let columns = match &t.columns {
            None => None,
            Some(cols) if cols.is_empty() => {
                v.add(format!("{f}.columns"), "empty", "list at least one column, or omit the list for every column");
                None
            }
            Some(cols) => {
                let mut set = BTreeSet::new();
                for (j, c) in cols.iter().enumerate() {
                    if existing.contains(c) {
                        set.insert(c.clone());
                    } else {
                        v.add(format!("{f}.columns[{j}]"), "unknown_column", format!("table {:?} has no column {c:?}", t.name));
                    }
                }
                Some(set.into_iter().collect::<Vec<_>>())
            }
        };
        let row_filter = match &t.row_filter {
            None => None,
            Some(expr) => {
                let expr = expr.trim().to_string();
                if let Err(why) = rowfilter::check(&expr, &existing) {
                    v.add(format!("{f}.row_filter"), "invalid_row_filter", why);
                }
                Some(expr)
            }
        };
        out.push(TableScope { name: t.name.clone(), columns, row_filter });
    }
    if out.iter().filter(|t| t.row_filter.is_some()).count() > MAX_ROW_FILTERS {
        v.add(field, "too_many_row_filters", format!("Lake Formation accepts at most {MAX_ROW_FILTERS} row filters per grant"));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    let resolved = out
        .iter()
        .map(|t| ResolvedTable { name: t.name.clone(), columns: t.columns.clone(), row_filter: t.row_filter.clone() })
        .collect();
    Resolved { scope: Scope { tables: Some(out) }, tables: resolved }
}

/// An approved scope resolved against the product's schema as it is now: what was requested may
/// be gone since (a table or column dropped by the producer).
pub fn resolve_approved(scope: &Scope, schema: &SchemaDocument) -> ApiResult<Resolved> {
    let mut v = Violations::default();
    let resolved = resolve(&mut v, "tables", scope.tables.as_deref(), schema);
    if !v.0.is_empty() {
        return Err(ApiError::conflict(
            "scope_outdated",
            format!("the product's schema no longer has what was requested: {}", ApiError::validation(v.0).detail),
        ));
    }
    Ok(resolved)
}

pub fn scope_hash(scope: &Scope, permissions: &[String]) -> String {
    let canonical = json!({ "scope": scope, "permissions": permissions });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

pub fn check_expiry(v: &mut Violations, field: &str, at: Option<DateTime<Utc>>, max_days: u32, not_after: Option<DateTime<Utc>>) {
    let Some(at) = at else { return };
    let now = Utc::now();
    if at <= now {
        v.add(field, "in_past", "must be in the future");
    } else if at > now + Duration::days(max_days as i64) {
        v.add(field, "too_late", format!("at most {max_days} days from now"));
    } else if let Some(limit) = not_after
        && at > limit
    {
        v.add(field, "widens_scope", "an approval may bring the expiry forward, never push it back");
    }
}

pub fn principal_account(raw: &str) -> Result<String, FieldError> {
    if let Ok(account) = AwsAccountId::parse("principal", raw) {
        return Ok(account.as_str().to_string());
    }
    RoleArn::parse("principal", raw).map(|r| r.account().to_string()).map_err(|_| {
        FieldError::new("principal", "invalid_principal", "expected an IAM role ARN or a 12-digit AWS account id")
    })
}

/// Checks that `proposed` does not widen `requested`.
pub fn check_narrowing(v: &mut Violations, requested: &Scope, proposed: &Scope) {
    let (Some(req), Some(prop)) = (&requested.tables, &proposed.tables) else {
        if requested.tables.is_some() && proposed.tables.is_none() {
            v.add("tables", "widens_scope", "an approval may narrow the tables, never widen them");
        }
        return;
    };
    for (i, t) in prop.iter().enumerate() {
        let Some(r) = req.iter().find(|r| r.name == t.name) else {
            v.add(format!("tables[{i}].name"), "widens_scope", format!("table {:?} was not requested", t.name));
            continue;
        };
        if let Some(req_cols) = &r.columns {
            match &t.columns {
                None => v.add(format!("tables[{i}].columns"), "widens_scope", "the request was for some columns only"),
                Some(cols) if !cols.iter().all(|c| req_cols.contains(c)) => {
                    v.add(format!("tables[{i}].columns"), "widens_scope", "only requested columns may be approved")
                }
                Some(_) => {}
            }
        }
        if let Some(req_filter) = &r.row_filter
            && t.row_filter.as_deref() != Some(req_filter.as_str())
        {
            v.add(format!("tables[{i}].row_filter"), "widens_scope", "the requested row filter must be kept as it is");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, cols: Option<&[&str]>, filter: Option<&str>) -> TableScope {
        TableScope {
            name: name.into(),
            columns: cols.map(|c| c.iter().map(|s| s.to_string()).collect()),
            row_filter: filter.map(str::to_string),
        }
    }

    #[test]
    fn narrowing_never_widens() {
        let req = Scope { tables: Some(vec![t("a", Some(&["x", "y"]), None), t("b", None, Some("x = 1"))]) };
        let ok = |p: Scope| {
            let mut v = Violations::default();
            check_narrowing(&mut v, &req, &p);
            v.0.is_empty()
        };
        assert!(ok(Scope { tables: Some(vec![t("a", Some(&["x"]), None)]) }));
        assert!(ok(Scope { tables: Some(vec![t("b", None, Some("x = 1"))]) }));
        assert!(!ok(Scope { tables: None }));
        assert!(!ok(Scope { tables: Some(vec![t("c", None, None)]) }));
        assert!(!ok(Scope { tables: Some(vec![t("a", None, None)]) }));
        assert!(!ok(Scope { tables: Some(vec![t("a", Some(&["z"]), None)]) }));
        assert!(!ok(Scope { tables: Some(vec![t("b", None, None)]) }));
    }

    #[test]
    fn principals() {
        assert_eq!(principal_account("111122223333").unwrap(), "111122223333");
        assert_eq!(principal_account("arn:aws:iam::111122223333:role/x").unwrap(), "111122223333");
        assert!(principal_account("arn:aws:iam::111122223333:user/x").is_err());
        assert!(principal_account("*").is_err());
    }
}
