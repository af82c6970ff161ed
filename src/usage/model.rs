//! Lake Formation's `GetDataAccess` CloudTrail event, as an EventBridge rule delivers it ("AWS API
//! Call via CloudTrail"), and what meshgov reads from it. Shapes: the Lake Formation developer
//! guide ("Cross-account CloudTrail logging") and the Lake Formation best practices' sample
//! events per engine (Athena, Redshift, Glue ETL, EMR).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub const API_CALL: &str = "AWS API Call via CloudTrail";

/// An EventBridge event as a rule delivers it to SQS (the message body); `detail` is the
/// CloudTrail record.
#[derive(Debug, Clone, Deserialize)]
struct Envelope {
    #[serde(rename = "detail-type")]
    detail_type: String,
    source: String,
    /// The account whose CloudTrail recorded the event: for a grant's holder, the account that
    /// owns the table (Lake Formation copies a cross-account access to the owner's trail).
    account: String,
    region: String,
    detail: Value,
}

/// Credentials vended for a principal to read a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataAccess {
    /// CloudTrail's `eventID`: the same access delivered twice is counted once.
    pub event_id: String,
    /// The account the event was recorded in, which owns the table.
    pub account: String,
    pub at: DateTime<Utc>,
    /// `additionalEventData.lakeFormationPrincipal`: the role or user the engine acted for.
    pub principal: String,
    pub database: String,
    pub table: String,
    /// The engine, lower case: `athena`, `redshift`, `glue_etl`, `emr_serverless`…
    pub engine: String,
}

/// Why an event is not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not JSON, or not Lake Formation's `GetDataAccess` through CloudTrail.
    NotADataAccessEvent(String),
    /// It names a table of another account or region than it was recorded in.
    Forged(String),
    /// Neither the governance account nor a domain's account.
    UnknownAccount(String),
    /// No principal ARN: the consumer account has not opted in to share it with the table's
    /// owner (Lake Formation's `TrustedResourceOwners`), so the access cannot be attributed.
    NoPrincipal(String),
}

impl Refusal {
    /// The label of the `access_events_refused_total` metric.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::NotADataAccessEvent(_) => "not_a_data_access_event",
            Refusal::Forged(_) => "forged",
            Refusal::UnknownAccount(_) => "unknown_account",
            Refusal::NoPrincipal(_) => "no_principal",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotADataAccessEvent(why) => write!(f, "not a Lake Formation GetDataAccess event: {why}"),
            Refusal::Forged(why) => write!(f, "refused as forged: {why}"),
            Refusal::UnknownAccount(account) => write!(f, "the AWS account {account} is neither meshgov's nor a domain's"),
            Refusal::NoPrincipal(event) => write!(
                f,
                "event {event} names no principal ARN: the consumer account must list the table's owner among its Lake Formation TrustedResourceOwners"
            ),
        }
    }
}

/// What an event says: an access to record, or a call that vended nothing (refused by Lake
/// Formation, or for a data location rather than a table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Access(DataAccess),
    NotAUse(&'static str),
}

/// Reads a message body. The event must come from `aws.lakeformation` (EventBridge lets nobody
/// else put events with an `aws.` source), be a `GetDataAccess` CloudTrail record, and name a table
/// of the account and region it was recorded in.
pub fn parse(body: &str) -> Result<Parsed, Refusal> {
    let not = |why: &str| Refusal::NotADataAccessEvent(why.to_string());
    let event: Envelope = serde_json::from_str(body).map_err(|e| not(&format!("not an EventBridge event ({e})")))?;
    if event.source != "aws.lakeformation" || event.detail_type != API_CALL {
        return Err(not(&format!("source {:?}, detail-type {:?}", event.source, event.detail_type)));
    }
    if !is_account(&event.account) {
        return Err(not(&format!("account {:?}", event.account)));
    }
    let d = &event.detail;
    let text = |path: &[&str]| {
        let mut v = d;
        for key in path {
            v = v.get(key)?;
        }
        v.as_str()
    };
    if text(&["eventSource"]) != Some("lakeformation.amazonaws.com") || text(&["eventName"]) != Some("GetDataAccess") {
        return Err(not(&format!("eventSource {:?}, eventName {:?}", text(&["eventSource"]), text(&["eventName"]))));
    }
    let event_id = text(&["eventID"]).filter(|id| !id.is_empty() && id.len() <= 128).ok_or_else(|| not("no detail.eventID"))?;
    if text(&["errorCode"]).is_some() {
        return Ok(Parsed::NotAUse("refused by Lake Formation"));
    }
    let at = text(&["eventTime"])
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| not("no detail.eventTime"))?;
    let Some(table_arn) = text(&["requestParameters", "tableArn"]) else {
        return Ok(Parsed::NotAUse("a data location, not a table"));
    };
    // arn:aws:glue:<region>:<account>:table/<database>/<table>
    let parts: Vec<&str> = table_arn.splitn(6, ':').collect();
    let (region, account, resource) = match parts.as_slice() {
        ["arn", _, "glue", region, account, resource] => (*region, *account, *resource),
        _ => return Err(not(&format!("tableArn {table_arn:?}"))),
    };
    if region != event.region || account != event.account {
        return Err(Refusal::Forged(format!("event {event_id} recorded in account {} names {table_arn}", event.account)));
    }
    let (database, table) = match resource.strip_prefix("table/").and_then(|r| r.split_once('/')) {
        Some((database, table)) if !database.is_empty() && !table.is_empty() && !table.contains('/') => (database, table),
        _ => return Err(not(&format!("tableArn {table_arn:?}"))),
    };
    let principal = text(&["additionalEventData", "lakeFormationPrincipal"]).ok_or_else(|| Refusal::NoPrincipal(event_id.to_string()))?;
    Ok(Parsed::Access(DataAccess {
        event_id: event_id.to_string(),
        account: event.account,
        at,
        principal: principal.to_string(),
        database: database.to_string(),
        table: table.to_string(),
        engine: engine(d),
    }))
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The engine that asked: the `platformType` engines put in the audit context (EMR_SERVERLESS,
/// EMR_ON_EC2, GLUE_ETL; the same whether access is fine-grained or not, where `requesterService`
/// says EMRSERVERLESS or UNKNOWN); else `requesterService` (ATHENA, REDSHIFT, GLUE_JOB) when it
/// says; else the AWS service that called (`athena.amazonaws.com`); else `unknown`.
fn engine(d: &Value) -> String {
    let named = d.pointer("/additionalEventData/requesterService").and_then(Value::as_str).filter(|s| !s.is_empty() && *s != "UNKNOWN");
    let platform = || {
        let context = d.pointer("/requestParameters/auditContext/additionalAuditContext")?.as_str()?;
        let parsed: Value = serde_json::from_str(context).ok()?;
        parsed.get("platformType")?.as_str().map(str::to_string)
    };
    let service = || {
        let caller = d.get("sourceIPAddress")?.as_str()?;
        caller.strip_suffix(".amazonaws.com").map(|s| s.rsplit('.').next().unwrap_or(s).to_string())
    };
    let engine = platform().or_else(|| named.map(str::to_string)).or_else(service).unwrap_or_else(|| "unknown".into());
    let engine: String = engine.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).take(64).collect();
    if engine.is_empty() { "unknown".into() } else { engine.to_ascii_lowercase() }
}

/// How a subscription's grants are used, from the access events of the accounts holding them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Usage {
    /// The latest access seen; null when none was ever seen.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Accesses in the last 30 days (each vending of credentials for a table counts once).
    pub uses_30d: i64,
    /// Engines seen reading it (`athena`, `redshift`, `glue_etl`…), in alphabetical order.
    pub engines: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The best practices' Athena sample (fine-grained access), with our names, in its envelope.
    pub fn athena(account: &str, table_account: &str, principal: Option<&str>) -> Value {
        let mut extra = json!({ "requesterService": "ATHENA", "LakeFormationTrustedCallerInvocation": "true",
                                "lakeFormationRoleSessionName": "AWSLF-00-AT-333344445555-EXAMPLE04" });
        if let Some(p) = principal {
            extra["lakeFormationPrincipal"] = json!(p);
        }
        json!({
            "version": "0", "id": "0f3c6f0e-7d7a-4b0c-9c55-5b8a0c1a2b3c", "detail-type": API_CALL,
            "source": "aws.lakeformation", "account": account, "time": "2026-11-29T10:00:00Z",
            "region": "us-east-1", "resources": [],
            "detail": {
                "eventVersion": "1.11",
                "userIdentity": { "type": "AWSAccount", "principalId": "AROAEXAMPLEADMIN:admin-session", "accountId": "333344445555" },
                "eventTime": "2026-11-29T10:00:00Z", "eventSource": "lakeformation.amazonaws.com",
                "eventName": "GetDataAccess", "awsRegion": "us-east-1",
                "sourceIPAddress": "athena.amazonaws.com", "userAgent": "athena.amazonaws.com",
                "requestParameters": {
                    "tableArn": format!("arn:aws:glue:us-east-1:{table_account}:table/sales__orders/orders"),
                    "permissions": ["SELECT"],
                    "auditContext": { "additionalAuditContext": "{queryId: 33333333-4444-5555-6666-777777777777}" },
                    "cellLevelSecurityEnforced": true
                },
                "responseElements": null, "additionalEventData": extra,
                "requestID": "43214321-1111-2222-3333-432143214321", "eventID": "87658765-1111-2222-3333-876587658765",
                "readOnly": true, "eventType": "AwsApiCall", "managementEvent": true,
                "recipientAccountId": account, "eventCategory": "Management"
            }
        })
    }

    #[test]
    fn the_documented_athena_shape_is_read() {
        let event = athena("123456789012", "123456789012", Some("arn:aws:iam::333344445555:role/analyst"));
        let Parsed::Access(access) = parse(&event.to_string()).unwrap() else { panic!("not an access") };
        assert_eq!(access.principal, "arn:aws:iam::333344445555:role/analyst");
        assert_eq!((access.database.as_str(), access.table.as_str()), ("sales__orders", "orders"));
        assert_eq!((access.engine.as_str(), access.account.as_str()), ("athena", "123456789012"));
        assert_eq!(access.event_id, "87658765-1111-2222-3333-876587658765");
        assert_eq!(access.at.to_rfc3339(), "2026-11-29T10:00:00+00:00");
    }

    #[test]
    fn engines_come_from_the_requester_the_platform_or_the_calling_service() {
        let mut event = athena("123456789012", "123456789012", Some("arn:aws:iam::333344445555:role/etl"));
        event["detail"]["additionalEventData"]["requesterService"] = json!("UNKNOWN");
        event["detail"]["requestParameters"]["auditContext"]["additionalAuditContext"] =
            json!("{\"platformType\":\"EMR_SERVERLESS\",\"jobIdentifier\":\"00exampleJob1/00exampleAttempt1\"}");
        let engine = |e: &Value| match parse(&e.to_string()).unwrap() {
            Parsed::Access(a) => a.engine,
            other => panic!("{other:?}"),
        };
        assert_eq!(engine(&event), "emr_serverless");
        event["detail"]["requestParameters"]["auditContext"]["additionalAuditContext"] = json!("{queryId: 1}");
        event["detail"]["sourceIPAddress"] = json!("glue.amazonaws.com");
        assert_eq!(engine(&event), "glue");
        event["detail"]["sourceIPAddress"] = json!("203.0.113.10");
        assert_eq!(engine(&event), "unknown");
    }

    #[test]
    fn forgeries_other_events_and_unattributable_ones_are_refused() {
        let principal = Some("arn:aws:iam::333344445555:role/analyst");
        assert_eq!(parse(&athena("123456789012", "111122223333", principal).to_string()).unwrap_err().reason(), "forged");
        let no_opt_in = athena("123456789012", "123456789012", None);
        assert_eq!(parse(&no_opt_in.to_string()).unwrap_err().reason(), "no_principal");
        let mut other = athena("123456789012", "123456789012", principal);
        other["detail"]["eventName"] = json!("GetTable");
        assert_eq!(parse(&other.to_string()).unwrap_err().reason(), "not_a_data_access_event");
        other["detail"]["eventName"] = json!("GetDataAccess");
        other["source"] = json!("my.app");
        assert_eq!(parse(&other.to_string()).unwrap_err().reason(), "not_a_data_access_event");
        assert_eq!(parse("[]").unwrap_err().reason(), "not_a_data_access_event");
        let mut denied = athena("123456789012", "123456789012", principal);
        denied["detail"]["errorCode"] = json!("AccessDeniedException");
        assert_eq!(parse(&denied.to_string()).unwrap(), Parsed::NotAUse("refused by Lake Formation"));
    }
}
