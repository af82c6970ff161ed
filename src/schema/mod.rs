//! The schema of a data product's tables as read from its producer's Glue catalog: what catalog
//! sync writes, products show, subscriptions are validated against and drift checks compare with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A column of a synced table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A table of a product as last read from the producer's Glue catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TableSchema {
    pub name: String,
    // Defaulted when read back from older stored schemas, always present in an answer.
    #[serde(default)]
    #[schema(required = true)]
    pub columns: Vec<Column>,
    #[serde(default)]
    #[schema(required = true)]
    pub partition_keys: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SchemaDocument {
    pub tables: Vec<TableSchema>,
}
