//! Schema diff: what changed between two snapshots of a product's tables, and whether it breaks
//! consumers. Removing or retyping a column, dropping a table and changing partition keys break
//! queries and grants; additions and storage changes do not.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::schema::{SchemaDocument, TableSchema};

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: &'static str,
    pub table: String,
    pub column: Option<String>,
    pub breaking: bool,
    pub details: Value,
}

impl Change {
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind, "table": self.table, "column": self.column,
            "breaking": self.breaking, "details": self.details,
        })
    }
}

pub fn diff(old: &SchemaDocument, new: &SchemaDocument) -> Vec<Change> {
    let old_tables: BTreeMap<&str, &TableSchema> = old.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_tables: BTreeMap<&str, &TableSchema> = new.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut changes = Vec::new();
    for (name, table) in &new_tables {
        match old_tables.get(name) {
            None => changes.push(Change {
                kind: "table_added",
                table: name.to_string(),
                column: None,
                breaking: false,
                details: json!({ "columns": table.columns.len() }),
            }),
            Some(before) => diff_table(before, table, &mut changes),
        }
    }
    for name in old_tables.keys().filter(|n| !new_tables.contains_key(*n)) {
        changes.push(Change {
            kind: "table_dropped",
            table: name.to_string(),
            column: None,
            breaking: true,
            details: json!({}),
        });
    }
    changes
}

fn diff_table(old: &TableSchema, new: &TableSchema, changes: &mut Vec<Change>) {
    let table = &new.name;
    let old_cols: BTreeMap<&str, _> = old.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let new_cols: BTreeMap<&str, _> = new.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    for col in &new.columns {
        match old_cols.get(col.name.as_str()) {
            None => changes.push(Change {
                kind: "column_added",
                table: table.clone(),
                column: Some(col.name.clone()),
                breaking: false,
                details: json!({ "type": col.data_type }),
            }),
            Some(before) if before.data_type != col.data_type => changes.push(Change {
                kind: "column_retyped",
                table: table.clone(),
                column: Some(col.name.clone()),
                breaking: true,
                details: json!({ "from": before.data_type, "to": col.data_type }),
            }),
            Some(before) if before.comment != col.comment => changes.push(Change {
                kind: "table_changed",
                table: table.clone(),
                column: Some(col.name.clone()),
                breaking: false,
                details: json!({ "comment": { "from": before.comment, "to": col.comment } }),
            }),
            Some(_) => {}
        }
    }
    for col in old.columns.iter().filter(|c| !new_cols.contains_key(c.name.as_str())) {
        changes.push(Change {
            kind: "column_removed",
            table: table.clone(),
            column: Some(col.name.clone()),
            breaking: true,
            details: json!({ "type": col.data_type }),
        });
    }
    if old.partition_keys != new.partition_keys {
        let keys = |t: &TableSchema| t.partition_keys.iter().map(|c| format!("{} {}", c.name, c.data_type)).collect::<Vec<_>>();
        changes.push(Change {
            kind: "partition_keys_changed",
            table: table.clone(),
            column: None,
            breaking: true,
            details: json!({ "from": keys(old), "to": keys(new) }),
        });
    }
    let mut storage = serde_json::Map::new();
    if old.location != new.location {
        storage.insert("location".into(), json!({ "from": old.location, "to": new.location }));
    }
    if old.format != new.format {
        storage.insert("format".into(), json!({ "from": old.format, "to": new.format }));
    }
    if old.parameters != new.parameters {
        storage.insert("parameters".into(), json!({ "from": old.parameters, "to": new.parameters }));
    }
    if !storage.is_empty() {
        changes.push(Change {
            kind: "table_changed",
            table: table.clone(),
            column: None,
            breaking: false,
            details: Value::Object(storage),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Column;

    fn col(name: &str, ty: &str) -> Column {
        Column { name: name.into(), data_type: ty.into(), comment: None }
    }

    fn table(name: &str, cols: &[(&str, &str)], parts: &[(&str, &str)]) -> TableSchema {
        TableSchema {
            name: name.into(),
            columns: cols.iter().map(|(n, t)| col(n, t)).collect(),
            partition_keys: parts.iter().map(|(n, t)| col(n, t)).collect(),
            location: Some(format!("s3://bucket/{name}/")),
            format: Some("parquet".into()),
            parameters: Default::default(),
        }
    }

    fn doc(tables: Vec<TableSchema>) -> SchemaDocument {
        SchemaDocument { tables }
    }

    fn kinds(changes: &[Change]) -> Vec<(&str, String, Option<String>, bool)> {
        changes.iter().map(|c| (c.kind, c.table.clone(), c.column.clone(), c.breaking)).collect()
    }

    #[test]
    fn identical_schemas_have_no_changes() {
        let d = doc(vec![table("orders", &[("id", "bigint")], &[("dt", "string")])]);
        assert!(diff(&d, &d.clone()).is_empty());
    }

    #[test]
    fn column_order_alone_is_not_a_change() {
        let a = doc(vec![table("t", &[("a", "int"), ("b", "int")], &[])]);
        let b = doc(vec![table("t", &[("b", "int"), ("a", "int")], &[])]);
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn each_kind_with_its_breaking_flag() {
        let old = doc(vec![
            table("orders", &[("id", "bigint"), ("amount", "double"), ("note", "string")], &[("dt", "string")]),
            table("legacy", &[("x", "int")], &[]),
        ]);
        let new = doc(vec![
            table("orders", &[("id", "bigint"), ("amount", "decimal(10,2)"), ("channel", "string")], &[("dt", "date")]),
            table("returns", &[("id", "bigint")], &[]),
        ]);
        let changes = diff(&old, &new);
        let got = kinds(&changes);
        let want = vec![
            ("column_retyped", "orders".into(), Some("amount".into()), true),
            ("column_added", "orders".into(), Some("channel".into()), false),
            ("column_removed", "orders".into(), Some("note".into()), true),
            ("partition_keys_changed", "orders".into(), None, true),
            ("table_added", "returns".into(), None, false),
            ("table_dropped", "legacy".into(), None, true),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn storage_changes_are_not_breaking() {
        let old = doc(vec![table("t", &[("a", "int")], &[])]);
        let mut moved = old.clone();
        moved.tables[0].location = Some("s3://other/t/".into());
        let changes = diff(&old, &moved);
        assert_eq!(kinds(&changes), vec![("table_changed", "t".into(), None, false)]);
        assert_eq!(changes[0].details["location"]["to"], "s3://other/t/");
    }
}
