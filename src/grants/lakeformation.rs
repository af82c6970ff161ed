//! Lake Formation behind a small trait: what the grant applier and drift need, and nothing else.
//! Every call names the account whose Lake Formation it is made in ([`LfAccount`]): the governance
//! account's own client, or a producer's through its grant role, so the same code runs against AWS,
//! moto, or the fault-injecting emulator.

use std::sync::Arc;

use aws_sdk_lakeformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lakeformation::operation::RequestId;
use aws_sdk_lakeformation::types::{
    BatchPermissionsRequestEntry, ColumnWildcard, DataCellsFilter, DataCellsFilterResource, DataLakePrincipal,
    DatabaseResource, Permission, Resource, RowFilter, TableResource, TableWildcard, TableWithColumnsResource,
};
use serde_json::Value;

use super::holder::LfAccount;
use super::resource::LfResource;
use crate::BoxFuture;
use crate::aws::Aws;

/// Lake Formation accepts at most this many entries per batch call.
pub const BATCH_LIMIT: usize = 20;

/// One permission entry of a batch: `id` is ours (the grant's id), echoed in failures.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub principal: String,
    pub resource: LfResource,
    pub permissions: Vec<String>,
    /// Permissions with the grant option: meshgov never grants these; a drift repair revokes
    /// them when someone did.
    pub grant_option: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct EntryFailure {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// A call Lake Formation answered.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub request_id: Option<String>,
    /// Entries that failed, each on its own (batch calls only).
    pub failures: Vec<EntryFailure>,
}

/// A call that failed as a whole.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct LfError {
    pub code: String,
    pub message: String,
    /// Throttling, concurrent modification, 5xx, timeouts: worth another attempt later.
    pub retryable: bool,
    pub request_id: Option<String>,
}

impl LfError {
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }
}

/// Whether an error code is transient.
pub fn retryable_code(code: &str) -> bool {
    code.contains("Throttl")
        || code.contains("TooManyRequests")
        || code == "ConcurrentModificationException"
        || code == "InternalServiceException"
        || code == "OperationTimeoutException"
        || code == "ServiceUnavailable"
        || code == "InternalFailure"
}

/// Each call is made in `account`'s Lake Formation: the governance account's, or a producer's.
pub trait LakeFormation: Send + Sync {
    fn batch_grant<'a>(&'a self, account: &'a LfAccount, entries: &'a [Entry]) -> BoxFuture<'a, Result<Answer, LfError>>;
    fn batch_revoke<'a>(&'a self, account: &'a LfAccount, entries: &'a [Entry]) -> BoxFuture<'a, Result<Answer, LfError>>;
    /// Creates a data cells filter from its `TableData` JSON.
    fn create_data_cells_filter<'a>(&'a self, account: &'a LfAccount, table_data: &'a Value) -> BoxFuture<'a, Result<Answer, LfError>>;
    fn delete_data_cells_filter<'a>(&'a self, account: &'a LfAccount, table_data: &'a Value) -> BoxFuture<'a, Result<Answer, LfError>>;
    /// One page of every permission in `account`'s catalog (`ListPermissions` without a filter,
    /// at most [`LIST_PAGE`] entries); the next page's token, if any.
    fn list_permissions<'a>(&'a self, account: &'a LfAccount, next_token: Option<String>) -> BoxFuture<'a, Result<PermissionPage, LfError>>;
}

/// ListPermissions' largest page.
pub const LIST_PAGE: i32 = 1000;

/// One permission entry as Lake Formation lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub principal: String,
    pub resource: LfResource,
    pub permissions: Vec<String>,
    /// Permissions held with the grant option: meshgov never grants these.
    pub grantable: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PermissionPage {
    pub entries: Vec<Listed>,
    pub next_token: Option<String>,
}

pub struct SdkLakeFormation {
    aws: Arc<Aws>,
}

impl SdkLakeFormation {
    pub fn new(aws: Arc<Aws>) -> SdkLakeFormation {
        SdkLakeFormation { aws }
    }

    /// The client acting in `account`: the governance account's own credentials, or the
    /// producer's grant role (assumed with the domain's external id, cached).
    async fn client(&self, account: &LfAccount) -> Result<aws_sdk_lakeformation::Client, LfError> {
        match account {
            LfAccount::Governance => Ok(self.aws.lakeformation().await),
            LfAccount::Producer { domain, role_arn, external_id, .. } => {
                // Session names show up in the producer's CloudTrail: name the domain.
                let session = format!("meshgov-grants-{domain}");
                let config = self.aws.config_as(role_arn, external_id, &session).await.map_err(|e| LfError {
                    code: "AssumeRoleFailed".into(),
                    message: e.to_string(),
                    retryable: e.retryable,
                    request_id: None,
                })?;
                Ok(crate::aws::lakeformation_client(&config))
            }
        }
    }

    /// The account whose catalog a resource listed without a catalog id is in.
    async fn own_catalog(&self, account: &LfAccount) -> String {
        match account {
            LfAccount::Governance => self.aws.account_id().await,
            LfAccount::Producer { account_id, .. } => account_id.clone(),
        }
    }
}

fn invalid(message: String) -> LfError {
    LfError { code: "InvalidRequest".into(), message, retryable: false, request_id: None }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn strings(v: &Value, key: &str) -> Option<Vec<String>> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
}

/// A resource as the SDK's type.
pub fn to_resource(r: &LfResource) -> Result<Resource, String> {
    resource_of_json(&r.to_json())
}

/// The SDK's resource, read as meshgov's; `default_catalog` is the account whose catalog a
/// resource without a catalog id is in. None for kinds meshgov never grants.
pub fn from_resource(r: &Resource, default_catalog: &str) -> Option<LfResource> {
    LfResource::from_json(&json_of_resource(r)?, default_catalog)
}

fn resource_of_json(v: &Value) -> Result<Resource, String> {
    let err = |e: aws_smithy_types::error::operation::BuildError| e.to_string();
    if let Some(d) = v.get("Database") {
        let db = DatabaseResource::builder().set_catalog_id(text(d, "CatalogId")).set_name(text(d, "Name")).build().map_err(err)?;
        return Ok(Resource::builder().database(db).build());
    }
    if let Some(t) = v.get("Table") {
        let mut table = TableResource::builder()
            .set_catalog_id(text(t, "CatalogId"))
            .set_database_name(text(t, "DatabaseName"))
            .set_name(text(t, "Name"));
        // Only revoking what a drift check found uses wildcards: meshgov grants named tables.
        if t.get("TableWildcard").is_some() {
            table = table.table_wildcard(TableWildcard::builder().build());
        }
        let table = table.build().map_err(err)?;
        return Ok(Resource::builder().table(table).build());
    }
    if let Some(t) = v.get("TableWithColumns") {
        let twc = TableWithColumnsResource::builder()
            .set_catalog_id(text(t, "CatalogId"))
            .set_database_name(text(t, "DatabaseName"))
            .set_name(text(t, "Name"))
            .set_column_names(strings(t, "ColumnNames"))
            .set_column_wildcard(t.get("ColumnWildcard").map(|w| {
                ColumnWildcard::builder().set_excluded_column_names(strings(w, "ExcludedColumnNames")).build()
            }))
            .build()
            .map_err(err)?;
        return Ok(Resource::builder().table_with_columns(twc).build());
    }
    if let Some(f) = v.get("DataCellsFilter") {
        let dcf = DataCellsFilterResource::builder()
            .set_table_catalog_id(text(f, "TableCatalogId"))
            .set_database_name(text(f, "DatabaseName"))
            .set_table_name(text(f, "TableName"))
            .set_name(text(f, "Name"))
            .build();
        return Ok(Resource::builder().data_cells_filter(dcf).build());
    }
    Err(format!("unsupported resource {v}"))
}

/// The SDK's resource in Lake Formation's JSON form (the inverse of [`resource_of_json`]).
fn json_of_resource(r: &Resource) -> Option<Value> {
    let opt = |v: Option<&str>| v.map(|s| Value::String(s.to_string()));
    let mut out = serde_json::Map::new();
    if let Some(d) = r.database() {
        out.insert("Database".into(), serde_json::json!({ "CatalogId": opt(d.catalog_id()), "Name": d.name() }));
    } else if let Some(t) = r.table() {
        let mut v = serde_json::json!({ "CatalogId": opt(t.catalog_id()), "DatabaseName": t.database_name(), "Name": opt(t.name()) });
        if t.table_wildcard().is_some() {
            v["TableWildcard"] = serde_json::json!({});
        }
        out.insert("Table".into(), v);
    } else if let Some(t) = r.table_with_columns() {
        let mut v = serde_json::json!({ "CatalogId": opt(t.catalog_id()), "DatabaseName": t.database_name(), "Name": t.name() });
        match t.column_wildcard() {
            Some(w) => v["ColumnWildcard"] = serde_json::json!({ "ExcludedColumnNames": w.excluded_column_names() }),
            None => v["ColumnNames"] = serde_json::json!(t.column_names()),
        }
        out.insert("TableWithColumns".into(), v);
    } else if let Some(f) = r.data_cells_filter() {
        out.insert(
            "DataCellsFilter".into(),
            serde_json::json!({
                "TableCatalogId": opt(f.table_catalog_id()), "DatabaseName": opt(f.database_name()),
                "TableName": opt(f.table_name()), "Name": opt(f.name()),
            }),
        );
    } else {
        return None;
    }
    // Drop nulls: an absent CatalogId means the caller's own catalog.
    for v in out.values_mut() {
        if let Some(obj) = v.as_object_mut() {
            obj.retain(|_, v| !v.is_null());
        }
    }
    Some(Value::Object(out))
}

fn to_entries(entries: &[Entry]) -> Result<Vec<BatchPermissionsRequestEntry>, LfError> {
    entries
        .iter()
        .map(|e| {
            let resource = to_resource(&e.resource).map_err(invalid)?;
            BatchPermissionsRequestEntry::builder()
                .id(&e.id)
                .principal(DataLakePrincipal::builder().data_lake_principal_identifier(&e.principal).build())
                .resource(resource)
                .set_permissions(Some(e.permissions.iter().map(|p| Permission::from(p.as_str())).collect()))
                .set_permissions_with_grant_option(
                    (!e.grant_option.is_empty()).then(|| e.grant_option.iter().map(|p| Permission::from(p.as_str())).collect()),
                )
                .build()
                .map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

type HttpResponse = aws_smithy_runtime_api::client::orchestrator::HttpResponse;

fn sdk_error<E>(err: SdkError<E, HttpResponse>) -> LfError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    SdkError<E, HttpResponse>: RequestId,
{
    let request_id = err.request_id().map(str::to_string);
    match &err {
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("UnknownError").to_string();
            let server = e.raw().status().is_server_error();
            LfError {
                retryable: retryable_code(&code) || server,
                message: e.err().message().unwrap_or("").to_string(),
                code,
                request_id,
            }
        }
        other => LfError {
            code: "NetworkError".into(),
            message: aws_sdk_lakeformation::error::DisplayErrorContext(other).to_string(),
            retryable: true,
            request_id,
        },
    }
}

fn failures(list: &[aws_sdk_lakeformation::types::BatchPermissionsFailureEntry]) -> Vec<EntryFailure> {
    list.iter()
        .map(|f| EntryFailure {
            id: f.request_entry().map(|e| e.id().to_string()).unwrap_or_default(),
            code: f.error().and_then(|e| e.error_code()).unwrap_or("UnknownError").to_string(),
            message: f.error().and_then(|e| e.error_message()).unwrap_or("").to_string(),
        })
        .collect()
}

fn table_data(v: &Value) -> Result<DataCellsFilter, LfError> {
    let mut b = DataCellsFilter::builder()
        .set_table_catalog_id(text(v, "TableCatalogId"))
        .set_database_name(text(v, "DatabaseName"))
        .set_table_name(text(v, "TableName"))
        .set_name(text(v, "Name"));
    if let Some(expr) = v.get("RowFilter").and_then(|r| text(r, "FilterExpression")) {
        b = b.row_filter(RowFilter::builder().filter_expression(expr).build());
    }
    match strings(v, "ColumnNames") {
        Some(cols) => b = b.set_column_names(Some(cols)),
        None => b = b.column_wildcard(ColumnWildcard::builder().build()),
    }
    b.build().map_err(|e| invalid(e.to_string()))
}

impl LakeFormation for SdkLakeFormation {
    fn batch_grant<'a>(&'a self, account: &'a LfAccount, entries: &'a [Entry]) -> BoxFuture<'a, Result<Answer, LfError>> {
        Box::pin(async move {
            let client = self.client(account).await?;
            let out = client.batch_grant_permissions().set_entries(Some(to_entries(entries)?)).send().await.map_err(sdk_error)?;
            Ok(Answer { request_id: out.request_id().map(str::to_string), failures: failures(out.failures()) })
        })
    }

    fn batch_revoke<'a>(&'a self, account: &'a LfAccount, entries: &'a [Entry]) -> BoxFuture<'a, Result<Answer, LfError>> {
        Box::pin(async move {
            let client = self.client(account).await?;
            let out = client.batch_revoke_permissions().set_entries(Some(to_entries(entries)?)).send().await.map_err(sdk_error)?;
            Ok(Answer { request_id: out.request_id().map(str::to_string), failures: failures(out.failures()) })
        })
    }

    fn create_data_cells_filter<'a>(&'a self, account: &'a LfAccount, data: &'a Value) -> BoxFuture<'a, Result<Answer, LfError>> {
        Box::pin(async move {
            let client = self.client(account).await?;
            let out = client.create_data_cells_filter().table_data(table_data(data)?).send().await.map_err(sdk_error)?;
            Ok(Answer { request_id: out.request_id().map(str::to_string), failures: Vec::new() })
        })
    }

    fn delete_data_cells_filter<'a>(&'a self, account: &'a LfAccount, data: &'a Value) -> BoxFuture<'a, Result<Answer, LfError>> {
        Box::pin(async move {
            let client = self.client(account).await?;
            let out = client
                .delete_data_cells_filter()
                .set_table_catalog_id(text(data, "TableCatalogId"))
                .set_database_name(text(data, "DatabaseName"))
                .set_table_name(text(data, "TableName"))
                .set_name(text(data, "Name"))
                .send()
                .await
                .map_err(sdk_error)?;
            Ok(Answer { request_id: out.request_id().map(str::to_string), failures: Vec::new() })
        })
    }

    fn list_permissions<'a>(&'a self, account: &'a LfAccount, next_token: Option<String>) -> BoxFuture<'a, Result<PermissionPage, LfError>> {
        Box::pin(async move {
            let client = self.client(account).await?;
            let own = self.own_catalog(account).await;
            let out = client.list_permissions().max_results(LIST_PAGE).set_next_token(next_token).send().await.map_err(sdk_error)?;
            let names = |ps: &[Permission]| ps.iter().map(|p| p.as_str().to_string()).collect::<Vec<_>>();
            let entries = out
                .principal_resource_permissions()
                .iter()
                .filter_map(|p| {
                    Some(Listed {
                        principal: p.principal()?.data_lake_principal_identifier()?.to_string(),
                        resource: from_resource(p.resource()?, &own)?,
                        permissions: names(p.permissions()),
                        grantable: names(p.permissions_with_grant_option()),
                    })
                })
                .collect();
            Ok(PermissionPage { entries, next_token: out.next_token().filter(|t| !t.is_empty()).map(str::to_string) })
        })
    }
}
