//! What the benchmarks share: settings from the environment, the benchmark's own database URL,
//! credentials in an emulated account, and a description of the machine for the results.
#![allow(dead_code)] // each benchmark uses part of it

/// The development secret the benchmarks' services verify tokens with.
pub const SECRET: &str = "benchmark-secret-0123456789abcdef0123";

/// A development token (an hour long) for `sub` with `roles` in `domains`.
pub fn token(sub: &str, roles: &[&str], domains: &[impl AsRef<str>]) -> String {
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    let domains: Vec<String> = domains.iter().map(|d| d.as_ref().to_string()).collect();
    let config = meshgov::config::AuthConfig::dev(SECRET);
    meshgov::http::auth::Authenticator::mint_dev_token(&config, sub, &roles, &domains, std::time::Duration::from_secs(3600)).unwrap()
}

/// SDK settings for the emulator at `endpoint`, acting with `credentials` (in the account the
/// emulator maps them to).
pub async fn sdk_config(endpoint: &str, credentials: aws_credential_types::Credentials) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(meshgov::aws::http_client())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

/// A numeric setting from the environment (`BENCH_*`), or its default.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `url` with its database replaced by `db` (query parameters kept).
pub fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Credentials that act in `account` (the emulator maps assumed credentials to the role's account).
pub async fn credentials_in(endpoint: &str, account: &str) -> aws_credential_types::Credentials {
    use aws_credential_types::provider::ProvideCredentials;
    let aws = meshgov::aws::Aws::new(meshgov::config::AwsConfig::emulator(endpoint));
    let config = aws.config_as(&format!("arn:aws:iam::{account}:role/meshgov"), "bench", "meshgov-bench").await.unwrap();
    config.credentials_provider().unwrap().provide_credentials().await.unwrap()
}

/// CPUs, CPU model and RAM, for the results' header.
pub fn machine() -> (usize, String, String) {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    (cpus, model, ram)
}

/// One request to `router` in-process, as `token`; the status and the JSON body (null if none).
pub async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (axum::http::StatusCode, serde_json::Value) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder().method(method).uri(path).header("authorization", format!("Bearer {token}"));
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map_or_else(axum::body::Body::empty, |b| axum::body::Body::from(b.to_string()));
    let response = router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// The `p` quantile (0 to 1) of `v`, nearest rank.
pub fn percentile(mut v: Vec<std::time::Duration>, p: f64) -> std::time::Duration {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

/// Milliseconds, one decimal.
pub fn ms(d: std::time::Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}
