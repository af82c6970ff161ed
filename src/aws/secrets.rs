//! The database's credentials from Secrets Manager (`MESHGOV_DATABASE_SECRET_ARN`): RDS keeps a
//! managed master password there, as JSON with `username` and `password`, and rotates it.

use std::time::Duration;

use sqlx::PgPool;

use crate::db::Credentials;

/// Reads the secret's current credentials.
pub async fn database_credentials(sdk: &aws_config::SdkConfig, secret_arn: &str) -> Result<Credentials, String> {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let answer = client
        .get_secret_value()
        .secret_id(secret_arn)
        .send()
        .await
        .map_err(|e| format!("Secrets Manager GetSecretValue {secret_arn}: {}", super::describe(&e)))?;
    let text = answer.secret_string().ok_or_else(|| format!("{secret_arn} holds no string"))?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| format!("{secret_arn} does not hold JSON"))?;
    let field = |name: &str| {
        value.get(name).and_then(|v| v.as_str()).map(str::to_string).ok_or_else(|| format!("{secret_arn} has no {name:?}"))
    };
    Ok(Credentials { username: field("username")?, password: field("password")? })
}

/// How often the secret is read again: a rotated password reaches new connections within this.
pub const REFRESH: Duration = Duration::from_secs(300);

/// Reads the secret every [`REFRESH`] until `shutdown`, and gives the pool a changed password for
/// the connections it opens next (open ones keep theirs, which rotation does not end).
pub async fn keep_database_credentials(
    sdk: aws_config::SdkConfig,
    secret_arn: String,
    url: String,
    pool: PgPool,
    mut current: Credentials,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(REFRESH) => {}
            _ = shutdown.changed() => return,
        }
        match database_credentials(&sdk, &secret_arn).await {
            Ok(fresh) if fresh != current => match crate::db::use_credentials(&pool, &url, &fresh) {
                Ok(()) => {
                    tracing::info!("the database password was rotated: new connections use the new one");
                    current = fresh;
                }
                Err(e) => tracing::warn!(error = %e, "could not use the rotated database credentials"),
            },
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not read the database secret; keeping the credentials in use"),
        }
    }
}
