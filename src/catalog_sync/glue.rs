//! Reading a producer's Glue catalog. The trait is what sync needs; the Glue implementation
//! assumes the domain's role (external id, a session name naming the domain) and pages GetTables
//! at 100. The same code runs against AWS, moto, or the fault-injecting emulator.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_glue::types::Table;

use crate::BoxFuture;
use crate::aws::{self, Aws, roles::is_retryable};
use crate::schema::{Column, TableSchema};


/// How to reach one producer account.
#[derive(Debug, Clone)]
pub struct ProducerAccess {
    pub domain: String,
    pub account_id: String,
    pub role_arn: String,
    pub external_id: String,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ReadError {
    pub kind: ReadErrorKind,
    pub message: String,
    pub retryable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    AssumeRole,
    DatabaseNotFound,
    Other,
}

pub trait CatalogReader: Send + Sync {
    /// Assumes the producer's role (checks it can be assumed).
    fn check_access<'a>(&'a self, access: &'a ProducerAccess) -> BoxFuture<'a, Result<(), ReadError>>;

    /// Every table of `database` in the producer's catalog, sorted by name.
    fn tables<'a>(&'a self, access: &'a ProducerAccess, database: &'a str) -> BoxFuture<'a, Result<Vec<TableSchema>, ReadError>>;
}

/// Glue `GetTables` page size: the most AWS returns in one page.
pub const PAGE_SIZE: i32 = 100;

pub struct GlueReader {
    aws: Arc<Aws>,
}

impl GlueReader {
    pub fn new(aws: Arc<Aws>) -> GlueReader {
        GlueReader { aws }
    }

    async fn client(&self, access: &ProducerAccess) -> Result<aws_sdk_glue::Client, ReadError> {
        // Session names show up in the producer's CloudTrail: name the domain.
        let session = format!("meshgov-sync-{}", access.domain);
        let config = self
            .aws
            .config_as(&access.role_arn, &access.external_id, &session)
            .await
            .map_err(|e| ReadError { kind: ReadErrorKind::AssumeRole, message: e.to_string(), retryable: e.retryable })?;
        Ok(aws_sdk_glue::Client::new(&config))
    }
}

impl CatalogReader for GlueReader {
    fn check_access<'a>(&'a self, access: &'a ProducerAccess) -> BoxFuture<'a, Result<(), ReadError>> {
        Box::pin(async move { self.client(access).await.map(|_| ()) })
    }

    fn tables<'a>(&'a self, access: &'a ProducerAccess, database: &'a str) -> BoxFuture<'a, Result<Vec<TableSchema>, ReadError>> {
        Box::pin(async move {
            let glue = self.client(access).await?;
            let tables = all_tables(&glue, Some(&access.account_id), database).await.map_err(|e| {
                let not_found = e.as_service_error().is_some_and(|s| s.is_entity_not_found_exception());
                ReadError {
                    kind: if not_found { ReadErrorKind::DatabaseNotFound } else { ReadErrorKind::Other },
                    retryable: !not_found && is_retryable(&e),
                    message: format!("Glue GetTables on {}.{database}: {}", access.account_id, aws::describe(&e)),
                }
            })?;
            let mut tables: Vec<TableSchema> = tables.iter().map(table_schema).collect();
            tables.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(tables)
        })
    }
}

pub type GetTablesError =
    aws_sdk_glue::error::SdkError<aws_sdk_glue::operation::get_tables::GetTablesError, aws_sdk_glue::config::http::HttpResponse>;

/// Every table of `database`, page by page (`PAGE_SIZE` a page), in `catalog_id` or the caller's
/// own catalog: the producer's for a sync, the governance account's for its mirror.
pub async fn all_tables(glue: &aws_sdk_glue::Client, catalog_id: Option<&str>, database: &str) -> Result<Vec<Table>, GetTablesError> {
    let mut tables = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = glue
            .get_tables()
            .set_catalog_id(catalog_id.map(str::to_string))
            .database_name(database)
            .max_results(PAGE_SIZE)
            .set_next_token(next_token.take())
            .send()
            .await?;
        tables.extend(page.table_list().iter().cloned());
        match page.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_string()),
            _ => return Ok(tables),
        }
    }
}

/// Table parameters that describe the data; the rest (crawler bookkeeping, statistics, DDL
/// times) changes without the schema changing and would make every sync look like a change.
const KEPT_PARAMETERS: &[&str] =
    &["classification", "compressionType", "typeOfData", "delimiter", "skip.header.line.count", "projection.enabled", "table_type"];

pub fn table_schema(t: &Table) -> TableSchema {
    let column = |c: &aws_sdk_glue::types::Column| Column {
        name: c.name().to_string(),
        data_type: c.r#type().unwrap_or("unknown").to_string(),
        comment: c.comment().filter(|s| !s.is_empty()).map(str::to_string),
    };
    let sd = t.storage_descriptor();
    let mut parameters: BTreeMap<String, String> = t
        .parameters()
        .map(|p| p.iter().filter(|(k, _)| KEPT_PARAMETERS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    if let Some(kind) = t.table_type() {
        parameters.insert("table_type".into(), kind.to_string());
    }
    TableSchema {
        name: t.name().to_string(),
        columns: sd.map(|sd| sd.columns().iter().map(column).collect()).unwrap_or_default(),
        partition_keys: t.partition_keys().iter().map(column).collect(),
        location: sd.and_then(|sd| sd.location()).filter(|s| !s.is_empty()).map(str::to_string),
        format: format_of(t),
        parameters,
    }
}

fn format_of(t: &Table) -> Option<String> {
    if let Some(c) = t.parameters().and_then(|p| p.get("classification")) {
        return Some(c.to_lowercase());
    }
    let sd = t.storage_descriptor()?;
    let input = sd.input_format().unwrap_or("").to_lowercase();
    let serde = sd.serde_info().and_then(|s| s.serialization_library()).unwrap_or("").to_lowercase();
    let format = if input.contains("parquet") || serde.contains("parquet") {
        "parquet"
    } else if input.contains("orc") {
        "orc"
    } else if input.contains("avro") || serde.contains("avro") {
        "avro"
    } else if serde.contains("json") {
        "json"
    } else if input.contains("text") {
        "csv"
    } else {
        return None;
    };
    Some(format.to_string())
}
