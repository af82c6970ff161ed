//! Lake Formation's data access events as recorded (tests/fixtures/access-events), placed in a
//! test's own accounts.

use chrono::{Duration as Age, Utc};
use serde_json::{Value, json};

/// A recorded event (`name` in tests/fixtures/access-events) as recorded in `holder`'s account:
/// `principal` read `database/table` there, `age` ago.
pub fn recorded(name: &str, holder: &str, database: &str, table: &str, principal: &str, event_id: &str, age: Age) -> Value {
    let path = format!("{}/tests/fixtures/access-events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let at = (Utc::now() - age).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    e["account"] = json!(holder);
    e["region"] = json!("us-east-1");
    e["time"] = json!(at);
    let d = &mut e["detail"];
    d["awsRegion"] = json!("us-east-1");
    d["recipientAccountId"] = json!(holder);
    d["eventID"] = json!(event_id);
    d["eventTime"] = json!(at);
    d["requestParameters"]["tableArn"] = json!(format!("arn:aws:glue:us-east-1:{holder}:table/{database}/{table}"));
    if d["additionalEventData"].get("lakeFormationPrincipal").is_some() {
        d["additionalEventData"]["lakeFormationPrincipal"] = json!(principal);
    }
    e
}
