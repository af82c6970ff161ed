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
