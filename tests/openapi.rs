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
