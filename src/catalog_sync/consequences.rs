//! What a schema change does to the access already granted on a product, decided in the same
//! transaction that records the change:
//! - a dropped table: every live grant on it is revoked;
//! - a removed column: column-scoped grants (TableWithColumns) that name it are replaced by grants
//!   without it (revoked outright when no column is left);
//! - every breaking change lists the live subscriptions it affects (those with a grant on the
//!   table), in the change's details and the audit event, so consumers and stewards see it.
//!
//! A data cells filter that names a removed column is listed as affected but left as it is: its
//! row filter may need a person to rewrite it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use super::diff::Change;
use crate::grants::plan::{self, ResolvedTable};
use crate::grants::resource::LfResource;
use crate::grants::store::{self as grants, ProductGrant};

fn table_of(g: &ProductGrant) -> Option<&str> {
    g.resource.table()
}

/// The columns a grant names: a column subset's, or its data cells filter's.
fn columns_of(g: &ProductGrant) -> Vec<String> {
    match &g.resource {
        LfResource::Columns { columns, .. } => columns.clone(),
        _ => g
            .filter
            .as_ref()
            .and_then(|f| f.get("ColumnNames"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
    }
}

/// Applies the consequences of `changes` to `product`'s grants, adds `affected_subscriptions`
/// to the details of every breaking change, and returns what was done (for the audit event) and
/// the subscriptions whose grants must be re-applied.
pub async fn apply(tx: &mut PgConnection, product: Uuid, changes: &mut [Change]) -> sqlx::Result<(Vec<Value>, BTreeSet<Uuid>)> {
    let grants_now = grants::live_grants_of_product(tx, product).await?;
    let dropped: BTreeSet<&str> = changes.iter().filter(|c| c.kind == "table_dropped").map(|c| c.table.as_str()).collect();
    let mut removed: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in changes.iter().filter(|c| c.kind == "column_removed") {
        if let Some(col) = &c.column {
            removed.entry(c.table.as_str()).or_default().insert(col.as_str());
        }
    }

    let mut effects = Vec::new();
    let mut to_apply = BTreeSet::new();
    for g in &grants_now {
        let Some(table) = table_of(g) else { continue };
        if dropped.contains(table) {
            grants::mark_one_revoking(tx, g.id).await?;
            to_apply.insert(g.subscription_id);
            effects.push(json!({ "subscription": g.subscription_id, "effect": "grant_revoked", "table": table }));
            continue;
        }
        let Some(gone) = removed.get(table) else { continue };
        let cols = columns_of(g);
        if !cols.iter().any(|c| gone.contains(c.as_str())) {
            continue;
        }
        match &g.resource {
            LfResource::Columns { .. } => {
                grants::mark_one_revoking(tx, g.id).await?;
                to_apply.insert(g.subscription_id);
                let kept: Vec<String> = cols.iter().filter(|c| !gone.contains(c.as_str())).cloned().collect();
                if !kept.is_empty() {
                    let database = g.resource.database();
                    let narrowed = ResolvedTable { name: table.to_string(), columns: Some(kept.clone()), row_filter: None };
                    // The plan's first entry is the database grant, which the subscription keeps.
                    let planned: Vec<_> =
                        plan::plan(g.subscription_id, &g.catalog_id, database, &[narrowed]).into_iter().skip(1).collect();
                    grants::insert(tx, g.subscription_id, &g.principal, &g.catalog_id, &planned).await?;
                }
                effects.push(json!({
                    "subscription": g.subscription_id, "effect": "columns_narrowed", "table": table, "columns": kept,
                }));
            }
            _ => effects.push(json!({ "subscription": g.subscription_id, "effect": "needs_review", "table": table })),
        }
    }
    for sub in &to_apply {
        grants::refresh_provisioning(tx, *sub).await?;
    }

    for change in changes.iter_mut().filter(|c| c.breaking) {
        let affected: BTreeSet<String> = grants_now
            .iter()
            .filter(|g| table_of(g) == Some(change.table.as_str()))
            .map(|g| g.subscription_id.to_string())
            .collect();
        if let Value::Object(details) = &mut change.details {
            details.insert("affected_subscriptions".into(), json!(affected));
        }
    }
    Ok((effects, to_apply))
}
