//! Credentials for producer accounts, from STS AssumeRole with the domain's external id, cached
//! until shortly before they expire so a sync of many products assumes each role once.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_sts::error::SdkError;
use tokio::sync::Mutex;

/// Assumed credentials are renewed this long before they expire.
const RENEW_BEFORE: Duration = Duration::from_secs(300);
const SESSION_SECONDS: i32 = 3600;

#[derive(Default)]
pub struct AssumedRoles {
    cache: Mutex<HashMap<(String, String), Credentials>>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot assume {role_arn}: {message}")]
pub struct AssumeRoleError {
    pub role_arn: String,
    pub message: String,
    /// Throttling and 5xx: worth retrying later. Access denied: not until someone fixes the role.
    pub retryable: bool,
}

impl AssumedRoles {
    pub async fn credentials(
        &self,
        sts: &aws_sdk_sts::Client,
        role_arn: &str,
        external_id: &str,
        session_name: &str,
    ) -> Result<Credentials, AssumeRoleError> {
        let key = (role_arn.to_string(), external_id.to_string());
        let mut cache = self.cache.lock().await;
        if let Some(creds) = cache.get(&key)
            && creds.expiry().is_some_and(|exp| exp > SystemTime::now() + RENEW_BEFORE)
        {
            return Ok(creds.clone());
        }
        let out = sts
            .assume_role()
            .role_arn(role_arn)
            .external_id(external_id)
            .role_session_name(session_name)
            .duration_seconds(SESSION_SECONDS)
            .send()
            .await
            .map_err(|e| AssumeRoleError {
                role_arn: role_arn.to_string(),
                retryable: is_retryable(&e),
                message: super::describe(&e),
            })?;
        let c = out.credentials().ok_or_else(|| AssumeRoleError {
            role_arn: role_arn.to_string(),
            message: "STS returned no credentials".into(),
            retryable: true,
        })?;
        let expiry = SystemTime::try_from(*c.expiration()).ok();
        let creds = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "meshgov-assume-role",
        );
        cache.insert(key, creds.clone());
        Ok(creds)
    }

    /// Forgets every cached credential (after the emulator was reset, or a role was changed).
    pub async fn clear(&self) {
        self.cache.lock().await.clear();
    }
}

/// Whether an SDK error is transient: throttling, timeouts, dispatch failures and 5xx.
pub fn is_retryable<E, R>(err: &SdkError<E, R>) -> bool
where
    E: aws_sdk_sts::error::ProvideErrorMetadata,
{
    match err {
        SdkError::ServiceError(e) => {
            let code = e.err().code().unwrap_or("");
            code.contains("Throttl")
                || code.contains("TooManyRequests")
                || code == "ConcurrentModificationException"
                || code == "InternalServiceException"
                || code == "ServiceUnavailable"
                || code == "InternalFailure"
        }
        SdkError::ResponseError(_) | SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        _ => false,
    }
}
