//! What the benchmarks share: settings from the environment, the benchmark's own database URL,
//! credentials in an emulated account, and a description of the machine for the results.
#![allow(dead_code)] // each benchmark uses part of it

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
