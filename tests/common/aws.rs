//! The AWS emulator for the tests that need it (`scripts/test.sh` starts it and sets
//! `MESHGOV_TEST_AWS_ENDPOINT`): its URL, fresh accounts, and SDK settings that reach it.

pub fn endpoint() -> String {
    std::env::var("MESHGOV_TEST_AWS_ENDPOINT")
        .expect("MESHGOV_TEST_AWS_ENDPOINT must name the AWS emulator: run the tests with scripts/test.sh")
}

/// A fresh 12-digit account per test, so catalogs, grants and faults never collide.
pub fn fresh_account() -> String {
    format!("{:012}", rand::random_range(200_000_000_000u64..999_999_999_999))
}

/// SDK settings for the emulator's default (governance) account.
pub async fn base_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(meshgov::aws::http_client())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(aws_credential_types::Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await
}

/// The emulator as meshgov's own AWS layer sees it (the default, governance, account).
pub fn emulator_aws() -> meshgov::aws::Aws {
    meshgov::aws::Aws::new(meshgov::config::AwsConfig::emulator(&endpoint()))
}

/// SDK settings acting in `account` (the emulator maps assumed credentials to the role's account).
pub async fn config_in(account: &str, role: &str) -> aws_config::SdkConfig {
    emulator_aws().config_as(&format!("arn:aws:iam::{account}:role/{role}"), "test", "meshgov-test").await.unwrap()
}

/// Every permission `client`'s account lists, all pages.
pub async fn lf_list(client: &aws_sdk_lakeformation::Client) -> Vec<aws_sdk_lakeformation::types::PrincipalResourcePermissions> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client.list_permissions().set_next_token(token.take()).send().await.unwrap();
        out.extend(page.principal_resource_permissions().iter().cloned());
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    out
}

/// What `client`'s account grants `principal`.
pub async fn lf_permissions_of(
    client: &aws_sdk_lakeformation::Client,
    principal: &str,
) -> Vec<aws_sdk_lakeformation::types::PrincipalResourcePermissions> {
    let all = lf_list(client).await;
    all.into_iter().filter(|p| p.principal().and_then(|x| x.data_lake_principal_identifier()) == Some(principal)).collect()
}

/// Injects a fault through the emulator's control API (`emulator/README.md`, "Faults"); its id.
/// Scope it to the test (`account`, `match`): other tests run in parallel.
pub async fn inject_fault(spec: serde_json::Value) -> String {
    let r = reqwest::Client::new().post(format!("{}/_emulator/faults", endpoint())).json(&spec).send().await.unwrap();
    assert!(r.status().is_success(), "injecting {spec}: {}", r.status());
    let fault: serde_json::Value = r.json().await.unwrap();
    fault["id"].as_str().map(str::to_string).unwrap_or_else(|| fault["id"].to_string())
}

/// Clears one fault (never all: other tests run in parallel).
pub async fn clear_fault(id: &str) {
    let r = reqwest::Client::new().delete(format!("{}/_emulator/faults/{id}", endpoint())).send().await.unwrap();
    assert!(r.status().is_success(), "clearing fault {id}: {}", r.status());
}

/// A barrier in the emulator (a fault with `hold`): the first call matching its spec waits there
/// until the test releases it, so a test acts while a call is in flight without guessing how
/// long to sleep.
pub struct Hold {
    id: String,
}

impl Hold {
    /// Holds the next call matching `spec` (a fault spec without the error: `service`,
    /// `operation`, and `account` or `match` to keep it to this test's calls).
    pub async fn new(mut spec: serde_json::Value) -> Hold {
        spec["hold"] = serde_json::Value::Bool(true);
        Hold { id: inject_fault(spec).await }
    }

    /// Returns once a matching call has reached the emulator and is waiting there.
    pub async fn arrived(&self) {
        let url = format!("{}/_emulator/faults/{}/wait?timeout_ms=30000", endpoint(), self.id);
        let r = reqwest::Client::new().post(url).send().await.unwrap();
        assert_eq!(r.status(), 200, "no call reached hold {} within 30 s", self.id);
    }

    /// Lets the held call go on.
    pub async fn release(&self) {
        let url = format!("{}/_emulator/faults/{}/release", endpoint(), self.id);
        let r = reqwest::Client::new().post(url).send().await.unwrap();
        assert_eq!(r.status(), 200, "releasing hold {}", self.id);
    }
}
