//! The two Glue Data Catalog events (AWS Glue developer guide, "Automating AWS Glue with
//! EventBridge"), in the EventBridge envelope, and what meshgov reads from them.

use serde::Deserialize;
use serde_json::Value;

pub const DATABASE_STATE_CHANGE: &str = "Glue Data Catalog Database State Change";
pub const TABLE_STATE_CHANGE: &str = "Glue Data Catalog Table State Change";

/// An EventBridge event as a rule delivers it to SQS (the message body).
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    /// The account the event happened in: the producer's.
    pub account: String,
    pub region: String,
    #[serde(default)]
    pub resources: Vec<String>,
    pub detail: Value,
}

/// What changed in a producer's catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogChange {
    pub account: String,
    pub database: String,
    /// The tables named by the event; empty when it concerns the database itself.
    pub tables: Vec<String>,
    /// `typeOfChange`, e.g. `CreateTable`, `UpdateTable`, `BatchCreatePartition`.
    pub type_of_change: String,
}

impl CatalogChange {
    /// Partitions added, changed or removed: data, not schema. Nothing to sync.
    pub fn partitions_only(&self) -> bool {
        self.type_of_change.contains("Partition")
    }
}

/// Why an event is not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not JSON, or not an EventBridge event of Glue's two Data Catalog kinds.
    NotACatalogEvent(String),
    /// It names resources of another account or region than it comes from.
    Forged(String),
    /// No domain has this AWS account.
    UnknownAccount(String),
}

impl Refusal {
    /// The label of the `catalog_events_refused_total` metric.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::NotACatalogEvent(_) => "not_a_catalog_event",
            Refusal::Forged(_) => "forged",
            Refusal::UnknownAccount(_) => "unknown_account",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotACatalogEvent(why) => write!(f, "not a Glue Data Catalog event: {why}"),
            Refusal::Forged(why) => write!(f, "refused as forged: {why}"),
            Refusal::UnknownAccount(account) => write!(f, "no domain has the AWS account {account}"),
        }
    }
}

/// Reads a message body: the change, or why it is refused. The event must come from `aws.glue`
/// (EventBridge does not let anyone else put events with an `aws.` source), be one of the two
/// Data Catalog kinds, and name only resources of its own account and region.
pub fn parse(body: &str) -> Result<CatalogChange, Refusal> {
    let not = |why: &str| Refusal::NotACatalogEvent(why.to_string());
    let event: Envelope = serde_json::from_str(body).map_err(|e| not(&format!("not an EventBridge event ({e})")))?;
    if event.source != "aws.glue" {
        return Err(not(&format!("source {:?}", event.source)));
    }
    if !(event.account.len() == 12 && event.account.bytes().all(|b| b.is_ascii_digit())) {
        return Err(not(&format!("account {:?}", event.account)));
    }
    let text = |key: &str| event.detail.get(key).and_then(Value::as_str).map(str::to_string);
    let database = text("databaseName").ok_or_else(|| not("no detail.databaseName"))?;
    let type_of_change = text("typeOfChange").ok_or_else(|| not("no detail.typeOfChange"))?;
    let tables = match event.detail_type.as_str() {
        DATABASE_STATE_CHANGE => match event.detail.get("changedTables") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(names)) => names.iter().map(|n| n.as_str().map(str::to_string)).collect::<Option<_>>()
                .ok_or_else(|| not("detail.changedTables holds a non-string"))?,
            Some(_) => return Err(not("detail.changedTables is not a list")),
        },
        TABLE_STATE_CHANGE => vec![text("tableName").ok_or_else(|| not("no detail.tableName"))?],
        other => return Err(not(&format!("detail-type {other:?}"))),
    };
    // Each resource is a Glue ARN of the event's own account and region.
    for resource in &event.resources {
        let parts: Vec<&str> = resource.splitn(6, ':').collect();
        let own = matches!(parts.as_slice(), ["arn", _, "glue", region, account, _] if *region == event.region && *account == event.account);
        if !own {
            return Err(Refusal::Forged(format!("event {} from account {} names {resource}", event.id, event.account)));
        }
    }
    Ok(CatalogChange { account: event.account, database, tables, type_of_change })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The documented example of a Database State Change (CreateTable), with our names.
    fn created(account: &str, resource_account: &str) -> String {
        json!({
            "version": "0", "id": "5089ddb8-2ab5-4739-7323-8519741f53d7",
            "detail-type": DATABASE_STATE_CHANGE, "source": "aws.glue", "account": account,
            "time": "2026-11-29T15:40:07Z", "region": "us-east-1",
            "resources": [format!("arn:aws:glue:us-east-1:{resource_account}:table/sales_db/orders")],
            "detail": { "databaseName": "sales_db", "typeOfChange": "CreateTable", "changedTables": ["orders"] }
        })
        .to_string()
    }

    #[test]
    fn the_documented_shapes_are_read() {
        let change = parse(&created("111122223333", "111122223333")).unwrap();
        assert_eq!(change.database, "sales_db");
        assert_eq!(change.tables, ["orders"]);
        assert!(!change.partitions_only());
        let table = json!({
            "version": "0", "id": "a", "detail-type": TABLE_STATE_CHANGE, "source": "aws.glue",
            "account": "111122223333", "time": "2026-11-29T15:40:07Z", "region": "us-east-1",
            "resources": ["arn:aws:glue:us-east-1:111122223333:table/sales_db/orders"],
            "detail": { "databaseName": "sales_db", "tableName": "orders", "typeOfChange": "BatchCreatePartition",
                        "changedPartitions": ["[2026, 11]"] }
        });
        let change = parse(&table.to_string()).unwrap();
        assert_eq!((change.tables.as_slice(), change.partitions_only()), (["orders".to_string()].as_slice(), true));
    }

    #[test]
    fn other_events_and_forgeries_are_refused() {
        assert_eq!(parse(&created("111122223333", "444455556666")).unwrap_err().reason(), "forged");
        let mut crawler: Value = serde_json::from_str(&created("111122223333", "111122223333")).unwrap();
        crawler["detail-type"] = json!("Glue Crawler State Change");
        assert_eq!(parse(&crawler.to_string()).unwrap_err().reason(), "not_a_catalog_event");
        crawler["detail-type"] = json!(DATABASE_STATE_CHANGE);
        crawler["source"] = json!("my.app");
        assert_eq!(parse(&crawler.to_string()).unwrap_err().reason(), "not_a_catalog_event");
        assert_eq!(parse("not json").unwrap_err().reason(), "not_a_catalog_event");
    }
}
