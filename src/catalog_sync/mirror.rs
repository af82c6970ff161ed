//! The central catalog mirror. In `central` mode the governance account owns a copy of each
//! product's tables in its own Glue catalog (one database per product,
//! [`crate::grants::holder::mirror_database`]), so that it may grant on them to other accounts'
//! principals, which it may not do on the producer's catalog. The mirror follows the product's
//! synced schema: a schema change queues a [`super::jobs::MirrorProduct`] job in the same
//! transaction, which creates, updates and deletes mirror tables until they match; a sync that finds
//! no change queues nothing, so writes nothing to Glue. Each mirror table carries the source it
//! copies (account, database, table), the schema version it was written at, and a hash of its
//! definition, by which an unchanged table is left alone. The producer's S3 locations are
//! registered with Lake Formation in the governance account with the domain's data access role.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use aws_sdk_glue::types::{Column as GlueColumn, DatabaseInput, SerDeInfo, StorageDescriptor, TableInput};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::store;
use crate::audit::{self, Actor, NewEvent, target};
use crate::aws::{self, Aws};
use crate::grants::holder::{CatalogMode, mirror_database};
use crate::jobs::JobOutcome;
use crate::schema::{Column, TableSchema};
use crate::{AppState, BoxFuture};

/// Parameters meshgov stamps on each mirror table.
pub const SOURCE_ACCOUNT: &str = "meshgov:source_account";
pub const SOURCE_DATABASE: &str = "meshgov:source_database";
pub const SOURCE_TABLE: &str = "meshgov:source_table";
pub const SCHEMA_VERSION: &str = "meshgov:schema_version";
pub const DEFINITION: &str = "meshgov:definition";

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct MirrorError {
    pub message: String,
    pub retryable: bool,
}

/// A mirror table: the definition to write, with meshgov's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct MirrorTable {
    pub schema: TableSchema,
    pub parameters: BTreeMap<String, String>,
}

/// A mirror database's tables, each with its definition hash (None without one).
pub type MirrorTables = BTreeMap<String, Option<String>>;

/// The governance account's Glue catalog and Lake Formation, as the mirror needs them.
pub trait CatalogMirror: Send + Sync {
    /// Each table of `database` with its definition hash (None without one); None when the
    /// database does not exist.
    fn tables<'a>(&'a self, database: &'a str) -> BoxFuture<'a, Result<Option<MirrorTables>, MirrorError>>;
    fn create_database<'a>(&'a self, database: &'a str, parameters: BTreeMap<String, String>) -> BoxFuture<'a, Result<(), MirrorError>>;
    /// Creates the table, or replaces its definition when `exists`.
    fn put_table<'a>(&'a self, database: &'a str, table: &'a MirrorTable, exists: bool) -> BoxFuture<'a, Result<(), MirrorError>>;
    fn delete_table<'a>(&'a self, database: &'a str, name: &'a str) -> BoxFuture<'a, Result<(), MirrorError>>;
    /// Registers an S3 location with Lake Formation (`RegisterResource`) with `role_arn`; false
    /// when it was registered already.
    fn register_location<'a>(&'a self, resource_arn: &'a str, role_arn: &'a str) -> BoxFuture<'a, Result<bool, MirrorError>>;
}

/// The definition hash of a table: any change of what is mirrored changes it.
fn definition_hash(t: &TableSchema) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(t).unwrap_or_default()))[..16].to_string()
}

/// The mirror table of a producer table at `schema_version`.
pub fn mirror_table(t: &TableSchema, source_account: &str, source_database: &str, schema_version: i32) -> MirrorTable {
    let mut parameters: BTreeMap<String, String> = t.parameters.clone();
    parameters.remove("table_type");
    parameters.insert(SOURCE_ACCOUNT.into(), source_account.into());
    parameters.insert(SOURCE_DATABASE.into(), source_database.into());
    parameters.insert(SOURCE_TABLE.into(), t.name.clone());
    parameters.insert(SCHEMA_VERSION.into(), schema_version.to_string());
    parameters.insert(DEFINITION.into(), definition_hash(t));
    MirrorTable { schema: t.clone(), parameters }
}

/// The ARN Lake Formation registers for a table at `s3://bucket/path/`: its bucket's,
/// `arn:aws:s3:::bucket`. A registered location covers every path under it, so one registration
/// per producer bucket serves all its tables, now and later: a product of 1,000 tables costs one
/// `RegisterResource`, not 1,000, and no later table needs a registration nested in an earlier one.
/// What the data access role may read is still narrowed to the product's prefixes, by its policy
/// and the producer's bucket policy (`deploy/iam/`).
pub fn location_arn(location: &str) -> Option<String> {
    let path = location.strip_prefix("s3://").or_else(|| location.strip_prefix("s3a://"))?;
    let bucket = path.split('/').next().unwrap_or_default();
    (!bucket.is_empty()).then(|| format!("arn:aws:s3:::{bucket}"))
}

/// What one run of the mirror did.
#[derive(Debug, Default, serde::Serialize)]
pub struct MirrorReport {
    pub database: String,
    pub created_database: bool,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub deleted: Vec<String>,
    pub registered: Vec<String>,
}

impl MirrorReport {
    fn changed(&self) -> bool {
        self.created_database || !self.created.is_empty() || !self.updated.is_empty() || !self.deleted.is_empty() || !self.registered.is_empty()
    }
}

/// Brings the mirror of `product_id` up to date with its synced schema (the `mirror_product` job).
pub async fn run(state: &AppState, product_id: Uuid) -> sqlx::Result<JobOutcome> {
    let Some(p) = store::mirror_source(&state.db, product_id).await? else {
        return Ok(JobOutcome::Fatal("the product no longer exists".into()));
    };
    if p.catalog_mode != CatalogMode::Central {
        return Ok(JobOutcome::Done(json!({ "skipped": "the domain is not in central mode" })));
    }
    let database = mirror_database(&p.domain_slug, &p.slug);
    match reconcile(state.mirror.as_ref(), &p, &database).await {
        Ok(report) => {
            let mut tx = state.db.begin().await?;
            let now = store::mirrored(&mut tx, product_id, Some(p.schema_version), None).await?;
            let details = serde_json::to_value(&report).unwrap_or_default();
            let result = details.clone();
            if report.changed() {
                let event = NewEvent::new(Actor::system("catalog-sync"), "catalog.mirrored", target::product(&p.domain_slug, &p.slug), details);
                audit::commit(tx, [event]).await?;
            } else {
                tx.commit().await?;
            }
            // A sync that changed the schema while this run mirrored joined this live job rather
            // than queueing another: run again for it.
            if now > p.schema_version {
                return Ok(JobOutcome::Retry(format!("the schema moved to version {now} while version {} was mirrored", p.schema_version)));
            }
            Ok(JobOutcome::Done(result))
        }
        Err(e) => {
            let mut tx = state.db.begin().await?;
            store::mirrored(&mut tx, product_id, None, Some(&e.message)).await?;
            tx.commit().await?;
            Ok(if e.retryable { JobOutcome::Retry(e.message) } else { JobOutcome::Fatal(e.message) })
        }
    }
}

async fn reconcile(mirror: &dyn CatalogMirror, p: &store::MirrorSource, database: &str) -> Result<MirrorReport, MirrorError> {
    let mut report = MirrorReport { database: database.to_string(), ..MirrorReport::default() };
    let desired: Vec<MirrorTable> =
        p.schema.tables.iter().map(|t| mirror_table(t, &p.account_id, &p.source_database, p.schema_version)).collect();
    let current = match mirror.tables(database).await? {
        Some(current) => current,
        None => {
            let parameters = BTreeMap::from([
                (SOURCE_ACCOUNT.to_string(), p.account_id.clone()),
                (SOURCE_DATABASE.to_string(), p.source_database.clone()),
                ("meshgov:product".to_string(), format!("{}/{}", p.domain_slug, p.slug)),
            ]);
            mirror.create_database(database, parameters).await?;
            report.created_database = true;
            BTreeMap::new()
        }
    };
    let mut written = Vec::new();
    for table in &desired {
        let name = &table.schema.name;
        match current.get(name) {
            Some(hash) if hash.as_deref() == table.parameters.get(DEFINITION).map(String::as_str) => {}
            Some(_) => {
                mirror.put_table(database, table, true).await?;
                report.updated.push(name.clone());
                written.push(table);
            }
            None => {
                mirror.put_table(database, table, false).await?;
                report.created.push(name.clone());
                written.push(table);
            }
        }
    }
    let wanted: BTreeSet<&str> = desired.iter().map(|t| t.schema.name.as_str()).collect();
    for name in current.keys().filter(|n| !wanted.contains(n.as_str())) {
        mirror.delete_table(database, name).await?;
        report.deleted.push(name.clone());
    }
    // Lake Formation vends credentials for a table only under a registered location.
    if let Some(role) = &p.data_access_role_arn {
        let locations: BTreeSet<String> = written.iter().filter_map(|t| t.schema.location.as_deref()).filter_map(location_arn).collect();
        for arn in locations {
            if mirror.register_location(&arn, role).await? {
                report.registered.push(arn);
            }
        }
    }
    Ok(report)
}

/// The mirror in the governance account, through the SDK (its own credentials).
pub struct GlueMirror {
    aws: Arc<Aws>,
}

impl GlueMirror {
    pub fn new(aws: Arc<Aws>) -> GlueMirror {
        GlueMirror { aws }
    }

    async fn glue(&self) -> aws_sdk_glue::Client {
        aws_sdk_glue::Client::new(self.aws.sdk().await)
    }
}

fn glue_error<E>(what: &str, e: aws_sdk_glue::error::SdkError<E, aws_sdk_glue::config::http::HttpResponse>) -> MirrorError
where
    E: aws_sdk_glue::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    MirrorError { retryable: aws::roles::is_retryable(&e), message: format!("Glue {what}: {}", aws::describe(&e)) }
}

/// The Hive formats of a table of `format`, for engines that read the mirror.
fn storage_formats(format: Option<&str>, delimiter: Option<&str>) -> (Option<&'static str>, Option<&'static str>, SerDeInfo) {
    const TEXT_IN: &str = "org.apache.hadoop.mapred.TextInputFormat";
    const TEXT_OUT: &str = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
    let serde = |lib: &str| SerDeInfo::builder().serialization_library(lib);
    match format {
        Some("parquet") => (
            Some("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"),
            Some("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"),
            serde("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe").build(),
        ),
        Some("orc") => (
            Some("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"),
            Some("org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"),
            serde("org.apache.hadoop.hive.ql.io.orc.OrcSerde").build(),
        ),
        Some("avro") => (
            Some("org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat"),
            Some("org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat"),
            serde("org.apache.hadoop.hive.serde2.avro.AvroSerDe").build(),
        ),
        Some("json") => (Some(TEXT_IN), Some(TEXT_OUT), serde("org.openx.data.jsonserde.JsonSerDe").build()),
        Some("csv") => (
            Some(TEXT_IN),
            Some(TEXT_OUT),
            serde("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe").parameters("field.delim", delimiter.unwrap_or(",")).build(),
        ),
        _ => (None, None, SerDeInfo::builder().build()),
    }
}

fn table_input(t: &MirrorTable) -> Result<TableInput, MirrorError> {
    let invalid = |e: aws_smithy_types::error::operation::BuildError| MirrorError { message: e.to_string(), retryable: false };
    let column = |c: &Column| {
        GlueColumn::builder().name(&c.name).r#type(&c.data_type).set_comment(c.comment.clone()).build().map_err(invalid)
    };
    let columns = t.schema.columns.iter().map(column).collect::<Result<Vec<_>, _>>()?;
    let partition_keys = t.schema.partition_keys.iter().map(column).collect::<Result<Vec<_>, _>>()?;
    let (input, output, serde) = storage_formats(t.schema.format.as_deref(), t.schema.parameters.get("delimiter").map(String::as_str));
    let sd = StorageDescriptor::builder()
        .set_columns(Some(columns))
        .set_location(t.schema.location.clone())
        .set_input_format(input.map(str::to_string))
        .set_output_format(output.map(str::to_string))
        .serde_info(serde)
        .build();
    TableInput::builder()
        .name(&t.schema.name)
        .table_type(t.schema.parameters.get("table_type").map(String::as_str).unwrap_or("EXTERNAL_TABLE"))
        .set_partition_keys(Some(partition_keys))
        .storage_descriptor(sd)
        .set_parameters(Some(t.parameters.clone().into_iter().collect()))
        .build()
        .map_err(invalid)
}

impl CatalogMirror for GlueMirror {
    fn tables<'a>(&'a self, database: &'a str) -> BoxFuture<'a, Result<Option<MirrorTables>, MirrorError>> {
        Box::pin(async move {
            match super::glue::all_tables(&self.glue().await, None, database).await {
                Ok(tables) => Ok(Some(
                    tables.iter().map(|t| (t.name().to_string(), t.parameters().and_then(|p| p.get(DEFINITION)).cloned())).collect(),
                )),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_entity_not_found_exception()) => Ok(None),
                Err(e) => Err(glue_error("GetTables", e)),
            }
        })
    }

    fn create_database<'a>(&'a self, database: &'a str, parameters: BTreeMap<String, String>) -> BoxFuture<'a, Result<(), MirrorError>> {
        Box::pin(async move {
            let input = DatabaseInput::builder()
                .name(database)
                .description("Mirror of a data product's tables, kept by meshgov")
                .set_parameters(Some(parameters.into_iter().collect()))
                .build()
                .map_err(|e| MirrorError { message: e.to_string(), retryable: false })?;
            match self.glue().await.create_database().database_input(input).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_already_exists_exception()) => Ok(()),
                Err(e) => Err(glue_error("CreateDatabase", e)),
            }
        })
    }

    fn put_table<'a>(&'a self, database: &'a str, table: &'a MirrorTable, exists: bool) -> BoxFuture<'a, Result<(), MirrorError>> {
        Box::pin(async move {
            let glue = self.glue().await;
            let input = table_input(table)?;
            if exists {
                glue.update_table().database_name(database).table_input(input).send().await.map_err(|e| glue_error("UpdateTable", e))?;
            } else {
                match glue.create_table().database_name(database).table_input(input).send().await {
                    Ok(_) => {}
                    // Created by an earlier attempt that did not get to record it: replace it.
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_already_exists_exception()) => {
                        let input = table_input(table)?;
                        glue.update_table().database_name(database).table_input(input).send().await.map_err(|e| glue_error("UpdateTable", e))?;
                    }
                    Err(e) => return Err(glue_error("CreateTable", e)),
                }
            }
            Ok(())
        })
    }

    fn delete_table<'a>(&'a self, database: &'a str, name: &'a str) -> BoxFuture<'a, Result<(), MirrorError>> {
        Box::pin(async move {
            match self.glue().await.delete_table().database_name(database).name(name).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_entity_not_found_exception()) => Ok(()),
                Err(e) => Err(glue_error("DeleteTable", e)),
            }
        })
    }

    fn register_location<'a>(&'a self, resource_arn: &'a str, role_arn: &'a str) -> BoxFuture<'a, Result<bool, MirrorError>> {
        Box::pin(async move {
            let lf = self.aws.lakeformation().await;
            match lf.register_resource().resource_arn(resource_arn).role_arn(role_arn).send().await {
                Ok(_) => Ok(true),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_already_exists_exception()) => Ok(false),
                Err(e) => Err(MirrorError {
                    retryable: aws::roles::is_retryable(&e),
                    message: format!("Lake Formation RegisterResource {resource_arn}: {}", aws::describe(&e)),
                }),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_register_their_buckets() {
        assert_eq!(location_arn("s3://sales-data/orders/").as_deref(), Some("arn:aws:s3:::sales-data"));
        assert_eq!(location_arn("s3a://sales-data/a/b/c").as_deref(), Some("arn:aws:s3:::sales-data"));
        assert_eq!(location_arn("s3://bucket").as_deref(), Some("arn:aws:s3:::bucket"));
        assert_eq!(location_arn("hdfs://x/y"), None);
        assert_eq!(location_arn("s3://"), None);
    }

    #[test]
    fn a_mirror_table_names_its_source_and_changes_hash_with_its_definition() {
        let mut t = TableSchema {
            name: "orders".into(),
            columns: vec![Column { name: "id".into(), data_type: "bigint".into(), comment: None }],
            partition_keys: Vec::new(),
            location: Some("s3://b/orders/".into()),
            format: Some("parquet".into()),
            parameters: BTreeMap::from([("classification".to_string(), "parquet".to_string())]),
        };
        let before = mirror_table(&t, "111122223333", "sales_db", 3);
        assert_eq!(before.parameters[SOURCE_ACCOUNT], "111122223333");
        assert_eq!(before.parameters[SOURCE_DATABASE], "sales_db");
        assert_eq!(before.parameters[SOURCE_TABLE], "orders");
        assert_eq!(before.parameters[SCHEMA_VERSION], "3");
        assert_eq!(before.parameters["classification"], "parquet");
        assert_eq!(mirror_table(&t, "111122223333", "sales_db", 4).parameters[DEFINITION], before.parameters[DEFINITION]);
        t.columns.push(Column { name: "note".into(), data_type: "string".into(), comment: None });
        assert_ne!(mirror_table(&t, "111122223333", "sales_db", 4).parameters[DEFINITION], before.parameters[DEFINITION]);
    }
}
