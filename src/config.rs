//! Settings from the environment (`MESHGOV_*`, `DATABASE_URL`), validated once at start.
//! Every wrong or missing value is reported with the variable's name, all at once, so an operator
//! fixes a deployment in one round instead of one variable per restart.

use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`; or, with the database's credentials in a Secrets Manager secret, the URL of
    /// `MESHGOV_DATABASE_HOST`, `…_PORT`, `…_NAME` and `…_SSLMODE` without them.
    pub database_url: String,
    /// Where the database's user name and password are (`MESHGOV_DATABASE_SECRET_ARN`: a secret
    /// holding JSON with `username` and `password`, as RDS keeps a managed master password).
    pub database_secret_arn: Option<String>,
    pub listen: SocketAddr,
    /// Whether `serve` answers the API (`MESHGOV_SERVE_API`). A replica with it off and workers
    /// on is a worker: it still answers the probes and metrics on `listen`, for its orchestrator.
    pub serve_api: bool,
    pub db_max_connections: u32,
    pub request_timeout: Duration,
    pub body_limit: usize,
    /// Browser origins allowed to call the API cross-origin (`MESHGOV_CORS_ORIGINS`); empty: no
    /// CORS headers at all, so browsers allow only same-origin pages.
    pub cors_origins: Vec<String>,
    /// Requests per caller (`MESHGOV_RATE_LIMIT`, `MESHGOV_RATE_LIMIT_BURST`); `None`: unlimited.
    pub rate_limit: Option<RateLimit>,
    pub auth: AuthConfig,
    /// Signs console sessions (`MESHGOV_CONSOLE_SECRET`, at least 32 characters; the same on
    /// every replica). Unset: derived from the development secret, else random per process.
    pub console_secret: Option<String>,
    pub aws: AwsConfig,
    pub sync: SyncConfig,
    pub reconcile: ReconcileConfig,
    /// Longest a subscription may last, in days (`MESHGOV_SUBSCRIPTION_MAX_DAYS`, default 365).
    pub subscription_max_days: u32,
    pub events: EventsConfig,
    pub log: LogConfig,
}

/// A token bucket per caller, kept in memory by each replica: the limit of the whole service is
/// this times the number of replicas a load balancer spreads a caller over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Tokens added per second: the sustained rate.
    pub per_second: u32,
    /// The bucket's size: requests a caller may send at once after being idle.
    pub burst: u32,
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub dev_secret: Option<String>,
    pub jwks_url: Option<String>,
    pub issuer: Option<String>,
    pub audience: String,
    pub roles_claim: String,
    pub domains_claim: String,
    /// Shortest time between two JWKS fetches triggered by unknown key ids.
    pub jwks_min_refresh: Duration,
    /// Keys are fetched again after this long even when every kid is known (key revocation).
    pub jwks_max_age: Duration,
}

#[derive(Debug, Clone)]
pub struct AwsConfig {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Attempts per AWS call (the SDK retries throttling and 5xx with jittered backoff).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    /// Fixed governance-account credentials instead of the default chain (tests, emulators).
    pub static_credentials: Option<(String, String)>,
    /// The principal meshgov runs as, named in the trust policy producers create.
    pub principal_arn: Option<String>,
    /// Where the templates of deploy/cloudformation are published (an https URL of a folder,
    /// e.g. an S3 prefix): readiness then links to the console's quick-create page of each stack.
    pub stack_templates_url: Option<String>,
    /// The governance stack's bus of producers' catalog events, a parameter of the producer stack.
    pub catalog_event_bus_arn: Option<String>,
    /// The SQS queue the bus's rule puts producers' Glue Data Catalog events on.
    pub catalog_events_queue_url: Option<String>,
    /// The share of its time, in percent, the queue loop may spend taking events while the queue
    /// has a backlog (`MESHGOV_EVENTS_INTAKE_SHARE`): after taking a receive's messages it rests
    /// for as long again as the rest of the share, so a burst is absorbed at a steady pace and
    /// decisions keep the database (the queue holds the backlog meanwhile). 100: no rest.
    pub events_intake_share: u32,
}

impl Default for AwsConfig {
    fn default() -> AwsConfig {
        AwsConfig {
            region: None,
            endpoint_url: None,
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            static_credentials: None,
            principal_arn: None,
            stack_templates_url: None,
            catalog_event_bus_arn: None,
            catalog_events_queue_url: None,
            events_intake_share: 50,
        }
    }
}

impl AwsConfig {
    /// Settings for an emulator at `endpoint`: one region, dummy credentials, quick retries.
    pub fn emulator(endpoint: &str) -> AwsConfig {
        AwsConfig {
            region: Some("us-east-1".into()),
            endpoint_url: Some(endpoint.to_string()),
            max_attempts: 4,
            initial_backoff: Duration::from_millis(20),
            static_credentials: Some(("testing".into(), "testing".into())),
            principal_arn: Some("arn:aws:iam::123456789012:role/meshgov".into()),
            ..AwsConfig::default()
        }
    }
}

/// Catalog sync and background work.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// How often every domain is synced; `None` turns the schedule off.
    pub interval: Option<Duration>,
    /// Jobs run at once per replica (each sync reads one producer account).
    pub worker_concurrency: usize,
    /// Whether `serve` runs the job worker and scheduler (off for API-only replicas).
    pub run_workers: bool,
    /// How long a job stays claimed without a heartbeat: after a worker dies, its job is picked
    /// up again this long after the last renewal.
    pub job_lease: Duration,
    /// How often an idle worker looks for due jobs by itself. Enqueued jobs wake the workers at
    /// once (Postgres NOTIFY); this poll finds the jobs that come due later (retries after their
    /// backoff, deferred deliveries) and covers a notification lost while the listener reconnects.
    pub job_poll: Duration,
}

impl Default for SyncConfig {
    fn default() -> SyncConfig {
        SyncConfig {
            interval: Some(Duration::from_secs(3600)),
            worker_concurrency: 4,
            run_workers: true,
            job_lease: Duration::from_secs(60),
            job_poll: Duration::from_millis(500),
        }
    }
}

/// The periodic reconcile: a drift check and the repairs allowed without a human.
#[derive(Debug, Clone)]
pub struct ReconcileConfig {
    /// How often; `None` turns it off.
    pub interval: Option<Duration>,
    /// Grant again what was revoked behind meshgov's back (on by default: it restores approved
    /// access).
    pub regrant_missing: bool,
    /// Revoke permissions granted outside meshgov on managed resources (off by default: someone
    /// may have granted them on purpose; a steward decides with `POST /reconcile?apply=true`).
    pub revoke_unexpected: bool,
    /// Sync a product whose tables or columns vanished under live grants.
    pub sync_orphaned: bool,
}

impl ReconcileConfig {
    pub fn off() -> ReconcileConfig {
        ReconcileConfig { interval: None, regrant_missing: true, revoke_unexpected: false, sync_orphaned: true }
    }
}

/// The event feed and webhooks.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// The CloudEvents `source` of every event (`MESHGOV_EVENT_SOURCE`, default `urn:meshgov`).
    pub source: String,
    /// Whether webhook URLs may be plain `http://` (`MESHGOV_WEBHOOK_ALLOW_HTTP`; tests, demos).
    pub webhook_allow_http: bool,
    /// Whether webhooks may reach private, loopback and other non-public addresses
    /// (`MESHGOV_WEBHOOK_ALLOW_PRIVATE`; tests, demos, receivers inside your network).
    pub webhook_allow_private: bool,
    /// Attempts per webhook delivery before it is dead-lettered (`MESHGOV_WEBHOOK_MAX_ATTEMPTS`).
    pub webhook_max_attempts: i32,
    /// Workers per replica that deliver webhooks, beside the provisioning workers, which
    /// deliveries never occupy (`MESHGOV_WEBHOOK_WORKERS`).
    pub webhook_workers: usize,
}

impl Default for EventsConfig {
    fn default() -> EventsConfig {
        EventsConfig {
            source: "urn:meshgov".into(),
            webhook_allow_http: false,
            webhook_allow_private: false,
            webhook_max_attempts: 8,
            webhook_workers: 2,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub filter: String,
    pub json: bool,
}

/// All the problems found in the environment, one line each.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

/// Reads variables through `get`, so tests can pass a map instead of touching the process env.
struct Env<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<String>,
}

impl Env<'_> {
    fn opt(&self, name: &str) -> Option<String> {
        (self.get)(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    fn parsed<T>(&mut self, name: &str, default: T, parse: impl Fn(&str) -> Result<T, String>) -> T {
        match self.opt(name) {
            None => default,
            Some(raw) => match parse(&raw) {
                Ok(v) => v,
                Err(why) => {
                    self.errors.push(format!("{name}={raw:?}: {why}"));
                    default
                }
            },
        }
    }
}

pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (digits, unit) = raw.split_at(split);
    let n: u64 = digits.parse().map_err(|_| "expected a duration such as 30s, 5m, 1h or 7d".to_string())?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => return Ok(Duration::from_millis(n)),
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err("unknown unit; use ms, s, m, h or d".into()),
    };
    Ok(Duration::from_secs(secs))
}

fn http_url(raw: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err("expected an http(s) URL".into());
    }
    Ok(raw.to_string())
}

/// `MESHGOV_CORS_ORIGINS`: comma-separated origins, each `http(s)://host[:port]` as browsers send
/// it in `Origin` (normalized: lowercase host, no default port). `*` is refused: the point is a
/// list of the consoles you run, and the API needs no credentials mode (the bearer token is a
/// header a script sets), so nothing is gained by letting every site in.
fn cors_origins(raw: &str) -> Result<Vec<String>, String> {
    let mut origins = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        if item == "*" {
            return Err("`*` is not allowed; list each origin, e.g. https://console.example.com".into());
        }
        let bad = || format!("{item:?} is not an origin; expected http(s)://host[:port] without path, e.g. https://console.example.com");
        let url = reqwest::Url::parse(item).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.path() != "/"
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(bad());
        }
        let origin = url.origin().ascii_serialization();
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

fn boolean(raw: &str) -> Result<bool, String> {
    match raw {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

fn claim_name(raw: &str) -> Result<String, String> {
    if raw.len() > 200 || raw.chars().any(char::is_whitespace) {
        return Err("expected a claim name without spaces".into());
    }
    Ok(raw.to_string())
}

impl AuthConfig {
    fn read(env: &mut Env) -> AuthConfig {
        let dev_secret = env.opt("MESHGOV_JWT_DEV_SECRET");
        if let Some(s) = &dev_secret
            && s.len() < 32
        {
            env.errors.push("MESHGOV_JWT_DEV_SECRET: must be at least 32 bytes (HS256 key)".into());
        }
        let jwks_url = env.parsed("MESHGOV_JWT_JWKS_URL", None, |v| http_url(v).map(Some));
        AuthConfig {
            dev_secret,
            jwks_url,
            issuer: env.opt("MESHGOV_JWT_ISSUER"),
            audience: env.opt("MESHGOV_JWT_AUDIENCE").unwrap_or_else(|| "meshgov".into()),
            roles_claim: env.parsed("MESHGOV_JWT_ROLES_CLAIM", "roles".into(), claim_name),
            domains_claim: env.parsed("MESHGOV_JWT_DOMAINS_CLAIM", "domains".into(), claim_name),
            jwks_min_refresh: env.parsed("MESHGOV_JWT_JWKS_MIN_REFRESH", Duration::from_secs(10), parse_duration),
            jwks_max_age: env.parsed("MESHGOV_JWT_JWKS_MAX_AGE", Duration::from_secs(3600), parse_duration),
        }
    }

    /// Only the token settings, for `meshgov token`, which needs no database.
    pub fn from_env_with(get: &dyn Fn(&str) -> Option<String>) -> Result<AuthConfig, ConfigError> {
        let mut env = Env { get, errors: Vec::new() };
        let auth = AuthConfig::read(&mut env);
        if env.errors.is_empty() { Ok(auth) } else { Err(ConfigError(env.errors)) }
    }

    /// Settings for tests and tools: HS256 with the given secret, default claims.
    pub fn dev(secret: &str) -> AuthConfig {
        AuthConfig {
            dev_secret: Some(secret.to_string()),
            jwks_url: None,
            issuer: None,
            audience: "meshgov".into(),
            roles_claim: "roles".into(),
            domains_claim: "domains".into(),
            jwks_min_refresh: Duration::from_secs(10),
            jwks_max_age: Duration::from_secs(3600),
        }
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_env_with(&|name| std::env::var(name).ok())
    }

    pub fn from_env_with(get: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut env = Env { get, errors: Vec::new() };
        let database_secret_arn = env.opt("MESHGOV_DATABASE_SECRET_ARN");
        let database_url = match (env.opt("DATABASE_URL"), &database_secret_arn) {
            (Some(url), _) if url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
            (Some(_), _) => {
                env.errors.push("DATABASE_URL: expected postgres://user@host:port/database".into());
                String::new()
            }
            (None, Some(arn)) => {
                if !(arn.starts_with("arn:") && arn.contains(":secretsmanager:")) {
                    env.errors.push("MESHGOV_DATABASE_SECRET_ARN: expected a Secrets Manager secret ARN".into());
                }
                let host = env.opt("MESHGOV_DATABASE_HOST").unwrap_or_else(|| {
                    env.errors.push("MESHGOV_DATABASE_HOST: required with MESHGOV_DATABASE_SECRET_ARN".into());
                    String::new()
                });
                let port = env.parsed("MESHGOV_DATABASE_PORT", 5432u16, |v| v.parse().map_err(|_| "expected a port number".into()));
                let name = env.opt("MESHGOV_DATABASE_NAME").unwrap_or_else(|| "meshgov".into());
                let sslmode = env.parsed("MESHGOV_DATABASE_SSLMODE", "require".to_string(), |v| match v {
                    "disable" | "prefer" | "require" | "verify-ca" | "verify-full" => Ok(v.to_string()),
                    _ => Err("expected disable, prefer, require, verify-ca or verify-full".into()),
                });
                let valid_host = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b));
                let valid_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !valid_host || !valid_name {
                    env.errors.push("MESHGOV_DATABASE_HOST, MESHGOV_DATABASE_NAME: a host name and a database name".into());
                }
                format!("postgres://{host}:{port}/{name}?sslmode={sslmode}")
            }
            (None, None) => {
                env.errors.push(
                    "DATABASE_URL: required (postgres://user@host:port/database), or MESHGOV_DATABASE_SECRET_ARN with MESHGOV_DATABASE_HOST".into(),
                );
                String::new()
            }
        };
        let listen = env.parsed("MESHGOV_LISTEN", SocketAddr::from(([127, 0, 0, 1], 8080)), |v| {
            v.parse().map_err(|_| "expected host:port, e.g. 0.0.0.0:8080".to_string())
        });
        let db_max_connections = env.parsed("MESHGOV_DB_MAX_CONNECTIONS", 16, |v| match v.parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(n),
            _ => Err("expected a number from 1 to 1000".into()),
        });
        let request_timeout = env.parsed("MESHGOV_REQUEST_TIMEOUT", Duration::from_secs(30), |v| {
            parse_duration(v).and_then(|d| if d.is_zero() { Err("must be positive".into()) } else { Ok(d) })
        });
        let body_limit = env.parsed("MESHGOV_BODY_LIMIT", 1 << 20, |v| match v.parse::<usize>() {
            Ok(n) if (1024..=64 << 20).contains(&n) => Ok(n),
            _ => Err("expected a size in bytes from 1024 to 67108864".into()),
        });
        let cors_origins = env.parsed("MESHGOV_CORS_ORIGINS", Vec::new(), cors_origins);
        let per_second = env.parsed("MESHGOV_RATE_LIMIT", 50, |v| match v.parse::<u32>() {
            Ok(n) if n <= 100_000 => Ok(n),
            _ => Err("expected requests per second from 0 (no limit) to 100000".into()),
        });
        let burst = env.parsed("MESHGOV_RATE_LIMIT_BURST", 200, |v| match v.parse::<u32>() {
            Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
            _ => Err("expected a number of requests from 1 to 1000000".into()),
        });
        let rate_limit = (per_second > 0).then_some(RateLimit { per_second, burst });
        let auth = AuthConfig::read(&mut env);
        if auth.dev_secret.is_none() && auth.jwks_url.is_none() {
            env.errors.push(
                "MESHGOV_JWT_DEV_SECRET or MESHGOV_JWT_JWKS_URL: one is required, or no caller can authenticate"
                    .into(),
            );
        }
        let console_secret = env.parsed("MESHGOV_CONSOLE_SECRET", None, |v| {
            if v.len() >= 32 { Ok(Some(v.to_string())) } else { Err("expected at least 32 characters".into()) }
        });
        let aws = AwsConfig {
            region: env.opt("MESHGOV_AWS_REGION"),
            endpoint_url: env.parsed("MESHGOV_AWS_ENDPOINT_URL", None, |v| http_url(v).map(Some)),
            max_attempts: env.parsed("MESHGOV_AWS_MAX_ATTEMPTS", 5, |v| match v.parse::<u32>() {
                Ok(n) if (1..=20).contains(&n) => Ok(n),
                _ => Err("expected a number from 1 to 20".into()),
            }),
            initial_backoff: Duration::from_millis(200),
            static_credentials: None,
            principal_arn: env.parsed("MESHGOV_AWS_PRINCIPAL_ARN", None, |v| {
                crate::validate::RoleArn::parse("MESHGOV_AWS_PRINCIPAL_ARN", v)
                    .map(|r| Some(r.as_str().to_string()))
                    .map_err(|e| e.message)
            }),
            stack_templates_url: env.parsed("MESHGOV_STACK_TEMPLATES_URL", None, |v| {
                if v.starts_with("https://") && !v.contains(['?', '#']) {
                    Ok(Some(if v.ends_with('/') { v.to_string() } else { format!("{v}/") }))
                } else {
                    Err("expected the https URL of the folder holding producer.yaml and consumer.yaml".into())
                }
            }),
            catalog_event_bus_arn: env.parsed("MESHGOV_CATALOG_EVENT_BUS_ARN", None, |v| {
                if v.starts_with("arn:") && v.contains(":events:") && v.contains(":event-bus/") {
                    Ok(Some(v.to_string()))
                } else {
                    Err("expected an EventBridge bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)".into())
                }
            }),
            catalog_events_queue_url: env.parsed("MESHGOV_CATALOG_EVENTS_QUEUE_URL", None, |v| http_url(v).map(Some)),
            events_intake_share: env.parsed("MESHGOV_EVENTS_INTAKE_SHARE", AwsConfig::default().events_intake_share, |v| match v.parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => Ok(n),
                _ => Err("expected a percentage from 1 to 100".into()),
            }),
        };
        let sync = SyncConfig {
            interval: env.parsed("MESHGOV_SYNC_INTERVAL", Some(Duration::from_secs(3600)), |v| {
                if v == "off" { Ok(None) } else { parse_duration(v).map(|d| (!d.is_zero()).then_some(d)) }
            }),
            worker_concurrency: env.parsed("MESHGOV_WORKER_CONCURRENCY", 4, |v| match v.parse::<usize>() {
                Ok(n) if (1..=64).contains(&n) => Ok(n),
                _ => Err("expected a number from 1 to 64".into()),
            }),
            run_workers: env.parsed("MESHGOV_RUN_WORKERS", true, boolean),
            job_lease: env.parsed("MESHGOV_JOB_LEASE", Duration::from_secs(60), |v| {
                parse_duration(v).and_then(|d| {
                    if d >= Duration::from_secs(3) { Ok(d) } else { Err("must be at least 3s".into()) }
                })
            }),
            job_poll: env.parsed("MESHGOV_JOB_POLL", Duration::from_millis(500), |v| {
                parse_duration(v).and_then(|d| {
                    if (Duration::from_millis(50)..=Duration::from_secs(300)).contains(&d) {
                        Ok(d)
                    } else {
                        Err("must be from 50ms to 5m".into())
                    }
                })
            }),
        };
        let flag = |v: &str| match v {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err("expected true or false".to_string()),
        };
        let reconcile = ReconcileConfig {
            interval: env.parsed("MESHGOV_RECONCILE_INTERVAL", Some(Duration::from_secs(900)), |v| {
                if v == "off" { Ok(None) } else { parse_duration(v).map(|d| (!d.is_zero()).then_some(d)) }
            }),
            regrant_missing: env.parsed("MESHGOV_RECONCILE_REGRANT_MISSING", true, flag),
            revoke_unexpected: env.parsed("MESHGOV_RECONCILE_REVOKE_UNEXPECTED", false, flag),
            sync_orphaned: env.parsed("MESHGOV_RECONCILE_SYNC_ORPHANED", true, flag),
        };
        let subscription_max_days = env.parsed("MESHGOV_SUBSCRIPTION_MAX_DAYS", 365, |v| match v.parse::<u32>() {
            Ok(n) if (1..=3650).contains(&n) => Ok(n),
            _ => Err("expected a number of days from 1 to 3650".into()),
        });
        let defaults = EventsConfig::default();
        let events = EventsConfig {
            // A URI-reference identifying this meshgov (CloudEvents `source`): receivers of several
            // installations tell them apart by it.
            source: env.parsed("MESHGOV_EVENT_SOURCE", defaults.source, |v| {
                if v.len() <= 500 && !v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    Ok(v.to_string())
                } else {
                    Err("expected a URI without spaces, e.g. urn:meshgov:prod or https://meshgov.example.com".into())
                }
            }),
            webhook_allow_http: env.parsed("MESHGOV_WEBHOOK_ALLOW_HTTP", defaults.webhook_allow_http, boolean),
            webhook_allow_private: env.parsed("MESHGOV_WEBHOOK_ALLOW_PRIVATE", defaults.webhook_allow_private, boolean),
            webhook_max_attempts: env.parsed("MESHGOV_WEBHOOK_MAX_ATTEMPTS", defaults.webhook_max_attempts, |v| {
                match v.parse::<i32>() {
                    Ok(n) if (1..=50).contains(&n) => Ok(n),
                    _ => Err("expected a number from 1 to 50".into()),
                }
            }),
            webhook_workers: env.parsed("MESHGOV_WEBHOOK_WORKERS", defaults.webhook_workers, |v| match v.parse::<usize>() {
                Ok(n) if (1..=64).contains(&n) => Ok(n),
                _ => Err("expected a number from 1 to 64".into()),
            }),
        };
        let log = LogConfig {
            filter: env.parsed("MESHGOV_LOG", "info".into(), |v| {
                tracing_subscriber::EnvFilter::try_new(v).map(|_| v.to_string()).map_err(|e| e.to_string())
            }),
            json: env.parsed("MESHGOV_LOG_FORMAT", true, |v| match v {
                "json" => Ok(true),
                "pretty" => Ok(false),
                _ => Err("expected json or pretty".into()),
            }),
        };
        let serve_api = env.parsed("MESHGOV_SERVE_API", true, boolean);
        if !serve_api && !sync.run_workers {
            env.errors.push("MESHGOV_SERVE_API=false with MESHGOV_RUN_WORKERS=false: a replica that neither answers the API nor runs workers does nothing".into());
        }
        if !env.errors.is_empty() {
            return Err(ConfigError(env.errors));
        }
        Ok(Config {
            database_url,
            database_secret_arn,
            listen,
            serve_api,
            db_max_connections,
            request_timeout,
            body_limit,
            cors_origins,
            rate_limit,
            auth,
            console_secret,
            aws,
            sync,
            reconcile,
            subscription_max_days,
            events,
            log,
        })
    }

    /// A configuration for tests: the given database, a dev secret, defaults elsewhere.
    pub fn for_tests(database_url: &str, dev_secret: &str) -> Config {
        Config {
            database_url: database_url.to_string(),
            database_secret_arn: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            serve_api: true,
            db_max_connections: 8,
            request_timeout: Duration::from_secs(30),
            body_limit: 1 << 20,
            cors_origins: Vec::new(),
            // Off: a test sends many quick requests with one token; tests of the limit set one.
            rate_limit: None,
            auth: AuthConfig::dev(dev_secret),
            console_secret: None,
            // A governance account of its own, so approvals in central mode know where grants go
            // without asking STS.
            aws: AwsConfig { principal_arn: Some("arn:aws:iam::123456789012:role/meshgov".into()), ..AwsConfig::default() },
            sync: SyncConfig { run_workers: false, interval: None, ..SyncConfig::default() },
            reconcile: ReconcileConfig::off(),
            subscription_max_days: 365,
            // Test receivers listen on plain http on loopback.
            events: EventsConfig { webhook_allow_http: true, webhook_allow_private: true, ..EventsConfig::default() },
            log: LogConfig { filter: "warn".into(), json: false },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_env_with(&move |k| map.get(k).cloned())
    }

    #[test]
    fn reports_every_bad_variable_by_name() {
        let err = from(&[
            ("MESHGOV_LISTEN", "nope"),
            ("MESHGOV_JWT_DEV_SECRET", "short"),
            ("MESHGOV_LOG_FORMAT", "xml"),
            ("MESHGOV_AWS_ENDPOINT_URL", "ftp://x"),
            ("MESHGOV_WEBHOOK_MAX_ATTEMPTS", "0"),
            ("MESHGOV_WEBHOOK_ALLOW_HTTP", "yes"),
            ("MESHGOV_EVENT_SOURCE", "urn:has space"),
            ("MESHGOV_JOB_POLL", "10ms"),
            ("MESHGOV_CORS_ORIGINS", "https://console.example.com/app"),
            ("MESHGOV_RATE_LIMIT", "-1"),
            ("MESHGOV_RATE_LIMIT_BURST", "0"),
            ("MESHGOV_EVENTS_INTAKE_SHARE", "0"),
            ("MESHGOV_CONSOLE_SECRET", "too short"),
        ])
        .unwrap_err();
        let text = err.to_string();
        for name in [
            "DATABASE_URL",
            "MESHGOV_LISTEN",
            "MESHGOV_JWT_DEV_SECRET",
            "MESHGOV_LOG_FORMAT",
            "MESHGOV_AWS_ENDPOINT_URL",
            "MESHGOV_WEBHOOK_MAX_ATTEMPTS",
            "MESHGOV_WEBHOOK_ALLOW_HTTP",
            "MESHGOV_EVENT_SOURCE",
            "MESHGOV_JOB_POLL",
            "MESHGOV_CORS_ORIGINS",
            "MESHGOV_RATE_LIMIT=", // not only the prefix of the next one
            "MESHGOV_RATE_LIMIT_BURST",
            "MESHGOV_EVENTS_INTAKE_SHARE",
            "MESHGOV_CONSOLE_SECRET",
        ] {
            assert!(text.contains(name), "{name} missing from: {text}");
        }
    }

    #[test]
    fn defaults_apply_when_only_required_values_are_set() {
        let c = from(&[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/meshgov"),
            ("MESHGOV_JWT_DEV_SECRET", "0123456789abcdef0123456789abcdef"),
        ])
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.auth.audience, "meshgov");
        assert_eq!(c.auth.roles_claim, "roles");
        assert!(c.log.json);
        assert_eq!((c.events.source.as_str(), c.events.webhook_allow_http, c.events.webhook_max_attempts), ("urn:meshgov", false, 8));
        assert_eq!(c.sync.job_poll, std::time::Duration::from_millis(500));
        assert_eq!(c.aws.events_intake_share, 50);
        assert!(c.cors_origins.is_empty(), "CORS is off unless origins are listed");
        assert_eq!(c.rate_limit, Some(RateLimit { per_second: 50, burst: 200 }));
    }

    #[test]
    fn the_database_may_be_a_host_and_a_secret() {
        let secret = "arn:aws:secretsmanager:eu-west-1:999988887777:secret:rds!cluster-1a2b-AbCdEf";
        let dev = ("MESHGOV_JWT_DEV_SECRET", "0123456789abcdef0123456789abcdef");
        let c = from(&[("MESHGOV_DATABASE_SECRET_ARN", secret), ("MESHGOV_DATABASE_HOST", "meshgov.cluster-x.eu-west-1.rds.amazonaws.com"), dev])
            .unwrap();
        assert_eq!(c.database_url, "postgres://meshgov.cluster-x.eu-west-1.rds.amazonaws.com:5432/meshgov?sslmode=require");
        assert_eq!(c.database_secret_arn.as_deref(), Some(secret));
        let text = from(&[("MESHGOV_DATABASE_SECRET_ARN", "not-an-arn"), ("MESHGOV_DATABASE_SSLMODE", "maybe"), dev])
            .unwrap_err()
            .to_string();
        for name in ["MESHGOV_DATABASE_SECRET_ARN", "MESHGOV_DATABASE_HOST", "MESHGOV_DATABASE_SSLMODE"] {
            assert!(text.contains(name), "{name} missing from: {text}");
        }
        let url_wins = from(&[("DATABASE_URL", "postgres://postgres@127.0.0.1/meshgov"), ("MESHGOV_DATABASE_SECRET_ARN", secret), dev]).unwrap();
        assert_eq!(url_wins.database_url, "postgres://postgres@127.0.0.1/meshgov");
    }

    #[test]
    fn a_replica_is_an_api_a_worker_or_both() {
        let required = [("DATABASE_URL", "postgres://postgres@127.0.0.1/meshgov"), ("MESHGOV_JWT_DEV_SECRET", "0123456789abcdef0123456789abcdef")];
        let role = |extra: &[(&str, &str)]| {
            from(&[&required[..], extra].concat()).map(|c| (c.serve_api, c.sync.run_workers)).map_err(|e| e.to_string())
        };
        assert_eq!(role(&[]), Ok((true, true)));
        assert_eq!(role(&[("MESHGOV_RUN_WORKERS", "false")]), Ok((true, false)));
        assert_eq!(role(&[("MESHGOV_SERVE_API", "false")]), Ok((false, true)));
        let neither = role(&[("MESHGOV_SERVE_API", "false"), ("MESHGOV_RUN_WORKERS", "false")]).unwrap_err();
        assert!(neither.contains("MESHGOV_SERVE_API=false with MESHGOV_RUN_WORKERS=false"), "{neither}");
    }

    #[test]
    fn rate_limit_zero_turns_it_off() {
        let c = from(&[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/meshgov"),
            ("MESHGOV_JWT_DEV_SECRET", "0123456789abcdef0123456789abcdef"),
            ("MESHGOV_RATE_LIMIT", "0"),
        ])
        .unwrap();
        assert_eq!(c.rate_limit, None);
    }

    #[test]
    fn cors_origins_are_exact_http_origins() {
        assert_eq!(
            cors_origins(" https://Console.example.com , http://localhost:3000,https://a.example:443/").unwrap(),
            vec!["https://console.example.com", "http://localhost:3000", "https://a.example"]
        );
        for bad in ["*", "https://console.example.com/app", "ftp://x.example", "console.example.com", "https://u:p@x.example", "https://x.example?q=1"] {
            assert!(cors_origins(bad).is_err(), "{bad} accepted");
        }
        assert!(cors_origins("").unwrap().is_empty());
    }

    #[test]
    fn requires_a_way_to_authenticate() {
        let err = from(&[("DATABASE_URL", "postgres://postgres@127.0.0.1/meshgov")]).unwrap_err();
        assert!(err.to_string().contains("MESHGOV_JWT_JWKS_URL"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
    }
}
