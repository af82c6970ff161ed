//! Desired state: the Lake Formation entries a subscription's approved scope needs.
//!
//! - DESCRIBE on the product's Database;
//! - per table: SELECT and DESCRIBE on the Table; or SELECT on TableWithColumns (column names
//!   sorted) for a column subset; or SELECT on a DataCellsFilter for a row-filtered table (the
//!   filter is created first, named after the subscription).
//!
//! Every resource carries the catalog id of the account that holds the grants. A resource's key
//! ([`LfResource::key`]) is compared across subscriptions so that revoking one keeps what another
//! live subscription of the same principal still needs.

use serde_json::{Value, json};
use uuid::Uuid;

use super::resource::LfResource;

/// A table of the approved scope, resolved against the product's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedTable {
    pub name: String,
    /// Sorted; `None`: every column.
    pub columns: Option<Vec<String>>,
    pub row_filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedGrant {
    pub resource: LfResource,
    pub permissions: Vec<String>,
    /// The data cells filter to create first (its `TableData`).
    pub filter: Option<Value>,
}

/// The name of the data cells filter of `subscription` on one of its tables.
pub fn filter_name(subscription: Uuid) -> String {
    format!("meshgov_{}", subscription.simple())
}

pub fn plan(subscription: Uuid, catalog_id: &str, database: &str, tables: &[ResolvedTable]) -> Vec<PlannedGrant> {
    let (catalog_id, database) = (catalog_id.to_string(), database.to_string());
    let mut out = vec![PlannedGrant {
        resource: LfResource::Database { catalog_id: catalog_id.clone(), name: database.clone() },
        permissions: vec!["DESCRIBE".into()],
        filter: None,
    }];
    for t in tables {
        let (catalog_id, database, table) = (catalog_id.clone(), database.clone(), t.name.clone());
        let grant = match (&t.row_filter, &t.columns) {
            (Some(expr), columns) => {
                let name = filter_name(subscription);
                let mut table_data = json!({
                    "TableCatalogId": catalog_id, "DatabaseName": database, "TableName": table, "Name": name,
                    "RowFilter": { "FilterExpression": expr },
                });
                match columns {
                    Some(cols) => table_data["ColumnNames"] = json!(cols),
                    None => table_data["ColumnWildcard"] = json!({}),
                }
                PlannedGrant {
                    resource: LfResource::DataCellsFilter { catalog_id, database, table, name },
                    permissions: vec!["SELECT".into()],
                    filter: Some(table_data),
                }
            }
            (None, Some(cols)) => PlannedGrant {
                resource: LfResource::Columns { catalog_id, database, table, columns: cols.clone() },
                permissions: vec!["SELECT".into()],
                filter: None,
            },
            (None, None) => PlannedGrant {
                resource: LfResource::Table { catalog_id, database, name: table },
                permissions: vec!["DESCRIBE".into(), "SELECT".into()],
                filter: None,
            },
        };
        out.push(grant);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_database_tables_columns_and_filters() {
        let id = Uuid::nil();
        let tables = vec![
            ResolvedTable { name: "a".into(), columns: None, row_filter: None },
            ResolvedTable { name: "b".into(), columns: Some(vec!["x".into(), "y".into()]), row_filter: None },
            ResolvedTable { name: "c".into(), columns: None, row_filter: Some("x = 1".into()) },
        ];
        let p = plan(id, "111122223333", "db", &tables);
        let kinds: Vec<&str> = p.iter().map(|g| g.resource.kind()).collect();
        assert_eq!(kinds, ["database", "table", "table_with_columns", "data_cells_filter"]);
        assert_eq!(p[0].permissions, ["DESCRIBE"]);
        assert_eq!(p[1].permissions, ["DESCRIBE", "SELECT"]);
        assert_eq!(p[2].resource.key(), "columns|111122223333|db|b|x,y");
        assert_eq!(p[3].filter.as_ref().unwrap()["ColumnWildcard"], json!({}));
        assert_eq!(p[3].resource.to_json()["DataCellsFilter"]["TableName"], "c");
    }
}
