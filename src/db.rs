//! The connection pool and the embedded migrations.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A pooled connection idle for less than this is handed out without a ping (HikariCP's default
/// bypass window).
const RECENTLY_USED: Duration = Duration::from_millis(500);

pub async fn connect(url: &str, max_connections: u32) -> sqlx::Result<PgPool> {
    connect_as(url, None, max_connections).await
}

/// [`connect`], as `credentials` (user name, password) when given instead of those of the URL.
pub async fn connect_as(url: &str, credentials: Option<&Credentials>, max_connections: u32) -> sqlx::Result<PgPool> {
    let options = with_credentials(url.parse()?, credentials);
    pool_options(max_connections).connect_with(tuned(options, url)).await
}

/// A database user name and password (from a Secrets Manager secret).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

fn with_credentials(options: PgConnectOptions, credentials: Option<&Credentials>) -> PgConnectOptions {
    match credentials {
        Some(c) => options.username(&c.username).password(&c.password),
        None => options,
    }
}

/// Connections the pool opens from now on use `credentials` (a rotated password); open ones stay.
pub fn use_credentials(pool: &PgPool, url: &str, credentials: &Credentials) -> sqlx::Result<()> {
    let options = with_credentials(url.parse()?, Some(credentials));
    pool.set_connect_options(tuned(options, url));
    Ok(())
}

fn tuned(mut options: PgConnectOptions, url: &str) -> PgConnectOptions {
    // Postgres' default random_page_cost (4) models spinning disks; on SSDs and Aurora it makes
    // the planner walk the id index for mid-frequency search terms instead of the full-text index
    // (measured in bench/results/plans.md: up to 3× slower). A value set in the URL wins.
    if !url.contains("random_page_cost") {
        options = options.options([("random_page_cost", "1.1")]);
    }
    options
}

fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings every connection it hands out: a round trip to Postgres before each request's
        // own query, a third of the service's cost per product read (bench/results/latest.md).
        // Like HikariCP, skip the check for a connection used moments ago: one that broke since
        // fails its query instead, which answers 503 and is dropped from the pool.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= RECENTLY_USED {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// True when every migration of this build is applied (and none failed); an error when the
/// database does not answer.
pub async fn migrations_applied(db: &PgPool) -> sqlx::Result<bool> {
    let applied: Vec<(i64, bool)> =
        match sqlx::query_as("SELECT version, success FROM _sqlx_migrations").fetch_all(db).await {
            Ok(rows) => rows,
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => return Ok(false),
            Err(e) => return Err(e),
        };
    Ok(MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).all(|m| applied.contains(&(m.version, true))))
}

/// Marks SQL assembled from compile-time constants only (column lists, a `FOR UPDATE` suffix) as
/// safe; client values always go in as bind parameters.
pub fn trusted(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}
