//! AWS SDK configuration shared by every client: the governance account's credentials from the
//! default chain, the region, an optional single endpoint (an emulator or a VPC endpoint), retries,
//! and rustls with ring for TLS (no C-built crypto beyond ring). Assumed-role credentials for
//! producer accounts are cached in [`roles::AssumedRoles`].

pub mod roles;
pub mod secrets;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};
use tokio::sync::OnceCell;

use crate::config::AwsConfig;

/// The SDK configuration, loaded on first use (loading is async and may read files or IMDS).
pub struct Aws {
    config: AwsConfig,
    sdk: OnceCell<SdkConfig>,
    principal: OnceCell<String>,
    pub roles: roles::AssumedRoles,
}

impl Aws {
    pub fn new(config: AwsConfig) -> Aws {
        Aws { config, sdk: OnceCell::new(), principal: OnceCell::new(), roles: roles::AssumedRoles::default() }
    }

    /// The principal meshgov runs as: configured, or asked of STS once (None if STS cannot say).
    pub async fn principal_arn(&self) -> Option<String> {
        if let Some(arn) = &self.config.principal_arn {
            return Some(arn.clone());
        }
        self.principal
            .get_or_try_init(|| async {
                let out = self.sts().await.get_caller_identity().send().await.map_err(|_| ())?;
                out.arn().map(str::to_string).ok_or(())
            })
            .await
            .ok()
            .cloned()
    }

    /// The governance account's id, from [`Self::principal_arn`]; None when STS cannot say.
    pub async fn governance_account(&self) -> Option<String> {
        let arn = self.principal_arn().await?;
        arn.split(':').nth(4).filter(|a| a.len() == 12).map(str::to_string)
    }

    /// The governance account's id, or "000000000000" when unknown: the catalog of a resource Lake
    /// Formation lists without a catalog id (a listing answered without it means the caller's own).
    pub async fn account_id(&self) -> String {
        self.governance_account().await.unwrap_or_else(|| "000000000000".into())
    }

    pub async fn sdk(&self) -> &SdkConfig {
        self.sdk.get_or_init(|| load(&self.config)).await
    }

    /// The governance account's Lake Formation client. Besides throttling and 5xx, it retries
    /// `ConcurrentModificationException` within the call (with the same jittered backoff), which
    /// Lake Formation answers when two writers touch one resource at once and which the SDK does
    /// not retry by itself.
    pub async fn lakeformation(&self) -> aws_sdk_lakeformation::Client {
        lakeformation_client(self.sdk().await)
    }

    pub async fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(self.sdk().await)
    }

    /// The SDK configuration acting as `role_arn` (assumed with `external_id`; credentials cached
    /// in [`roles::AssumedRoles`] until shortly before they expire).
    pub async fn config_as(
        &self,
        role_arn: &str,
        external_id: &str,
        session_name: &str,
    ) -> Result<SdkConfig, roles::AssumeRoleError> {
        let creds = self.roles.credentials(&self.sts().await, role_arn, external_id, session_name).await?;
        Ok(self
            .sdk()
            .await
            .to_builder()
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
            .build())
    }
}

/// A Lake Formation client for `sdk` (the governance account's, or an assumed role's) that also
/// retries `ConcurrentModificationException` within the call.
pub fn lakeformation_client(sdk: &SdkConfig) -> aws_sdk_lakeformation::Client {
    let config = aws_sdk_lakeformation::config::Builder::from(sdk).retry_classifier(RetryConcurrentModification).build();
    aws_sdk_lakeformation::Client::from_conf(config)
}

/// Classifies Lake Formation's `ConcurrentModificationException` as transient (restJson1 names
/// the error in the `x-amzn-errortype` header or in the body's `__type`/`code`).
#[derive(Debug)]
struct RetryConcurrentModification;

const CONCURRENT_MODIFICATION: &str = "ConcurrentModificationException";

impl ClassifyRetry for RetryConcurrentModification {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(response) = ctx.response() else { return RetryAction::NoActionIndicated };
        if response.status().is_success() {
            return RetryAction::NoActionIndicated;
        }
        let in_header = response.headers().get("x-amzn-errortype").is_some_and(|t| t.starts_with(CONCURRENT_MODIFICATION));
        let in_body = response
            .body()
            .bytes()
            .is_some_and(|b| b.windows(CONCURRENT_MODIFICATION.len()).any(|w| w == CONCURRENT_MODIFICATION.as_bytes()));
        if in_header || in_body { RetryAction::transient_error() } else { RetryAction::NoActionIndicated }
    }

    fn name(&self) -> &'static str {
        "ConcurrentModificationException"
    }
}

/// The HTTPS client of every AWS call: rustls with ring.
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    crate::install_crypto_provider();
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}

async fn load(config: &AwsConfig) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(config.max_attempts)
                .with_initial_backoff(config.initial_backoff)
                .with_max_backoff(Duration::from_secs(20)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(region) = &config.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &config.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some((key, secret)) = &config.static_credentials {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            key.clone(),
            secret.clone(),
            None,
            None,
            "meshgov-static",
        ));
    }
    loader.load().await
}

/// The error code and message of a failed SDK call, e.g. `ThrottlingException: Rate exceeded`.
pub fn describe<E, R>(err: &aws_sdk_sts::error::SdkError<E, R>) -> String
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_sts::error::{DisplayErrorContext, SdkError};
    match err {
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("UnknownError");
            let message = e.err().message().unwrap_or("");
            format!("{code}: {message}")
        }
        other => DisplayErrorContext(other).to_string(),
    }
}
