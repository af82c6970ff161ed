//! The committed contract must be what the code generates: clients are generated from the file.

#[test]
fn committed_spec_matches_generated() {
    let generated = meshgov::http::openapi::to_pretty_json(&meshgov::routes::openapi_document());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).expect("openapi/openapi.json exists");
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: regenerate it with `cargo run -q -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_operation_documents_errors_and_security() {
    let doc = serde_json::to_value(meshgov::routes::openapi_document()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path} lacks 500");
            let public = ["/healthz", "/readyz", "/metrics"].contains(&path.as_str());
            if !public {
                assert_eq!(op["security"], serde_json::json!([{"bearer": []}]), "{method} {path} security");
                assert!(responses.contains_key("401") && responses.contains_key("403"), "{method} {path} lacks 401/403");
            }
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(s), "{method} {path} lacks {s}");
                }
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') && path.starts_with("/api") {
                    assert!(
                        response["content"].get("application/problem+json").is_some(),
                        "{method} {path} {status} is not a problem document"
                    );
                }
            }
        }
    }
}

/// Every closed set of values a response holds is an enum in the contract (so generated clients
/// get types, not strings), and its values are exactly those the database allows in the column
/// behind it: a value added to one and not the other fails here.
#[sqlx::test]
async fn closed_sets_in_the_contract_are_the_database_s(pool: sqlx::PgPool) {
    let doc = serde_json::to_value(meshgov::routes::openapi_document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    // (schema, property) in the contract, (table, column) in the database.
    let pairs = [
        (("Grant", "state"), ("grants", "state")),
        (("Grant", "resource_type"), ("grants", "resource_type")),
        (("Subscription", "provisioning"), ("subscriptions", "provisioning")),
        (("Subscription", "status"), ("subscriptions", "status")),
        (("Job", "status"), ("jobs", "status")),
        (("ProductSync", "status"), ("products", "sync_status")),
        (("SyncState", "status"), ("domains", "sync_status")),
        (("SchemaChange", "kind"), ("schema_changes", "kind")),
        (("Webhook", "status"), ("webhooks", "status")),
        (("FindingView", "kind"), ("drift_findings", "kind")),
        (("Product", "status"), ("products", "status")),
        (("Product", "classification"), ("products", "classification")),
        (("Domain", "approval_policy"), ("domains", "approval_policy")),
        (("Domain", "catalog_mode"), ("domains", "catalog_mode")),
        (("Delivery", "state"), ("webhook_deliveries", "state")),
    ];
    for ((schema, property), (table, column)) in pairs {
        let mut in_contract = enum_values(schemas, &schemas[schema]["properties"][property])
            .unwrap_or_else(|| panic!("{schema}.{property} is not an enum in the contract"));
        in_contract.sort();
        let mut in_database = check_values(&pool, table, column).await;
        in_database.sort();
        assert_eq!(in_contract, in_database, "{schema}.{property} against {table}.{column}");
    }
}

/// The values of an enum property, following a `$ref` or a nullable `oneOf`.
fn enum_values(schemas: &serde_json::Value, property: &serde_json::Value) -> Option<Vec<String>> {
    if let Some(reference) = property["$ref"].as_str() {
        return enum_values(schemas, &schemas[reference.rsplit('/').next()?]);
    }
    if let Some(values) = property["enum"].as_array() {
        return Some(values.iter().filter_map(|v| v.as_str().map(str::to_string)).collect());
    }
    property["oneOf"].as_array()?.iter().find_map(|s| enum_values(schemas, s))
}

/// The values a `CHECK (column IN (...))` constraint of the table allows.
async fn check_values(pool: &sqlx::PgPool, table: &str, column: &str) -> Vec<String> {
    let definitions: Vec<String> = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid = $1::regclass",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .unwrap();
    let prefix = format!("CHECK (({column} = ANY (ARRAY[");
    let list = definitions
        .iter()
        .find_map(|d| d.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{table}.{column} has no CHECK (... IN ...) constraint: {definitions:?}"));
    let list = &list[..list.find(']').unwrap()];
    list.split(", ").map(|v| v.trim_start_matches('\'').trim_end_matches("'::text").to_string()).collect()
}

/// The patterns the contract gives request fields accept exactly what the services' validators
/// accept, on samples from both sides of each rule: a client that trusts the contract is never
/// refused for a field's shape, and the server never takes what the contract forbids.
#[test]
fn request_patterns_agree_with_the_validators() {
    let doc = serde_json::to_value(meshgov::routes::openapi_document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let pattern = |schema: &str, pointer: &str| -> regex_lite::Regex {
        let p = schemas[schema].pointer(pointer).and_then(|p| p.as_str()).unwrap_or_else(|| panic!("{schema}{pointer}"));
        regex_lite::Regex::new(p).unwrap_or_else(|e| panic!("{schema}{pointer}: {e}"))
    };
    let agree = |name: &str, re: &regex_lite::Regex, valid: &dyn Fn(&str) -> bool, samples: &[&str]| {
        for s in samples {
            assert_eq!(re.is_match(s), valid(s), "{name}: the contract says {} for {s:?}, the server {}", re.is_match(s), valid(s));
        }
    };
    use meshgov::validate;

    let role = pattern("NewDomain", "/properties/sync_role_arn/pattern");
    let long_name = format!("arn:aws:iam::111122223333:role/{}", "r".repeat(512));
    let too_long_name = format!("arn:aws:iam::111122223333:role/{}", "r".repeat(513));
    agree("role ARN", &role, &|s| validate::RoleArn::parse("f", s).is_ok(), &[
        "arn:aws:iam::111122223333:role/meshgov", "arn:aws-cn:iam::111122223333:role/a", "arn:aws-us-gov:iam::111122223333:role/p/a",
        &long_name, &too_long_name, "arn:aws:iam::111122223333:role/", "arn:aws:iam::111122223333:role/a/", "arn:aws-:iam::111122223333:role/a",
        "arn:aws--x:iam::111122223333:role/a", "arn:aws:iam::11112222333:role/a", "arn:aws:iam:eu-west-1:111122223333:role/a",
        "arn:aws:iam::111122223333:user/a", "arn:aws:iam::111122223333:role/a b", "arn:AWS:iam::111122223333:role/a",
    ]);
    for (schema, pointer, multiline, required) in [
        ("NewDomain", "/properties/name/pattern", false, true),
        ("NewDomain", "/properties/description/pattern", true, false),
        ("NewSubscription", "/properties/justification/pattern", true, true),
    ] {
        let re = pattern(schema, pointer);
        agree(&format!("{schema}{pointer}"), &re, &|s| validate::text("f", s, usize::from(required), 10_000, multiline).is_ok(), &[
            "Sales", "  Sales  ", "", " ", "\t", "a\nb", "a\tb", "a\u{7}b", "a\u{85}b", "caf\u{e9}", "\u{0}", "line\r\n",
        ]);
    }
    let glue = pattern("Source", "/properties/tables/items/pattern");
    let long = "t".repeat(255);
    let too_long = "t".repeat(256);
    agree("Glue name", &glue, &|s| validate::glue_name("f", s).is_ok(), &["orders", "fact_2024", "", "Orders", "or-ders", &long, &too_long]);
    let url = pattern("NewWebhook", "/properties/url/pattern");
    agree("webhook URL", &url, &|s| meshgov::webhooks::service::check_url(s, true, true).is_ok(), &[
        "https://hooks.example.com/meshgov", "http://127.0.0.1:9000/in?a=1&b=%20", "https://[2001:db8::1]:8443/x", "https://HOOKS.example.com",
        "https://hooks.example.com/a b", "https://hooks.example.com/#top", "https://user:pw@hooks.example.com/", "ftp://hooks.example.com/",
        "https://hooks.example.com/caf\u{e9}", "https://", "hooks.example.com", "https://hooks.example.com/x\"y",
    ]);
}
