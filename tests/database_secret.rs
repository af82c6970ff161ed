//! `MESHGOV_DATABASE_SECRET_ARN`: without a `DATABASE_URL`, meshgov connects to
//! `MESHGOV_DATABASE_HOST`/`_PORT`/`_NAME` as the user name and password of a Secrets Manager
//! secret (the emulator's), as the governance stack runs it with Aurora's managed password.

mod common;

use std::process::{Command, Output};

use sqlx::PgPool;

/// `meshgov migrate` against the test's database, its credentials in `secret` (a JSON string).
async fn migrate_with_secret(pool: &PgPool, secret: Option<&str>) -> Output {
    meshgov::install_crypto_provider();
    let endpoint = common::aws::endpoint();
    let sdk = common::aws::base_config().await;
    let arn = match secret {
        Some(value) => {
            let client = aws_sdk_secretsmanager::Client::new(&sdk);
            let name = format!("meshgov-db-{}", uuid::Uuid::new_v4().simple());
            client.create_secret().name(name).secret_string(value).send().await.unwrap().arn().unwrap().to_string()
        }
        None => "arn:aws:secretsmanager:us-east-1:123456789012:secret:meshgov-no-such-secret-AbCdEf".to_string(),
    };
    let options = pool.connect_options();
    Command::new(env!("CARGO_BIN_EXE_meshgov"))
        .arg("migrate")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MESHGOV_DATABASE_SECRET_ARN", arn)
        .env("MESHGOV_DATABASE_HOST", options.get_host())
        .env("MESHGOV_DATABASE_PORT", options.get_port().to_string())
        .env("MESHGOV_DATABASE_NAME", options.get_database().unwrap())
        .env("MESHGOV_DATABASE_SSLMODE", "prefer")
        .env("MESHGOV_JWT_DEV_SECRET", common::SECRET)
        .env("MESHGOV_AWS_ENDPOINT_URL", endpoint)
        .env("MESHGOV_AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("MESHGOV_LOG_FORMAT", "pretty")
        .output()
        .unwrap()
}

#[sqlx::test]
async fn the_database_credentials_come_from_the_secret(pool: PgPool) {
    let user = pool.connect_options().get_username().to_string();
    let ok = migrate_with_secret(&pool, Some(&format!(r#"{{"username": "{user}", "password": "unused-with-trust"}}"#))).await;
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    // The secret's user name is the one used: one the server lacks is refused by it.
    let stranger = migrate_with_secret(&pool, Some(r#"{"username": "no_such_role", "password": "x"}"#)).await;
    let said = String::from_utf8_lossy(&stranger.stderr);
    assert_eq!(stranger.status.code(), Some(2), "{said}");
    assert!(said.contains("no_such_role"), "{said}");

    let missing = migrate_with_secret(&pool, None).await;
    let said = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{said}");
    assert!(said.contains("GetSecretValue"), "{said}");
    let not_credentials = migrate_with_secret(&pool, Some(r#"{"user": "x"}"#)).await;
    assert!(String::from_utf8_lossy(&not_credentials.stderr).contains("has no \"username\""), "{:?}", not_credentials);
}
