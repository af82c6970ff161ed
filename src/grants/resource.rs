//! A Lake Formation resource as one type: what the grant plan makes, the applier sends, schema
//! changes and drift read. Its JSON form is Lake Formation's own (`{"Table": {"CatalogId": …}}`),
//! as stored in `grants.resource` and shown by the API; its key is the canonical name of the
//! resource (`table|catalog|database|name`…), stored in `grants.resource_key` and compared across
//! subscriptions and with what Lake Formation lists.

use std::collections::BTreeSet;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

/// The kinds meshgov grants, and the wildcard forms a drift repair may revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LfResource {
    Database { catalog_id: String, name: String },
    Table { catalog_id: String, database: String, name: String },
    /// Every table of a database (`TableWildcard`).
    AllTables { catalog_id: String, database: String },
    /// Some columns of a table.
    Columns { catalog_id: String, database: String, table: String, columns: Vec<String> },
    /// Every column but some (`ColumnWildcard` with `ExcludedColumnNames`).
    ColumnsExcluding { catalog_id: String, database: String, table: String, excluded: Vec<String> },
    DataCellsFilter { catalog_id: String, database: String, table: String, name: String },
}

impl LfResource {
    /// `database`, `table`, `table_with_columns` or `data_cells_filter` (`grants.resource_type`).
    pub fn kind(&self) -> &'static str {
        match self {
            LfResource::Database { .. } => "database",
            LfResource::Table { .. } | LfResource::AllTables { .. } => "table",
            LfResource::Columns { .. } | LfResource::ColumnsExcluding { .. } => "table_with_columns",
            LfResource::DataCellsFilter { .. } => "data_cells_filter",
        }
    }

    /// The catalog (account) the resource belongs to.
    pub fn catalog_id(&self) -> &str {
        match self {
            LfResource::Database { catalog_id, .. }
            | LfResource::Table { catalog_id, .. }
            | LfResource::AllTables { catalog_id, .. }
            | LfResource::Columns { catalog_id, .. }
            | LfResource::ColumnsExcluding { catalog_id, .. }
            | LfResource::DataCellsFilter { catalog_id, .. } => catalog_id,
        }
    }

    pub fn database(&self) -> &str {
        match self {
            LfResource::Database { name, .. } => name,
            LfResource::Table { database, .. }
            | LfResource::AllTables { database, .. }
            | LfResource::Columns { database, .. }
            | LfResource::ColumnsExcluding { database, .. }
            | LfResource::DataCellsFilter { database, .. } => database,
        }
    }

    /// The table it is on, if it is on one table.
    pub fn table(&self) -> Option<&str> {
        match self {
            LfResource::Table { name, .. } => Some(name),
            LfResource::Columns { table, .. }
            | LfResource::ColumnsExcluding { table, .. }
            | LfResource::DataCellsFilter { table, .. } => Some(table),
            LfResource::Database { .. } | LfResource::AllTables { .. } => None,
        }
    }

    /// The columns it names (a column subset's).
    pub fn columns(&self) -> &[String] {
        match self {
            LfResource::Columns { columns, .. } => columns,
            _ => &[],
        }
    }

    /// The key as meshgov writes it: names as given, columns in the given order.
    pub fn key(&self) -> String {
        match self {
            LfResource::Database { catalog_id, name } => format!("database|{catalog_id}|{name}"),
            LfResource::Table { catalog_id, database, name } => format!("table|{catalog_id}|{database}|{name}"),
            LfResource::AllTables { catalog_id, database } => format!("table|{catalog_id}|{database}|*"),
            LfResource::Columns { catalog_id, database, table, columns } => {
                format!("columns|{catalog_id}|{database}|{table}|{}", columns.join(","))
            }
            LfResource::ColumnsExcluding { catalog_id, database, table, excluded } => {
                format!("columns_excluding|{catalog_id}|{database}|{table}|{}", excluded.join(","))
            }
            LfResource::DataCellsFilter { catalog_id, database, table, name } => {
                format!("filter|{catalog_id}|{database}|{table}|{name}")
            }
        }
    }

    /// Reads a key back (the inverse of [`Self::key`]): the stored key is enough to know what a
    /// grant is on, without its JSON (a drift check over many grants reads keys only).
    pub fn from_key(key: &str) -> Option<LfResource> {
        let s = |p: &&str| p.to_string();
        let list = |p: &str| p.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect::<Vec<_>>();
        Some(match key.split('|').collect::<Vec<_>>().as_slice() {
            ["database", c, d] => LfResource::Database { catalog_id: s(c), name: s(d) },
            ["table", c, d, "*"] => LfResource::AllTables { catalog_id: s(c), database: s(d) },
            ["table", c, d, t] => LfResource::Table { catalog_id: s(c), database: s(d), name: s(t) },
            ["columns", c, d, t, cols] => LfResource::Columns { catalog_id: s(c), database: s(d), table: s(t), columns: list(cols) },
            ["columns_excluding", c, d, t, cols] => {
                LfResource::ColumnsExcluding { catalog_id: s(c), database: s(d), table: s(t), excluded: list(cols) }
            }
            ["filter", c, d, t, n] => LfResource::DataCellsFilter { catalog_id: s(c), database: s(d), table: s(t), name: s(n) },
            _ => return None,
        })
    }

    /// The key two spellings of one resource share: Glue names in lower case (Glue keeps them so),
    /// columns sorted and deduplicated; a filter's own name keeps its case. See [`canonical_key`].
    pub fn canonical_key(&self) -> String {
        canonical_key(&self.key())
    }

    /// Lake Formation's JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            LfResource::Database { catalog_id, name } => json!({ "Database": { "CatalogId": catalog_id, "Name": name } }),
            LfResource::Table { catalog_id, database, name } => {
                json!({ "Table": { "CatalogId": catalog_id, "DatabaseName": database, "Name": name } })
            }
            LfResource::AllTables { catalog_id, database } => {
                json!({ "Table": { "CatalogId": catalog_id, "DatabaseName": database, "TableWildcard": {} } })
            }
            LfResource::Columns { catalog_id, database, table, columns } => json!({ "TableWithColumns": {
                "CatalogId": catalog_id, "DatabaseName": database, "Name": table, "ColumnNames": columns,
            } }),
            LfResource::ColumnsExcluding { catalog_id, database, table, excluded } => json!({ "TableWithColumns": {
                "CatalogId": catalog_id, "DatabaseName": database, "Name": table,
                "ColumnWildcard": { "ExcludedColumnNames": excluded },
            } }),
            LfResource::DataCellsFilter { catalog_id, database, table, name } => json!({ "DataCellsFilter": {
                "TableCatalogId": catalog_id, "DatabaseName": database, "TableName": table, "Name": name,
            } }),
        }
    }

    /// Reads Lake Formation's JSON form; a resource without a catalog id is in `default_catalog`
    /// (the caller's own). None for kinds meshgov never grants (data locations, LF-tags, catalogs).
    pub fn from_json(v: &Value, default_catalog: &str) -> Option<LfResource> {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        let catalog = |v: &Value, key: &str| text(v, key).unwrap_or_else(|| default_catalog.to_string());
        let names = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
        };
        if let Some(d) = v.get("Database") {
            return Some(LfResource::Database { catalog_id: catalog(d, "CatalogId"), name: text(d, "Name")? });
        }
        if let Some(t) = v.get("Table") {
            let (catalog_id, database) = (catalog(t, "CatalogId"), text(t, "DatabaseName")?);
            return Some(match (t.get("TableWildcard"), text(t, "Name")) {
                (Some(_), _) | (None, None) => LfResource::AllTables { catalog_id, database },
                (None, Some(name)) => LfResource::Table { catalog_id, database, name },
            });
        }
        if let Some(t) = v.get("TableWithColumns") {
            let (catalog_id, database, table) = (catalog(t, "CatalogId"), text(t, "DatabaseName")?, text(t, "Name")?);
            return Some(match t.get("ColumnWildcard") {
                // A column wildcard excluding nothing is the whole table, as Lake Formation lists it.
                Some(w) => match names(w.get("ExcludedColumnNames")) {
                    excluded if excluded.is_empty() => LfResource::Table { catalog_id, database, name: table },
                    excluded => LfResource::ColumnsExcluding { catalog_id, database, table, excluded },
                },
                None => LfResource::Columns { catalog_id, database, table, columns: names(t.get("ColumnNames")) },
            });
        }
        if let Some(f) = v.get("DataCellsFilter") {
            return Some(LfResource::DataCellsFilter {
                catalog_id: catalog(f, "TableCatalogId"),
                database: text(f, "DatabaseName")?,
                table: text(f, "TableName")?,
                name: text(f, "Name")?,
            });
        }
        None
    }
}

/// The canonical form of a key (see [`LfResource::canonical_key`]); also reads the keys stored
/// before this type existed, which are spelled the same way.
pub fn canonical_key(key: &str) -> String {
    let parts: Vec<&str> = key.split('|').collect();
    let lower = |parts: &[&str]| parts.iter().map(|p| p.to_lowercase()).collect::<Vec<_>>();
    let sorted = |list: &str| {
        let set: BTreeSet<String> = list.split(',').filter(|c| !c.is_empty()).map(str::to_lowercase).collect();
        set.into_iter().collect::<Vec<_>>().join(",")
    };
    match parts.as_slice() {
        ["filter", rest @ .., name] => format!("filter|{}|{name}", lower(rest).join("|")),
        [kind @ ("columns" | "columns_excluding"), rest @ .., columns] => {
            format!("{kind}|{}|{}", lower(rest).join("|"), sorted(columns))
        }
        _ => key.to_lowercase(),
    }
}

/// Stored and shown in Lake Formation's JSON form.
impl Serialize for LfResource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// Read from the JSON meshgov stored, which always names its catalog.
impl<'de> Deserialize<'de> for LfResource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LfResource, D::Error> {
        let v = Value::deserialize(d)?;
        LfResource::from_json(&v, "").filter(|r| !r.catalog_id().is_empty()).ok_or_else(|| {
            serde::de::Error::custom(format!("not a Lake Formation resource meshgov grants, with its catalog id: {v}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_round_trip(r: LfResource) {
        let v = r.to_json();
        assert_eq!(LfResource::from_json(&v, "999999999999"), Some(r.clone()), "{v}");
        assert_eq!(serde_json::from_value::<LfResource>(serde_json::to_value(&r).unwrap()).unwrap(), r);
    }

    #[test]
    fn every_kind_reads_back_what_it_writes() {
        let c = || "111122223333".to_string();
        json_round_trip(LfResource::Database { catalog_id: c(), name: "db".into() });
        json_round_trip(LfResource::Table { catalog_id: c(), database: "db".into(), name: "t".into() });
        json_round_trip(LfResource::AllTables { catalog_id: c(), database: "db".into() });
        json_round_trip(LfResource::Columns { catalog_id: c(), database: "db".into(), table: "t".into(), columns: vec!["b".into(), "a".into()] });
        json_round_trip(LfResource::ColumnsExcluding { catalog_id: c(), database: "db".into(), table: "t".into(), excluded: vec!["x".into()] });
        json_round_trip(LfResource::DataCellsFilter { catalog_id: c(), database: "db".into(), table: "t".into(), name: "F".into() });
    }

    #[test]
    fn keys_read_back() {
        for key in ["database|1|db", "table|1|db|t", "table|1|db|*", "columns|1|db|t|a,b", "columns_excluding|1|db|t|x", "filter|1|db|t|F"] {
            assert_eq!(LfResource::from_key(key).unwrap().key(), key);
        }
        assert!(LfResource::from_key("bucket|1|x").is_none());
    }

    #[test]
    fn spellings_of_one_resource_share_a_canonical_key() {
        let listed = json!({ "TableWithColumns": { "DatabaseName": "DB", "Name": "T", "ColumnNames": ["b", "A", "b"] } });
        let listed = LfResource::from_json(&listed, "111122223333").unwrap();
        let planned = LfResource::Columns { catalog_id: "111122223333".into(), database: "db".into(), table: "t".into(), columns: vec!["a".into(), "b".into()] };
        assert_eq!(listed.canonical_key(), planned.canonical_key());
        assert_eq!(planned.key(), "columns|111122223333|db|t|a,b");
        // A column wildcard excluding nothing is the table itself.
        let whole = json!({ "TableWithColumns": { "CatalogId": "1", "DatabaseName": "db", "Name": "t", "ColumnWildcard": {} } });
        assert_eq!(LfResource::from_json(&whole, "2").unwrap().key(), "table|1|db|t");
        // A filter's name keeps its case; the rest does not matter.
        assert_eq!(canonical_key("filter|1|DB|T|Meshgov_X"), "filter|1|db|t|Meshgov_X");
        assert_eq!(canonical_key("table|1|DB|T"), "table|1|db|t");
        // Kinds meshgov never grants are not resources here; stored JSON must name its catalog.
        assert!(LfResource::from_json(&json!({ "DataLocation": { "ResourceArn": "arn:aws:s3:::b" } }), "1").is_none());
        assert!(serde_json::from_value::<LfResource>(json!({ "Database": { "Name": "db" } })).is_err());
    }
}
